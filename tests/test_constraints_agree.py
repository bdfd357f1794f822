"""The validator's constraint and key checks (check.constraints) agree with the compiled pandera schemas.

pandera is the reference: users validate frames with ``kt.schemas()``, and the validator must accept
and reject exactly the same cells. Hypothesis generates small packages whose cells break every kind
of constraint (missing, enum, pattern, length, range, unique, primary and foreign keys, v2 unique keys, composite ones).
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karabakh_timeline.check.constraints import constraint_issues
from karabakh_timeline.check.validator import pandera_issues
from karabakh_timeline.read.typed import read_typed
from karabakh_timeline.schema.descriptor import open_package

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


def _cells(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from(["", *values])


PARENT_ROW = st.tuples(_cells("p_1", "p_2", "p_3", "p_x", "q_1", "p_1\n"), _cells("ab", "abc", "a", "abcd", "ab"),
                       _cells("a", "b", "c", "A"), _cells("0", "5", "6", "-1", "x", "3"), _cells("-1.5", "-2", "0", "1e3", "NaN", "0"),
                       _cells("2000-01-01", "1999-12-31", "2021-01-01", "2010-05-05", "2010-02-30"), _cells("p_1", "p_2", "p_9"))
CHILD_ROW = st.tuples(_cells("p_1", "p_2", "p_9"), _cells("1", "2", "x"), _cells("p_1", "p_2", "p_7"), _cells("ab", "abc", "zz"))


def _csv(header: list[str], rows: list[tuple[str, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _both(root: Path, parents: list[tuple[str, ...]], children: list[tuple[str, ...]]) -> tuple[list, list]:
    (root / "data").mkdir()
    (root / "data" / "parents.csv").write_text(_csv([f["name"] for f in PARENTS["fields"]], parents), encoding="utf-8")
    (root / "data" / "children.csv").write_text(_csv([f["name"] for f in CHILDREN["fields"]], children), encoding="utf-8")
    descriptor = {"name": "agree", "resources": [{"name": "parents", "path": "data/parents.csv", "schema": PARENTS},
                                                 {"name": "children", "path": "data/children.csv", "schema": CHILDREN}]}
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    package = open_package(root)
    tables = {name: read_typed(package, name) for name in package.resources}
    frames = {name: t.frame for name, t in tables.items()}
    ours = sorted((i for t in tables.values() for i in constraint_issues(t, frames, {})), key=lambda i: i.sort_key())
    reference = sorted((i for t in tables.values() for i in pandera_issues(t, frames, {})), key=lambda i: i.sort_key())
    return ours, reference


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
