"""Validation: read every table, check cells and keys (check.constraints), run the timeline rules, report.

One pass over everything; problems are collected as issues and never stop the run.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING

from karabakh_timeline.check.constraints import Failure, constraint_issues, foreign_key_issues, issues_of, nan_issues
from karabakh_timeline.policy.profile import TIMELINE, active_profile, keep
from karabakh_timeline.read.csv_file import PARSE_BLOCK
from karabakh_timeline.read.typed import TypedTable, read_typed
from karabakh_timeline.schema.descriptor import Package, PackageError, open_package
from karabakh_timeline.support.fixed_keys import run_cache
from karabakh_timeline.support.progress import task
from karabakh_timeline.support.text import cell_text, display_path
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue, Report

if TYPE_CHECKING:
    import pandas as pd

_PANDERA_CODES = {
    "not_nullable": "missing-value",
    "field_uniqueness": "duplicate-value",
}
_CODES = ("missing-value", "duplicate-value", "duplicate-key", "enum-value", "pattern-mismatch", "text-length", "out-of-range", "foreign-key",
          "json-schema-mismatch")


def pandera_issues(t: TypedTable, references: dict[str, pd.DataFrame], key_cache: dict | None = None) -> list[Issue]:
    """The reference path: check a typed table with its compiled pandera schema and map failure cases to CSV lines.

    validate() runs check.constraints instead (the same checks without pandera's machinery); the
    property tests compare the two.
    """
    import pandas as pd  # the reference path works on frames; validate() never imports pandas
    import pandera.pandas as pa  # only the reference path and kt.schemas() need pandera

    from karabakh_timeline.schema.pandera_compiler import compile_schema

    schema = compile_schema(t.schema, dtypes=False, references=references, key_cache=key_cache)
    try:
        schema.validate(t.frame, lazy=True)
        return nan_issues(t)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    failures: list[Failure] = []
    pk = ",".join(t.schema.primary_key)
    for column, check, value, index in zip(cases["column"], cases["check"], cases["failure_case"], cases["index"], strict=True):
        check_name = str(check)
        found = _PANDERA_CODES.get(check_name, check_name)
        field = None if column is None or pd.isna(column) else str(column)
        frame_wide = found.startswith(("foreign-key:", "unique-key:"))  # a row-level check: the value is the key's cells
        if frame_wide:
            found, field = "foreign-key" if found.startswith("foreign-key:") else "duplicate-value", found.split(":", 1)[1]
        if index is None or pd.isna(index):
            continue  # dataframe-wide messages (e.g. a column missing): the reader reported them
        row = int(index)
        if found == "duplicate-key":
            field = pk
            value = ",".join(cell_text(t.frame.at[row, k]) or "" for k in t.schema.primary_key)
        elif frame_wide and field is not None:
            value = ",".join(cell_text(t.frame.at[row, k]) or "" for k in field.split(","))
        elif found == "missing-value" and (field in t.absent or (field in t.bad and t.bad[field][row])):
            continue  # the whole column is missing, or the cell was present but untypable: reported already
        elif found == "missing-value" and field in t.nan and t.nan[field][row]:
            continue  # NaN is a number (pandas counts it as missing)
        if found not in _CODES:
            continue  # dtype checks are off; nothing else is expected
        failures.append((found, field, row, cell_text(value)))
    return issues_of(t, failures) + nan_issues(t)


def _unchecked_references(package: Package, damaged: set[str]) -> list[Issue]:
    """One warning per table whose foreign keys into a table that failed to parse were not checked."""
    out = []
    for name, resource in package.resources.items():
        targets = sorted({fk.resource for fk in resource.schema.foreign_keys if fk.resource in damaged and fk.resource != name})
        if targets:
            out.append(Issue("references-unchecked", code("references-unchecked").message(targets=", ".join(targets)), name,
                             severity="warning"))
    return out


def _linked_fields(package: Package, name: str) -> set[str]:
    """The fields of a table that keys use across tables: its primary key, its foreign keys, the fields others reference."""
    schema = package.resources[name].schema
    kept = set(schema.primary_key)
    kept |= {f for fk in schema.foreign_keys if fk.resource != name for f in fk.fields}
    for other, resource in package.resources.items():
        kept |= {f for fk in resource.schema.foreign_keys if fk.resource == name and other != name for f in fk.reference_fields}
    return kept


def _size(package: Package, name: str) -> int:
    resource = package.resources[name]
    try:
        return resource.path.stat().st_size if resource.inline is None else 0
    except OSError:
        return 0  # the reader reports it


def validate(path: str | os.PathLike[str] | None = None, *, today: dt.date | None = None, profile: str | None = None) -> Report:
    """Validate the package at path (default: the working directory's package, else the bundled data); never raises on bad data.

    profile (timeline or none) overrides the one the descriptor declares (policy.profile): the
    house rules run under the timeline profile only; every package gets the spec checks.

    Each table is read and checked on its own first (cells, keys within it, the rules of table
    scope), then slimmed to the columns that foreign keys and the package rules compare across
    tables; only those stay in memory while the next tables are read.
    """
    try:
        package = open_package(path)
    except PackageError as exc:
        return Report(str(path) if path is not None else "datapackage.json", [exc.issue])
    with run_cache():  # the ID columns that keys and rules look up are coded once for the run
        return _validated(package, today, profile)


def _validated(package: Package, today: dt.date | None, profile: str | None) -> Report:
    active, profile_issues = active_profile(package.descriptor, profile)
    issues: list[Issue] = list(package.issues) + package.metadata_issues + profile_issues
    bar = task("Validating", len(package.resources) + 2)  # each table, the foreign keys, the package rules
    today = today or dt.date.today()
    schemas = {name: r.schema for name, r in package.resources.items()}
    if active == TIMELINE:
        from karabakh_timeline.check import rules  # the house rules: not imported for other packages

    def own(name: str, pool: Executor | None = None) -> tuple[TypedTable, list[Issue]]:
        """Read and check one table on its own; with a pool (the table read alone), its constraints and rules run side by side."""
        t = read_typed(package, name, pool)
        found = list(t.issues)
        if not t.readable:
            return t, found
        checked = pool.submit(constraint_issues, t, {}) if pool is not None else None  # every constraint but foreign keys
        found += constraint_issues(t, {}) if checked is None else []  # into other tables
        kept = _linked_fields(package, name)
        if active == TIMELINE:
            found += rules.run_rules(rules.Context(today, {name: t}, schemas), pool, scope=rules.TABLE)
            kept |= rules.package_fields(t.schema)
        found += checked.result() if checked is not None else []
        return t.slimmed(kept), found

    # pyarrow releases the GIL while parsing, converting and hashing, so tables are read and checked side by side. A
    # largest table of more than one Arrow block goes first and alone: Arrow parses it on every core anyway, and no
    # other table's bytes are in memory beside its own (the peak of a large package: 1.04 -> 0.93 GB at 1M events).
    order = sorted(package.resources, key=lambda name: -_size(package, name))
    alone = order[:1] if order and _size(package, order[0]) > PARSE_BLOCK else []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        done = {name: own(name, pool) for name in alone}
        done.update(zip(order[len(alone):], pool.map(own, order[len(alone):]), strict=True))
        tables = {name: done[name][0] for name in package.resources}
        for name in package.resources:
            issues += done[name][1]
            bar.advance(f"checked {name}")
        del done
        readable = {name: t for name, t in tables.items() if t.readable}
        damaged = {name for name, t in readable.items() if any(i.code == "parse-error" for i in t.issues)}
        targets = {name: t for name, t in readable.items() if name not in damaged}  # rows lost: references into it would cascade
        issues += _unchecked_references(package, damaged)
        key_cache: dict = {}
        # Foreign keys and package rules read the same slimmed tables and change nothing: one queue keeps both cores busy
        # (no wait at a barrier between the two).
        tasks: list[Callable[[], list[Issue]]] = [partial(foreign_key_issues, t, targets, key_cache) for t in readable.values()]
        checked_keys = len(tasks)
        if active == TIMELINE:
            tasks += rules.rule_tasks(rules.Context(today, readable, schemas), scope=rules.PACKAGE)
        for k, found in enumerate(pool.map(lambda run: run(), tasks)):
            issues += found
            if k + 1 == checked_keys:
                bar.advance("foreign keys")
        if not checked_keys:
            bar.advance("foreign keys")
        bar.advance("timeline rules")
    counts = {name: len(t.lines) for name, t in tables.items()}
    files = {name: display_path(r.path) for name, r in package.resources.items()}
    return Report(display_path(package.descriptor_path), keep(issues, active), counts, files, active)


__all__ = ["pandera_issues", "validate"]
