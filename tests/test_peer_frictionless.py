"""Peer agreement: frictionless-py reads our descriptors, finds the bundled data valid, and also
rejects every fixture whose defect Table Schema itself can express."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, read_rows, set_cells, write_rows

frictionless = pytest.importorskip("frictionless")


def _frictionless_valid(path: Path) -> bool:
    return bool(frictionless.validate(str(path / "datapackage.json")).valid)


def test_frictionless_finds_the_bundled_package_valid() -> None:
    report = frictionless.validate(str(ROOT / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def _append_copy(table: str):
    return lambda pkg: write_rows(pkg, table, read_rows(pkg, table) + [read_rows(pkg, table)[1]])


EXPRESSIBLE = [
    ("type", lambda pkg: set_cells(pkg, "events", 3, date_start="2020-13-01"), "type-error"),
    ("required", lambda pkg: set_cells(pkg, "events", 2, title=""), "missing-value"),
    ("enum", lambda pkg: set_cells(pkg, "events", 5, event_type="battle"), "enum-value"),
    ("pattern", lambda pkg: set_cells(pkg, "actors", 3, wikidata_qid="X12"), "pattern-mismatch"),
    ("duplicate-key", _append_copy("event_sources"), "duplicate-key"),
    ("foreign-key", lambda pkg: set_cells(pkg, "event_sources", 3, source_id="src_999999"), "foreign-key"),
    ("header", lambda pkg: write_rows(pkg, "places", [["name" if c == "place_id" else c for c in read_rows(pkg, "places")[0]]] + read_rows(pkg, "places")[1:]), "missing-column"),
]


@pytest.mark.parametrize("mutate,code", [c[1:] for c in EXPRESSIBLE], ids=[c[0] for c in EXPRESSIBLE])
def test_both_validators_reject_what_table_schema_expresses(package: Path, mutate, code: str) -> None:
    import karabakh_timeline as kt

    assert _frictionless_valid(package)
    mutate(package)
    assert not _frictionless_valid(package)
    assert code in {i.code for i in kt.validate(package).issues}
