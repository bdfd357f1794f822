"""Reliability (issue 10), second part: NaN never written as JSON, URLs judged by a real parser, escapes in text output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run, set_cells
from karabakh_timeline.check.rules.url_validity import url_problem
from karabakh_timeline.support.files import dumps
from karabakh_timeline.support.text import printable


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _unbound(pkg: Path, table: str, field: str) -> None:
    path = pkg / "schemas" / f"{table}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == field).pop("constraints", None)
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")


def test_a_nan_cell_never_makes_publish_write_invalid_json(package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767323045")
    _unbound(package, "places", "latitude")
    set_cells(package, "places", 2, latitude="NaN")
    result = run("publish", str(package), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 0, result.stderr
    written = [p for p in (tmp_path / "dist").rglob("*") if p.suffix in (".json", ".geojson", ".jsonl")]
    assert len(written) > 10
    for path in written:
        for text in path.read_text(encoding="utf-8").splitlines() if path.suffix == ".jsonl" else [path.read_text(encoding="utf-8")]:
            json.loads(text, parse_constant=_no_constant)
    places = json.loads((next(p for p in written if p.name == "places.json" and p.parent.name == "json")).read_text(encoding="utf-8"))
    assert places[0]["latitude"] is None  # JSON has no NaN: exported as missing


def test_a_bounded_nan_is_out_of_range(package: Path) -> None:
    set_cells(package, "places", 2, latitude="NaN")
    issues = json.loads(run("validate", str(package), "--format", "json").stdout)["issues"]
    assert [(i["code"], i["line"], i["field"], i["value"]) for i in issues if i["severity"] == "error"] == \
        [("out-of-range", 2, "latitude", "NaN")]


def test_diff_of_a_package_with_nan_against_itself_finds_nothing(package: Path) -> None:
    set_cells(package, "places", 2, latitude="NaN")
    result = run("diff", str(package), str(package), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["rows_changed"] == 0


def test_canonical_json_never_holds_nan_or_infinity() -> None:
    assert json.loads(dumps({"a": float("nan"), "b": [float("inf"), -float("inf")], "c": 1.5}), parse_constant=_no_constant) == \
        {"a": "NaN", "b": ["INF", "-INF"], "c": 1.5}


@pytest.mark.parametrize("url,problem", [
    ("https://exa mple.org/", "the character ' ' at position 11 must be percent-encoded"),
    ("https://example.org/a\tb", "the character '\\t' at position 21 must be percent-encoded"),
    ("https://example.org/<script>", "the character '<' at position 20 must be percent-encoded"),
    ("https://example.org:99999/", "invalid port"),
    ("https://", "no host"),
    ("https://example.org/#a#b", "invalid fragment"),
    ("ftp://example.org/", "scheme"),
    ("https://example.org/path?q=1", None),
    ("HTTPS://Example.org/", None),
    ("https://пример.рф/путь", None),
    ("https://news.am/eng/news/1.html", None),
])
def test_urls_are_judged_by_an_rfc3986_parser(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


def test_a_url_with_a_space_is_url_invalid(package: Path) -> None:
    set_cells(package, "sources", 2, url="https://news0.example.org/a b")
    issues = json.loads(run("validate", str(package), "--format", "json").stdout)["issues"]
    assert ("url-invalid", "sources", 2, "url") in [(i["code"], i["table"], i["line"], i["field"]) for i in issues]


def test_printable_escapes_what_a_terminal_would_act_on() -> None:
    assert printable("a\x1b[2Jb\x9b\u202e\ud800\tc") == "a\\x1b[2Jb\\x9b\\u202e\\ud800\tc"


def test_an_escape_in_package_metadata_is_escaped_in_diff_text(package: Path, tmp_path: Path) -> None:
    import shutil
    new = tmp_path / "new"
    shutil.copytree(package, new)
    path = new / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["title"] = "\x1b]0;pwned\x07 a new title"
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    result = run("diff", str(package), str(new))
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "pwned" in result.stdout


def test_a_huge_cell_gives_a_bounded_report(package: Path) -> None:
    set_cells(package, "events", 3, summary="=" + "x" * 5_000_000)
    result = run("validate", str(package), "--format", "json")
    assert len(result.stdout) < 20_000
    issues = [i for i in json.loads(result.stdout)["issues"] if i["line"] == 3]
    assert {i["code"] for i in issues} == {"text-length", "unsafe-text"}
    assert all(len(i["message"]) <= 1_100 and len(i["value"]) <= 250 for i in issues)
