"""The timeline rules work on Arrow columns; where their Arrow form is not a one-to-one translation of the pandas
code they replaced, that pandas formulation is kept here as the reference and generated data must agree with it."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import example, given, settings
from hypothesis import strategies as st

import karabakh_timeline as kt
from conftest import read_rows, run, set_cells
from karabakh_timeline.check.rules.dates import precision_masks
from karabakh_timeline.check.rules.periods import outside_periods
from karabakh_timeline.check.rules.text import _UNSAFE, unsafe_mask

TODAY = dt.date(2026, 11, 27)

# --- role-period: sorted roles and binary search against the pandas merge ---------------------------------------

def _merge_reference(speaker: list, said: list, actor: list, start: list, end: list) -> np.ndarray:
    """The rule as it was: statements merged with the speaker's roles, a row flagged when it has roles and none covers it."""
    statements = pd.DataFrame({"speaker_id": pd.Series(speaker, dtype="string[pyarrow]"), "date_start": _frame_dates(said)})
    roles = pd.DataFrame({"actor_id": pd.Series(actor, dtype="string[pyarrow]"), "date_start": _frame_dates(start),
                          "date_end": _frame_dates(end)}).dropna(subset=["actor_id", "date_start"])
    said_rows = statements.reset_index(names="row").dropna()
    pairs = said_rows.merge(roles, left_on="speaker_id", right_on="actor_id", suffixes=("", "_role"))
    inside = (pairs["date_start"] >= pairs["date_start_role"]) & (pairs["date_end"].isna() | (pairs["date_start"] <= pairs["date_end"]))
    flagged = np.zeros(len(statements), dtype=bool)
    flagged[sorted(set(pairs["row"]) - set(pairs.loc[inside.to_numpy(dtype=bool), "row"]))] = True
    return flagged


def _frame_dates(dates: list) -> pd.Series:
    """Dates as the typed frame holds them (datetime64[s], NaT when missing)."""
    return pd.Series(pd.to_datetime(pd.Series(dates, dtype="object")), dtype="datetime64[s]")


def _chunked(values: list, kind: pa.DataType, cut: int) -> pa.ChunkedArray:
    """values as Arrow split in two chunks at cut (typed tables come in chunks)."""
    cut = min(cut, len(values))
    return pa.chunked_array([pa.array(values[:cut], kind), pa.array(values[cut:], kind)], kind)


_DAY = st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(1990, 1, 12)))
_WHO = st.sampled_from([None, "act_000001", "act_000002", "act_000003", "act_000010"])


@st.composite
def _statements_and_roles(draw: st.DrawFn) -> tuple[list, ...]:
    n, m = draw(st.integers(0, 25)), draw(st.integers(0, 12))
    return (draw(st.lists(_WHO, min_size=n, max_size=n)), draw(st.lists(_DAY, min_size=n, max_size=n)),
            draw(st.lists(_WHO, min_size=m, max_size=m)), draw(st.lists(_DAY, min_size=m, max_size=m)),
            draw(st.lists(_DAY, min_size=m, max_size=m)), draw(st.integers(0, 25)))


@settings(max_examples=200, deadline=None)
@given(_statements_and_roles())
@example((["act_000001"], [dt.date(1990, 1, 5)], ["act_000001"], [dt.date(1990, 1, 5)], [dt.date(1990, 1, 5)], 0))  # one day
@example((["act_000001"], [dt.date(1990, 1, 5)], ["act_000001", "act_000001"], [dt.date(1990, 1, 1), dt.date(1990, 1, 3)],
          [None, dt.date(1990, 1, 4)], 1))  # an open role before a closed one
@example((["act_000002"], [dt.date(1990, 1, 5)], ["act_000001", "act_000002"], [dt.date(1990, 1, 1), dt.date(1990, 1, 6)],
          [None, None], 1))  # another actor's open role must not cover
def test_role_period_agrees_with_the_pandas_merge(case: tuple[list, ...]) -> None:
    speaker, said, actor, start, end, cut = case
    arrow = [_chunked(speaker, pa.string(), cut), _chunked(said, pa.date32(), cut), _chunked(actor, pa.string(), cut),
             _chunked(start, pa.date32(), cut), _chunked(end, pa.date32(), cut)]
    assert list(outside_periods(*arrow)) == list(_merge_reference(speaker, said, actor, start, end))


def test_role_period_compares_other_types_as_they_order() -> None:
    """Not only dates: integer periods and IDs of two Arrow string types."""
    who = pa.chunked_array([pa.array(["a", "a", "b", None, "c"], pa.large_string())])
    found = outside_periods(who, pa.array([5, 1, 7, 3, 2]), pa.array(["a", "b", "b"]), pa.array([2, 1, 8]), pa.array([None, 6, None]))
    assert list(found) == [False, True, True, False, False]


# --- date-precision: the day after as the month's or year's end, against pandas' is_month_end / is_year_end ----

