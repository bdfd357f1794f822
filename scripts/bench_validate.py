"""Benchmark: `karabakh-timeline validate` against `frictionless validate` on the same synthetic package.

Usage: python scripts/bench_validate.py [N_EVENTS] [--dir DIR] [--repeat R] [--skip-frictionless]

Builds (or reuses) a synthetic package of N events (scripts/make_synthetic.py), runs both commands
once each in this one run, and prints wall time, peak RSS, the speed ratio and both verdicts.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="where the synthetic package lives (default /tmp/kt-bench-N)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of our validator; the median is shown (frictionless runs once)")
    parser.add_argument("--skip-frictionless", action="store_true", help="time only our validator")
    args = parser.parse_args()
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
