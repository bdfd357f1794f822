"""Validation: read every table, check cells and keys with pandera, run the timeline rules, report.

One pass over everything; problems are collected as issues and never stop the run.
"""
from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pandera.pandas as pa

from karabakh_timeline.check.rules import Context, run_rules
from karabakh_timeline.policy.profile import TIMELINE, active_profile, keep
from karabakh_timeline.read.cells import enum_message
from karabakh_timeline.read.typed import TypedTable, read_typed
from karabakh_timeline.schema.descriptor import Package, PackageError, open_package
from karabakh_timeline.schema.pandera_compiler import compile_schema
from karabakh_timeline.support.progress import task
from karabakh_timeline.support.text import cell_text, display_path
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue, Report

_PANDERA_CODES = {
    "not_nullable": "missing-value",
    "field_uniqueness": "duplicate-value",
}
_MESSAGES = ("missing-value", "duplicate-value", "duplicate-key", "enum-value", "pattern-mismatch", "text-length", "out-of-range", "foreign-key")


def _message(t: TypedTable, code_name: str, field: str | None, shown: str | None) -> str:
    """The registry's one message for a constraint code, filled in with the constraint that failed."""
    template = code(code_name)
    fld = t.schema.field(field) if field is not None and field in t.schema.field_names else None
    c = fld.constraints if fld is not None else {}
    if code_name == "enum-value" and fld is not None:
        return enum_message(shown, fld)
    if code_name == "pattern-mismatch":
        return template.message(value=shown, pattern=c.get("pattern", ""))
    if code_name == "text-length":
        return template.message(value=shown, low=c.get("minLength", 0), high=c.get("maxLength", "∞"))
    if code_name == "out-of-range":
        return template.message(value=shown, low=c.get("minimum", "-∞"), high=c.get("maximum", "∞"))
    if code_name == "foreign-key":
        fk = next(fk for fk in t.schema.foreign_keys if ",".join(fk.fields) == field)
        return template.message(value=shown, target=f"{fk.resource}.{','.join(fk.reference_fields)}")
    return template.message(value=shown)


def _firsts_only_later(t: TypedTable, issues: list[Issue]) -> list[Issue]:
    """duplicate-value and duplicate-key on every repeat but the first, each naming the line of the first occurrence."""
    repeats = [i for i in issues if i.code in ("duplicate-value", "duplicate-key")]
    if not repeats:
        return issues
    first: dict[tuple[str, str | None, str | None], int] = {}
    for field in {i.field for i in repeats if i.field}:
        names = field.split(",")
        for row in range(len(t.frame)):  # only tables with repeats pay for this loop
            shown = ",".join(cell_text(t.frame.at[row, n]) or "" for n in names) if len(names) > 1 else cell_text(t.frame.at[row, field])
            key = (field, shown)
            for code_name in ("duplicate-value", "duplicate-key"):
                first.setdefault((code_name, *key), int(t.lines[row]))
    kept = []
    for issue in issues:
        if issue.code not in ("duplicate-value", "duplicate-key"):
            kept.append(issue)
            continue
        line = first.get((issue.code, issue.field, issue.value))
        if line is None or line == issue.line:
            continue  # the first occurrence is not a duplicate
        message = code(issue.code).message(value=issue.value, first=line)
        kept.append(Issue(issue.code, message, issue.table, issue.line, issue.field, issue.value, issue.severity))
    return kept


def pandera_issues(t: TypedTable, references: dict[str, pd.DataFrame], key_cache: dict | None = None) -> list[Issue]:
    """Check a typed table with its compiled pandera schema and map failure cases to CSV lines."""
    schema = compile_schema(t.schema, dtypes=False, references=references, key_cache=key_cache)
    try:
        schema.validate(t.frame, lazy=True)
        return _nan_issues(t)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    issues: list[Issue] = []
    pk = ",".join(t.schema.primary_key)
    seen: set[tuple[str, str | None, int]] = set()
    for column, check, value, index in zip(cases["column"], cases["check"], cases["failure_case"], cases["index"], strict=True):
        check_name = str(check)
        found = _PANDERA_CODES.get(check_name, check_name)
        field = None if column is None or pd.isna(column) else str(column)
        if found.startswith("foreign-key:"):
            found, field = "foreign-key", found.split(":", 1)[1]
        if index is None or pd.isna(index):
            continue  # dataframe-wide messages (e.g. a column missing): the reader reported them
        row = int(index)
        if found == "duplicate-key":
            field = pk
        if (found, field, row) in seen:
            continue  # pandera lists multi-column and frame-wide failures once per column
        seen.add((found, field, row))
        if found == "duplicate-key":
            value = ",".join(cell_text(t.frame.at[row, k]) or "" for k in t.schema.primary_key)
        elif found == "foreign-key" and field is not None:
            value = ",".join(cell_text(t.frame.at[row, k]) or "" for k in field.split(","))
        elif found == "missing-value" and (field in t.absent or (field in t.bad and t.bad[field][row])):
            continue  # the whole column is missing, or the cell was present but untypable: reported already
        elif found == "missing-value" and field in t.nan and t.nan[field][row]:
            continue  # NaN is a number (pandas counts it as missing)
        if found not in _MESSAGES:
            continue  # dtype checks are off; nothing else is expected
        shown = cell_text(value)
        message = "" if found in ("duplicate-value", "duplicate-key") else _message(t, found, field, shown)
        issues.append(Issue(found, message, t.name, int(t.lines[row]), field, shown))
    return _firsts_only_later(t, issues) + _nan_issues(t)


def _nan_issues(t: TypedTable) -> list[Issue]:
    """NaN is a number but no bound holds for it and no enum lists it (pandas skips it as missing, so it is checked here)."""
    out = []
    for name, nan in t.nan.items():
        fld = t.schema.field(name)
        found = "enum-value" if "enum" in fld.typed else "out-of-range" if set(fld.typed) & {"minimum", "maximum", "exclusiveMinimum",
                                                                                                 "exclusiveMaximum"} else None
        if found is not None:
            out += [Issue(found, _message(t, found, name, "NaN"), t.name, int(line), name, "NaN") for line in t.lines[nan]]
    return out


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
    """Validate the package at path (default: ./datapackage.json, else the bundled data); never raises on bad data.

    profile (timeline or none) overrides the one the descriptor declares (policy.profile): the
    house rules run under the timeline profile only; every package gets the spec checks.
    """
    try:
        package = open_package(path)
    except PackageError as exc:
        return Report(str(path) if path is not None else "datapackage.json", [exc.issue])
    active, profile_issues = active_profile(package.descriptor, profile)
    issues: list[Issue] = list(package.issues) + profile_issues
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
        frames = {name: t.frame for name, t in readable.items() if name not in damaged}  # rows lost: references into it would cascade
        issues += _unchecked_references(package, damaged)
        key_cache: dict = {}
        for name, found in zip(readable, pool.map(lambda t: pandera_issues(t, frames, key_cache), readable.values()), strict=True):
            issues += found
            bar.advance(f"checked {name}")
        if active == TIMELINE:
            schemas = {name: r.schema for name, r in package.resources.items()}
            issues += run_rules(Context(today or dt.date.today(), readable, schemas), pool)
        bar.advance("timeline rules")
    counts = {name: len(t.lines) for name, t in tables.items()}
    files = {name: display_path(r.path) for name, r in package.resources.items()}
    return Report(display_path(package.descriptor_path), keep(issues, active), counts, files, active)


__all__ = ["pandera_issues", "validate"]
