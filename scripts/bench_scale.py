"""Benchmark (issue #18): `karabakh-timeline validate` against frictionless-py and pyarrow parsing the same files, across sizes.

Usage:
  python scripts/bench_validate.py [N_EVENTS] [--dir DIR] [--repeat R] [--skip-frictionless]
  python scripts/bench_validate.py --bundled          # the bundled dataset and a 10,000-event package
  python scripts/bench_validate.py --scale [--sizes 10000,100000,1000000,3000000]
  ... --baseline DIR   # also time the same command with DIR/src first on the path ("before")

Every figure is a whole process (start-up included), timed in this one run on the same files:
ours (median of R runs), frictionless-py (`frictionless validate`; above --frictionless-max events
it is run on a package of that size and extrapolated linearly, and the output says so), and a child
process that only imports pyarrow and parses every CSV file of the package as strings (the anchor
for large packages). --scale builds the packages it lacks under /tmp, deletes the ones it built,
and says whether time and peak memory grow linearly. Timings are printed, never asserted.
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
ROOT = HERE.parent
PARSE = """
import sys, pyarrow as pa, pyarrow.csv as c
for path in sys.argv[1:]:
    names = open(path, encoding="utf-8").readline().rstrip("\\n").split(",")
    c.read_csv(path, convert_options=c.ConvertOptions(column_types={n: pa.string() for n in names}))
