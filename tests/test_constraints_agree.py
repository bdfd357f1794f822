"""The validator's constraint and key checks (check.constraints) agree with the compiled pandera schemas.

pandera is the reference: users validate frames with ``kt.schemas()``, and the validator must accept
and reject exactly the same cells. Hypothesis generates small packages whose cells break every kind
of constraint (missing, enum, pattern, length, range, unique, primary and foreign keys, v2 unique keys, composite ones).
The validator's checks run on the typed Arrow columns (check.constraints, schema.arrow_keys), the
reference on the pandas frames (schema.keys): OTHERS covers what the two hold differently (NaN and
-0.0 in keys, times, datetimes, huge integers, booleans, lists, JSON, patterns RE2 matches otherwise
than Python's re, a composite foreign key with an integer part, rows whose every cell is missing).
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karabakh_timeline.check.constraints import constraint_failures, constraint_issues, firsts_only_later, located
from karabakh_timeline.check.validator import pandera_issues
from karabakh_timeline.read.typed import TypedTable, read_typed
from karabakh_timeline.schema.descriptor import open_package
from karabakh_timeline.support.text import cell_text
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue

PARENTS = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "pattern": "p_[0-9]"}},
        {"name": "code", "type": "string", "constraints": {"unique": True, "minLength": 2, "maxLength": 3}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0, "maximum": 5, "required": True}},
        {"name": "x", "type": "number", "constraints": {"minimum": -1.5, "unique": True}},
        {"name": "day", "type": "date", "constraints": {"minimum": "2000-01-01", "maximum": "2020-12-31"}},
        {"name": "parent_id", "type": "string"},
    ],
    "primaryKey": ["id"],
    "foreignKeys": [{"fields": ["parent_id"], "reference": {"resource": "parents", "fields": ["id"]}}],
    "missingValues": [""],
}
CHILDREN = {
    "fields": [
        {"name": "a", "type": "string", "constraints": {"required": True}},
        {"name": "b", "type": "integer"},
        {"name": "ref_id", "type": "string"},
        {"name": "ref_code", "type": "string"},
    ],
    "primaryKey": ["a", "b"],
    "uniqueKeys": [["b", "ref_code"], ["ref_id"]],  # v2: rows with a missing part are not compared
    "foreignKeys": [{"fields": ["a"], "reference": {"resource": "parents", "fields": ["id"]}},
                    {"fields": ["ref_id", "ref_code"], "reference": {"resource": "parents", "fields": ["id", "code"]}}],
}
OTHERS = {
    "fields": [
        {"name": "k", "type": "number"},  # a primary key part: required, and NaN, -0 and 0 as pandas compares them
        {"name": "t", "type": "time", "constraints": {"minimum": "08:00:00", "maximum": "18:00:00"}},
        {"name": "ts", "type": "datetime", "constraints": {"minimum": "2000-01-01T00:00:00Z", "unique": True}},
        {"name": "tags", "type": "list", "delimiter": ";", "constraints": {"minLength": 1, "maxLength": 2}},
        {"name": "doc", "type": "object", "constraints": {"maxLength": 1, "jsonSchema": {"type": "object", "required": ["a"]}}},
        {"name": "word", "type": "string", "constraints": {"pattern": "\\w+", "maxLength": 2}},
        {"name": "look", "type": "string", "constraints": {"pattern": "(?!x)[a-z]+|\\s"}},
        {"name": "level", "type": "integer", "constraints": {"enum": [0, 1, 2], "unique": True}},
        {"name": "big", "type": "integer", "constraints": {"maximum": 100000000000000000000}},
        {"name": "flag", "type": "boolean", "constraints": {"enum": [True]}},
        {"name": "day", "type": "date", "constraints": {"exclusiveMinimum": "2000-01-01", "exclusiveMaximum": "2001-01-01"}},
        {"name": "ratio", "type": "number", "constraints": {"exclusiveMaximum": 1, "unique": True}},
    ],
    "primaryKey": ["k", "t"],
    "uniqueKeys": [["ts", "word"], ["day", "level"]],
    "foreignKeys": [{"fields": ["word", "level"], "reference": {"fields": ["look", "level"]}}],  # to itself, an integer part
    "missingValues": ["", "-"],  # a row of "-" is not blank in the CSV (the reader drops those) but has every cell missing
}


def _cells(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from(["", *values])


PARENT_ROW = st.tuples(_cells("p_1", "p_2", "p_3", "p_x", "q_1", "p_1\n"), _cells("ab", "abc", "a", "abcd", "ab"),
                       _cells("a", "b", "c", "A"), _cells("0", "5", "6", "-1", "x", "3"), _cells("-1.5", "-2", "0", "1e3", "NaN", "0"),
                       _cells("2000-01-01", "1999-12-31", "2021-01-01", "2010-05-05", "2010-02-30"), _cells("p_1", "p_2", "p_9"))
OTHER_ROW = st.tuples(
    _cells("0", "-0", "1.5", "NaN", "1.5"), _cells("07:59:59", "08:00:00", "18:00:01", "12:00:00", "12:00:00"),
    _cells("2000-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2000-01-01T05:00:00+05:00", "2010-06-01T10:00:00Z", "2010-06-01T12:00:00Z"),
    _cells("a", "a;b", "a;b;c", ";", "a;;b"), _cells('{"a": 1}', '{"b": 1}', '{"a": 1, "b": 2}', "{}", "[1]"),
    _cells("ab", "é", "a b", "ab\n", "ß1", "abc"), _cells("ab", "xyz", "a1", "ab\n", " ", "é"), _cells("0", "1", "-0", "4", "2"),
    _cells("5", "-1", "99999999999999999999", "200000000000000000000"), _cells("true", "false", "TRUE"),
    _cells("2000-01-01", "2000-06-30", "2001-01-01", "2000-06-30"), _cells("0.5", "-0", "0", "1", "NaN", "0.1"))
BLANK_OTHER = ("-",) * len(OTHERS["fields"])
CHILD_ROW = st.tuples(_cells("p_1", "p_2", "p_9"), _cells("1", "2", "x"), _cells("p_1", "p_2", "p_7"), _cells("ab", "abc", "zz"))


def _csv(header: list[str], rows: list[tuple[str, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _compare(root: Path, resources: dict[str, tuple[dict, list[tuple[str, ...]]]]) -> tuple[list, list]:
    """(ours, the reference): the issues of check.constraints on Arrow tables and of the pandera schemas on pandas frames."""
    (root / "data").mkdir()
    for name, (schema, rows) in resources.items():
        (root / "data" / f"{name}.csv").write_text(_csv([f["name"] for f in schema["fields"]], rows), encoding="utf-8")
    descriptor = {"name": "agree", "resources": [{"name": name, "path": f"data/{name}.csv", "schema": schema}
                                                 for name, (schema, _) in resources.items()]}
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    package = open_package(root)
    tables = {name: read_typed(package, name) for name in package.resources}
    arrow = {name: t.arrow for name, t in tables.items()}
    ours = sorted((i for t in tables.values() for i in constraint_issues(t, arrow, {})), key=lambda i: i.sort_key())
    for t in tables.values():  # the lines repeats name: the Arrow texts of each row against cell_text of its pandas value
        found = located(t, constraint_failures(t, arrow, {}))
        assert firsts_only_later(t, found) == _firsts_by_pandas(t, found)
    frames = {name: t.frame for name, t in tables.items()}
    reference = sorted((i for t in tables.values() for i in pandera_issues(t, frames, {})), key=lambda i: i.sort_key())
    return ours, reference


def _firsts_by_pandas(t: TypedTable, issues: list[Issue]) -> list[Issue]:
    """firsts_only_later as it was written on the pandas frame (cell_text of every row's value), the reference for the Arrow one."""
    repeats = [i for i in issues if i.code in ("duplicate-value", "duplicate-key")]
    first: dict[tuple[str | None, str | None], int] = {}
    for field in {i.field for i in repeats if i.field}:
        names = field.split(",")
        for row in range(len(t.frame)):
            cells = [cell_text(t.frame[k].iat[row]) for k in names]
            first.setdefault((field, cells[0] if len(names) == 1 else ",".join(c or "" for c in cells)), int(t.lines[row]))
    kept = []
    for issue in issues:
        line = first.get((issue.field, issue.value))
        if issue.code not in ("duplicate-value", "duplicate-key"):
            kept.append(issue)
        elif line is not None and line != issue.line:
            kept.append(Issue(issue.code, code(issue.code).message(value=issue.value, first=line), issue.table, issue.line, issue.field,
                              issue.value, issue.severity))
    return kept


def _both(root: Path, parents: list[tuple[str, ...]], children: list[tuple[str, ...]]) -> tuple[list, list]:
    return _compare(root, {"parents": (PARENTS, parents), "children": (CHILDREN, children)})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PARENT_ROW, max_size=8), st.lists(CHILD_ROW, max_size=6))
