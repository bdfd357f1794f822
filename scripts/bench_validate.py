"""Benchmark: `karabakh-timeline validate` against `frictionless validate` on the same synthetic package.

Usage: python scripts/bench_validate.py [N_EVENTS] [--dir DIR] [--repeat R] [--skip-frictionless]
       python scripts/bench_validate.py --foreign [ROWS] [--dir DIR]
       python scripts/bench_validate.py --scale | --bundled [--baseline DIR] ...   (scripts/bench_scale.py)

Builds (or reuses) a synthetic package of N events (scripts/make_synthetic.py), runs both commands
once each in this one run, and prints wall time, peak RSS, the speed ratio and both verdicts.

--foreign: "foreign packages" mode. Packages that are not this dataset (no timeline profile):
small ones from frictionless-py's fixtures (tests/fixtures/frictionless) and one generated package
of ROWS rows (default 200,000) in a semicolon dialect with integer, number (groupChar), date,
datetime, boolean (trueValues), year, email and uri fields, a primary key and a few bad cells.
Both validators run on each as whole processes, in turn, with the ratio per package (small ones: the median of --repeat runs, at least 7).
Timings are printed, never asserted: performance is measured, not tested.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit code of one command (its own rusage via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: pip install -e '.[bench]'")
    return found


FIXTURES = HERE.parent / "tests" / "fixtures" / "frictionless"
SMALL = {  # name -> (files, resource descriptor); tests/test_frictionless_agreement.py holds many more
    "capital-valid": (["capital-valid.csv"], {"name": "capital", "path": "capital-valid.csv",
                      "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}], "primaryKey": "id"}}),
    "number-test": (["number/number-test.csv"], None),
    "semicolon": (["delimiter.csv"], {"name": "delimiter", "path": "delimiter.csv", "dialect": {"delimiter": ";"},
                  "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}}),
}


def _small(root: Path) -> dict[str, Path]:
    import json

    out = {}
    for name, (files, resource) in SMALL.items():
        pkg = root / name
        pkg.mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copyfile(FIXTURES / f, pkg / Path(f).name)
        if resource is None:  # the fixture's own descriptor
            shutil.copyfile(FIXTURES / Path(files[0]).parent / "datapackage.json", pkg / "datapackage.json")
        else:
            (pkg / "datapackage.json").write_text(json.dumps({"name": name, "resources": [resource]}), encoding="utf-8")
        out[name] = pkg
    return out


def _large(root: Path, rows: int) -> Path:
    """A deterministic foreign package of rows rows: a semicolon CSV of nine typed columns, one bad cell in 10,000."""
    import json
    import random

    pkg = root / f"generated-{rows}"
    if (pkg / "datapackage.json").exists():
        return pkg
    pkg.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(11)
    with (pkg / "data.csv").open("w", encoding="utf-8", newline="") as fh:
        fh.write("id;amount;day;stamp;ok;year;email;site;label\n")
        for i in range(rows):
            bad = i % 10_000 == 7
            amount = f"{rnd.randint(0, 9_999_999):,}.{rnd.randint(0, 99):02d}"
            day = f"{2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d}" if not bad else "2020-02-30"
            fh.write(f"{i};{amount};{day};{day}T{i % 24:02d}:{i % 60:02d}:00Z;{'yes' if i % 3 else 'no'};{1900 + i % 125};"
                     f"user{i}@example.org;https://example.org/item/{i}?q={i % 97};label {rnd.randint(0, 500)}\n")
    fields = [{"name": "id", "type": "integer"}, {"name": "amount", "type": "number", "groupChar": ","},
              {"name": "day", "type": "date"}, {"name": "stamp", "type": "datetime"},
              {"name": "ok", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}, {"name": "year", "type": "year"},
              {"name": "email", "type": "string", "format": "email"}, {"name": "site", "type": "string", "format": "uri"},
              {"name": "label", "type": "string", "constraints": {"required": True}}]
    descriptor = {"name": "generated", "resources": [{"name": "data", "path": "data.csv", "dialect": {"delimiter": ";"},
                                                      "schema": {"fields": fields, "primaryKey": "id"}}]}
    (pkg / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    return pkg


def _medians(cmds: list[list[str]], repeat: int) -> list[tuple[float, float, int]]:
    """The median run by time of each command, the commands run in turn repeat times (so load drifts hit both alike)."""
    runs: list[list[tuple[float, float, int]]] = [[] for _ in cmds]
    for _ in range(max(1, repeat)):
        for i, cmd in enumerate(cmds):
            runs[i].append(measure(cmd))
    return [sorted(r)[len(r) // 2] for r in runs]


def foreign(rows: int, root: Path, repeat: int) -> None:
    """Ours and frictionless-py on the same foreign packages, in turn, as whole processes; small ones: median of repeat runs."""
    small = _small(root)
    packages = {**small, f"generated ({rows:,} rows)": _large(root, rows)}
    ours_cmd, theirs_cmd = _tool("karabakh-timeline"), _tool("frictionless")
    print(f"{'package':<26} {'ours s':>8} {'MiB':>6} {'exit':>4}  {'frictionless s':>14} {'MiB':>6} {'exit':>4}  {'ratio':>7}")
    for name, pkg in packages.items():
        ours, theirs = _medians([[ours_cmd, "validate", str(pkg), "--profile", "none"], [theirs_cmd, "validate", str(pkg / "datapackage.json")]],
                                repeat if name in small else 1)
        print(f"{name:<26} {ours[0]:>8.2f} {ours[1]:>6,.0f} {ours[2]:>4}  {theirs[0]:>14.2f} {theirs[1]:>6,.0f} {theirs[2]:>4}  "
              f"{theirs[0] / ours[0]:>6.1f}x")
    print(f"small packages: median of {max(repeat, 1)} runs each, ours and frictionless-py in turn; load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    if {"--scale", "--bundled", "--baseline"} & set(sys.argv[1:]):  # scaling, small packages, before/after: scripts/bench_scale.py
        sys.path.insert(0, str(HERE))
        import bench_scale

        bench_scale.main()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="where the synthetic package lives (default /tmp/kt-bench-N)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of our validator; the median is shown (frictionless runs once)")
    parser.add_argument("--skip-frictionless", action="store_true", help="time only our validator")
    parser.add_argument("--foreign", action="store_true", help="foreign packages mode: N is the rows of the generated package")
    args = parser.parse_args()
    if args.foreign:
        foreign(args.n if args.n != 1_000_000 else 200_000, args.dir or Path("/tmp/kt-bench-foreign"), max(args.repeat, 7))
        return
    pkg = args.dir or Path(f"/tmp/kt-bench-{args.n}")
    if not (pkg / "datapackage.json").exists():
        # Built in a child process: a child's peak RSS on Linux starts from its parent's at fork,
        # so building here would inflate the figures measured below.
        print(f"building synthetic package of {args.n:,} events in {pkg} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "make_synthetic.py"), str(args.n), str(pkg)], check=True)
    rows = sum(p.read_bytes().count(b"\n") - 1 for p in (pkg / "data").glob("*.csv"))
    size = sum(p.stat().st_size for p in (pkg / "data").glob("*.csv")) / 2**20
    print(f"package: {args.n:,} events, {rows:,} rows, {size:,.0f} MiB of CSV")
    runs = sorted(measure([_tool("karabakh-timeline"), "validate", str(pkg)]) for _ in range(max(1, args.repeat)))
    results = {"karabakh-timeline validate": runs[len(runs) // 2]}  # the median run by time
    if not args.skip_frictionless:
        results["frictionless validate"] = measure([_tool("frictionless"), "validate", str(pkg / "datapackage.json")])
    print(f"{'command':<28} {'seconds':>9} {'peak RSS MiB':>13} {'exit':>5}")
    for name, (secs, rss, code) in results.items():
        print(f"{name:<28} {secs:>9.2f} {rss:>13,.0f} {code:>5}")
    if len(results) == 2:
        ours, theirs = results["karabakh-timeline validate"][0], results["frictionless validate"][0]
        print(f"ratio: karabakh-timeline is {theirs / ours:.1f}x faster than frictionless-py "
              f"(our runs: {', '.join(f'{r[0]:.2f}' for r in runs)} s; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
