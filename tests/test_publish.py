"""publish: refusals write nothing; a release is complete, typed, hashed, reproducible and atomic."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import karabakh_timeline as kt
from conftest import ROOT, make_synthetic, read_rows, records, run, set_cells, snapshot, write_rows
from karabakh_timeline.release import exports
from karabakh_timeline.release.event_view import EventView
from karabakh_timeline.release.publish import PublishError, publish
from karabakh_timeline.schema.descriptor import open_package

COMMIT_TIME = "2026-01-02T03:04:05+00:00"
EPOCH = "1767323045"  # 2026-01-02T03:04:05Z
RELEASE = "karabakh-timeline-0.1.0"
IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SOURCE_DATE_EPOCH from outside; a git identity for tags (CI has none configured)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for name, value in IDENTITY.items():
        monkeypatch.setenv(name, value)


def git(repo: Path, *args: str, when: str = COMMIT_TIME) -> str:
    env = {**os.environ, **IDENTITY, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def commit(repo: Path, message: str, when: str = COMMIT_TIME) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose root is a valid four-event package, committed at COMMIT_TIME."""
    root = tmp_path / "repo"
    make_synthetic.make(4, root)
    git(root, "init", "-q", "-b", "main")
    commit(root, "data")
    return root


def set_version(pkg: Path, version: str) -> None:
    path = pkg / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["version"] = version
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def add_place(pkg: Path) -> None:
    """A minor change: one new row."""
    rows = read_rows(pkg, "places")
    write_rows(pkg, "places", rows + [["plc_000099", "Newtown", "", "", "", "town", "40.1", "45.2", "ARM", "", ""]])


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# --- a release -------------------------------------------------------------------------------