def test_constraint_checks_agree_with_the_pandera_schemas(parents: list[tuple[str, ...]], children: list[tuple[str, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ours, reference = _both(Path(tmp), parents, children)
    assert ours == reference


def test_the_generated_packages_break_every_constraint() -> None:
    """The comparison is not vacuous: one hand-picked package fails every kind of check, in both paths."""
    parents = [("p_1", "ab", "c", "6", "-2", "1999-12-31", "p_9"), ("p_1", "ab", "b", "", "0", "2021-01-01", ""),
               ("q_1", "abcd", "a", "3", "0", "", ""), ("", "a", "", "-1", "", "", "")]
    children = [("p_9", "1", "p_1", "zz"), ("p_1", "2", "", ""), ("p_1", "2", "", "")]
    with tempfile.TemporaryDirectory() as tmp:
        ours, reference = _both(Path(tmp), parents, children)
    assert ours == reference
    assert {i.code for i in ours} == {"missing-value", "pattern-mismatch", "text-length", "enum-value", "out-of-range", "duplicate-value",
                                      "duplicate-key", "foreign-key"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(OTHER_ROW, st.just(BLANK_OTHER)), max_size=8))
def test_checks_agree_on_other_types_and_keys(rows: list[tuple[str, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ours, reference = _compare(Path(tmp), {"others": (OTHERS, rows)})
    assert ours == reference


def test_the_other_types_break_every_constraint() -> None:
    """Hand-picked rows of OTHERS fail each of its checks in both paths, a blank row passing the key checks."""
    rows = [("NaN", "07:59:59", "2000-01-01T00:00:00Z", "a;b;c", '{"b": 1}', "é", "xyz", "4", "200000000000000000000", "false",
             "2001-01-01", "1"),
            ("", "12:00:00", "2000-01-01T05:00:00+05:00", "a", '{"a": 1}', "ab", "ab", "1", "5", "true", "2000-06-30", "-0"),
            ("-0", "12:00:00", "1999-12-31T23:59:59Z", "", "", "ab\n", "a1", "1", "", "", "2000-06-30", "0"),
            ("0", "12:00:00", "2010-06-01T10:00:00Z", "", "", "abc", "ab", "-0", "", "", "", ""),
            BLANK_OTHER, BLANK_OTHER]
    with tempfile.TemporaryDirectory() as tmp:
        ours, reference = _compare(Path(tmp), {"others": (OTHERS, rows)})
    assert ours == reference
    assert {i.code for i in ours} >= {"missing-value", "pattern-mismatch", "text-length", "enum-value", "out-of-range", "duplicate-value",
                                      "duplicate-key", "foreign-key", "json-schema-mismatch"}


_PARTS = ["a", "_", "-", " ", "[0-9]", "[a-c]", "x{2}", "[0-9]{3}", "[b]"]
_NOT_FIXED = ["a+", "[A-Za-z]", "(?i)a", "a|b", r"\d", "[^0-9]", "(ab)", "a?", "é"]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_PARTS), min_size=1, max_size=4).map("".join), st.sampled_from(_NOT_FIXED)), st.data())
def test_fixed_patterns_pass_exactly_the_columns_re_passes(pattern: str, data: st.DataObject) -> None:
    """The fast accept of a fixed pattern (schema.arrow_keys.fixed_ranges + all_within: byte extremes per position) says a
    column passes exactly when Python's re fullmatches every non-missing cell; other patterns are not read as fixed."""
    import re

    import pyarrow as pa

    from karabakh_timeline.schema.arrow_keys import all_within, fixed_ranges, pattern_passes

    ranges = fixed_ranges(pattern)
    if pattern in _NOT_FIXED:
        assert ranges is None
        return
    assert ranges is not None
    width = len(ranges)
    matches = st.from_regex(re.compile(pattern, re.ASCII), fullmatch=True)
    cell = st.one_of(matches, matches.map(lambda c: c + c[-1]), matches.map(lambda c: c[:-1]),  # matching, one longer or shorter
                     st.text(alphabet="a_-0129bcxé\n ", min_size=width, max_size=width))  # and of the width
    cells = data.draw(st.lists(st.one_of(st.none(), cell), max_size=6))
    column = pa.chunked_array([pa.array(cells, pa.string())])
    verdicts = [re.match(f"^(?:{pattern})$", c) is not None for c in cells if c is not None]
    assert all_within(column, ranges) == all(verdicts)
    assert [bool(v) for v, c in zip(pattern_passes(pattern, column).to_pylist(), cells, strict=True) if c is not None] == verdicts
