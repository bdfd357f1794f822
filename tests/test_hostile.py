"""Hostile input: every malformed package gets coded issues with a location and the documented exit
code, never a traceback, and never a changed byte."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import read_rows, run, set_cells, snapshot, write_rows

# The corpus's mutation helpers (tests/hostile_cases.py), under the names these cases were written with.
from hostile_cases import descriptor as _descriptor
from hostile_cases import line as _replace_line
from hostile_cases import raw as _edit_bytes
from hostile_cases import symlink_out as _symlink_out


def _resource(name: str, **changes: str) -> Callable[[Path], None]:
    def change(descriptor: dict) -> None:
        resource = next(r for r in descriptor["resources"] if r["name"] == name)
        resource.update(changes)
    return _descriptor(change)


def _columns(table: str, func: Callable[[list[list[str]]], list[list[str]]]) -> Callable[[Path], None]:
    return lambda pkg: write_rows(pkg, table, func(read_rows(pkg, table)))


def _multiline_then_defect(pkg: Path) -> None:
    set_cells(pkg, "events", 2, summary="first line\nsecond line")
    set_cells(pkg, "events", 3, event_type="battle")


def _swap(rows: list[list[str]], a: str, b: str) -> list[list[str]]:
    i, j = rows[0].index(a), rows[0].index(b)
    for r in rows:
        r[i], r[j] = r[j], r[i]
    return rows


def _drop_column(rows: list[list[str]], name: str) -> list[list[str]]:
    i = rows[0].index(name)
    return [r[:i] + r[i + 1:] for r in rows]


def _rename(rows: list[list[str]], old: str, new: str) -> list[list[str]]:
    rows[0][rows[0].index(old)] = new
    return rows


# (id, mutation, exit code, expected issues as (code, table, line, field))
CASES = [
    ("bom", _edit_bytes("events", lambda d: b"\xef\xbb\xbf" + d), 1, [("byte-order-mark", "events", 1, None)]),
    ("crlf", _edit_bytes("sources", lambda d: d.replace(b"\n", b"\r\n")), 1, [("line-ending", "sources", 1, None)]),
    ("latin-1", _replace_line("places", 3, lambda ln: ln.replace(b"Place", "Caf\u00e9".encode("latin-1"), 1)), 1, [("encoding-error", "places", 3, None)]),
    ("nul-byte", _replace_line("events", 4, lambda ln: ln + b"note\x00"), 1, [("nul-byte", "events", 4, None), ("unsafe-text", "events", 4, "notes")]),
    ("missing-cell", _replace_line("event_relations", 2, lambda ln: ln.rsplit(b",", 1)[0]), 1, [("missing-cell", "event_relations", 2, None)]),
    ("extra-cell", _replace_line("retired_ids", 2, lambda ln: ln + b",surplus"), 1, [("extra-cell", "retired_ids", 2, None)]),
    ("blank-row", _replace_line("sources", 3, lambda ln: b"\n" + ln), 1, [("blank-row", "sources", 3, None)]),
    ("duplicate-header", _columns("events", lambda rows: _rename(rows, "summary", "title")), 1,
     [("duplicate-header", "events", 1, "title"), ("missing-column", "events", 1, "summary")]),
    ("missing-column", _columns("events", lambda rows: _drop_column(rows, "notes")), 1, [("missing-column", "events", 1, "notes")]),
    ("extra-column", _columns("places", lambda rows: [rows[0] + ["elevation"]] + [r + ["1"] for r in rows[1:]]), 1,
     [("extra-column", "places", 1, "elevation")]),
    ("header-order", _columns("events", lambda rows: _swap(rows, "title", "summary")), 1, [("header-order", "events", 1, None)]),
    ("unterminated-quote", _replace_line("event_relations", 2, lambda ln: b'"' + ln), 1, [("parse-error", "event_relations", 2, None)]),
    ("empty-file", _edit_bytes("retired_ids", lambda d: b""), 1, [("empty-file", "retired_ids", 1, None)]),
    ("ten-megabyte-cell", lambda pkg: set_cells(pkg, "events", 3, summary="x" * 10_000_000), 1, [("text-length", "events", 3, "summary")]),
    ("multi-line-cell-lines", _multiline_then_defect, 1, [("unsafe-text", "events", 2, "summary"), ("enum-value", "events", 4, "event_type")]),
    ("invalid-json", lambda pkg: (pkg / "datapackage.json").write_text('{"resources": [\n'), 3, [("package-invalid-json", None, 2, None)]),
    ("descriptor-not-object", lambda pkg: (pkg / "datapackage.json").write_text("[]"), 3, [("package-invalid", None, None, None)]),
    ("descriptor-not-utf8", lambda pkg: (pkg / "datapackage.json").write_bytes(b'{"title": "\xff"}'), 3, [("package-invalid-json", None, 1, None)]),
    ("schema-invalid-json", lambda pkg: (pkg / "schemas" / "places.json").write_text("{"), 3, [("package-invalid-json", "places", 1, None)]),
    ("schema-unknown-type", lambda pkg: (pkg / "schemas" / "places.json").write_text(json.dumps({"fields": [{"name": "place_id", "type": "point"}]})), 3,
     [("schema-invalid", "places", None, None)]),
    ("missing-resource-file", lambda pkg: (pkg / "data" / "places.csv").unlink(), 3, [("file-missing", "places", None, None)]),
    ("dotdot-path", _resource("places", path="../places.csv"), 3, [("path-unsafe", "places", None, None)]),
    ("absolute-path", _resource("places", path="/etc/passwd"), 3, [("path-unsafe", "places", None, None)]),
    ("url-path", _resource("places", path="https://example.org/places.csv"), 3, [("unsupported-feature", "places", None, None)]),
    ("schema-outside", _resource("places", schema="../../schemas/places.json"), 3, [("path-unsafe", "places", None, None)]),
    ("symlink-out", _symlink_out, 3, [("path-unsafe", "places", None, None)]),
]


@pytest.mark.parametrize("mutate,exit_code,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input(package: Path, mutate, exit_code: int, expected: list) -> None:
    mutate(package)
    before = snapshot(package)
    result = run("validate", str(package), "--format", "json")
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == exit_code
    issues = json.loads(result.stdout)["issues"]
    found = [(i["code"], i["table"], i["line"], i["field"]) for i in issues]
    for issue in expected:
        assert issue in found
    assert len(found) == len(expected), found
    assert snapshot(package) == before


def test_header_only_events_breaks_references(package: Path) -> None:
    write_rows(package, "events", read_rows(package, "events")[:1])
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 1
    found = {(i["code"], i["table"], i["line"], i["field"]) for i in json.loads(result.stdout)["issues"]}
    assert ("foreign-key", "event_actors", 2, "event_id") in found
    assert ("foreign-key", "statements", 2, "event_id") in found


def test_missing_package(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 3
    assert "package-not-found" in result.stdout


def test_remote_package_is_never_fetched() -> None:
    result = run("validate", "https://example.org/datapackage.json", "--format", "json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["issues"][0]["code"] == "unsupported-feature"


def test_usage_error_exit_2() -> None:
    result = run("validate", "--format", "yaml")
    assert result.exit_code == 2
    assert "Traceback" not in result.stdout + result.stderr
