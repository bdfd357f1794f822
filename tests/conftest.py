"""Shared fixtures: tiny packages built from the project's own schemas, and CLI helpers."""
from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from karabakh_timeline.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


make_synthetic = _load_script("make_synthetic")


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A valid four-event package (deterministic synthetic data, the repository's schemas)."""
    out = tmp_path / "pkg"
    make_synthetic.make(4, out)
    return out


def read_rows(pkg: Path, table: str) -> list[list[str]]:
    """All records of a table's CSV, header first."""
    with (pkg / "data" / f"{table}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def records(pkg: Path, table: str) -> list[dict[str, str]]:
    """The data rows of a table's CSV as {field: value}, so tests address columns by name."""
    rows = read_rows(pkg, table)
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def without(pkg: Path, table: str, field: str, value: str) -> list[list[str]]:
    """The table's records, header first, minus the rows whose field equals value."""
    rows = read_rows(pkg, table)
    at = rows[0].index(field)
    return [rows[0]] + [r for r in rows[1:] if r[at] != value]


def write_rows(pkg: Path, table: str, rows: list[list[str]]) -> None:
    """Write records back canonically (LF, minimal quoting)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (pkg / "data" / f"{table}.csv").write_text(buf.getvalue(), encoding="utf-8")


def set_cells(pkg: Path, table: str, line: int, **values: str) -> None:
    """Set fields (by name) of the record on CSV line `line` (header = 1; one record per line)."""
    rows = read_rows(pkg, table)
    header = rows[0]
    for field, value in values.items():
        rows[line - 1][header.index(field)] = value
    write_rows(pkg, table, rows)


def cell(pkg: Path, table: str, line: int, field: str) -> str:
    """The value of a field on a CSV line."""
    rows = read_rows(pkg, table)
    return rows[line - 1][rows[0].index(field)]


def snapshot(pkg: Path) -> dict[str, str]:
    """Hashes of every file under pkg, to prove a command changed no byte."""
    return {str(p.relative_to(pkg)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(pkg.rglob("*")) if p.is_file() and not p.is_symlink()}


def published_synthetic(root: Path, edit: Callable[[Path], None]) -> tuple[Path, Path]:
    """A 12-event synthetic package under root, changed by edit, published to root/dist at a fixed time: (package, release dir)."""
    from karabakh_timeline.release.publish import publish

    pkg = root / "pkg"
    make_synthetic.make(12, pkg)
    edit(pkg)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1767323045")  # reproducible release dates
        return pkg, publish(pkg, root / "dist").directory


def run(*args: str) -> Result:
    """Invoke the CLI in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def foreign_package(root: Path, tables: dict[str, tuple[bytes | str, dict]], **descriptor: object) -> Path:
    """A minimal third-party package: each table's CSV bytes and inline Table Schema, no timeline profile.

    descriptor adds or overrides top-level properties; a resource's extra properties go in the
    schema dict under the key "_resource" (e.g. {"_resource": {"dialect": {...}}}).
    """
    import json

    root.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, (data, schema) in tables.items():
        schema = dict(schema)
        extra = schema.pop("_resource", {})
        path = extra.pop("path", f"{name}.csv")
        (root / path).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        resources.append({"name": name, "path": path, "profile": "tabular-data-resource", "schema": schema, **extra})
    body = {"profile": "tabular-data-package", "name": "foreign", "resources": resources, **descriptor}
    (root / "datapackage.json").write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return root