def test_first_release_has_every_file_and_is_dated_by_the_commit(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = run("publish", str(repo), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [str(out / RELEASE), str(out / f"{RELEASE}.zip")]
    assert "published 0.1.0 (first release;" in result.stderr
    assert listing(out) == sorted([RELEASE, f"{RELEASE}.zip"] + [f"{RELEASE}/{p}" for p in listing(out / RELEASE)])
    files = set(tree(out / RELEASE))
    tables = [r.name for r in open_package(repo).resources.values()]
    kinds = (("data", "csv"), ("schemas", "json"), ("exports/parquet", "parquet"), ("exports/json", "json"), ("exports/jsonl", "jsonl"))
    per_table = [f"{folder}/{t}.{ext}" for t in tables for folder, ext in kinds]
    assert files == {"datapackage.json", "index.html", "README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md", "SHA256SUMS",
                     "exports/karabakh-timeline.sqlite", "exports/metadata.json", "exports/events_flat.csv",
                     "exports/geojson/events.geojson", "exports/geojson/places.geojson", *per_table}
    descriptor = json.loads((out / RELEASE / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == "0.1.0" and descriptor["created"] == "2026-01-02T03:04:05Z"
    assert list(descriptor).index("created") == list(descriptor).index("version") + 1
    changelog = (out / RELEASE / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 0.1.0 — 2026-01-02\n\nInitial release.\n" in changelog and "| events | 4 |" in changelog
    assert git(repo, "status", "--porcelain") == ""  # nothing written to the repository without --tag


def test_release_data_and_schemas_are_canonical_copies(repo: Path, tmp_path: Path) -> None:
    rows = read_rows(repo, "places")
    write_rows(repo, "places", [rows[0]] + rows[:0:-1])  # rows out of order: the release sorts them
    commit(repo, "unsorted")
    assert run("publish", str(repo), "--out", str(tmp_path / "dist")).exit_code == 0
    release = tmp_path / "dist" / RELEASE
    assert read_rows(release, "places") == [rows[0]] + rows[1:]
    for name in ("events", "places"):
        schema = f"schemas/{name}.json"
        assert (release / schema).read_text(encoding="utf-8") == (repo / schema).read_text(encoding="utf-8")


def test_hashes_bytes_and_sha256sums_match_the_files(repo: Path, tmp_path: Path) -> None:
    release = publish(repo, tmp_path / "dist").directory
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        data = (release / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["schema"] == f"schemas/{resource['name']}.json"
    lines = (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = [line.split("  ", 1)[1] for line in lines]
    assert listed == sorted(listed) == sorted(set(tree(release)) - {"SHA256SUMS"})
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest
    check = subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], cwd=release, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_released_package_is_valid_for_both_validators(repo: Path, tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    release = publish(repo, tmp_path / "dist").directory
    assert kt.validate(release).exit_code(strict=True) == 0
    report = frictionless.validate(str(release / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["hash"] = "sha256:" + "0" * 64  # frictionless really checks the hash
    (release / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert "hash-count" in str(frictionless.validate(str(release / "datapackage.json")).flatten(["type"]))


def test_citation_cff_has_the_cff_1_2_shape(repo: Path, tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    jsonschema = pytest.importorskip("jsonschema")
    release = publish(repo, tmp_path / "dist").directory
    cff = yaml.safe_load((release / "CITATION.cff").read_text(encoding="utf-8"))
    # The required keys and types of the Citation File Format 1.2.0 schema (schema.json of citation-file-format).
    person_or_entity = {"anyOf": [{"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}},
                                  {"type": "object", "required": ["family-names"]}, {"type": "object", "required": ["given-names"]}]}
    schema = {
        "type": "object",
        "required": ["authors", "cff-version", "message", "title"],
        "properties": {
            "cff-version": {"type": "string", "pattern": r"^1\.2\.0$"},
            "message": {"type": "string", "minLength": 1},
            "title": {"type": "string", "minLength": 1},
            "type": {"enum": ["dataset", "software"]},
            "version": {"type": ["string", "number"], "minLength": 1},
            "date-released": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "license": {"type": "string"},
            "url": {"type": "string", "pattern": "^(https|http|ftp|sftp)://.+"},
            "keywords": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "authors": {"type": "array", "minItems": 1, "items": person_or_entity},
        },
    }
    jsonschema.validate(cff, schema)
    assert (cff["title"], cff["version"], cff["date-released"], cff["license"], cff["type"]) == \
        ("Karabakh conflict timeline", "0.1.0", "2026-01-02", "CC-BY-4.0", "dataset")


# --- reproducible ----------------------------------------------------------------------------


def test_two_builds_of_one_commit_are_byte_identical_zip_included(repo: Path, tmp_path: Path) -> None:
    first, second = publish(repo, tmp_path / "a"), publish(repo, tmp_path / "b")
    assert tree(first.directory) == tree(second.directory)
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    with zipfile.ZipFile(first.zip_path) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names) == [f"{RELEASE}/{n}" for n in sorted(tree(first.directory))]
        assert {i.date_time for i in infos} == {(2026, 1, 2, 3, 4, 4)}  # zip times have two-second steps
        assert {i.external_attr >> 16 for i in infos} == {0o100644} and {i.create_system for i in infos} == {3}
        assert {i.extra for i in infos} == {b""} and archive.comment == b""
        assert all(archive.read(f"{RELEASE}/{n}") == data for n, data in tree(first.directory).items())
    assert {oct(p.stat().st_mode & 0o777) for p in first.directory.rglob("*") if p.is_file()} == {"0o644"}


def test_source_date_epoch_wins_over_the_commit_and_dates_a_package_outside_git(package: Path, tmp_path: Path, monkeypatch) -> None:
    result = run("publish", str(package), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 2 and "SOURCE_DATE_EPOCH" in result.stderr and not (tmp_path / "dist").exists()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert run("publish", str(package), "--out", str(tmp_path / "dist")).exit_code == 0
    descriptor = json.loads((tmp_path / "dist" / RELEASE / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["created"] == "2026-01-02T03:04:05Z"


# --- refusals: exit 1, nothing written -------------------------------------------------------


def test_invalid_data_is_refused_with_the_validators_issues(repo: Path, tmp_path: Path) -> None:
    set_cells(repo, "events", 3, event_type="battle")
    before = snapshot(tmp_path)
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 1
    assert "line 3 event_type  enum-value" in result.stderr and "Error: the data does not validate (1 error); nothing written (exit 1)" in result.stderr
    assert result.stdout == "" and snapshot(tmp_path) == before and not (tmp_path / "dist").exists()


def test_version_not_bumped_enough_is_refused(repo: Path, tmp_path: Path) -> None:
    git(repo, "tag", "-a", "v0.1.0", "-m", "0.1.0")
    add_place(repo)  # a row added: a minor bump is needed
    set_version(repo, "0.1.1")
    commit(repo, "new place", when="2026-02-01T00:00:00+00:00")
    out = tmp_path / "dist"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    before = snapshot(out)
    result = run("publish", str(repo), "--out", str(out))
    assert result.exit_code == 1, result.stderr
    assert "Error: version 0.1.0 (v0.1.0) -> 0.1.1 is a patch bump; the changes need a minor bump (places: 1 row added)" in result.stderr
    assert snapshot(out) == before and listing(out) == ["keep.txt"]
    set_version(repo, "0.2.0")
    commit(repo, "bump", when="2026-02-01T00:00:00+00:00")
    result = run("publish", str(repo), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert "published 0.2.0 (minor changes since v0.1.0;" in result.stderr
    changelog = (out / "karabakh-timeline-0.2.0" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 0.2.0 — 2026-02-01\n\nCompared with v0.1.0: a minor release." in changelog
    assert "| places | 11 | 1 | 0 | 0 |" in changelog and "### Added\n\n- places `plc_000099`: Newtown" in changelog


def test_a_removal_without_a_retired_id_is_refused_whatever_the_bump(repo: Path, tmp_path: Path) -> None:
    git(repo, "tag", "-a", "v0.1.0", "-m", "0.1.0")
    used = {r["place_id"] for r in records(repo, "events")}
    rows = read_rows(repo, "places")
    gone = next(r for r in rows[1:] if r[rows[0].index("place_id")] not in used)
    write_rows(repo, "places", [r for r in rows if r is not gone])
    set_version(repo, "1.0.0")
    commit(repo, "drop a place")
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 1, result.stderr
    assert f"unrecorded-removal: {gone[0]} was removed from places" in result.stderr and not (tmp_path / "dist").exists()


def test_version_below_the_newest_tag_is_refused(repo: Path, tmp_path: Path) -> None:
    git(repo, "tag", "-a", "v0.2.0", "-m", "0.2.0")
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 1 and "version 0.1.0 is not a bump over the previous release v0.2.0" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_since_compares_with_a_revision(repo: Path, tmp_path: Path) -> None:
    set_cells(repo, "places", 2, name="Renamed place")  # a correction: a patch bump is enough
    set_version(repo, "0.1.1")
    commit(repo, "rename")
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"), "--since", "HEAD~1")
    assert result.exit_code == 0, result.stderr
    changelog = (tmp_path / "dist" / "karabakh-timeline-0.1.1" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Compared with HEAD~1 (0.1.0): a patch release." in changelog
    assert re.search(r"### Corrected\n\n- places `plc_000000`: name Place \w+ → Renamed place\n", changelog)
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"), "--since", "no-such-rev")
    assert result.exit_code == 3 and "--since no-such-rev: not a revision" in result.stderr


def test_released_version_is_refused_unless_forced_and_then_rebuilt_identically(repo: Path, tmp_path: Path) -> None:
    first = publish(repo, tmp_path / "first", tag=True)
    commit(repo, "changelog", when="2026-03-01T00:00:00+00:00")  # a later commit: the tag still dates the release
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 1 and "0.1.0 is already released (tag v0.1.0 exists)" in result.stderr
    assert result.stderr.rstrip().endswith("with --force; nothing written (exit 1)")
    assert not (tmp_path / "dist").exists()
    git(repo, "checkout", "-q", "v0.1.0")
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"), "--force")
    assert result.exit_code == 0, result.stderr
    assert tree(tmp_path / "dist" / RELEASE) == tree(first.directory)
    assert (tmp_path / "dist" / f"{RELEASE}.zip").read_bytes() == first.zip_path.read_bytes()


# --- --tag -----------------------------------------------------------------------------------


def test_tag_writes_the_repository_changelog_and_an_annotated_tag(repo: Path, tmp_path: Path) -> None:
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"), "--tag")
    assert result.exit_code == 0, result.stderr
    assert "tagged v0.1.0" in result.stderr
    assert git(repo, "cat-file", "-t", "v0.1.0").strip() == "tag"
    assert git(repo, "rev-parse", "v0.1.0^{commit}") == git(repo, "rev-parse", "HEAD")
    assert "Initial release." in git(repo, "tag", "-l", "--format=%(contents)", "v0.1.0")
    assert git(repo, "status", "--porcelain") == "?? CHANGELOG.md\n?? CITATION.cff\n"
    for name in ("CHANGELOG.md", "CITATION.cff"):  # the repository's copies are the release's
        assert (repo / name).read_bytes() == (tmp_path / "dist" / RELEASE / name).read_bytes()
    # The next release keeps the earlier sections, newest first.
    commit(repo, "changelog 0.1.0")
    add_place(repo)
    set_version(repo, "0.2.0")
    commit(repo, "0.2.0", when="2026-02-01T00:00:00+00:00")
    assert run("publish", str(repo), "--out", str(tmp_path / "dist"), "--tag").exit_code == 0
    text = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.index("## 0.2.0 — 2026-02-01") < text.index("## 0.1.0 — 2026-01-02") and text.count("## 0.1.0") == 1
    assert sorted(git(repo, "tag").split()) == ["v0.1.0", "v0.2.0"]


def test_unreleased_notes_move_into_the_new_versions_section(repo: Path, tmp_path: Path) -> None:
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n\nA narrative for users:\n\n- the trust model.\n", encoding="utf-8")
    commit(repo, "notes")
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"), "--tag")
    assert result.exit_code == 0, result.stderr
    text = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## Unreleased" not in text
    assert "## 0.1.0 — 2026-01-02\n\nA narrative for users:\n\n- the trust model.\n\nInitial release.\n" in text
    assert "A narrative for users:" in git(repo, "tag", "-l", "--format=%(contents)", "v0.1.0")
    commit(repo, "changelog 0.1.0")
    again = run("publish", str(repo), "--out", str(tmp_path / "dist"), "--force")  # a rebuild keeps the narrative
    assert again.exit_code == 0 and (tmp_path / "dist" / RELEASE / "CHANGELOG.md").read_text(encoding="utf-8") == text
    # The next version starts without notes unless someone writes new ones.
    (repo / "CHANGELOG.md").write_text(text.replace("\n## 0.1.0", "\n## Unreleased\n\nNew places.\n\n## 0.1.0", 1), encoding="utf-8")
    add_place(repo)
    set_version(repo, "0.2.0")
    commit(repo, "0.2.0", when="2026-02-01T00:00:00+00:00")
    assert run("publish", str(repo), "--out", str(tmp_path / "dist"), "--tag").exit_code == 0
    text = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 0.2.0 — 2026-02-01\n\nNew places.\n\nCompared with v0.1.0" in text and text.count("New places.") == 1
    assert text.count("A narrative for users:") == 1 and "## Unreleased" not in text


def test_repository_changelog_and_citation_are_current() -> None:
    """The root CITATION.cff describes this dataset at a version no later than datapackage.json's; CHANGELOG.md exists."""
    yaml = pytest.importorskip("yaml")
    from karabakh_timeline.policy.versioning import parse_version
    from karabakh_timeline.release.contents import citation_cff

    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    expected = yaml.safe_load(citation_cff(descriptor, dt.date(2000, 1, 1)))
    assert {k: v for k, v in cff.items() if k not in ("version", "date-released")} == \
        {k: v for k, v in expected.items() if k not in ("version", "date-released")}
    assert parse_version(str(cff["version"])) <= parse_version(descriptor["version"])
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog\n")


def test_tag_refuses_uncommitted_package_changes(repo: Path, tmp_path: Path) -> None:
    set_cells(repo, "places", 2, name="Edited")
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"), "--tag")
    assert result.exit_code == 1 and "uncommitted changes" in result.stderr and " M data/places.csv" in result.stderr
    assert git(repo, "tag") == "" and not (tmp_path / "dist").exists()
    result = run("publish", str(repo), "--out", str(tmp_path / "dist"))  # without --tag: built, with a warning
    assert result.exit_code == 0 and "Warning: the package has uncommitted changes" in result.stderr


def test_package_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_synthetic.make(4, root / "package")
    (root / "README.md").write_text("project\n")
    git(root, "init", "-q", "-b", "main")
    commit(root, "data")
    git(root, "tag", "-a", "v0.1.0", "-m", "0.1.0")
    set_cells(root / "package", "places", 2, name="Renamed")
    set_version(root / "package", "0.1.1")
    commit(root, "fix")
    result = publish(root / "package", tmp_path / "dist", tag=True)
    assert result.previous == "v0.1.0" and result.verdict == "patch"
    assert (root / "CHANGELOG.md").is_file() and not (root / "package" / "CHANGELOG.md").exists()


# --- atomic, and nothing outside --out -------------------------------------------------------


def test_a_failure_mid_build_leaves_out_as_it_was(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "dist"
    publish(repo, out)  # an earlier build of the same version, replaced only by a complete new one
    before = snapshot(out)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write_parquet", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        publish(repo, out)
    assert snapshot(out) == before and sorted(p.name for p in out.iterdir()) == [RELEASE, f"{RELEASE}.zip"]
    with pytest.raises(RuntimeError):
        publish(repo, tmp_path / "new" / "dist")
    assert not (tmp_path / "new").exists()


def test_nothing_is_written_outside_out(repo: Path, tmp_path: Path) -> None:
    outside = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if ".git" not in p.parts}
    publish(repo, tmp_path / "dist")
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if ".git" not in p.parts and "dist" not in p.relative_to(tmp_path).parts}
    assert after == outside


# --- exports ---------------------------------------------------------------------------------


def test_sqlite_has_types_and_keys_from_the_schemas(repo: Path, tmp_path: Path) -> None:
    set_cells(repo, "events", 2, fatalities_best="3", fatalities_low="2", fatalities_high="5")
    commit(repo, "figures")
    release = publish(repo, tmp_path / "dist").directory
    package = open_package(repo)
    db = sqlite3.connect(release / "exports" / "karabakh-timeline.sqlite")
    db.execute("PRAGMA foreign_keys = ON")
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    for name, resource in package.resources.items():
        info = db.execute(f'PRAGMA table_info("{name}")').fetchall()
        expected = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "date": "TEXT", "boolean": "INTEGER"}  # SQLite's affinities
        assert [(c[1], c[2]) for c in info] == [(f.name, expected[f.type]) for f in resource.schema.fields]
        assert [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]] == list(resource.schema.primary_key)
        keys = {(tuple(r[3] for r in group), group[0][2], tuple(r[4] for r in group))
                for group in _groups(db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall())}
        assert keys == {(fk.fields, fk.resource, fk.reference_fields) for fk in resource.schema.foreign_keys}
        assert db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == len(read_rows(repo, name)) - 1
    row = db.execute("SELECT date_start, typeof(date_start), typeof(fatalities_best) FROM events WHERE fatalities_best NOT NULL").fetchone()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[0]) and row[1:] == ("text", "integer")
    assert db.execute("SELECT typeof(latitude) FROM places LIMIT 1").fetchone() == ("real",)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO event_sources VALUES ('evt_000001', 'src_999999')")


def _groups(rows: list[tuple]) -> list[list[tuple]]:
    groups: dict[int, list[tuple]] = {}
    for r in rows:
        groups.setdefault(r[0], []).append(r)
    return list(groups.values())


def test_parquet_types_follow_the_schemas(repo: Path, tmp_path: Path) -> None:
    release = publish(repo, tmp_path / "dist").directory
    events = pq.read_table(release / "exports" / "parquet" / "events.parquet")
    assert events.schema.field("date_start").type == pa.date32() and events.schema.field("date_end").type == pa.date32()
    assert events.schema.field("event_type").type == pa.dictionary(pa.int32(), pa.string())
    assert events.schema.field("fatalities_best").type == pa.int64() and events.schema.field("fatalities_best").nullable
    assert events.column("fatalities_best").null_count > 0
    assert events.schema.field("title").type == pa.string() and not events.schema.field("title").nullable
    assert events.column("event_id").to_pylist() == [r["event_id"] for r in records(repo, "events")]
    enum = open_package(repo).resources["events"].schema.field("event_type").enum
    assert events.column("event_type").chunk(0).dictionary.to_pylist() == enum
    places = pq.read_table(release / "exports" / "parquet" / "places.parquet")
    assert places.schema.field("latitude").type == pa.float64() and places.schema.field("geonames_id").type == pa.int64()
    assert pq.ParquetFile(release / "exports" / "parquet" / "events.parquet").metadata.num_rows == 4


def test_flat_csv_has_one_row_per_event_with_names_by_role(repo: Path, tmp_path: Path) -> None:
    release = publish(repo, tmp_path / "dist").directory
    raw = (release / "exports" / "events_flat.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(read_rows(repo, "events")) - 1
    roles = open_package(repo).resources["event_actors"].schema.field("role").enum
    assert [c for c in rows[0] if c.startswith("actors_")] == [f"actors_{r}" for r in roles]
    actors = {r["actor_id"]: r["name"] for r in records(repo, "actors")}
    first = [r for r in records(repo, "event_actors") if r["event_id"] == "evt_000000"]
    for role in {r["role"] for r in first}:
        assert rows[0][f"actors_{role}"] == "; ".join(sorted(actors[r["actor_id"]] for r in first if r["role"] == role))
    places = {r["place_id"]: r["name"] for r in records(repo, "places")}
    assert rows[0]["place_name"] == places[rows[0]["place_id"]]
    urls = {r["source_id"]: r["url"] for r in records(repo, "sources")}
    linked = sorted(r["source_id"] for r in records(repo, "event_sources") if r["event_id"] == "evt_000000")
    assert rows[0]["source_urls"] == "; ".join(urls[s] for s in linked)


def test_flat_csv_guards_every_cell_against_formulas(package: Path, tmp_path: Path) -> None:
    # The validator refuses such text, so the exporter is given it directly: the guard is the last line of defence.
    set_cells(package, "events", 2, title='=HYPERLINK("http://evil.example","x")', notes="\tcmd", summary="-2+3")
    set_cells(package, "places", 2, name="+SUM(1)")
    set_cells(package, "actors", 2, name="@risky")
    opened = open_package(package)
    exports.write_flat_csv(EventView.build(exports.typed_tables(opened), {n: r.schema for n, r in opened.resources.items()}),
                           tmp_path / "flat.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "flat.csv").read_text(encoding="utf-8-sig"), newline="")))
    cells = [c for row in rows for c in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells and "'\tcmd" in cells and "'-2+3" in cells
    assert "'+SUM(1)" in cells and any(c.startswith("'@risky") for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert exports.guard_formula("plain") == "plain" and exports.guard_formula("\rx") == "'\rx"


def test_publish_error_is_raised_by_the_public_function(repo: Path, tmp_path: Path) -> None:
    git(repo, "tag", "-a", "v0.1.0", "-m", "0.1.0")
    with pytest.raises(PublishError) as caught:
        publish(repo, tmp_path / "dist")
    assert caught.value.exit_code == 1 and "already released" in caught.value.message


# --- the page, without a browser ------------------------------------------------------------


def test_embedded_json_cannot_close_its_script_element() -> None:
    from karabakh_timeline.release.page import embed_json

    text = embed_json({"title": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"title": "</script><script>alert(1)</script> & <!--"}


@pytest.mark.parametrize("start,end,precision,edtf,shown", [
    ("2020-09-27", None, "day", "2020-09-27", "27 September 2020"),
    ("2020-09-27", "2020-11-10", "day", "2020-09-27/2020-11-10", "27 September – 10 November 2020"),
    ("2020-07-12", "2020-07-18", "day", "2020-07-12/2020-07-18", "12–18 July 2020"),
    ("2020-12-30", "2021-01-02", "day", "2020-12-30/2021-01-02", "30 December 2020 – 2 January 2021"),
    ("2020-11-01", "2020-11-30", "month", "2020-11", "November 2020"),
    ("1994-05-01", "1994-05-31", "month", "1994-05~", "about May 1994"),
    ("1991-01-01", "1991-12-31", "year", "1991", "1991"),
    ("2023-09-19", None, "day", "2023-09-19/..", "from 19 September 2023"),
])
def test_dates_read_as_people_write_them(start: str, end: str | None, precision: str, edtf: str, shown: str) -> None:
    import datetime as dt

    from karabakh_timeline.release.page import when

    assert when(dt.date.fromisoformat(start), dt.date.fromisoformat(end) if end else None, precision, edtf) == shown


def test_index_html_is_self_contained(repo: Path, tmp_path: Path) -> None:
    page = (publish(repo, tmp_path / "dist").directory / "index.html").read_text(encoding="utf-8")
    outside_data = re.sub(r'<script type="application/json" id="timeline-data">.*?</script>', "", page, flags=re.DOTALL)
    assert not re.search(r"(src|href)=\"(https?:)?//", outside_data) and "@import" not in outside_data
    assert page.count("<script") == 2 and "Content-Security-Policy" in page and "script-src 'sha256-" in page


def test_the_page_script_restates_no_enum_of_the_schemas() -> None:
    """Enums, labels and descriptions reach the page through its embedded JSON, from the schemas."""
    script = (ROOT / "src" / "karabakh_timeline" / "templates" / "page.js").read_text(encoding="utf-8")
    described = {"party_claim": "only a party to the conflict reports it", "disputed": "sources or parties contradict each other"}
    for text in described.values():
        assert text not in script
    for path in (ROOT / "schemas").glob("*.json"):
        for f in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            for value in f.get("constraints", {}).get("enum", []):
                if "_" in str(value) or f["name"] in ("verification", "text_kind"):
                    assert f'"{value}"' not in script, f"page.js names {f['name']} value {value!r}"


def test_the_page_data_carries_the_schema_descriptions(package: Path) -> None:
    from karabakh_timeline.release.event_view import EventView
    from karabakh_timeline.release.page import page_data

    opened = open_package(package)
    view = EventView.build(exports.typed_tables(opened), {n: r.schema for n, r in opened.resources.items()})
    data = page_data(view, opened.descriptor)
    verification = {v: (label, meaning) for v, label, meaning in data["verification"]}
    assert verification["disputed"] == ("Disputed", "sources or parties contradict each other")
    assert verification["party_claim"] == ("Party claim", "only a party to the conflict reports it")
    assert data["contested"] == ["disputed", "party_claim"] and "confirmed" not in data["badged"]
    assert [k for k, _, _ in data["kinds"]] == ["verbatim", "translation", "paraphrase"]
