"""Each policy lives in one place; where two copies used to disagree, the chosen behaviour is pinned here."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import karabakh_timeline as kt
from conftest import read_rows, run, set_cells, write_rows
from karabakh_timeline.policy import formula, versioning
from karabakh_timeline.policy.retirement import ANY_TABLE, retired_by_table, retired_for
from karabakh_timeline.release import exports
from karabakh_timeline.schema.types import TYPES
from karabakh_timeline.vocabulary.codes import CODES, READ, cannot_read

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "karabakh_timeline"


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _drop_column(pkg: Path, table: str, name: str) -> None:
    _edit_json(pkg / "schemas" / f"{table}.json", lambda s: s.update(fields=[f for f in s["fields"] if f["name"] != name]))
    rows = read_rows(pkg, table)
    at = rows[0].index(name)
    write_rows(pkg, table, [r[:at] + r[at + 1:] for r in rows])


# --- versioning ------------------------------------------------------------------------------


def test_one_semver_pattern_for_versions_tags_and_changelog_sections() -> None:
    assert versioning.parse_version("1.2.3") == (1, 2, 3) and versioning.parse_tag("v1.2.3") == (1, 2, 3)
    assert versioning.parse_version("v1.2.3") is None and versioning.parse_tag("1.2.3") is None
    assert versioning.parse_version("01.2.3") is None
    assert versioning.SECTION.search("## 0.2.0 — 2024-01-01").groups() == ("0", "2", "0")
    sources = {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}
    assert [name for name, text in sources.items() if "[1-9][0-9]*)" in text] == ["policy/versioning.py"]


def test_a_pre_release_suffix_does_not_compare() -> None:
    """Changed: diff used to read 1.0.0-rc.1 as 1.0.0 (so 1.0.0-rc.1 -> 1.0.0 was 'no version change'); publish refused it."""
    assert versioning.bump_between("1.0.0-rc.1", "1.0.0") is None
    assert versioning.bump_between("v0.1.0", "0.2.0") is None


def test_a_downgrade_is_never_a_sufficient_bump() -> None:
    """Changed: diff --check-version used to pass a downgrade when no change required a bump; publish refused it."""
    assert not versioning.sufficient("downgrade", "none")
    assert versioning.sufficient("none", "none") and versioning.sufficient(None, "none")
    assert not versioning.sufficient(None, "patch") and not versioning.sufficient("patch", "minor")
    assert versioning.sufficient("major", "minor")


def test_diff_check_version_refuses_a_downgrade(package: Path, tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(package, old)
    _edit_json(old / "datapackage.json", lambda d: d.update(version="0.2.0"))
    result = run("diff", str(old), str(package), "--check-version")
    assert result.exit_code == 1
    assert "version 0.2.0 -> 0.1.0 is a downgrade" in result.stderr


# --- retired IDs -----------------------------------------------------------------------------


def test_a_retired_id_without_a_table_is_retired_everywhere() -> None:
    retired = retired_by_table(["evt_000001", "plc_000002", "act_000003"], ["events", "", None])
    assert retired == {"events": {"evt_000001"}, ANY_TABLE: {"plc_000002", "act_000003"}}
    assert retired_for(retired, "places") == {"plc_000002", "act_000003"}
    assert retired_by_table(["evt_000001"], None) == {ANY_TABLE: {"evt_000001"}}


def test_validate_finds_a_reused_id_when_retired_ids_has_no_table_column(package: Path) -> None:
    """Changed: the rule used to check nothing without a table column, while diff treated such IDs as retired everywhere."""
    _drop_column(package, "retired_ids", "table")
    write_rows(package, "retired_ids", read_rows(package, "retired_ids") + [["evt_000002", "0.1.0", "", "Merged"]])
    report = kt.validate(package)
    found = [(i.code, i.table, i.field, i.value) for i in report.issues if i.code == "retired-id-reused"]
    assert found == [("retired-id-reused", "events", "event_id", "evt_000002")]


def test_diff_and_validate_agree_on_a_reused_id_without_a_table_column(package: Path, tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(package, old)
    _drop_column(package, "retired_ids", "table")
    write_rows(package, "retired_ids", read_rows(package, "retired_ids") + [["evt_000002", "0.1.0", "", "Merged"]])
    data = json.loads(run("diff", str(old), str(package), "--format", "json").stdout)
    assert [(i["code"], i["table"], i["value"]) for i in data["issues"]] == [("retired-id-reused", "events", "evt_000002")]


# --- formula characters ----------------------------------------------------------------------


def test_one_formula_start_constant_for_the_rule_and_the_export() -> None:
    assert exports.FORMULA_STARTS is formula.FORMULA_STARTS
    assert {"\t", "\r"} <= set(formula.FORMULA_STARTS)
    assert formula.guard_formula("\tx") == "'\tx"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_the_unsafe_text_rule_names_every_formula_start(package: Path, start: str) -> None:
    """Changed: a leading tab used to be worded 'leading or trailing space'; it is a formula start for the export too."""
    set_cells(package, "events", 2, notes=f"{start}1")
    issues = [i for i in kt.validate(package).issues if i.code == "unsafe-text"]
    assert [(i.table, i.line, i.field) for i in issues] == [("events", 2, "notes")]
    assert "formula" in issues[0].message


# --- one message per code --------------------------------------------------------------------


def test_enum_value_has_one_message_in_validate_and_load(package: Path) -> None:
    """Changed: validate said "'x' not one of the allowed values (…)", load said "'x' is not an allowed value"."""
    set_cells(package, "events", 2, verification="rumour")
    (from_validate,) = [i for i in kt.validate(package).issues if i.code == "enum-value"]
    with pytest.raises(kt.InvalidDataError) as raised:
        kt.load(package)
    (from_load,) = [i for i in raised.value.issues if i.code == "enum-value"]
    assert from_validate.message == from_load.message == "'rumour' is not one of the allowed values (confirmed, single_source, party_claim, disputed)"


def test_messages_with_a_template_are_not_worded_anywhere_else() -> None:
    sources = {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}
    for c in CODES.values():
        if not c.template:
            continue
        fixed = max(re.split(r"\{[^}]*\}", c.template), key=len).strip()  # the longest literal part of the template
        hits = [name for name, text in sources.items() if len(fixed) >= 12 and fixed in text and name != "vocabulary/codes.py"]
        assert not hits, f"{c.name}: its message is spelt out in {hits}; use code({c.name!r}).message(...)"


# --- exit codes: "cannot read" from the registry ---------------------------------------------


def test_cannot_read_is_the_registry_level() -> None:
    assert {n for n in CODES if cannot_read(n)} == {n for n, c in CODES.items() if c.level == READ}


def test_format_exits_3_for_a_schema_that_is_not_json(package: Path) -> None:
    """Changed: format hard-coded five "cannot read" codes and exited 1 for package-invalid-json (a read-level code)."""
    (package / "schemas" / "places.json").write_text("{ not json", encoding="utf-8")
    result = run("format", str(package), "--check")
    assert result.exit_code == 3
    assert "package-invalid-json" in result.stderr


# --- the type table --------------------------------------------------------------------------


def test_every_schema_type_has_one_row_in_the_type_table() -> None:
    from karabakh_timeline.schema.table_schema import TYPES as SCHEMA_TYPES

    assert tuple(TYPES) == SCHEMA_TYPES
    for t in TYPES.values():
        assert t.arrow is not None and t.pandas is not None and t.sqlite in ("TEXT", "INTEGER", "REAL") and t.r and t.words


# --- rule requirements -----------------------------------------------------------------------


def test_a_rule_whose_field_is_missing_says_so(package: Path) -> None:
    _drop_column(package, "statements", "original_language")
    report = kt.validate(package)
    found = [(i.code, i.severity, i.table, i.field, i.value) for i in report.issues if i.code == "rule-requirement-missing"]
    assert found == [("rule-requirement-missing", "warning", "statements", "original_language", "verbatim-language")]
    assert "verbatim-language" in next(i.message for i in report.issues if i.code == "rule-requirement-missing")
    assert not report.valid(strict=True)


def test_a_package_without_an_optional_table_is_not_warned_about(package: Path) -> None:
    _edit_json(package / "datapackage.json", lambda d: d.update(resources=[r for r in d["resources"] if r["name"] != "event_relations"]))
    report = kt.validate(package)
    assert [i for i in report.issues if i.code == "rule-requirement-missing"] == []
    assert report.valid(strict=True)
