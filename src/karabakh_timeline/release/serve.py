"""`serve`: Datasette on the SQLite export of a package, with its metadata.json, on the loopback interface only.

The export (tables, keys, full-text indexes, the year column) and metadata.json are built exactly
as a release builds them, into a temporary folder that is removed when the server stops.
Datasette is an optional dependency: ``pip install 'karabakh-timeline[serve]'``.
"""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from karabakh_timeline.check.validator import validate
from karabakh_timeline.release.assets import PRODUCT
from karabakh_timeline.release.datasette import METADATA_NAME, add_search, datasette_metadata
from karabakh_timeline.release.errors import PublishError
from karabakh_timeline.release.exports import SQLITE_NAME, typed_tables, write_sqlite
from karabakh_timeline.schema.descriptor import open_package
from karabakh_timeline.support.files import dumps
from karabakh_timeline.support.text import plural
from karabakh_timeline.vocabulary.exits import EXIT_INVALID, EXIT_UNREADABLE, EXIT_USAGE

__all__ = ["HOST", "build_database", "serve"]

HOST = "127.0.0.1"  # never another interface: the data is public, the machine it runs on is not
INSTALL_HINT = "pip install 'karabakh-timeline[serve]'"


def build_database(path: str | os.PathLike[str] | None, folder: Path) -> tuple[Path, Path, str]:
    """Validate the package and write its SQLite export and Datasette metadata.json into folder; (database, metadata, title)."""
    package = open_package(path)
    report = validate(package.descriptor_path)
    if report.unreadable:
        raise PublishError("cannot read the package", EXIT_UNREADABLE, report)
    if report.errors:
        raise PublishError(f"the data does not validate ({plural(len(report.errors), 'error')})", EXIT_INVALID, report)
    schemas = {name: r.schema for name, r in package.resources.items()}
    database = folder / SQLITE_NAME
    write_sqlite(typed_tables(package), schemas, database)
    add_search(database, schemas)
    metadata = datasette_metadata(package.descriptor, schemas, database.stem)
    (folder / METADATA_NAME).write_text(dumps(metadata), encoding="utf-8")
    return database, folder / METADATA_NAME, metadata["title"]


def _terminate(*_: object) -> None:
    raise SystemExit(128 + signal.SIGTERM)


def serve(path: str | os.PathLike[str] | None = None, port: int = 8001, *, announce: Callable[[str], None] = print) -> int:
    """Build the export of the package at path and run Datasette on http://127.0.0.1:PORT/ until stopped; its exit code."""
    if importlib.util.find_spec("datasette") is None:
        raise PublishError(f"serve needs Datasette: {INSTALL_HINT}", EXIT_USAGE)
    with tempfile.TemporaryDirectory(prefix=f"{PRODUCT}-serve-") as scratch:
        database, metadata, title = build_database(path, Path(scratch))
        command = [sys.executable, "-m", "datasette", "serve", str(database), "--metadata", str(metadata),
                   "--host", HOST, "--port", str(port), "--setting", "default_page_size", "50"]
        previous = signal.signal(signal.SIGTERM, _terminate)  # so a stop removes the scratch folder and the server
        server = subprocess.Popen(command)
        try:
            announce(f"serving {title} at http://{HOST}:{port}/{database.stem} (Ctrl-C to stop)")
            return server.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            signal.signal(signal.SIGTERM, previous)
