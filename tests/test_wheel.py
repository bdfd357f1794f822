"""The built wheel carries the data: load() and validate work from a plain install, outside the repo."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT


def test_wheel_bundles_the_package_and_validates_outside_the_repo(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("karabakh_timeline-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in sorted((ROOT / "data").glob("*.csv")) + sorted((ROOT / "schemas").glob("*.json")):
        assert f"karabakh_timeline/_package/{data.parent.name}/{data.name}" in names
    assert "karabakh_timeline/_package/datapackage.json" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import karabakh_timeline as kt; r = kt.validate(); tl = kt.load(); "
            "print(r.exit_code(strict=True), r.package.endswith('_package/datapackage.json'), len(tl.events) > 0)")
    out = subprocess.run([sys.executable, "-X", "faulthandler", "-c", code], cwd=elsewhere, capture_output=True, text=True,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert (out.returncode, out.stdout.split()) == (0, ["0", "True", "True"]), out.stderr
