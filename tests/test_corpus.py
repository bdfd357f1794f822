"""The hostile corpus (tests/hostile_cases.py) through the CLI: each case in a child process with a
time limit and a memory limit, so that a hang or a blow-up fails the case instead of the machine.

Every case must give its documented exit code, never a traceback or an internal error, the issues
it names (code, table, line, field), and no changed byte in a package the command only reads.
For validate, the public functions get the same input: kt.validate() returns a report and never
raises; kt.load() raises only PackageError or InvalidDataError.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import resource
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from click.testing import CliRunner

import karabakh_timeline as kt
import karabakh_timeline.check.validator  # imported before the fork, so that each child starts warm
from conftest import ROOT
from hostile_cases import CASES, Case
from karabakh_timeline.cli import main

BASE = ROOT / "r" / "inst" / "extdata" / "mini"
TIME_LIMIT = 120  # seconds per case: generous for a loaded 2-core machine; a hang takes forever
MEMORY_LIMIT = 1 << 30  # bytes a case may add to the address space of the (already warm) process
CONTEXT = multiprocessing.get_context("fork")
karabakh_timeline.check.validator.validate(BASE)  # warm: lazy imports and caches are inherited by every child
kt.load(BASE)


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(conn: Any, case: Case, pkg: Path, scratch: Path) -> None:
    pa.set_memory_pool(pa.system_memory_pool())  # Arrow's own allocator reserves large address ranges up front
    limit = _address_space() + MEMORY_LIMIT
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    args = case.args(pkg, scratch) if case.args else ["validate", str(pkg), "--format", "json"]
    result = CliRunner().invoke(main, args, env=case.env or None)
    api = ""
    if args[0] == "validate" and args[1] == str(pkg):  # the CLI ran kt.validate's function: it returned; now load()
        try:
            kt.load(pkg)
        except (kt.PackageError, kt.InvalidDataError):
            pass
        except Exception as exc:
            api = f"kt.load raised {type(exc).__name__}: {exc}"
    conn.send({"exit": result.exit_code, "stdout": result.stdout[:2_000_000], "stderr": result.stderr[:100_000], "api": api,
               "exception": repr(result.exception) if result.exception and not isinstance(result.exception, SystemExit) else ""})
    conn.close()


def _run(case: Case, tmp_path: Path) -> tuple[dict, dict[str, str], dict[str, str], Path]:
    pkg = tmp_path / "pkg"
    scratch = tmp_path / "scratch"
    shutil.copytree(BASE, pkg)
    scratch.mkdir()
    case.mutate(pkg)
    before = _snapshot(pkg)
    receive, send = CONTEXT.Pipe(duplex=False)
    child = CONTEXT.Process(target=_child, args=(send, case, pkg, scratch))
    child.start()
    send.close()
    if not receive.poll(TIME_LIMIT):
        child.kill()
        child.join()
        pytest.fail(f"{case.name}: no answer within {TIME_LIMIT} s (a hang), or the child died (exit {child.exitcode})")
    try:
        result = receive.recv()
    except EOFError:
        child.join()
        pytest.fail(f"{case.name}: the child died without an answer (exit {child.exitcode}: killed for memory?)")
    child.join(TIME_LIMIT)
    return result, before, _snapshot(pkg), pkg


def _found(result: dict) -> list[tuple]:
    try:
        issues = json.loads(result["stdout"])["issues"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return []
    return [(i["code"], i["table"], i["line"], i["field"]) for i in issues]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    result, before, after, pkg = _run(case, tmp_path)
    output = result["stdout"] + result["stderr"]
    assert "Traceback" not in output and "internal-error" not in output, output[-2000:]
    assert not result["exception"], result["exception"]
    assert not result["api"], result["api"]
    assert result["exit"] == case.exit_code, f"exit {result['exit']}: {output[-2000:]}"
    found = _found(result)
    for expected in case.expected:
        if isinstance(expected, str):
            assert expected in {f[0] for f in found} or f"{expected}:" in output, f"{expected} not reported: {output[-2000:]}"
        else:
            assert expected in found, f"{expected} not in {found[:20]}"
    if not case.writes:
        assert after == before, "a command that only reads changed the package"


def test_the_corpus_is_large_and_names_are_unique() -> None:
    assert len(CASES) >= 120
    assert len({c.name for c in CASES}) == len(CASES)


def test_max_issues_caps_what_is_shown_and_keeps_the_true_counts(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == "max-issues-caps-but-counts")
    result, *_ = _run(case, tmp_path)
    report = json.loads(result["stdout"])
    assert len([i for i in report["issues"] if i["code"] == "extra-column"]) == 5
    assert report["omitted"] == [{"code": "extra-column", "table": "places", "severity": "error", "count": 25}]
    assert report["summary"]["errors"] == 30 and report["summary"]["shown"] == 5


def test_a_terminal_escape_in_a_header_name_is_escaped_in_text_output(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == "escape-sequence-in-header")
    text = Case(case.name, case.mutate, 1, args=lambda pkg, scratch: ["validate", str(pkg)])
    result, *_ = _run(text, tmp_path)
    assert "\x1b" not in result["stdout"]
    assert "\\x1b[2Jx" in result["stdout"]
