"""Writing files canonically: JSON with indent 2 and unescaped UTF-8, atomic replacement, the UTF-8 BOM."""
from __future__ import annotations

import codecs
import fcntl
import glob
import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMP_SUFFIX = ".tmp"
BOM = codecs.BOM_UTF8  # canonical files have none; the flat CSV for spreadsheets has one


def finite(data: Any) -> Any:
    """data with every NaN or infinite float replaced by its Table Schema form ("NaN", "INF", "-INF"): JSON has none."""
    if isinstance(data, float) and not math.isfinite(data):
        return "NaN" if data != data else "INF" if data > 0 else "-INF"
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    return data


def dumps(data: Any, **options: Any) -> str:
    """Canonical JSON: indent 2, UTF-8 characters unescaped, trailing newline; never NaN or Infinity, which JSON lacks."""
    options = {"indent": 2, "ensure_ascii": False, **options}
    try:
        text = json.dumps(data, allow_nan=False, **options)
    except ValueError:  # a non-finite float somewhere (rare): rewrite the document without them
        text = json.dumps(finite(data), allow_nan=False, **options)
    return text + ("\n" if options["indent"] is not None else "")


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace path with data in one step (a temporary file in the same folder, then os.replace)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read: size, modification time (ns) and SHA-256, to notice an edit made since."""

    size: int
    mtime_ns: int
    sha256: str


def read_once(path: Path) -> tuple[bytes, Fingerprint]:
    """A file's bytes, read in one go, and its fingerprint (taken from the same open file)."""
    with path.open("rb") as fh:
        before = os.fstat(fh.fileno())
        data = fh.read()
    return data, Fingerprint(before.st_size, before.st_mtime_ns, hashlib.sha256(data).hexdigest())


def fingerprint(path: Path) -> Fingerprint | None:
    """The file's fingerprint now, or None when it is gone or unreadable."""
    try:
        return read_once(path)[1]
    except OSError:
        return None


def replace_if_unchanged(path: Path, data: bytes, seen: Fingerprint, mode: int = 0o644) -> bool:
    """Atomically replace path with data only if it still is what was read (seen); False, and nothing written, otherwise.

    The temporary file is locked until it replaces path, so that clean_stale_temps() can tell the
    leftover of a killed run from the file of a run still writing.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        if fingerprint(path) != seen:  # checked as late as possible: an edit saved meanwhile is never overwritten
            return False
        os.replace(tmp, path)
        tmp = ""
        return True
    finally:
        if tmp:
            os.unlink(tmp)
        os.close(fd)


def clean_stale_temps(path: Path) -> list[Path]:
    """Remove the temporary files a killed replace_if_unchanged() left beside path (unlocked ones only); the removed."""
    removed = []
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*{TEMP_SUFFIX}"):
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while another run holds it: its file, not a leftover
            candidate.unlink()
            removed.append(candidate)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed
