"""Benchmark: `karabakh-timeline diff` against daff and datacompy (polars) on two versions of a large events table.

Usage: python scripts/bench_diff.py [N_EVENTS] [--dir DIR] [--daff-rows K] [--repeat R]

OLD is a synthetic package of N events (scripts/make_synthetic.py). NEW is derived from it:
1 % of the events get a corrected title, 0.1 % are removed (their IDs recorded in retired_ids),
0.1 % are added (new IDs above the last one: with N = 1,000,000 they have seven digits), and the
events schema gains a field (`review_status`, empty except in added rows). NEW is written
canonically: rows sorted by primary key. Each tool runs in its own process on the events table,
reading the CSV files itself (start-up and reading are part of every time):

- karabakh-timeline diff OLD NEW --format json --table events (the CLI);
- datacompy.PolarsCompare on the two CSVs read with polars (typed: numbers and dates parsed);
- daff (pure Python) on the two CSVs read with the csv module, keyed on event_id. On the full
  table it takes over a minute and about 3 GB; with --daff-rows K it runs on a slice instead
  (the first K events of OLD, the same ID range of NEW and K/1000 of the added rows), its time
  is extrapolated linearly to N, and our diff runs on the same slice to check its counts.

Prints the median wall time of --repeat runs (daff: one run), peak RSS (each process's own
rusage via wait4), the speed ratios and the added/removed/changed counts, and asserts that all
tools agree on the counts. Timings are printed, never asserted: performance is measured, not tested.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_synthetic  # noqa: E402  (a sibling script, found through the path set above)

SEED = 20240919
NEW_FIELD = {"name": "review_status", "type": "string", "description": "Benchmark-only field added in the new version."}


def measure(cmd: list[str], stdout: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit code of one command (its own rusage via wait4).

    The child starts as a (v)fork of this process, and Linux carries the parent's peak RSS into
    the child's ru_maxrss across exec, so this process must stay small: the packages are built
    by a child process (--prepare), never here.
    """
    start = time.perf_counter()
    with open(stdout or os.devnull, "wb") as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed with exit {code}:\n{err.read().decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024, code


def _link_tree(src: Path, dst: Path, skip: set[str]) -> None:
    """Hard-link every file of src into dst except those in skip (relative paths); nothing is ever written through a link."""
    for path in src.rglob("*"):
        rel = path.relative_to(src).as_posix()
        if path.is_file() and rel not in skip:
            target = dst / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(path, target)


def derive(old: Path, new: Path, limit: int | None = None, added_limit: int | None = None) -> dict[str, int]:
    """Write NEW from OLD (or, with limit, a slice pair: OLD's first `limit` events and the matching part of NEW).

    Returns the expected counts. The synthetic files hold one record per line and no quotes, so
    lines are edited as bytes (asserted), which keeps the derivation fast and the output canonical.
    """
    lines = (old / "data" / "events.csv").read_bytes().split(b"\n")
    header, body = lines[0], [line for line in lines[1:] if line]
    assert not any(b'"' in line for line in body[:1000]), "synthetic events are expected unquoted"
    n_all = len(body)
    rng = np.random.default_rng(SEED)
    removed = np.zeros(n_all, bool)
    removed[rng.choice(n_all, n_all // 1000, replace=False)] = True
    edited = np.zeros(n_all, bool)
    edited[rng.choice(np.flatnonzero(~removed), n_all // 100, replace=False)] = True
    n_added = n_all // 1000
    donors = rng.choice(np.flatnonzero(~removed), n_added, replace=False)
    n = limit or n_all
    n_added_here = n_added if added_limit is None else min(added_limit, n_added)
    out = [header + b",review_status"]
    for i in range(n):
        if removed[i]:
            continue
        line = body[i]
        if edited[i]:
            event_id, title, rest = line.split(b",", 2)
            line = b",".join([event_id, b"Corrected " + title, rest])
        out.append(line + b",")
    for j in range(n_added_here):
        _, rest = body[donors[j]].split(b",", 1)
        out.append(f"evt_{n_all + j:06d}".encode() + b"," + rest + b",new")
    out[1:] = sorted(out[1:], key=lambda line: line[: line.index(b",")])  # canonical: rows sorted by primary key
    (new / "data").mkdir(parents=True, exist_ok=True)
    (new / "data" / "events.csv").write_bytes(b"\n".join(out) + b"\n")
    retired = (old / "data" / "retired_ids.csv").read_bytes().rstrip(b"\n").split(b"\n")
    gone = [f"evt_{i:06d},events,0.2.0,,Synthetic removal (benchmark)".encode() for i in np.flatnonzero(removed[:n])]
    (new / "data" / "retired_ids.csv").write_bytes(b"\n".join(retired + gone) + b"\n")
    schema = json.loads((old / "schemas" / "events.json").read_text(encoding="utf-8"))
    schema["fields"].append(NEW_FIELD)
    (new / "schemas").mkdir(parents=True, exist_ok=True)
    (new / "schemas" / "events.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    descriptor = json.loads((old / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "0.2.0"
    (new / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _link_tree(old, new, {"data/events.csv", "data/retired_ids.csv", "schemas/events.json", "datapackage.json"})
    return {"added": n_added_here, "removed": int(removed[:n].sum()), "changed": int(edited[:n].sum())}


def slice_old(old: Path, dst: Path, limit: int) -> None:
    """OLD's first `limit` events as a package of its own (other files linked)."""
    lines = (old / "data" / "events.csv").read_bytes().split(b"\n", limit + 1)
    (dst / "data").mkdir(parents=True, exist_ok=True)
    (dst / "data" / "events.csv").write_bytes(b"\n".join(lines[: limit + 1]) + b"\n")
    _link_tree(old, dst, {"data/events.csv"})


# --- the tools, each run in its own process as `python bench_diff.py --run TOOL OLD.csv NEW.csv OUT.json` ---


def run_datacompy(old_csv: str, new_csv: str) -> dict[str, int]:
    """datacompy.PolarsCompare keyed on event_id; CSVs read by polars with numbers and dates typed."""
    import datacompy
    import polars as pl

    df1 = pl.read_csv(old_csv, try_parse_dates=True, infer_schema_length=100_000)
    df2 = pl.read_csv(new_csv, try_parse_dates=True, infer_schema_length=100_000)
    compare = datacompy.PolarsCompare(df1, df2, join_columns="event_id", cast_column_names_lower=False)
    changed = compare.intersect_rows.height - compare.count_matching_rows()
    return {"added": compare.df2_unq_rows.height, "removed": compare.df1_unq_rows.height, "changed": changed}


def run_daff(old_csv: str, new_csv: str) -> dict[str, int]:
    """daff's Python API keyed on event_id, on the CSVs read with the csv module."""
    import csv

    import daff

    def read(path: str) -> list[list[str]]:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.reader(fh))

    flags = daff.CompareFlags()
    flags.addPrimaryKey("event_id")
    alignment = daff.compareTables(daff.PythonTableView(read(old_csv)), daff.PythonTableView(read(new_csv)), flags).align()
    table_diff = daff.TableDiff(alignment, flags)
    table_diff.hilite(daff.PythonTableView([]))
    summary = table_diff.getSummary()
    return {"added": summary.row_inserts, "removed": summary.row_deletes, "changed": summary.row_updates}


def _ours(result_json: Path) -> dict[str, int]:
    rows = json.loads(result_json.read_text(encoding="utf-8"))["tables"]["events"]["rows"]
    return {"added": rows["added"], "removed": rows["removed"], "changed": rows["changed"]}


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: pip install -e '.[bench]'")
    return found


def prepare(work: Path, n: int, daff_rows: int) -> dict[str, dict[str, int] | None]:
    """Build OLD (once), derive NEW and, for a daff slice, the slice pair; return the expected counts."""
    old, new = work / "old", work / "new"
    if not (old / "datapackage.json").exists():
        print(f"building OLD: synthetic package of {n:,} events in {old} ...", file=sys.stderr)
        make_synthetic.make(n, old)
    shutil.rmtree(new, ignore_errors=True)
    expected: dict[str, dict[str, int] | None] = {"full": derive(old, new), "slice": None}
    if daff_rows:
        slice_dir = work / f"slice-{daff_rows}"
        shutil.rmtree(slice_dir, ignore_errors=True)
        slice_old(old, slice_dir / "old", daff_rows)
        expected["slice"] = derive(old, slice_dir / "new", limit=daff_rows, added_limit=daff_rows // 1000)
    return expected


def timed(name: str, cmd: list[str], out: Path, repeat: int, results: dict, counts: Callable[[Path], dict[str, int]], stdout: bool) -> None:
    """Run cmd repeat times; keep the median wall time, the largest peak RSS and the counts read from out."""
    runs = [measure(cmd, out if stdout else None) for _ in range(repeat)]
    results[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs), counts(out))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        tool, old_csv, new_csv, out = sys.argv[2:6]
        counts = {"datacompy": run_datacompy, "daff": run_daff}[tool](old_csv, new_csv)
        Path(out).write_text(json.dumps(counts), encoding="utf-8")
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--prepare":  # in a child process, so that the parent stays small (see measure)
        work, n, daff_rows = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        (work / "expected.json").write_text(json.dumps(prepare(work, n, daff_rows)), encoding="utf-8")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default /tmp/kt-bench-diff-N)")
    parser.add_argument("--daff-rows", type=int, default=0, help="run daff on the first K events only and extrapolate (default 0: the full table)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of karabakh-timeline and datacompy; the median is shown (daff runs once)")
    args = parser.parse_args()
    work = args.dir or Path(f"/tmp/kt-bench-diff-{args.n}")
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, __file__, "--prepare", str(work), str(args.n), str(args.daff_rows)], check=True)
    expected = json.loads((work / "expected.json").read_text(encoding="utf-8"))
    old, new = work / "old", work / "new"
    csvs = [str(old / "data" / "events.csv"), str(new / "data" / "events.csv")]
    size = sum(os.path.getsize(p) for p in csvs) / 2**20
    full = expected["full"]
    print(f"events: {args.n:,} rows in OLD, {args.n - full['removed'] + full['added']:,} in NEW ({size:,.0f} MiB of CSV); "
          f"expected {full['added']:,} added, {full['removed']:,} removed, {full['changed']:,} changed")

    results: dict[str, tuple[float, float, dict[str, int]]] = {}
    ours = [_tool("karabakh-timeline"), "diff"]
    timed("karabakh-timeline diff", [*ours, str(old), str(new), "--format", "json", "--table", "events"], work / "ours.json", args.repeat,
          results, _ours, stdout=True)
    timed("datacompy (polars)", [sys.executable, __file__, "--run", "datacompy", *csvs, str(work / "datacompy.json")], work / "datacompy.json",
          args.repeat, results, lambda p: json.loads(p.read_text()), stdout=False)
    scale, daff_name, daff_csvs = 1.0, "daff", csvs
    if args.daff_rows:  # our diff runs on the slice too, so that the counts can be compared
        slice_dir = work / f"slice-{args.daff_rows}"
        daff_csvs = [str(slice_dir / side / "data" / "events.csv") for side in ("old", "new")]
        timed(f"karabakh-timeline diff, {args.daff_rows:,}-row slice",
              [*ours, str(slice_dir / "old"), str(slice_dir / "new"), "--format", "json", "--table", "events"], work / "ours-slice.json", 1,
              results, _ours, stdout=True)
        scale, daff_name = args.n / args.daff_rows, f"daff, {args.daff_rows:,}-row slice"
    timed(daff_name, [sys.executable, __file__, "--run", "daff", *daff_csvs, str(work / "daff.json")], work / "daff.json", 1, results,
          lambda p: json.loads(p.read_text()), stdout=False)

    print(f"{'tool':<44} {'seconds':>9} {'peak RSS MiB':>13} {'added':>7} {'removed':>8} {'changed':>8}")
    for name, (secs, rss, counts) in results.items():
        print(f"{name:<44} {secs:>9.2f} {rss:>13,.0f} {counts['added']:>7,} {counts['removed']:>8,} {counts['changed']:>8,}")
    print(f"(median of {args.repeat} runs for karabakh-timeline and datacompy, one run of daff; machine load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    mine = results["karabakh-timeline diff"][0]
    daff_secs = results[daff_name][0] * scale
    how = f"extrapolated linearly from the {args.daff_rows:,}-row slice x{scale:g}" if args.daff_rows else "measured on the full table"
    print(f"daff on {args.n:,} rows: {daff_secs:,.1f} s ({how})")
    print(f"ratio: karabakh-timeline diff is {daff_secs / mine:.1f}x faster than daff (target >= 20x)")
    print(f"ratio: karabakh-timeline diff takes {mine / results['datacompy (polars)'][0]:.2f}x the time of datacompy with polars (target <= 1)")
    print(f"peak RSS of karabakh-timeline diff: {results['karabakh-timeline diff'][1]:,.0f} MiB (target <= 2,048)")
    for name, (_, _, counts) in results.items():
        want = expected["slice"] if "slice" in name else full
        assert counts == want, f"{name} counted {counts}, expected {want}"
    print("counts: every tool agrees on added, removed and changed rows")


if __name__ == "__main__":
    main()
