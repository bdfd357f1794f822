"""One defect per fixture package: the validator reports exactly that code, line and field."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

import karabakh_timeline as kt
from conftest import read_rows, run, set_cells, snapshot, without, write_rows

TODAY = dt.date(2026, 11, 27)


def _day(date: str) -> dict[str, str]:
    return {"date_start": date, "date_end": "", "date_precision": "day", "date_edtf": date}


def _drop_rows(table: str, event_id: str) -> Callable[[Path], None]:
    def mutate(pkg: Path) -> None:
        write_rows(pkg, table, without(pkg, table, "event_id", event_id))
    return mutate


def _append_copy(table: str, line: int) -> Callable[[Path], None]:
    def mutate(pkg: Path) -> None:
        rows = read_rows(pkg, table)
        write_rows(pkg, table, rows + [rows[line - 1]])
    return mutate


def _append(table: str, row: list[str]) -> Callable[[Path], None]:
    def mutate(pkg: Path) -> None:
        write_rows(pkg, table, read_rows(pkg, table) + [row])
    return mutate


def _cells(table: str, line: int, **values: str) -> Callable[[Path], None]:
    return lambda pkg: set_cells(pkg, table, line, **values)


# (id, mutation, code, table, line, field, value)
CASES = [
    ("date-not-a-date", _cells("events", 3, date_start="2020-13-01"), "type-error", "events", 3, "date_start", "2020-13-01"),
    ("date-impossible-day", _cells("sources", 2, published_date="2023-02-30"), "type-error", "sources", 2, "published_date", "2023-02-30"),
    ("integer-word", _cells("events", 4, fatalities_best="many"), "type-error", "events", 4, "fatalities_best", "many"),
    ("number-word", _cells("places", 5, latitude="north"), "type-error", "places", 5, "latitude", "north"),
    ("required-empty", _cells("events", 2, title=""), "missing-value", "events", 2, "title", None),
    ("enum", _cells("events", 5, event_type="battle"), "enum-value", "events", 5, "event_type", "battle"),
    ("pattern", _cells("actors", 3, wikidata_qid="X12"), "pattern-mismatch", "actors", 3, "wikidata_qid", "X12"),
    ("id-pattern", _cells("sources", 4, source_id="source-3"), "pattern-mismatch", "sources", 4, "source_id", "source-3"),
    ("max-length", _cells("events", 2, title="x" * 161), "text-length", "events", 2, "title", "x" * 161),
    ("maximum", _cells("places", 2, latitude="95"), "out-of-range", "places", 2, "latitude", "95"),
    ("minimum", _cells("events", 3, fatalities_low="-1", fatalities_best="", fatalities_high=""), "out-of-range", "events", 3, "fatalities_low", "-1"),
    ("duplicate-composite-key", _append_copy("event_sources", 2), "duplicate-key", "event_sources", 9, "event_id,source_id", "evt_000000,src_000000"),
    ("duplicate-key", _append_copy("retired_ids", 2), "duplicate-key", "retired_ids", 3, "id", "stm_000002"),
    ("foreign-key", _cells("event_actors", 3, actor_id="act_999999"), "foreign-key", "event_actors", 3, "actor_id", "act_999999"),
    ("foreign-key-self", _cells("actors", 3, parent_actor_id="act_999999"), "foreign-key", "actors", 3, "parent_actor_id", "act_999999"),
    ("country-code", _cells("places", 3, country_code="XYZ"), "country-code", "places", 3, "country_code", "XYZ"),
    ("language-tag", _cells("sources", 3, language="qq"), "language-tag", "sources", 3, "language", "qq"),
    ("date-order", _cells("events", 2, date_start="2020-05-10", date_end="2020-05-01", date_precision="day", date_edtf="2020-05-10/2020-05-01"), "date-order", "events", 2, "date_end", "2020-05-01"),
    ("date-precision", _cells("events", 2, date_start="2020-05-10", date_end="2020-05-31", date_precision="month", date_edtf="2020-05"), "date-precision", "events", 2, "date_precision", "month"),
    ("edtf-mismatch", _cells("events", 2, **_day("2020-05-10"), ) if False else _cells("events", 2, date_start="2020-05-10", date_end="", date_precision="day", date_edtf="2020-05-11"), "edtf-mismatch", "events", 2, "date_edtf", "2020-05-11"),
    ("edtf-open-end-mismatch", _cells("statements", 2, date_start="2020-05-10", date_end="2020-05-12", date_precision="day", date_edtf="2020-05-10/.."), "edtf-mismatch", "statements", 2, "date_edtf", "2020-05-10/.."),
    ("edtf-invalid", _cells("events", 2, date_start="2020-05-10", date_end="", date_precision="day", date_edtf="2020-05-10/whenever"), "edtf-invalid", "events", 2, "date_edtf", "2020-05-10/whenever"),
    ("future-date", _cells("sources", 5, accessed_date="2999-01-01"), "future-date", "sources", 5, "accessed_date", "2999-01-01"),
    ("event-unsourced", _drop_rows("event_sources", "evt_000001"), "event-unsourced", "events", 3, "event_id", "evt_000001"),
    ("retired-id-reused", _append("retired_ids", ["evt_000002", "events", "0.1.0", "", "Merged into another event"]), "retired-id-reused", "events", 4, "event_id", "evt_000002"),
    ("formula", _cells("events", 3, title="=HYPERLINK(\"http://x\")"), "unsafe-text", "events", 3, "title", "=HYPERLINK(\"http://x\")"),
    ("double-space", _cells("actors", 2, name="Actor  two"), "unsafe-text", "actors", 2, "name", "Actor  two"),
    ("trailing-space", _cells("places", 4, name="Place "), "unsafe-text", "places", 4, "name", "Place "),
    ("url-scheme", _cells("sources", 2, url="ftp://news0.example.org/x"), "url-scheme", "sources", 2, "url", "ftp://news0.example.org/x"),
    ("fatalities-order", _cells("events", 2, fatalities_low="10", fatalities_best="", fatalities_high="5"), "fatalities-order", "events", 2, "fatalities_high", "5"),
    ("self-relation", _cells("event_relations", 2, related_event_id="evt_000003"), "self-relation", "event_relations", 2, "related_event_id", "evt_000003"),
]


@pytest.mark.parametrize("mutate,code,table,line,field,value", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_defect_one_issue(package: Path, mutate, code, table, line, field, value) -> None:
    mutate(package)
    report = kt.validate(package, today=TODAY)
    found = [(i.code, i.table, i.line, i.field, i.value) for i in report.issues]
    assert found == [(code, table, line, field, value)]
    assert report.exit_code() == 1


def test_valid_package_has_no_issues(package: Path) -> None:
    report = kt.validate(package, today=TODAY)
    assert report.issues == []
    assert report.exit_code() == 0
    assert report.tables["events"] == 4


def test_warning_fails_only_with_strict(package: Path) -> None:
    _drop_rows("event_actors", "evt_000002")(package)
    before = snapshot(package)
    result = run("validate", str(package))
    assert result.exit_code == 0
    assert "event-without-actor" in result.stdout
    strict = run("validate", str(package), "--strict", "--format", "json")
    assert strict.exit_code == 1
    issue = json.loads(strict.stdout)["issues"][0]
    assert (issue["code"], issue["severity"], issue["table"], issue["line"], issue["field"]) == ("event-without-actor", "warning", "events", 4, "event_id")
    assert snapshot(package) == before


def test_role_period_warning(package: Path) -> None:
    set_cells(package, "statements", 2, date_start="1980-01-01", date_end="", date_precision="day", date_edtf="1980-01-01")
    report = kt.validate(package, today=TODAY)
    assert [(i.code, i.severity, i.table, i.line, i.field) for i in report.issues] == [("role-period", "warning", "statements", 2, "date_start")]
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1


def test_all_problems_in_one_pass(package: Path) -> None:
    set_cells(package, "events", 2, event_type="battle")
    set_cells(package, "places", 3, latitude="95")
    set_cells(package, "sources", 4, url="gopher://news2.example.org/x")
    report = kt.validate(package, today=TODAY)
    assert sorted((i.code, i.table, i.line) for i in report.issues) == [
        ("enum-value", "events", 2), ("out-of-range", "places", 3), ("url-scheme", "sources", 4)]


def test_type_error_is_not_also_missing(package: Path) -> None:
    set_cells(package, "sources", 3, accessed_date="yesterday")
    report = kt.validate(package, today=TODAY)
    assert [(i.code, i.field) for i in report.issues] == [("type-error", "accessed_date")]


def test_speaker_without_role_warning(package: Path) -> None:
    rows = read_rows(package, "actor_roles")
    statements = read_rows(package, "statements")
    speaker = statements[1][statements[0].index("speaker_id")]
    write_rows(package, "actor_roles", [r for r in rows if r[rows[0].index("actor_id")] != speaker])
    report = kt.validate(package, today=TODAY)
    assert [(i.code, i.severity, i.table, i.line, i.field, i.value) for i in report.issues] == [
        ("speaker-without-role", "warning", "statements", 2, "speaker_id", speaker)]


def test_unsafe_text_fast_path_agrees_with_the_regex() -> None:
    import re

    import pandas as pd

    from karabakh_timeline.check.rules.text import unsafe_mask

    python_rule = r"^\s|\s$|\s\s|[\x00-\x1f\x7f]|^[=+\-@]"  # Python's \s knows Unicode spaces

    cells = ["fine", "a ", " b", "c  d", "=SUM(A1)", "+1", "-x", "@me", "", None, "tab\tinside", "ok", "x", "end\u00a0",
             "Şuşa", "two\u00a0\u00a0spaces", "line\nbreak", "trailing\t", "a", " "]
    ascii_only = [c for c in cells if c is None or all(ord(ch) < 0x7F and ord(ch) >= 0x20 for ch in c)]
    for sample in (cells, ascii_only, ["a ", " b", "c"]):
        series = pd.Series(sample, dtype="string[pyarrow]")
        expected = [v is not None and re.search(python_rule, v) is not None for v in sample]
        assert list(unsafe_mask(series)) == expected, sample


def test_integer_lexical_forms(package: Path) -> None:
    set_cells(package, "events", 2, fatalities_low="+5", fatalities_best="007", fatalities_high="12")
    assert kt.validate(package, today=TODAY).issues == []
    assert list(kt.load(package).events.loc[0, ["fatalities_low", "fatalities_best"]]) == [5, 7]


def test_unsorted_tables_are_checked_for_duplicate_keys_too(package: Path) -> None:
    rows = read_rows(package, "event_actors")
    write_rows(package, "event_actors", [rows[0]] + list(reversed(rows[1:])))  # unique, not in key order
    assert kt.validate(package, today=TODAY).issues == []
    rows = read_rows(package, "event_actors")
    write_rows(package, "event_actors", rows[:2] + [rows[-1]] + rows[2:])  # a repeat in the middle
    found = [(i.code, i.line, i.field) for i in kt.validate(package, today=TODAY).issues]
    assert found == [("duplicate-key", len(rows) + 1, "event_id,actor_id,role")]
