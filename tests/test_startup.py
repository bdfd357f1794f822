"""What a validate run imports: never pandas or pandera (issue #18: start-up is part of the product, a pre-commit hook runs it).

Validation works on Arrow columns (read.typed.TypedTable.arrow); pandas is for load(), the pandera
reference path and the exports. Each test runs the real CLI in a fresh interpreter and lists, at
exit, which of the heavy libraries it imported.
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from conftest import run

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "pandera", "edtf", "pyparsing")
_PROBE = ("import atexit, json, sys\n"
          f"atexit.register(lambda: sys.stderr.write('IMPORTED ' + json.dumps([m for m in {HEAVY!r} if m in sys.modules]) + '\\n'))\n"
          "from karabakh_timeline.cli import main\n"
          "main()\n")


def _imported(*args: str, cwd: Path = ROOT) -> tuple[int, list[str]]:
    code, imported, _ = _probe(*args, cwd=cwd)
    return code, imported


def _probe(*args: str, cwd: Path = ROOT) -> tuple[int, list[str], str]:
    """Exit code, heavy libraries imported, and standard output of one CLI run in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    marker = [line for line in proc.stderr.splitlines() if line.startswith("IMPORTED ")]
    assert marker, proc.stderr
    return proc.returncode, json.loads(marker[-1].removeprefix("IMPORTED ")), proc.stdout


def test_validating_the_bundled_dataset_imports_no_pandas() -> None:
    code, imported = _imported("validate", "--strict")
    assert code == 0
    assert imported == []


def test_validating_a_package_with_errors_imports_no_pandas(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    shutil.copy(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    events = tmp_path / "data" / "events.csv"
    with events.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[1][rows[0].index("date_start")] = "2020-02-30"  # one type error
    with events.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    code, imported, out = _probe("validate", str(tmp_path), "--format", "json", "--max-issues", "0")
    assert code == 1
    assert imported == []
    # The same report as a process that has pandas (pytest's, where support.lean changes nothing), byte for byte.
    assert out == run("validate", str(tmp_path), "--format", "json", "--max-issues", "0").stdout
    assert json.loads(out)["issues"][0]["code"] == "type-error"


def test_the_probe_sees_pandas_when_a_command_uses_it() -> None:
    """The control: stats loads the data into pandas frames, and the probe reports it."""
    code, imported = _imported("stats")
    assert code == 0
    assert "pandas" in imported


def test_validating_a_foreign_package_imports_no_pandas(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("id,name,born,parent\n1,Ani,1990-01-02,\n2,Aram,1991-13-01,1\n2,Lia,1992-03-04,7\n", encoding="utf-8")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string", "constraints": {"maxLength": 3}},
                         {"name": "born", "type": "date"}, {"name": "parent", "type": "integer"}],
              "primaryKey": ["id"], "foreignKeys": [{"fields": ["parent"], "reference": {"resource": "", "fields": ["id"]}}]}
    descriptor = {"name": "people", "resources": [{"name": "people", "path": "people.csv", "schema": schema}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, imported = _imported("validate", str(tmp_path / "datapackage.json"), "--format", "json")
    assert code == 1
    assert imported == []
