"""Reliability (issue 10): names and paths that cannot escape, writes that lose nothing, every failure coded."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run, snapshot
from karabakh_timeline.release.contents import inside
from karabakh_timeline.release.errors import PublishError

EPOCH = "1767323045"  # 2026-01-02T03:04:05Z


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
