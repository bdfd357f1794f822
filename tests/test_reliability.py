"""Reliability (issue 10): names and paths that cannot escape, writes that lose nothing, every failure coded."""
from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import read_rows, run, snapshot, write_rows
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
