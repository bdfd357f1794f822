"""diff for any package: tables without a key as multisets of whole rows, empty and repeated keys,
unreadable tables reported (exit 3), --key."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import foreign_package, run

PLAIN = {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "string"}]}
KEYED = {**PLAIN, "primaryKey": ["a"]}


def _diff(old: Path, new: Path, *args: str) -> tuple[int, dict]:
    result = run("diff", str(old), str(new), "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def _rows(data: dict, which: str) -> list[dict]:
    return [{**r["key"], **r["values"]} for r in data[which]]


def test_a_table_without_a_key_is_compared_as_a_multiset_of_whole_rows(tmp_path: Path) -> None:
    old = foreign_package(tmp_path / "old", {"t": ("a,b\n1,x\n1,x\n2,y\n", PLAIN)})
    new = foreign_package(tmp_path / "new", {"t": ("a,b\n2,y\n1,x\n2,z\n", PLAIN)})
    code, data = _diff(old, new)
    assert code == 1 and data["differs"]
    assert _rows(data, "added") == [{"a": 2, "b": "z"}]
    assert _rows(data, "removed") == [{"a": 1, "b": "x"}]
    table = data["tables"]["t"]
    assert table["key"] == [] and table["rows"]["unchanged"] == 2 and "whole rows" in table["note"]


def test_reordered_rows_of_an_unkeyed_table_are_no_difference(tmp_path: Path) -> None:
    old = foreign_package(tmp_path / "old", {"t": ("a,b\n1,x\n2,y\n1,x\n", PLAIN)})
    new = foreign_package(tmp_path / "new", {"t": ("b,a\ny,2\nx,1\nx,1.0\n", {"fields": PLAIN["fields"][::-1]})})
    new_schema = json.loads((new / "datapackage.json").read_text())
    new_schema["resources"][0]["schema"]["fields"][1]["type"] = "number"  # 1 and 1.0 are the same number
    (new / "datapackage.json").write_text(json.dumps(new_schema))
    code, data = _diff(old, new)
    assert data["added"] == [] and data["removed"] == []


def test_a_changed_cell_in_an_unkeyed_table_is_never_no_differences(tmp_path: Path) -> None:
    old = foreign_package(tmp_path / "old", {"t": ("a,b\n1,x\n", PLAIN)})
    new = foreign_package(tmp_path / "new", {"t": ("a,b\n1,X\n", PLAIN)})
    result = run("diff", str(old), str(new))
    assert result.exit_code == 1 and "no differences" not in result.stdout
    assert "+ 1, X" in result.stdout and "- 1, x" in result.stdout


def test_empty_and_repeated_keys_are_reported_and_their_rows_compared_whole(tmp_path: Path) -> None:
    old = foreign_package(tmp_path / "old", {"t": ("a,b\n1,x\n,e\n3,q\n3,r\n4,s\n", KEYED)})
    new = foreign_package(tmp_path / "new", {"t": ("a,b\n1,x\n3,q\n4,t\n", KEYED)})
    code, data = _diff(old, new)
    assert code == 1
    assert _rows(data, "removed") == [{"a": 3, "b": "r"}, {"a": None, "b": "e"}]  # the row with an empty key is never lost
    assert [c["key"] for c in data["changed"]] == [{"a": 4}]
    warnings = [(w["code"], w["line"]) for w in data["warnings"]]
    assert warnings == [("missing-value", 3), ("duplicate-key", 5)]


def test_a_key_repeated_in_new_only_pools_the_rows_of_both_sides(tmp_path: Path) -> None:
    old = foreign_package(tmp_path / "old", {"t": ("a,b\n1,x\n2,y\n", KEYED)})
    new = foreign_package(tmp_path / "new", {"t": ("a,b\n1,x\n2,y\n2,z\n", KEYED)})
    code, data = _diff(old, new)
    assert _rows(data, "added") == [{"a": 2, "b": "z"}] and data["removed"] == [] and data["changed"] == []


def test_key_option_matches_on_the_given_fields(tmp_path: Path) -> None:
    old = foreign_package(tmp_path / "old", {"t": ("a,b\n1,x\n2,y\n", PLAIN)})
    new = foreign_package(tmp_path / "new", {"t": ("a,b\n1,x\n3,y\n", PLAIN)})
    code, data = _diff(old, new, "--key", "b")
    assert code == 1 and data["tables"]["t"]["key"] == ["b"]
    assert [(c["key"], c["changes"]) for c in data["changed"]] == [({"b": "y"}, [{"field": "a", "old": 2, "new": 3}])]
    result = run("diff", str(old), str(new), "--key", "nope")
    assert result.exit_code == 2 and "--key nope" in result.stderr


@pytest.mark.parametrize("side", ["old", "new"])
def test_a_table_that_one_side_cannot_read_is_reported_exit_3(tmp_path: Path, side: str) -> None:
    tables = {"t": ("a,b\n1,x\n", KEYED), "u": ("a,b\n1,x\n", KEYED)}
    old = foreign_package(tmp_path / "old", tables)
    new = foreign_package(tmp_path / "new", tables)
    broken = old if side == "old" else new
    (broken / "u.csv").write_text('a,b\n1,"x\n', encoding="utf-8")
    result = run("diff", str(old), str(new), "--format", "json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["tables"]["u"]["status"] == "unreadable" and data["tables"]["t"]["status"] == "unchanged"
    assert [(i["code"], i["table"]) for i in data["issues"]] == [("parse-error", "u")]
    assert result.stderr.startswith("Error: parse-error: " + side.upper())
    (broken / "u.csv").unlink()  # a resource that does not open at all is not a table "added" or "removed" either
    result = run("diff", str(old), str(new), "--format", "json")
    assert result.exit_code == 3 and json.loads(result.stdout)["tables"]["u"]["status"] == "unreadable"


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    pass
else:
    _ROW = st.tuples(st.one_of(st.none(), st.integers(-2, 2)), st.one_of(st.none(), st.text(alphabet="a\\\x1fN", max_size=3)))

    @settings(max_examples=200, deadline=None)
    @given(st.lists(_ROW, max_size=8), st.lists(_ROW, max_size=8))
    def test_property_multiset_diff_is_collections_counter(old_rows: list[tuple], new_rows: list[tuple]) -> None:
        """diff.unkeyed.multiset_diff agrees with a plain-Python Counter over whole rows (escapes and missing values included)."""
        from collections import Counter

        import numpy as np
        import pyarrow as pa

        from karabakh_timeline.diff.unkeyed import multiset_diff

        def table(rows: list[tuple]) -> pa.Table:
            return pa.table({"a": pa.array([r[0] for r in rows], pa.int64()), "b": pa.array([r[1] for r in rows], pa.string())})

        removed, added, unchanged = multiset_diff(table(old_rows), table(new_rows), ["a", "b"], np.arange(len(old_rows)), np.arange(len(new_rows)))
        old_c, new_c = Counter(old_rows), Counter(new_rows)
        assert Counter(old_rows[i] for i in removed) == old_c - new_c
        assert Counter(new_rows[i] for i in added) == new_c - old_c
        assert unchanged == sum((old_c & new_c).values())


def test_metadata_that_breaks_v1_is_no_bar_to_diff_or_load(tmp_path: Path) -> None:
    """validate reports a licence with neither name nor path (datasets/country-codes in 2017); diff and load read the tables."""
    import karabakh_timeline as kt

    licence = {"licenses": [{"type": "ODC-PDDL-1.0", "url": "http://opendatacommons.org/licenses/pddl/1.0/"}]}
    old = foreign_package(tmp_path / "old", {"t": ("a,b\n1,x\n", PLAIN)}, **licence)
    new = foreign_package(tmp_path / "new", {"t": ("a,b\n1,x\n2,y\n", PLAIN)}, **licence)
    code, data = _diff(old, new)
    assert code == 1 and _rows(data, "added") == [{"a": 2, "b": "y"}]
    assert kt.load(new).tables["t"]["a"].tolist() == [1, 2]
    assert [i.code for i in kt.validate(new).issues] == ["package-invalid"]
