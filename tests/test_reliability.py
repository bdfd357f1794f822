"""Reliability (issue 10): names and paths that cannot escape, writes that lose nothing, every failure coded."""
from __future__ import annotations

import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import read_rows, run, set_cells, snapshot, write_rows
from karabakh_timeline.release import exports
from karabakh_timeline.release.contents import inside
from karabakh_timeline.release.errors import PublishError
from karabakh_timeline.release.publish import publish
from karabakh_timeline.release.staging import STAGE_PREFIX, STAGE_SUFFIX, clean_stale
from karabakh_timeline.support.files import read_once, replace_if_unchanged
from karabakh_timeline.tools import format as format_tool

EPOCH = "1767323045"  # 2026-01-02T03:04:05Z
RELEASE = "karabakh-timeline-0.1.0"


def _issues(result) -> list[tuple]:
    return [(i["code"], i["table"], i["line"], i["field"]) for i in json.loads(result.stdout)["issues"]]


def _add_resource(pkg: Path, name: str, path: str = "data/extra.csv") -> None:
    (pkg / path).write_text("a\nx\n", encoding="utf-8")
    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({"name": name, "path": path, "schema": {"fields": [{"name": "a", "type": "string"}]}})
    (pkg / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


# --- resource names and the paths publish writes ------------------------------------------------


@pytest.mark.parametrize("name", ["../../../tmp/x", "Events", "a b", "/abs", "..", "x" * 201, "n\x00ul", "\ud800"])
def test_a_resource_name_outside_the_data_package_rule_is_package_invalid(package: Path, name: str) -> None:
    _add_resource(package, name)
    before = snapshot(package)
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 3
    assert _issues(result) == [("package-invalid", None, None, None)]
    assert "lower-case letters, digits" in json.loads(result.stdout)["issues"][0]["message"]
    assert snapshot(package) == before


def test_a_duplicate_resource_name_is_package_invalid(package: Path) -> None:
    _add_resource(package, "places")
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 3
    assert _issues(result) == [("package-invalid", "places", None, None)]
    assert "used by an earlier resource" in json.loads(result.stdout)["issues"][0]["message"]


def test_publish_never_writes_where_a_resource_name_points(package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    _add_resource(package, "../../../escaped")
    result = run("publish", str(package), "--out", str(tmp_path / "dist" / "a" / "b"))
    assert result.exit_code == 3
    assert not list(tmp_path.rglob("escaped*")) and not (tmp_path / "dist").exists()


def test_every_path_publish_writes_is_proven_inside_the_release(tmp_path: Path) -> None:
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / "link").symlink_to(tmp_path)
    assert inside(tmp_path / "release", "data/x.csv", "t") == tmp_path / "release" / "data" / "x.csv"
    for rel in ("../x.json", "/tmp/x.json", "link/x.json", ""):
        with pytest.raises(PublishError, match="outside the release folder"):
            inside(tmp_path / "release", rel, "t")


# --- publish: a private stage, nothing removed that this run did not create ----------------------


def _publish_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def test_a_failing_publish_keeps_what_another_run_wrote_into_the_out_it_created(package: Path, tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _publish_env(monkeypatch)
    out = tmp_path / "new" / "dist"

    def other_run_then_fail(*args, **kwargs):
        (out / "other-1.0.0.zip").write_bytes(b"another run's release")
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write_parquet", other_run_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        publish(package, out)
    assert sorted(p.name for p in out.iterdir()) == ["other-1.0.0.zip"]
    assert (out / "other-1.0.0.zip").read_bytes() == b"another run's release"


def test_publish_cleans_the_stage_of_a_killed_run_and_puts_back_what_it_moved_aside(package: Path, tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _publish_env(monkeypatch)
    out = tmp_path / "dist"
    out.mkdir()
    killed = out / f"{STAGE_PREFIX}killed{STAGE_SUFFIX}"
    (killed / f"old-{RELEASE}.zip").parent.mkdir()
    (killed / ".lock").touch()
    (killed / f"old-{RELEASE}.zip").write_bytes(b"the previous build")
    live = out / f"{STAGE_PREFIX}live{STAGE_SUFFIX}"
    live.mkdir()
    with (live / ".lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a run still working: its stage is left alone

        def fail(*args, **kwargs):
            raise RuntimeError("disk full")

        with monkeypatch.context() as m:
            m.setattr(exports, "write_parquet", fail)
            with pytest.raises(RuntimeError):
                publish(package, out)
        assert sorted(p.name for p in out.iterdir()) == [live.name, f"{RELEASE}.zip"]  # the killed run's backup is back
        assert (out / f"{RELEASE}.zip").read_bytes() == b"the previous build"
        publish(package, out)
    assert sorted(p.name for p in out.iterdir()) == [live.name, RELEASE, f"{RELEASE}.zip"]


def test_an_unwritable_out_is_a_usage_error(package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _publish_env(monkeypatch)
    (tmp_path / "file").write_text("x")
    result = run("publish", str(package), "--out", str(tmp_path / "file" / "dist"))
    assert result.exit_code == 2 and "Error: cannot create --out" in result.stderr and "Traceback" not in result.stderr
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    try:
        if os.access(readonly, os.W_OK):
            pytest.skip("running as a user that can write anywhere")
        result = run("publish", str(package), "--out", str(readonly))
        assert result.exit_code == 2 and "Error: cannot write into --out" in result.stderr
    finally:
        readonly.chmod(0o755)


def _kill_at(package: Path, out: Path, delay: float) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    proc = subprocess.Popen([sys.executable, "-c", "from karabakh_timeline.cli import main; main()", "publish", str(package), "--out", str(out), "--force"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_publish_killed_at_any_point_leaves_the_old_release_or_the_new_one(package: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _publish_env(monkeypatch)
    out = tmp_path / "dist"
    publish(package, out)
    good = snapshot(out)
    for delay in random.Random(10).sample([0.3, 0.8, 1.5, 2.5, 3.5, 5.0], 4):
        _kill_at(package, out, delay)
        visible = {k: v for k, v in snapshot(out).items() if not k.startswith(STAGE_PREFIX)}
        assert all(good[k] == v for k, v in visible.items()), delay  # never a half-written file in sight
        clean_stale(out)  # what the next run does first
        assert snapshot(out) == good, delay
    publish(package, out)
    assert snapshot(out) == good  # the same bytes, and no stage folder left


# --- format: no lost edit, no cut link, no bundled copy, no guessing at a broken header -----------


def _unsorted(pkg: Path, table: str) -> None:
    rows = read_rows(pkg, table)
    write_rows(pkg, table, [rows[0]] + list(reversed(rows[1:])))


def test_format_refuses_a_file_edited_while_it_runs_and_keeps_the_edit(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _unsorted(package, "places")
    _unsorted(package, "sources")
    places = package / "data" / "places.csv"
    real = format_tool.canonical_bytes

    def edit_places_meanwhile(resource, data):
        if resource.name == "sources":  # read after places: the contributor saves places.csv now
            places.write_bytes(places.read_bytes().replace(b"Place", b"Edited", 1))
        return real(resource, data)

    monkeypatch.setattr(format_tool, "canonical_bytes", edit_places_meanwhile)
    result = run("format", str(package))
    edited_before = places.read_bytes()
    assert result.exit_code == 1
    assert "Error: file-changed: places: data/places.csv changed on disk while format ran" in result.stderr
    assert "refused: nothing written" in result.stderr
    assert b"Edited" in edited_before and places.read_bytes() == edited_before


def test_replace_if_unchanged_never_overwrites_a_newer_edit(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a\n2\n1\n")
    _, seen = read_once(path)
    path.write_bytes(b"a\n2\n1\n3\n")
    assert replace_if_unchanged(path, b"a\n1\n2\n", seen) is False
    assert path.read_bytes() == b"a\n2\n1\n3\n" and sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]
    _, seen = read_once(path)
    assert replace_if_unchanged(path, b"a\n1\n2\n3\n", seen) is True and path.read_bytes() == b"a\n1\n2\n3\n"


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_format_refuses_a_linked_data_file(package: Path, link: str) -> None:
    _unsorted(package, "places")
    data = package / "data" / "places.csv"
    real = package / "data" / "places-real.csv"
    os.replace(data, real)
    (data.symlink_to(real.name) if link == "symlink" else os.link(real, data))
    before = snapshot(package)
    result = run("format", str(package))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: file-linked: places: data/places.csv ")
    assert snapshot(package) == before and data.is_symlink() == (link == "symlink") and real.stat().st_nlink == (1 if link == "symlink" else 2)
    assert run("format", str(package), "--check").exit_code == 1  # --check writes nothing, so it only lists the file


def test_format_never_writes_the_bundled_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no datapackage.json here: validate would fall back to the bundled copy
    result = run("format")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: package-bundled: no datapackage.json in the current directory")
    assert run("format", "--check").exit_code in (0, 1)  # reading the bundled copy is fine


def test_format_refuses_a_header_it_would_have_to_guess_at(package: Path) -> None:
    rows = read_rows(package, "places")
    rows[0][rows[0].index("place_id")] = "placeid"  # a typo in the primary key's column
    write_rows(package, "places", [rows[0]] + list(reversed(rows[1:])))
    before = snapshot(package)
    result = run("format", str(package))
    assert result.exit_code == 1
    assert "Error: missing-column: places line 1: field 'place_id' of the schema has no column" in result.stderr
    assert snapshot(package) == before


# --- the net: an unexpected exception is exit 4 and one line -------------------------------------


def _explode(*args, **kwargs):
    raise RuntimeError("boom\nsecond line")


@pytest.mark.parametrize("args,target", [
    (["validate"], "karabakh_timeline.check.validator.validate"),
    (["stats"], "karabakh_timeline.tools.stats.compute_stats"),
    (["format", "--check"], "karabakh_timeline.tools.format.format_package"),
    (["next-id", "events"], "karabakh_timeline.tools.next_id.next_ids"),
])
def test_an_unexpected_exception_is_internal_error_exit_4(package: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                         target: str) -> None:
    monkeypatch.setattr(target, _explode)
    result = run(*args[:1], *args[1:], str(package))
    assert result.exit_code == 4
    assert result.stderr == ("Error: internal-error: RuntimeError: boom second line (a bug: please report it; "
                             "--debug or KT_DEBUG=1 shows the traceback)\n")
    assert "Traceback" not in result.stdout + result.stderr
    debug = run("--debug", *args, str(package))
    assert debug.exit_code == 4 and "Traceback (most recent call last)" in debug.stderr
    monkeypatch.setenv("KT_DEBUG", "1")
    assert "Traceback (most recent call last)" in run(*args, str(package)).stderr


# --- strict JSON, and schema mistakes that would turn checks off ---------------------------------


def _write_descriptor_text(pkg: Path, edit) -> None:
    path = pkg / "datapackage.json"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.mark.parametrize("edit,message", [
    (lambda t: t.replace('"resources": [', '"resources": [], "resources": [', 1), "the key 'resources' appears twice in one object"),
    (lambda t: t.replace('"title":', '"x": NaN, "title":', 1), "NaN is not valid JSON"),
    (lambda t: t.replace('"title":', '"x": -Infinity, "title":', 1), "-Infinity is not valid JSON"),
    (lambda t: t.replace('"title":', '"x": 1e999, "title":', 1), "too large to represent"),
    (lambda t: t.replace('"title":', f'"x": {"9" * 5000}, "title":', 1), "an integer of 5,000 digits"),
    (lambda t: t.replace('"title":', f'"x": {"[" * 100_000}{"]" * 100_000}, "title":', 1), "nesting deeper than 64 levels"),
    (lambda t: t + " " * (16 * 1024 * 1024), "above the limit of 16,777,216"),
])
def test_descriptor_json_that_a_lenient_parser_would_accept_is_refused(package: Path, edit, message: str) -> None:
    _write_descriptor_text(package, edit)
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 3
    issues = json.loads(result.stdout)["issues"]
    assert [(i["code"], i["table"]) for i in issues] == [("package-invalid-json", None)]
    assert message in issues[0]["message"]


def _schema(pkg: Path, table: str, edit) -> None:
    path = pkg / "schemas" / f"{table}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema), encoding="utf-8")


def _constraint(field: str, **values) -> object:
    def edit(schema: dict) -> None:
        f = next(f for f in schema["fields"] if f["name"] == field)
        f.setdefault("constraints", {}).update(values)
    return edit


@pytest.mark.parametrize("table,edit,message", [
    ("places", _constraint("name", maxLength="5"), "field 'name': constraint maxLength must be a whole number >= 0, got '5'"),
    ("places", _constraint("latitude", minimum="zero"), "field 'latitude': constraint minimum: 'zero' is not a number"),
    ("places", _constraint("place_type", enum="city"), "field 'place_type': constraint enum must be a non-empty list, got 'city'"),
    ("events", _constraint("date_start", enum=["2020-13-01"]), "constraint enum: '2020-13-01' is not a date YYYY-MM-DD"),
    ("events", _constraint("date_start", minimum=0), "constraint minimum must be a value of the field's type date, got 0"),
    ("places", _constraint("name", pattern="(unclosed"), "pattern '(unclosed' is not a valid regular expression"),
    ("places", _constraint("name", required="yes"), "constraint required must be true or false"),
    ("places", lambda s: s.update(missingValues=[None]), "missingValues must be a list of strings"),
    ("events", lambda s: s["foreignKeys"].__setitem__(0, {"fields": "place_id", "reference": {"resource": "plazes", "fields": "place_id"}}),
     "references the resource 'plazes', which does not exist"),
    ("events", lambda s: s["foreignKeys"].__setitem__(0, {"fields": "place_id", "reference": {"resource": "places", "fields": "placeid"}}),
     "references places.placeid, which is not a field of places"),
])
def test_a_schema_mistake_that_would_turn_a_check_off_is_schema_invalid(package: Path, table: str, edit, message: str) -> None:
    _schema(package, table, edit)
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 3
    issues = json.loads(result.stdout)["issues"]
    assert [(i["code"], i["table"]) for i in issues] == [("schema-invalid", table)]
    assert message in issues[0]["message"]


@pytest.mark.parametrize("key,value,message", [
    ("title", ["a list"], "title must be a string, got list"),
    ("licenses", {"name": "CC-BY-4.0"}, "licenses must be a list of objects"),
    ("licenses", [{"name": 4}], "licenses[0].name must be a string, got int"),
    ("keywords", "one", "keywords must be a list of strings"),
])
def test_package_metadata_of_the_wrong_type_is_package_invalid_for_every_command(package: Path, tmp_path: Path, key: str, value,
                                                                                 message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor[key] = value
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 3 and message in json.loads(result.stdout)["issues"][0]["message"]
    for args in (["publish", str(package), "--out", str(tmp_path / "dist")], ["stats", str(package)], ["next-id", "events", str(package)],
                 ["format", str(package)], ["diff", str(package), str(package)]):
        other = run(*args)
        assert other.exit_code == 3 and f"Error: package-invalid: datapackage.json: {message}" in other.stderr, args


# --- tracebacks that became coded issues ----------------------------------------------------------


def _bytes(pkg: Path, table: str, edit) -> None:
    path = pkg / "data" / f"{table}.csv"
    path.write_bytes(edit(path.read_bytes()))


def _bare_cr_after_header(data: bytes) -> bytes:
    end = data.index(b"\n")
    return data[:end] + b"\r" + data[end + 1:]


@pytest.mark.parametrize("edit", [lambda d: d.replace(b"\n", b"\r"), _bare_cr_after_header], ids=["cr-only", "bare-cr-header"])
def test_cr_line_endings_that_join_the_header_to_the_data_are_a_parse_error(package: Path, edit) -> None:
    _bytes(package, "places", edit)
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 1
    assert _issues(result) == [("line-ending", "places", 1, None), ("parse-error", "places", 1, None)]  # no foreign keys into places


def test_an_edtf_value_the_library_chokes_on_is_edtf_invalid_and_prints_nothing(package: Path) -> None:
    set_cells(package, "events", 2, date_edtf="2020-1X")
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 1
    assert _issues(result) == [("edtf-invalid", "events", 2, "date_edtf")]
    assert "PartialUnspecified" not in result.stdout + result.stderr


def test_a_file_of_nul_bytes_is_counted_not_looped_over(package: Path) -> None:
    _bytes(package, "retired_ids", lambda d: d + b"\x00" * 20_000_000)
    started = time.monotonic()
    result = run("validate", str(package), "--format", "json")
    assert time.monotonic() - started < 60
    assert result.exit_code == 1
    nul = [i for i in json.loads(result.stdout)["issues"] if i["code"] == "nul-byte"]
    assert len(nul) == 101 and [i["message"] for i in nul if i["line"] is None] == ["19999900 more NUL bytes not listed"]


@pytest.mark.parametrize("epoch", ["99999999999999999999", "١٧٦٧٣٢٣٠٤٥", "²", "-1", "1.5"])
def test_a_source_date_epoch_that_is_not_a_sane_ascii_number_is_a_usage_error(package: Path, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch, epoch: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = run("publish", str(package), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 2
    assert "Error: SOURCE_DATE_EPOCH must be whole seconds since 1970 in ASCII digits" in result.stderr
    assert not (tmp_path / "dist").exists()


# --- verdicts: a repeat is reported on the later rows only, naming the first -----------------------


def test_a_unique_value_repeated_is_reported_on_the_later_rows_naming_the_first(package: Path) -> None:
    rows = read_rows(package, "publishers")
    name = rows[0].index("name")
    rows[3][name] = rows[1][name]
    rows[4][name] = rows[1][name]
    write_rows(package, "publishers", rows)
    result = run("validate", str(package), "--format", "json")
    dup = [i for i in json.loads(result.stdout)["issues"] if i["code"] == "duplicate-value"]
    assert [(i["table"], i["line"], i["field"]) for i in dup] == [("publishers", 4, "name"), ("publishers", 5, "name")]
    assert dup[0]["message"] == f"{rows[1][name]!r} already appears on line 2"


def test_a_repeated_primary_key_names_the_line_of_the_first(package: Path) -> None:
    rows = read_rows(package, "retired_ids")
    write_rows(package, "retired_ids", rows + [rows[1]])
    result = run("validate", str(package), "--format", "json")
    dup = [i for i in json.loads(result.stdout)["issues"] if i["code"] == "duplicate-key"]
    assert [(i["table"], i["line"], i["field"], i["message"]) for i in dup] == [
        ("retired_ids", len(rows) + 1, "id", f"{rows[1][0]!r} the primary key already appears on line 2")]


# --- diff: a release zip is extracted only as far as the package uses it, within limits -------------


def _zip_of(pkg: Path, target: Path, extra: dict[str, bytes] | None = None, patch=None) -> Path:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(pkg.rglob("*")):
            if path.is_file():
                zf.write(path, f"{RELEASE}/" + path.relative_to(pkg).as_posix())
        for name, data in (extra or {}).items():
            zf.writestr(f"{RELEASE}/{name}", data)
    if patch is not None:
        data = bytearray(target.read_bytes())
        at = data.index(b"PK\x01\x02")  # the first central directory entry
        patch(data, at)
        target.write_bytes(bytes(data))
    return target


def test_members_the_package_does_not_use_are_never_extracted(package: Path, tmp_path: Path) -> None:
    archive = _zip_of(package, tmp_path / "r.zip", {"junk.bin": b"\0" * (64 << 20)})  # 64 MiB of zeros, unused
    result = run("diff", str(archive), str(package), "--format", "json")
    assert result.exit_code == 0, result.stderr


def test_a_zip_bomb_in_a_used_member_is_zip_too_large(package: Path, tmp_path: Path) -> None:
    rows = read_rows(package, "places")
    write_rows(package, "places", rows + [rows[1][:1] + ["x" * (8 << 20)] + rows[1][2:]])
    archive = _zip_of(package, tmp_path / "r.zip")
    result = run("diff", str(archive), str(package))
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Error: zip-too-large: {archive}: {RELEASE}/data/places.csv unpacks ")


@pytest.mark.parametrize("patch,message", [
    (lambda d, at: d.__setitem__(slice(at + 8, at + 10), (1).to_bytes(2, "little")), "is encrypted"),
    (lambda d, at: d.__setitem__(slice(at + 10, at + 12), (97).to_bytes(2, "little")), "cannot extract"),
], ids=["encrypted", "unsupported-compression"])
def test_an_encrypted_or_unsupported_zip_is_zip_invalid(package: Path, tmp_path: Path, patch, message: str) -> None:
    archive = _zip_of(package, tmp_path / "r.zip", patch=patch)
    result = run("diff", str(archive), str(package))
    assert result.exit_code == 3 and result.stderr.startswith("Error: zip-invalid:") and message in result.stderr, result.stderr


@pytest.mark.parametrize("encoding,label", [("utf-16", "UTF-16 LE"), ("utf-32", "UTF-32 LE"), ("utf-16-be", "UTF-16 BE")])
def test_a_utf16_or_utf32_file_is_named_once_and_not_cascaded(package: Path, encoding: str, label: str) -> None:
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    _bytes(package, "places", lambda d: bom + d.decode("utf-8").encode(encoding))
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 1
    assert _issues(result) == [("encoding-error", "places", 1, None)]
    assert json.loads(result.stdout)["issues"][0]["message"] == f"the file is {label} (its byte-order mark says so); save it as UTF-8"


@pytest.mark.parametrize("text", ["a\u0085b", "line\u2028sep", "zero\u200bwidth", "bidi\u202eflip", "iso\u2066late", "\ufeff=SUM(A1)",
                                  "\uff1dSUM(A1)", "cmd|' /C calc'!A0", "x CMD|y"])
def test_invisible_characters_and_hidden_formulas_are_unsafe_text(package: Path, text: str) -> None:
    set_cells(package, "events", 3, notes=text)
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 1
    assert _issues(result) == [("unsafe-text", "events", 3, "notes")]


def test_a_parse_error_does_not_cascade_into_foreign_key_errors_elsewhere(package: Path) -> None:
    _bytes(package, "events", lambda d: d.replace(b"\nevt_000001,", b'\n"evt_000001,', 1))  # a quote never closed: rows lost
    result = run("validate", str(package), "--format", "json")
    assert result.exit_code == 1
    found = _issues(result)
    assert ("parse-error", "events", 3, None) in found
    assert not [f for f in found if f[0] == "foreign-key"]
    unchecked = [i for i in json.loads(result.stdout)["issues"] if i["code"] == "references-unchecked"]
    assert {i["table"] for i in unchecked} >= {"event_actors", "event_sources", "statements"}
    assert unchecked[0]["message"] == "foreign keys into events were not checked: that file failed to parse"


# --- format killed at any point: each file old or new, no leftover after the next run -------------


def _big_unsorted(pkg: Path) -> dict[str, bytes]:
    """Every table out of order, sources long enough that a kill can land while files are written; the old bytes."""
    rows = read_rows(pkg, "sources")
    many = [rows[0]] + [[f"src_{i:06d}", *r[1:]] for i, r in zip(range(30_000, 0, -1), rows[1:] * 3_000, strict=False)]
    write_rows(pkg, "sources", many)
    for table in ("places", "actors", "events", "statements"):
        _unsorted(pkg, table)
    return {p.name: p.read_bytes() for p in (pkg / "data").glob("*.csv")}


def test_format_killed_at_any_point_leaves_each_file_old_or_new(package: Path, tmp_path: Path) -> None:
    old = _big_unsorted(package)
    reference = tmp_path / "reference"
    shutil.copytree(package, reference)
    assert run("format", str(reference)).exit_code == 0
    new = {p.name: p.read_bytes() for p in (reference / "data").glob("*.csv")}
    assert new != old
    for delay in random.Random(9).sample([0.6, 1.0, 1.5, 2.0, 2.5, 3.5], 3):
        proc = subprocess.Popen([sys.executable, "-c", "from karabakh_timeline.cli import main; main()", "format", str(package)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for path in (package / "data").glob("*.csv"):
            assert path.read_bytes() in (old[path.name], new[path.name]), (delay, path.name)  # never half-written
        leftovers = list((package / "data").glob(".*.tmp"))
        assert run("format", str(package)).exit_code == 0  # the next run finishes the job and cleans up
        assert {p.name: p.read_bytes() for p in (package / "data").glob("*.csv")} == new, delay
        assert not list((package / "data").glob(".*.tmp")), (delay, leftovers)
        for name, data in old.items():  # back to the old state for the next kill
            (package / "data" / name).write_bytes(data)


@pytest.mark.parametrize("quoted", [False, True], ids=["fast-path", "quoted-cells"])
def test_validate_reads_each_file_once(package: Path, monkeypatch, quoted: bool) -> None:
    """Each CSV is read from disk once: an edit saved while validate works is not mixed into the verdict (issue 10)."""
    import karabakh_timeline as kt
    from karabakh_timeline.read import csv_file

    if quoted:  # a quoted cell sends the read through the grammar gate's path
        rows = read_rows(package, "events")
        rows[1][1] = "A title, with a comma"
        write_rows(package, "events", rows)
    events = package / "data" / "events.csv"
    reads: list[Path] = []
    real_read_bytes, real_scan = Path.read_bytes, csv_file._scan

    def counting_read_bytes(self: Path) -> bytes:
        reads.append(self)
        return real_read_bytes(self)

    def scan_then_edit(whole: bytes):
        result = real_scan(whole)
        if whole.startswith(b"event_id,"):  # another process saves a broken row right after the read
            with open(events, "ab") as fh:
                fh.write(b"evt_999999,Added meanwhile\n")
        return result

    monkeypatch.setattr(Path, "read_bytes", counting_read_bytes)
    monkeypatch.setattr(csv_file, "_scan", scan_then_edit)
    report = kt.validate(package)
    assert [p for p in reads if p.name == "events.csv"] == [events]
    assert events.read_bytes().endswith(b"evt_999999,Added meanwhile\n")  # the edit did happen
    assert [i for i in report.issues if i.table == "events"] == []  # and the verdict is on the bytes that were read
    assert report.valid()
