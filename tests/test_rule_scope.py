"""Staged validation (each table checked on its own, then slimmed for the cross-table checks) gives exactly the issues of
checking whole tables at once: the reference path below, on the bundled data and on a package with many defects at once.

The validator keeps of each table only the columns that keys and package rules declare (registry: needs, uses, reads);
a package rule reading an undeclared column would fail here (the control test shows it does).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from conftest import ROOT, set_cells
from karabakh_timeline.check import rules
from karabakh_timeline.check.constraints import constraint_issues
from karabakh_timeline.check.validator import validate
from karabakh_timeline.policy.profile import keep
from karabakh_timeline.read.typed import read_typed
from karabakh_timeline.schema.descriptor import open_package
from test_trust import CASES

TODAY = dt.date(2026, 11, 27)


def whole_tables(path: Path) -> list[tuple]:
    """Every issue, computed on whole tables: all constraints with every table as a reference, all rules on one Context."""
    package = open_package(path)
    tables = {name: read_typed(package, name) for name in package.resources}
    readable = {name: t for name, t in tables.items() if t.readable}
    references = {name: t.arrow for name, t in readable.items()}
    issues = list(package.issues) + package.metadata_issues + [i for t in tables.values() for i in t.issues]
    issues += [i for t in readable.values() for i in constraint_issues(t, references, {})]
    issues += rules.run_rules(rules.Context(TODAY, readable, {n: r.schema for n, r in package.resources.items()}))
    return sorted(i.sort_key() + (i.message,) for i in keep(issues, "timeline"))


def staged(path: Path) -> list[tuple]:
    return sorted(i.sort_key() + (i.message,) for i in validate(path, today=TODAY).issues)


def _many_defects(pkg: Path) -> None:
    for _, mutate, *_ in CASES:
        mutate(pkg)
    set_cells(pkg, "events", 2, date_end="2000-01-01", title=" Leading space")  # date-order, unsafe-text
    set_cells(pkg, "events", 3, fatalities_low="9", fatalities_best="3", place_id="plc_999999")  # fatalities-order, foreign-key
    set_cells(pkg, "statements", 3, speaker_id="act_999999", language="xx-notalanguage")  # foreign-key, language-tag
    set_cells(pkg, "event_sources", 2, source_id="src_999999")  # a link to nothing


def test_the_bundled_dataset_gives_the_same_issues_staged() -> None:
    assert staged(ROOT) == whole_tables(ROOT)


def test_a_package_with_many_defects_gives_the_same_issues_staged(package: Path) -> None:
    _many_defects(package)
    expected = whole_tables(package)
    assert len({row[3] for row in expected}) >= 12  # the defects are there: many codes to compare
    assert staged(package) == expected


def test_a_package_rule_reading_an_undeclared_field_is_caught(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: dispute-unrecorded reads events.notes; declared without it, the staged run has no notes column to read."""
    set_cells(package, "events", 4, verification="disputed")
    code = "dispute-unrecorded"
    needs = {table: tuple(f for f in fields if f != "notes") for table, fields in rules.RULES[code].needs.items()}
    monkeypatch.setitem(rules.RULES, code, dataclasses.replace(rules.RULES[code], needs=needs))
    with pytest.raises(KeyError):
        staged(package)


def test_rules_that_share_a_result_run_in_one_task_and_compute_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The verification rules and source-weak-only declare shares="corroboration": one task runs them in turn (no worker
    waits for another), and a validation corroborates once; url-host and url-publisher-mismatch share the URL hosts, url-scheme and
    url-invalid the URLs rfc3986 refuses."""
    from karabakh_timeline.check.rules import trust

    groups: dict[str, list[str]] = {}
    for r in rules.RULES.values():
        groups.setdefault(r.shares or r.code, []).append(r.code)
    assert groups["corroboration"] == ["verification-unsupported", "verification-understated", "source-weak-only"]
    assert groups["hosts"] == ["url-host", "url-publisher-mismatch"]
    assert groups["url-problems"] == ["url-scheme", "url-invalid"]
    package_rules = [r for r in rules.RULES.values() if r.scope == rules.PACKAGE]
    context = rules.Context(TODAY, {})
    assert len(rules.rule_tasks(context, rules.PACKAGE)) == len({r.shares or r.code for r in package_rules})
    calls: list[int] = []
    real = trust.corroborate

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(trust, "corroborate", counted)
    validate(ROOT, today=TODAY)
    assert len(calls) == 1


def test_a_shared_result_lives_as_long_as_the_task_of_the_rules_sharing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The corroboration that three rules share is computed within their task and freed with it: the run's Context keeps
    no memo (at 1M events each held 60-90 MB to the end of the run), while the task still computed it once."""
    from karabakh_timeline.check.rules import trust
    from karabakh_timeline.read.typed import read_typed
    from karabakh_timeline.schema.descriptor import open_package

    package = open_package(ROOT)
    context = rules.Context(TODAY, {name: read_typed(package, name) for name in package.resources})
    shared = [r for r in rules.RULES.values() if r.shares == "corroboration"]
    seen: list[object] = []
    real = trust._corroborated

    def recorded(ctx: rules.Context) -> object:
        seen.append(ctx)
        return real(ctx)

    monkeypatch.setattr(trust, "_corroborated", recorded)
    rules.registry._run_group(shared, context)
    assert len(seen) == 1 and seen[0] is not context
    assert context.memos == {}
