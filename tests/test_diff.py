"""karabakh-timeline diff: fixture pairs built from the synthetic package, one kind of change each."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import cell, make_synthetic, read_rows, run, set_cells, snapshot, without, write_rows
from karabakh_timeline.diff.compare import diff_packages
from karabakh_timeline.diff.kinds import KINDS
from karabakh_timeline.diff.render import render_markdown
from karabakh_timeline.policy.versioning import bump_between

Mutation = Callable[[Path], None]


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """OLD and NEW: two identical copies of the four-event synthetic package."""
    old, new = tmp_path / "old", tmp_path / "new"
    make_synthetic.make(4, old)
    shutil.copytree(old, new)
    return old, new


def diff_json(old: Path, new: Path, *args: str) -> tuple[int, dict]:
    result = run("diff", str(old), str(new), "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def edit_field(table: str, name: str, change: Callable[[dict], None]) -> Mutation:
    def mutate(pkg: Path) -> None:
        edit_json(pkg / "schemas" / f"{table}.json", lambda s: change(next(f for f in s["fields"] if f["name"] == name)))
    return mutate


def set_version(pkg: Path, version: str) -> None:
    edit_json(pkg / "datapackage.json", lambda d: d.update(version=version))


def append_row(pkg: Path, table: str, **values: str) -> None:
    rows = read_rows(pkg, table)
    write_rows(pkg, table, rows + [[values.get(h, rows[1][i]) for i, h in enumerate(rows[0])]])


def drop_row(pkg: Path, table: str, key: str) -> None:
    """Drop the rows of table whose event_id is key."""
    write_rows(pkg, table, without(pkg, table, "event_id", key))


def retire(pkg: Path, rid: str, table: str) -> None:
    write_rows(pkg, "retired_ids", read_rows(pkg, "retired_ids") + [[rid, table, "0.2.0", "", "Duplicate of another event"]])


def add_column(pkg: Path, table: str, name: str, ftype: str = "string") -> None:
    edit_json(pkg / "schemas" / f"{table}.json", lambda s: s["fields"].append({"name": name, "type": ftype}))
    write_rows(pkg, table, [r + ([name] if i == 0 else [""]) for i, r in enumerate(read_rows(pkg, table))])


def drop_column(pkg: Path, table: str, name: str) -> None:
    edit_json(pkg / "schemas" / f"{table}.json", lambda s: s.update(fields=[f for f in s["fields"] if f["name"] != name]))
    rows = read_rows(pkg, table)
    index = rows[0].index(name)
    write_rows(pkg, table, [r[:index] + r[index + 1:] for r in rows])


def swap_columns(pkg: Path, table: str, a: str, b: str, schema: bool) -> None:
    rows = read_rows(pkg, table)
    i, j = rows[0].index(a), rows[0].index(b)
    for r in rows:
        r[i], r[j] = r[j], r[i]
    write_rows(pkg, table, rows)
    if schema:
        def reorder(s: dict) -> None:
            names = [f["name"] for f in s["fields"]]
            s["fields"][names.index(a)], s["fields"][names.index(b)] = s["fields"][names.index(b)], s["fields"][names.index(a)]
        edit_json(pkg / "schemas" / f"{table}.json", reorder)


def _remove_enum_value(f: dict) -> None:
    f["constraints"]["enum"].remove("other")


def _row_added(pkg: Path) -> None:
    append_row(pkg, "events", event_id="evt_000004")


def _row_retired(pkg: Path) -> None:
    drop_row(pkg, "events", "evt_000002")
    retire(pkg, "evt_000002", "events")


def _table_removed(pkg: Path) -> None:
    edit_json(pkg / "datapackage.json", lambda d: d.update(resources=[r for r in d["resources"] if r["name"] != "event_relations"]))


def _table_added(pkg: Path) -> None:
    shutil.copy(pkg / "schemas" / "event_relations.json", pkg / "schemas" / "event_links.json")
    shutil.copy(pkg / "data" / "event_relations.csv", pkg / "data" / "event_links.csv")
    edit_json(pkg / "datapackage.json", lambda d: d["resources"].append(
        {**next(r for r in d["resources"] if r["name"] == "event_relations"), "name": "event_links",
         "path": "data/event_links.csv", "schema": "schemas/event_links.json"}))


def _edit_resource(name: str, **values: str) -> Mutation:
    def mutate(pkg: Path) -> None:
        edit_json(pkg / "datapackage.json", lambda d: next(r for r in d["resources"] if r["name"] == name).update(values))
    return mutate


_PLACE_FK = {"fields": ["place_id"], "reference": {"resource": "places", "fields": ["place_id"]}}

# (id, mutation of NEW, verdict, the (kind, table, field) of every schema or metadata change)
VERDICTS = [
    ("cell-corrected", lambda p: set_cells(p, "events", 3, title="Corrected title"), "patch", []),
    ("description", edit_field("events", "title", lambda f: f.update(description="A better description.")), "patch",
     [("description-changed", "events", "title")]),
    ("package-title", lambda p: edit_json(p / "datapackage.json", lambda d: d.update(title="New title")), "patch",
     [("metadata-changed", None, None)]),
    ("row-added", _row_added, "minor", []),
    ("row-retired", _row_retired, "minor", []),
    ("field-added", lambda p: add_column(p, "events", "review_status"), "minor", [("field-added", "events", "review_status")]),
    ("enum-value-added", edit_field("events", "verification", lambda f: f["constraints"]["enum"].append("retracted")), "minor",
     [("enum-values-added", "events", "verification")]),
    ("constraint-loosened", edit_field("events", "title", lambda f: f["constraints"].update(maxLength=200)), "minor",
     [("constraint-loosened", "events", "title")]),
    ("required-dropped", edit_field("events", "summary", lambda f: f["constraints"].pop("required")), "minor",
     [("constraint-loosened", "events", "summary")]),
    ("field-removed", lambda p: drop_column(p, "events", "notes"), "major", [("field-removed", "events", "notes")]),
    ("type-changed", edit_field("events", "fatalities_best", lambda f: f.update(type="number")), "major",
     [("type-changed", "events", "fatalities_best")]),
    ("enum-value-removed", edit_field("events", "event_type", _remove_enum_value), "major", [("enum-values-removed", "events", "event_type")]),
    ("constraint-tightened", edit_field("events", "title", lambda f: f["constraints"].update(maxLength=100)), "major",
     [("constraint-tightened", "events", "title")]),
    ("minimum-added", edit_field("places", "geonames_id", lambda f: f["constraints"].update(minimum=5)), "major",
     [("constraint-tightened", "places", "geonames_id")]),
    ("fields-reordered", lambda p: swap_columns(p, "events", "title", "summary", schema=True), "major", [("fields-reordered", "events", None)]),
    ("primary-key-changed", lambda p: edit_json(p / "schemas" / "event_relations.json", lambda s: s.update(primaryKey=["event_id", "related_event_id"])),
     "major", [("primary-key-changed", "event_relations", None)]),
    ("table-removed", _table_removed, "major", [("table-removed", "event_relations", None)]),
    ("table-added", _table_added, "minor", [("table-added", "event_links", None)]),
    ("format-changed", edit_field("sources", "url", lambda f: f.update(format="email")), "major", [("format-changed", "sources", "url")]),
    ("pattern-changed", edit_field("events", "event_id", lambda f: f["constraints"].update(pattern="^evt_[0-9]{7}$")), "major",
     [("constraint-changed", "events", "event_id")]),
    ("enum-reordered", edit_field("events", "event_type", lambda f: f["constraints"]["enum"].reverse()), "patch",
     [("enum-reordered", "events", "event_type")]),
    ("foreign-key-removed", lambda p: edit_json(p / "schemas" / "events.json", lambda s: s.update(foreignKeys=[])), "major",
     [("foreign-key-removed", "events", None)]),
    ("foreign-key-added", lambda p: edit_json(p / "schemas" / "events.json", lambda s: s["foreignKeys"].append(
        {"fields": ["event_id"], "reference": {"resource": "event_sources", "fields": ["event_id"]}})), "major",
     [("foreign-key-added", "events", None)]),
    ("missing-values-changed", lambda p: edit_json(p / "schemas" / "events.json", lambda s: s.update(missingValues=["", "NA"])), "major",
     [("missing-values-changed", "events", None)]),
    ("resource-described", _edit_resource("events", description="Every event."), "patch", [("resource-changed", "events", None)]),
    ("resource-encoding", _edit_resource("events", encoding="latin-1"), "major", [("resource-changed", "events", None)]),
    ("package-renamed", lambda p: edit_json(p / "datapackage.json", lambda d: d.update(name="another-timeline")), "major",
     [("metadata-changed", None, None)]),
    ("version-only", lambda p: set_version(p, "0.1.1"), "none", [("metadata-changed", None, None)]),
]
# The row-level kinds each of these cases produces (they are verdict reasons, not schema changes).
ROW_KINDS = {"cell-corrected": "values-changed", "row-added": "rows-added", "row-retired": "rows-removed"}


@pytest.mark.parametrize("mutate,verdict,kinds", [c[1:] for c in VERDICTS], ids=[c[0] for c in VERDICTS])
def test_verdict_per_kind_of_change(pair: tuple[Path, Path], mutate: Mutation, verdict: str, kinds: list) -> None:
    old, new = pair
    mutate(new)
    code, data = diff_json(old, new)
    assert code == 1
    assert data["verdict"] == verdict
    changes = data["metadata"] + [c for t in data["tables"].values() for c in t["schema"]]
    assert [(c["kind"], c["table"], c["field"]) for c in changes] == kinds
    assert all(c["level"] == KINDS[c["kind"]].level_for(c["attribute"]) for c in changes)  # levels come from the registry
    assert data["issues"] == []


def test_every_registered_kind_is_produced_by_a_test() -> None:
    produced = {kind for case in VERDICTS for kind, _, _ in case[3]} | set(ROW_KINDS.values())
    assert produced == set(KINDS), f"no test produces {sorted(set(KINDS) - produced)}; unknown {sorted(produced - set(KINDS))}"
    assert set(ROW_KINDS) <= {case[0] for case in VERDICTS}


def test_identical_packages_have_no_differences(pair: tuple[Path, Path]) -> None:
    old, new = pair
    result = run("diff", str(old), str(new))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OLD ") and lines[1].startswith("NEW ") and lines[2] == "no differences" and lines[3] == "verdict: none"
    assert "\x1b[" not in result.stdout
    code, data = diff_json(old, old)
    assert code == 0 and data["differs"] is False and data["verdict"] == "none"
    assert data["summary"] == {"tables_added": 0, "tables_removed": 0, "tables_changed": 0, "rows_added": 0, "rows_removed": 0,
                               "rows_changed": 0, "cells_changed": 0, "schema_changes": 0, "metadata_changes": 0, "errors": 0, "warnings": 0}
    assert data["tables"]["events"]["rows"] == {"old": 4, "new": 4, "added": 0, "removed": 0, "changed": 0, "unchanged": 4}


def test_changed_cells_listed_with_key_field_old_and_new(pair: tuple[Path, Path]) -> None:
    old, new = pair
    title = cell(old, "events", 3, "title")
    set_cells(new, "events", 3, title="Corrected title", fatalities_best="7", fatalities_low="", fatalities_high="")
    set_cells(new, "events", 5, date_start="2001-02-03", date_end="", date_precision="day", date_edtf="2001-02-03")
    code, data = diff_json(old, new)
    assert code == 1
    events = [c for c in data["changed"] if c["table"] == "events"]
    assert events[0]["key"] == {"event_id": "evt_000001"}
    assert events[0]["changes"][0] == {"field": "title", "old": title, "new": "Corrected title"}
    assert {c["field"] for c in events[0]["changes"]} <= {"title", "fatalities_best", "fatalities_low", "fatalities_high"}
    assert events[1]["key"] == {"event_id": "evt_000003"}
    assert {"field": "date_start", "old": cell(old, "events", 5, "date_start"), "new": "2001-02-03"} in events[1]["changes"]
    assert data["tables"]["events"]["rows"]["changed"] == 2 and data["tables"]["events"]["rows"]["unchanged"] == 2
    assert list(data) == ["old", "new", "differs", "verdict", "reasons", "version", "summary", "metadata", "tables", "added", "removed",
                          "changed", "issues", "warnings"]
    assert data["reasons"] == [f"events: {data['summary']['cells_changed']} values changed in 2 rows"]


def test_rows_added_and_removed_by_composite_key(pair: tuple[Path, Path]) -> None:
    old, new = pair
    drop_row(new, "event_sources", "evt_000001")
    append_row(new, "event_sources", event_id="evt_000001", source_id="src_000009")
    code, data = diff_json(old, new)
    assert code == 1
    assert data["added"] == [{"table": "event_sources", "key": {"event_id": "evt_000001", "source_id": "src_000009"}, "values": {}}]
    assert data["removed"] == [{"table": "event_sources", "key": {"event_id": "evt_000001", "source_id": "src_000008"}, "values": {}}]
    assert data["tables"]["event_sources"]["rows"] == {"old": 7, "new": 7, "added": 1, "removed": 1, "changed": 0, "unchanged": 6}
    assert data["issues"] == [] and data["verdict"] == "minor"  # link tables have no IDs to retire


def test_reordered_rows_and_columns_and_equal_numbers_are_not_changes(pair: tuple[Path, Path]) -> None:
    old, new = pair
    rows = read_rows(new, "events")
    write_rows(new, "events", [rows[0], *reversed(rows[1:])])
    swap_columns(new, "sources", "title", "url", schema=False)  # the file's columns, not the schema's
    set_cells(old, "places", 2, latitude="40", longitude="45.5")
    set_cells(new, "places", 2, latitude="40.0", longitude="45.50")
    code, data = diff_json(old, new)
    assert code == 0, data["changed"]
    assert data["differs"] is False
    assert [w["code"] for w in data["warnings"]] == ["header-order"]  # reported, but not a difference


def test_unrecorded_removal_is_an_error(pair: tuple[Path, Path]) -> None:
    old, new = pair
    drop_row(new, "events", "evt_000002")
    set_version(new, "0.2.0")
    code, data = diff_json(old, new)
    assert code == 1
    assert data["removed"][0]["key"] == {"event_id": "evt_000002"}
    assert data["removed"][0]["values"]["title"] == cell(old, "events", 4, "title")
    assert [(i["code"], i["table"], i["field"], i["value"], i["severity"]) for i in data["issues"]] == [
        ("unrecorded-removal", "events", "event_id", "evt_000002", "error")]
    result = run("diff", str(old), str(new), "--check-version")
    assert result.exit_code == 1  # the minor bump is enough, the unrecorded removal is not
    assert "version check failed" in result.stderr and "1 unrecorded-removal" in result.stderr
    retire(new, "evt_000002", "events")
    assert run("diff", str(old), str(new), "--check-version").exit_code == 0


def test_retired_id_that_reappears_is_reported(pair: tuple[Path, Path]) -> None:
    old, new = pair
    retire(new, "evt_000002", "events")
    code, data = diff_json(old, new)
    assert code == 1
    assert [(i["code"], i["table"], i["line"], i["field"], i["value"]) for i in data["issues"]] == [
        ("retired-id-reused", "events", 4, "event_id", "evt_000002")]


def test_check_version_fails_with_the_needed_bump_and_passes_when_enough(pair: tuple[Path, Path]) -> None:
    old, new = pair
    append_row(new, "events", event_id="evt_000004")
    set_version(new, "0.1.1")
    result = run("diff", str(old), str(new), "--check-version")
    assert result.exit_code == 1
    assert "version 0.1.0 -> 0.1.1 is a patch bump; the changes need a minor bump: not enough" in result.stderr
    assert "minor: events: 1 row added" in result.stderr
    set_version(new, "0.2.0")
    result = run("diff", str(old), str(new), "--check-version")
    assert result.exit_code == 0
    assert "version check passed" in result.stderr
    assert run("diff", str(old), str(old), "--check-version").exit_code == 0  # nothing changed: no bump needed


def test_bump_between() -> None:
    assert [bump_between("0.1.0", v) for v in ("0.1.0", "0.1.1", "0.2.0", "1.0.0", "0.0.9")] == ["none", "patch", "minor", "major", "downgrade"]
    assert bump_between("0.1", "0.2.0") is None and bump_between(None, "1.0.0") is None


def test_table_option_restricts(pair: tuple[Path, Path]) -> None:
    old, new = pair
    set_cells(new, "events", 2, title="Changed")
    set_cells(new, "places", 2, name="Changed place")
    code, data = diff_json(old, new, "--table", "places")
    assert code == 1 and list(data["tables"]) == ["places"]
    assert [c["key"] for c in data["changed"]] == [{"place_id": "plc_000000"}]
    code, data = diff_json(old, new, "--table", "places", "--table", "events")
    assert code == 1 and list(data["tables"]) == ["events", "places"]
    result = run("diff", str(old), str(new), "--table", "nope")
    assert result.exit_code == 2 and "no table 'nope'" in result.stderr


def test_markdown_is_capped_with_a_more_changes_line(pair: tuple[Path, Path]) -> None:
    old, new = pair
    for line in range(2, 6):
        set_cells(new, "events", line, title=f"Corrected title {line}", summary=f"Corrected summary {line}")
    result = diff_packages(str(old), str(new))
    full, capped = io.StringIO(), io.StringIO()
    render_markdown(result, full)
    render_markdown(result, capped, limit=len(full.getvalue()) - 200)
    assert "more changes" not in full.getvalue() and "<details><summary><b>events</b>" in full.getvalue()
    assert len(capped.getvalue()) <= len(full.getvalue()) - 200
    assert "more changes not shown" in capped.getvalue()
    assert capped.getvalue().count("<details>") == capped.getvalue().count("</details>")


def test_markdown_of_a_large_diff_stays_under_the_comment_limit(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    make_synthetic.make(1200, old)
    shutil.copytree(old, new)
    rows = read_rows(new, "events")
    title = rows[0].index("title")
    write_rows(new, "events", [rows[0]] + [r[:title] + [r[title] + " (revised)"] + r[title + 1:] for r in rows[1:]])
    result = run("diff", str(old), str(new), "--format", "markdown", "--table", "events")
    assert result.exit_code == 1
    assert len(result.stdout) <= 60_000
    assert "more changes not shown" in result.stdout and "| events | changed | 0 | 0 | 1,200 | 0 | 0 |" in result.stdout


def test_zip_input_and_unsafe_zip(pair: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = pair
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(old.rglob("*")):
            if path.is_file():
                zf.write(path, "karabakh-timeline-0.1.0/" + path.relative_to(old).as_posix())
    set_cells(new, "events", 2, title="Changed")
    code, data = diff_json(archive, new)
    assert code == 1 and data["old"]["kind"] == "zip" and [c["key"] for c in data["changed"]] == [{"event_id": "evt_000000"}]
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("datapackage.json", "{}")
        zf.writestr("../outside.txt", "x")
    result = run("diff", str(evil), str(new))
    assert result.exit_code == 3 and result.stderr.startswith("Error: path-unsafe:") and not (tmp_path.parent / "outside.txt").exists()


def test_unreadable_inputs_exit_3_without_traceback(pair: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = pair
    monkeypatch.chdir(tmp_path)  # not inside a git repository
    result = run("diff", "no-such-thing", str(new))
    assert result.exit_code == 3 and result.stderr.startswith("Error: revision-not-found: no-such-thing is not an existing path")
    (new / "datapackage.json").write_text("{", encoding="utf-8")
    result = run("diff", str(old), str(new))
    assert result.exit_code == 3 and result.stderr.startswith("Error: package-invalid-json:")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    result = run("diff", str(tmp_path / "broken.zip"), str(old))
    assert result.exit_code == 3 and result.stderr.startswith("Error: zip-invalid:")
    (old / "data" / "events.csv").write_text((old / "data" / "events.csv").read_text() + '"unclosed,quote\n', encoding="utf-8")
    result = run("diff", str(old), str(old))
    assert result.exit_code == 3 and "parse-error" in result.stderr and "Traceback" not in result.stderr


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", *args],
                   cwd=repo, check=True, capture_output=True)


def test_git_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    make_synthetic.make(4, repo)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v0.1.0")
    _git(repo, "tag", "v0.1.0")
    set_cells(repo, "events", 3, title="Corrected in a commit")
    _git(repo, "commit", "-q", "-am", "correct a title")
    set_cells(repo, "places", 2, name="Uncommitted name")
    before = snapshot(repo)
    monkeypatch.chdir(repo)
    code, data = diff_json(Path("v0.1.0"), Path("HEAD"))
    assert code == 1 and data["old"]["kind"] == "git" and len(data["old"]["revision"]) == 40
    assert [(c["table"], c["key"]) for c in data["changed"]] == [("events", {"event_id": "evt_000001"})]
    result = run("diff", "v0.1.0", "--format", "json")  # against the working tree, uncommitted change included
    data = json.loads(result.stdout)
    assert data["new"]["kind"] == "working tree"
    assert [(c["table"], c["key"]) for c in data["changed"]] == [("events", {"event_id": "evt_000001"}), ("places", {"place_id": "plc_000000"})]
    assert run("diff", "HEAD", "HEAD").exit_code == 0
    for bad in ("v9.9.9", "--", "-x"):
        args = ["diff", "--", bad] if bad.startswith("-") else ["diff", bad]
        result = run(*args)
        assert result.exit_code == 3 and result.stderr.startswith("Error: revision-not-found:") and "Traceback" not in result.stderr, bad
    assert snapshot(repo) == before
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True).stdout
    assert status.split() == ["M", "data/places.csv"]


def test_diff_never_writes_to_either_side(pair: tuple[Path, Path]) -> None:
    old, new = pair
    set_cells(new, "events", 2, title="Changed")
    drop_row(new, "events", "evt_000003")
    before = (snapshot(old), snapshot(new))
    for fmt in ("text", "markdown", "json"):
        run("diff", str(old), str(new), "--format", fmt)
    assert (snapshot(old), snapshot(new)) == before


def test_text_output_lists_each_kind_of_change(pair: tuple[Path, Path]) -> None:
    old, new = pair
    set_cells(new, "events", 2, title="Changed")
    _row_retired(new)
    _row_added(new)
    add_column(new, "events", "review_status")
    set_version(new, "0.2.0")
    result = run("diff", str(old), str(new))
    assert result.exit_code == 1
    text = result.stdout
    assert text.index("verdict: minor") < text.index("table ") < text.index("\nevents  (")
    for expected in ("minor  field review_status added (string)", "+ evt_000004", "- evt_000002", "~ evt_000000",
                     'title: "Synthetic', '-> "Changed"', 'none   version: "0.1.0" -> "0.2.0"',
                     "version 0.1.0 -> 0.2.0 is a minor bump; the changes need a minor bump: enough"):
        assert expected in text, expected
