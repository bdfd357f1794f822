"""Agreement of our verdicts with the specifications and with frictionless-py, over both agreement suites in one run.

Runs tests/test_frictionless_agreement.py (packages built from frictionless-py's fixtures) and
tests/test_thirdparty_agreement.py (the datasets/* core packages, from local snapshots) in one
process, then prints, for each suite and for both, the cases whose verdict (valid, or the classes of
issue) is right by the specifications and the cases where frictionless-py gives the same.

    python scripts/agreement.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUITES = {"frictionless fixtures": "test_frictionless_agreement", "third-party packages": "test_thirdparty_agreement"}


def _line(label: str, results: list[tuple[bool, bool]]) -> str:
    cases = len(results)
    right, agree = sum(r for r, _ in results), sum(a for _, a in results)
    return f"| {label} | {cases} | {right} ({right / max(cases, 1):.1%}) | {agree} ({agree / max(cases, 1):.1%}) |"


def main() -> int:
    """Run both suites, print the table of figures; the exit code is pytest's."""
    status = pytest.main([str(ROOT / "tests" / f"{module}.py") for module in SUITES.values()] + ["-q", "-n", "0", "-p", "no:cacheprovider"])
    rows, every = [], []
    for label, module in SUITES.items():
        results = list(getattr(sys.modules.get(module), "_RESULTS", {}).values())
        every += results
        rows.append(_line(label, results))
    print("\n| suite | cases | ours right by the spec | frictionless-py agrees |\n| --- | --- | --- | --- |")
    print("\n".join([*rows, _line("all", every)]))
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
