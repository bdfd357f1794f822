"""Validation: read every table, check cells and keys (check.constraints), run the timeline rules, report.

One pass over everything; problems are collected as issues and never stop the run.
"""
from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from karabakh_timeline.check.constraints import Failure, constraint_issues, issues_of, nan_issues
from karabakh_timeline.policy.profile import TIMELINE, active_profile, keep
from karabakh_timeline.read.typed import TypedTable, read_typed
from karabakh_timeline.schema.descriptor import Package, PackageError, open_package
from karabakh_timeline.support.progress import task
from karabakh_timeline.support.text import cell_text, display_path
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue, Report

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


def validate(path: str | os.PathLike[str] | None = None, *, today: dt.date | None = None, profile: str | None = None) -> Report:
    """Validate the package at path (default: the working directory's package, else the bundled data); never raises on bad data.

    profile (timeline or none) overrides the one the descriptor declares (policy.profile): the
    house rules run under the timeline profile only; every package gets the spec checks.
    """
    try:
        package = open_package(path)
    except PackageError as exc:
        return Report(str(path) if path is not None else "datapackage.json", [exc.issue])
    active, profile_issues = active_profile(package.descriptor, profile)
    issues: list[Issue] = list(package.issues) + package.metadata_issues + profile_issues
    bar = task("Validating", 2 * len(package.resources) + 1)  # read each table, check each table, the timeline rules
    # pyarrow releases the GIL while parsing, converting and hashing, so tables and rules run side by side.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        tables = {}
        for name, read in zip(package.resources, pool.map(lambda name: read_typed(package, name), package.resources), strict=True):
            tables[name] = read
            bar.advance(f"read {name}")
        for t in tables.values():
            issues += t.issues
        readable = {name: t for name, t in tables.items() if t.readable}
        damaged = {name for name, t in readable.items() if any(i.code == "parse-error" for i in t.issues)}
        references = {name: t.arrow for name, t in readable.items() if name not in damaged}  # rows lost: references into it would cascade
        issues += _unchecked_references(package, damaged)
        key_cache: dict = {}
        for name, found in zip(readable, pool.map(lambda t: constraint_issues(t, references, key_cache), readable.values()), strict=True):
            issues += found
            bar.advance(f"checked {name}")
        if active == TIMELINE:
            from karabakh_timeline.check.rules import Context, run_rules  # the house rules: not imported for other packages

            schemas = {name: r.schema for name, r in package.resources.items()}
            issues += run_rules(Context(today or dt.date.today(), readable, schemas), pool)
        bar.advance("timeline rules")
    counts = {name: len(t.lines) for name, t in tables.items()}
    files = {name: display_path(r.path) for name, r in package.resources.items()}
    return Report(display_path(package.descriptor_path), keep(issues, active), counts, files, active)


__all__ = ["pandera_issues", "validate"]