"""


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit code of one command (its own rusage via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def median(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> tuple[tuple[float, float, int], list[float]]:
    """The median run by time of repeat runs, and every run's seconds."""
    runs = sorted(measure(cmd, env) for _ in range(max(1, repeat)))
    return runs[len(runs) // 2], [r[0] for r in runs]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: pip install -e '.[bench]'")
    return found


def build(n: int, pkg: Path) -> bool:
    """Build the synthetic package unless it exists; True when built here."""
    if (pkg / "datapackage.json").exists():
        return False
    # Built in a child process: a child's peak RSS on Linux starts from its parent's at fork,
    # so building here would inflate the figures measured below.
    print(f"building synthetic package of {n:,} events in {pkg} ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, str(HERE / "make_synthetic.py"), str(n), str(pkg)], check=True)
    return True


def describe(pkg: Path) -> tuple[int, float]:
    """Rows (records below the headers) and MiB of CSV of a package's data folder."""
    files = sorted((pkg / "data").glob("*.csv"))
    rows = 0
    for p in files:
        with p.open("rb") as fh:
            rows += sum(block.count(b"\n") for block in iter(lambda fh=fh: fh.read(1 << 24), b"")) - 1
    return rows, sum(p.stat().st_size for p in files) / 2**20


def parse_only(pkg: Path) -> tuple[float, float, int]:
    """The anchor: a process that imports pyarrow and parses every CSV of the package (multithreaded, all strings)."""
    return measure([sys.executable, "-c", PARSE, *map(str, sorted((pkg / "data").glob("*.csv")))])


def row(name: str, result: tuple[float, float, int], note: str = "") -> None:
    secs, rss, code = result
    print(f"| {name} | {secs:.2f} | {rss:,.0f} | {code} |{(' ' + note) if note else ''}")


BASELINE: Path | None = None  # --baseline: another checkout whose src/ is timed the same way, as "before"


def compare(pkg: Path, label: str, repeat: int, frictionless: tuple[float, float, int] | None, friction_note: str = "") -> dict[str, float]:
    """Ours, the pyarrow anchor and frictionless on one package; prints a table and the ratios."""
    rows, size = describe(pkg)
    print(f"\n{label}: {rows:,} rows, {size:,.1f} MiB of CSV ({pkg})\n")
    print("| command | seconds | peak RSS MiB | exit |\n| --- | ---: | ---: | ---: |")
    ours, runs = median([_tool("karabakh-timeline"), "validate", str(pkg)], repeat)
    parsed = parse_only(pkg)
    row(f"`karabakh-timeline validate` (median of {len(runs)}: {', '.join(f'{r:.2f}' for r in runs)})", ours)
    row("pyarrow: import and parse every CSV as strings", parsed)
    before = None
    if BASELINE is not None:
        env = {**os.environ, "PYTHONPATH": str(BASELINE / "src")}
        before, before_runs = median([_tool("karabakh-timeline"), "validate", str(pkg)], repeat, env)
        row(f"before: the same command on {BASELINE} (median of {len(before_runs)}: {', '.join(f'{r:.2f}' for r in before_runs)})", before)
    if frictionless is not None:
        row(f"`frictionless validate`{friction_note}", frictionless)
    print(f"\nours / pyarrow parse: {ours[0] / parsed[0]:.2f}x", end="")
    if frictionless is not None:
        print(f"; frictionless / ours: {frictionless[0] / ours[0]:.1f}x{' (extrapolated)' if friction_note else ''}", end="")
    if before is not None:
        print(f"; before / now: {before[0] / ours[0]:.1f}x time, {before[1] / ours[1]:.1f}x memory", end="")
    print(f"; load average {os.getloadavg()[0]:.1f}")
    return {"rows": rows, "ours": ours[0], "rss": ours[1], "parse": parsed[0]}


def linear(points: list[tuple[int, float]], what: str) -> str:
    """Whether each step's cost per added row stays within 2x of the largest step's (no jump)."""
    steps = [((b - a) / (nb - na)) for (na, a), (nb, b) in zip(points, points[1:], strict=False) if nb > na]
    if len(steps) < 2:
        return f"{what}: too few sizes to judge"
    ref = steps[-1]
    jumps = [f"{points[i][0]:,}->{points[i + 1][0]:,}" for i, s in enumerate(steps) if ref > 0 and not 0.5 <= s / ref <= 2.0]
    per = ", ".join(f"{s * 1e6:,.2f}" for s in steps)
    return f"{what} per million added rows between sizes: {per} -> " + ("linear (no step jumps)" if not jumps else f"not linear at {', '.join(jumps)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="where the synthetic package lives (default PREFIX-N)")
    parser.add_argument("--prefix", default="/tmp/kt-bench", help="synthetic packages live in PREFIX-N (built when missing)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of our validator; the median is shown (frictionless runs once)")
    parser.add_argument("--skip-frictionless", action="store_true", help="time only our validator and the parse anchor")
    parser.add_argument("--frictionless-max", type=int, default=100_000, help="largest package frictionless runs on; larger ones are extrapolated")
    parser.add_argument("--bundled", action="store_true", help="the bundled dataset and a 10,000-event package (small-package goal)")
    parser.add_argument("--scale", action="store_true", help="time and peak memory across --sizes, and whether they grow linearly")
    parser.add_argument("--sizes", default="10000,100000,1000000,3000000")
    parser.add_argument("--baseline", type=Path, default=None, help="a checkout (e.g. `git archive main src | tar -x -C DIR`) timed too, as before")
    args = parser.parse_args()
    global BASELINE
    BASELINE = args.baseline
    fl = None if args.skip_frictionless else _tool("frictionless")

    def friction(pkg: Path, n: int) -> tuple[tuple[float, float, int] | None, str]:
        if fl is None:
            return None, ""
        if n <= args.frictionless_max:
            return measure([fl, "validate", str(pkg / "datapackage.json")]), ""
        small = Path(f"{args.prefix}-{args.frictionless_max}")
        built = build(args.frictionless_max, small)
        secs, rss, code = measure([fl, "validate", str(small / "datapackage.json")])
        small_rows, big_rows = describe(small)[0], describe(pkg)[0]
        if built:
            shutil.rmtree(small)
        return (secs * big_rows / small_rows, rss, code), f" (run on {args.frictionless_max:,} events, {secs:.1f} s, extrapolated by rows; RSS of that run)"

    if args.bundled:
        compare(ROOT, "bundled dataset", max(args.repeat, 7), measure([fl, "validate", str(ROOT / "datapackage.json")]) if fl else None)
        pkg = Path(f"{args.prefix}-10000")
        built = build(10_000, pkg)
        compare(pkg, "10,000-event synthetic package", max(args.repeat, 7), friction(pkg, 10_000)[0])
        if built:
            shutil.rmtree(pkg)
        return
    sizes = [int(s) for s in args.sizes.split(",")] if args.scale else [args.n]
    results = []
    for n in sizes:
        pkg = args.dir if args.dir and not args.scale else Path(f"{args.prefix}-{n}")
        built = build(n, pkg)
        fr, note = friction(pkg, n)
        results.append(compare(pkg, f"{n:,}-event synthetic package", args.repeat, fr, note))
        if built and args.scale:
            shutil.rmtree(pkg)  # 3M events are about 2 GB of CSV: keep /tmp clear
    if args.scale:
        print("\n| events | rows | seconds | peak RSS MiB | ours / pyarrow parse |\n| ---: | ---: | ---: | ---: | ---: |")
        for n, r in zip(sizes, results, strict=True):
            print(f"| {n:,} | {int(r['rows']):,} | {r['ours']:.2f} | {r['rss']:,.0f} | {r['ours'] / r['parse']:.2f}x |")
        print()
        print(linear([(int(r["rows"]), r["ours"]) for r in results], "seconds"))
        print(linear([(int(r["rows"]), r["rss"]) for r in results], "peak MiB"))


if __name__ == "__main__":
    main()
