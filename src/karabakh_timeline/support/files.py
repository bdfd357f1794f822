"""Writing files canonically: JSON with indent 2 and unescaped UTF-8, atomic replacement, the UTF-8 BOM."""
from __future__ import annotations

import codecs
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BOM = codecs.BOM_UTF8  # canonical files have none; the flat CSV for spreadsheets has one


def dumps(data: Any) -> str:
    """Canonical JSON: indent 2, UTF-8 characters unescaped, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


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
    """Atomically replace path with data only if it still is what was read (seen); False, and nothing written, otherwise."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
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
