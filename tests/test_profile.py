"""The timeline rules as a profile: house rules only for packages that declare them (or --profile timeline)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, foreign_package, run, set_cells
from karabakh_timeline.check.rules import RULES
from karabakh_timeline.vocabulary.codes import CODES, TIMELINE

SCHEMA = {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}, {"name": "country_code", "type": "string"},
                     {"name": "homepage", "type": "string", "format": "uri"}, {"name": "founded", "type": "date"}]}
# Everything here is valid by the specs and breaks a house rule: BOM, CRLF, a single-space cell,
# a '-' cell, a country code pycountry does not know, an ftp URL, a date after today.
ROWS = "\ufeffid,name,country_code,homepage,founded\r\n1, ,XX,ftp://example.org/,2999-01-01\r\n2,-,DEU,https://example.org/,2000-01-01\r\n"


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    return foreign_package(tmp_path / "foreign", {"things": (ROWS, SCHEMA)})


def _codes(result) -> list[str]:
    return sorted(i["code"] for i in json.loads(result.stdout)["issues"])


def test_a_package_without_the_profile_gets_the_spec_checks_only(foreign: Path) -> None:
    result = run("validate", str(foreign), "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["profile"] == "none"
    assert _codes(result) == []


def test_profile_timeline_applies_the_house_rules_to_any_package(foreign: Path) -> None:
    result = run("validate", str(foreign), "--format", "json", "--profile", "timeline")
    assert result.exit_code == 1
    assert _codes(result) == ["byte-order-mark", "country-code", "future-date", "line-ending", "unsafe-text", "unsafe-text", "url-scheme"]


def test_profile_declared_in_the_descriptor(tmp_path: Path) -> None:
    pkg = foreign_package(tmp_path / "p", {"things": (ROWS, SCHEMA)}, validationProfile="timeline")
    assert "byte-order-mark" in _codes(run("validate", str(pkg), "--format", "json"))
    assert _codes(run("validate", str(pkg), "--format", "json", "--profile", "none")) == []


def test_an_unknown_declared_profile_is_package_invalid(tmp_path: Path) -> None:
    pkg = foreign_package(tmp_path / "p", {"things": (ROWS, SCHEMA)}, validationProfile="timline")
    result = run("validate", str(pkg), "--format", "json")
    assert result.exit_code == 3
    assert _codes(result) == ["package-invalid"]


def test_the_bundled_dataset_declares_the_timeline_profile() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["validationProfile"] == "timeline"
    result = run("validate", "--format", "json")
    assert json.loads(result.stdout)["profile"] == "timeline"


def test_profile_none_drops_house_rules_on_the_timeline_itself(package: Path) -> None:
    set_cells(package, "events", 3, title="=Synthetic")
    assert _codes(run("validate", str(package), "--format", "json")) == ["unsafe-text"]
    assert run("validate", str(package), "--profile", "none").exit_code == 0


def test_every_rule_and_canonical_byte_code_belongs_to_the_timeline_profile() -> None:
    assert all(CODES[r].profile == TIMELINE for r in RULES)
    for name in ("byte-order-mark", "line-ending", "header-order", "country-code", "language-tag", "edtf-invalid"):
        assert CODES[name].profile == TIMELINE
    for name in ("type-error", "missing-value", "foreign-key", "duplicate-key", "encoding-error", "missing-cell"):
        assert CODES[name].profile == "spec"


def test_load_accepts_crlf_and_bom_in_a_foreign_package(foreign: Path) -> None:
    import karabakh_timeline as kt

    tl = kt.load(foreign)
    assert tl.tables["things"]["id"].tolist() == [1, 2]
