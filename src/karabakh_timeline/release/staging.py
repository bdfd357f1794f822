"""Where publish builds: a private stage folder inside OUT, locked while its run lives, moved into place at the end.

A run removes only what it created itself; a stage left by a killed run (its lock is free) is cleaned by the
next run, which first puts back any previous release the killed run had moved aside.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from karabakh_timeline.release.assets import PRODUCT
from karabakh_timeline.release.errors import PublishError
from karabakh_timeline.support.text import safe_text
from karabakh_timeline.vocabulary.exits import EXIT_USAGE

STAGE_PREFIX = f".{PRODUCT}-stage-"
STAGE_SUFFIX = ".tmp"
LOCK = ".lock"
BACKUP = "old-"  # a release a run moved aside while it puts the new one in place
UNLOCKED_GRACE = 3600  # seconds: a stage without a lock file is another run's brand-new stage until then


def make_folders(out: Path) -> list[Path]:
    """Create out and its missing parents; the folders this call created, deepest last."""
    try:
        str(out).encode("utf-8")  # SQLite and Parquet writers need a path that is text
    except UnicodeEncodeError as exc:
        raise PublishError(f"--out {safe_text(str(out))} is not a UTF-8 path (bytes that are not text in a folder name); "
                           "choose another folder", EXIT_USAGE) from exc
    try:
        if out.exists() and not out.is_dir():
            raise PublishError(f"--out {safe_text(str(out))} exists and is not a directory", EXIT_USAGE)
        created = [p for p in reversed([out, *out.parents]) if not p.exists()]
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create --out {safe_text(str(out))}: {exc.strerror}", EXIT_USAGE) from exc
    except ValueError as exc:  # a NUL or a lone surrogate the file system cannot encode
        raise PublishError(f"cannot create --out {safe_text(str(out))}: {exc}", EXIT_USAGE) from exc
    return created


def remove_created(created: list[Path]) -> None:
    """Remove the folders a run created, deepest first, only while they are empty (another run may have filled them)."""
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return


def _try_lock(path: Path) -> int | None:
    """A file descriptor holding an exclusive lock on path, or None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def clean_stale(out: Path) -> None:
    """Remove the stage folders of killed runs in out, after restoring any release they had moved aside."""
    for stage in sorted(out.glob(f"{STAGE_PREFIX}*{STAGE_SUFFIX}")):
        if not stage.is_dir() or stage.is_symlink():
            continue
        lock = stage / LOCK
        if not lock.exists():
            if time.time() - stage.stat().st_mtime < UNLOCKED_GRACE:
                continue
            fd = None
        else:
            fd = _try_lock(lock)
            if fd is None:  # a live run
                continue
        try:
            for backup in stage.glob(f"{BACKUP}*"):
                target = out / backup.name.removeprefix(BACKUP)
                if not target.exists() and not target.is_symlink():
                    os.replace(backup, target)
            shutil.rmtree(stage, ignore_errors=True)
        finally:
            if fd is not None:
                os.close(fd)


@contextlib.contextmanager
def stage_in(out: Path) -> Iterator[Path]:
    """A private stage folder inside out, locked for this run, removed at the end whatever happens."""
    try:
        clean_stale(out)
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, suffix=STAGE_SUFFIX, dir=out))
    except OSError as exc:
        raise PublishError(f"cannot write into --out {out}: {exc.strerror}", EXIT_USAGE) from exc
    fd = _try_lock(stage / LOCK)
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if fd is not None:
            os.close(fd)


def place(stage: Path, built: list[tuple[Path, Path]]) -> None:
    """Move each built (source, target) into place; the old targets step aside into the stage and come back on error."""
    placed: list[Path] = []
    backups: list[tuple[Path, Path]] = []
    try:
        for _, target in built:
            if target.exists() or target.is_symlink():
                backups.append((stage / f"{BACKUP}{target.name}", target))
                os.replace(target, backups[-1][0])
        for source, target in built:
            os.replace(source, target)
            placed.append(target)
    except BaseException:
        for target in placed:
            shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
        for backup, target in backups:
            os.replace(backup, target)
        raise