def _precision_reference(start: list, end: list, precision: list) -> tuple[np.ndarray, np.ndarray]:
    """The rule as it was, on the typed frame's columns."""
    s, e, p = _frame_dates(start), _frame_dates(end), pd.Series(precision, dtype="string[pyarrow]")
    bad_month = (p == "month") & ((s.dt.day != 1) | e.isna() | ~e.dt.is_month_end.fillna(False).astype(bool))
    bad_year = (p == "year") & ((s.dt.day_of_year != 1) | e.isna() | ~e.dt.is_year_end.fillna(False).astype(bool))
    return bad_month.fillna(False).to_numpy(dtype=bool), bad_year.fillna(False).to_numpy(dtype=bool)


_EDGES = [dt.date(y, m, d) for y in (1999, 2000, 2023, 2024, 9999) for m, d in ((1, 1), (2, 28), (2, 29) if y % 4 == 0 else (3, 1),
                                                                                    (4, 30), (12, 31), (12, 30), (6, 1))]
_ANY_DAY = st.one_of(st.none(), st.sampled_from(_EDGES), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_ANY_DAY, _ANY_DAY, st.sampled_from([None, "day", "month", "year", "season", "Month"])), max_size=30),
       st.integers(0, 30))
def test_date_precision_agrees_with_pandas_month_and_year_ends(rows: list[tuple], cut: int) -> None:
    start, end, precision = (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [])
    found = precision_masks(_chunked(start, pa.date32(), cut), _chunked(end, pa.date32(), cut), _chunked(precision, pa.string(), cut))
    expected = _precision_reference(start, end, precision)
    assert [list(m) for m in found] == [list(m) for m in expected]


# --- unsafe-text: byte checks on plain cells, RE2 on the others, against RE2 on every cell ------------------------

_PIECES = st.sampled_from([" ", "  ", "\t", "\n", "\x00", "\x1b", "\x7f", "\u00a0", "\u2003", "\u200b", "\u202e", "\ufeff",
                           "\u0085", "=", "+", "-", "@", "\uff1d", "|", "cmd|", "CMD|", "Şuşa", "Ստեփանակերտ", "a", "b.", "x y"])
_CELL = st.one_of(st.none(), st.lists(_PIECES, max_size=5).map("".join), st.text(max_size=6))


@settings(max_examples=400, deadline=None)
@given(st.lists(_CELL, max_size=40), st.integers(0, 40), st.integers(0, 5), st.booleans())
@example(["ok", "x  y", " a", "b "], 2, 0, False)
@example(["plain", "cmd|x", "a|b", "fine"], 40, 1, True)
def test_unsafe_text_agrees_with_the_pattern_on_every_cell(cells: list, cut: int, skip: int, large: bool) -> None:
    kind = pa.large_string() if large else pa.string()
    whole = pa.array(["pad"] * skip + cells, kind).slice(skip)  # a sliced chunk: offsets that do not start at 0
    column = pa.chunked_array([whole.slice(0, cut), whole.slice(cut)], kind)
    expected = pc.fill_null(pc.match_substring_regex(pa.array(cells, kind), _UNSAFE), False).to_pylist()
    assert list(unsafe_mask(column)) == expected


def test_the_unsafe_pattern_is_the_python_rule_on_ascii() -> None:
    """The RE2 pattern itself, against Python's re on the ASCII forms the old rule named."""
    python_rule = re.compile(r"^\s|\s$|\s\s|[\x00-\x1f\x7f]|^[=+\-@]|(?i:cmd\|)")
    cells = ["fine", "a ", " b", "c  d", "=SUM(A1)", "+1", "-x", "@me", "", "tab\tinside", "cmd|' /C calc'!A0", "Cmd|x", "a|b"]
    assert pc.match_substring_regex(pa.array(cells), _UNSAFE).to_pylist() == [python_rule.search(c) is not None for c in cells]


# --- fields a package types otherwise: compared as text, never a crash -------------------------------------------

def _retype(pkg: Path, table: str, field: str, kind: str) -> None:
    path = pkg / "schemas" / f"{table}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    for f in schema["fields"]:
        if f["name"] == field:
            f["type"] = kind
            f.pop("constraints", None)
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def test_a_date_typed_as_text_is_compared_as_text(package: Path) -> None:
    _retype(package, "statements", "date_end", "string")
    start = read_rows(package, "statements")[1][read_rows(package, "statements")[0].index("date_start")]
    set_cells(package, "statements", 2, date_end="1900-01-01")
    found = [(i.code, i.table, i.line, i.field, i.value) for i in kt.validate(package, today=TODAY).issues if i.code == "date-order"]
    assert found == [("date-order", "statements", 2, "date_end", "1900-01-01")], start


def test_ids_typed_differently_are_compared_as_text(package: Path) -> None:
    _retype(package, "event_relations", "related_event_id", "integer")
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 1, result.stderr
    assert "internal-error" not in result.stderr
    assert {i["code"] for i in json.loads(result.stdout)["issues"]} == {"type-error"}  # the IDs are no integers; nothing crashed
