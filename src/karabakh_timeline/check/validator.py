"""Validation: read every table, check cells and keys with pandera, run the timeline rules, report.

One pass over everything; problems are collected as issues and never stop the run.
"""
from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pandera.pandas as pa

from karabakh_timeline.check.rules.core import run_rules
from karabakh_timeline.read.typed import TypedTable, read_typed
from karabakh_timeline.schema.descriptor import PackageError, open_package
from karabakh_timeline.schema.pandera_compiler import compile_schema
from karabakh_timeline.support.text import display_path
from karabakh_timeline.vocabulary.issues import Issue, Report

_PANDERA_CODES = {
    "not_nullable": "missing-value",
    "field_uniqueness": "duplicate-value",
}
_MESSAGES = {
    "missing-value": "a required value is missing",
    "duplicate-value": "the value appears in an earlier row too",
    "duplicate-key": "the primary key appears in an earlier row too",
    "enum-value": "not one of the allowed values",
    "pattern-mismatch": "does not match the pattern",
    "text-length": "text length out of bounds",
    "out-of-range": "outside the allowed range",
    "foreign-key": "not found in the referenced table",
}


def _constraint_hint(t: TypedTable, code: str, field: str | None) -> str:
    if field is None or field not in t.schema.field_names:
        return ""
    c = t.schema.field(field).constraints
    if code == "enum-value":
        return f" ({', '.join(map(str, c['enum']))})"
    if code == "pattern-mismatch":
        return f" {c['pattern']}"
    if code == "text-length":
        return f" (min {c.get('minLength', 0)}, max {c.get('maxLength', '∞')} characters)"
    if code == "out-of-range":
        return f" ({c.get('minimum', '-∞')} to {c.get('maximum', '∞')})"
    return ""


def _display(value: object) -> str | None:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def pandera_issues(t: TypedTable, references: dict[str, pd.DataFrame], key_cache: dict | None = None) -> list[Issue]:
    """Check a typed table with its compiled pandera schema and map failure cases to CSV lines."""
    schema = compile_schema(t.schema, dtypes=False, references=references, key_cache=key_cache)
    try:
        schema.validate(t.frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    issues: list[Issue] = []
    pk = ",".join(t.schema.primary_key)
    seen: set[tuple[str, str | None, int]] = set()
    for column, check, value, index in zip(cases["column"], cases["check"], cases["failure_case"], cases["index"]):
        check = str(check)
        code = _PANDERA_CODES.get(check, check)
        field = None if column is None or pd.isna(column) else str(column)
        if code.startswith("foreign-key:"):
            code, field = "foreign-key", code.split(":", 1)[1]
        if index is None or pd.isna(index):
            continue  # dataframe-wide messages (e.g. a column missing): the reader reported them
        row = int(index)
        if code == "duplicate-key":
            field = pk
        if (code, field, row) in seen:
            continue  # pandera lists multi-column and frame-wide failures once per column
        seen.add((code, field, row))
        if code == "duplicate-key":
            value = ",".join(_display(t.frame.at[row, k]) or "" for k in t.schema.primary_key)
        elif code == "foreign-key":
            value = ",".join(_display(t.frame.at[row, k]) or "" for k in field.split(","))
        elif code == "missing-value" and (field in t.absent or (field in t.bad and t.bad[field][row])):
            continue  # the whole column is missing, or the cell was present but untypable: reported already
        if code not in _MESSAGES:
            continue  # dtype checks are off; nothing else is expected
        hint = _constraint_hint(t, code, field)
        if code == "foreign-key":
            fk = next(fk for fk in t.schema.foreign_keys if ",".join(fk.fields) == field)
            hint = f" ({fk.resource}.{','.join(fk.reference_fields)})"
        shown = _display(value)
        message = (f"{shown!r} " if shown is not None and code != "missing-value" else "") + _MESSAGES[code] + hint
        issues.append(Issue(code, message, t.name, int(t.lines[row]), field, shown))
    return issues


def validate(path: str | os.PathLike[str] | None = None, *, today: dt.date | None = None) -> Report:
    """Validate the package at path (default: ./datapackage.json, else the bundled data); never raises on bad data."""
    try:
        package = open_package(path)
    except PackageError as exc:
        return Report(str(path) if path is not None else "datapackage.json", [exc.issue])
    issues: list[Issue] = list(package.issues)
    # pyarrow releases the GIL while parsing, converting and hashing, so tables and rules run side by side.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        tables = dict(zip(package.resources, pool.map(lambda name: read_typed(package, name), package.resources)))
        for t in tables.values():
            issues += t.issues
        readable = {name: t for name, t in tables.items() if t.readable}
        frames = {name: t.frame for name, t in readable.items()}
        key_cache: dict = {}
        for found in pool.map(lambda t: pandera_issues(t, frames, key_cache), readable.values()):
            issues += found
        issues += run_rules(readable, today or dt.date.today(), pool)
    counts = {name: len(t.lines) for name, t in tables.items()}
    files = {name: display_path(r.path) for name, r in package.resources.items()}
    return Report(display_path(package.descriptor_path), issues, counts, files)


__all__ = ["pandera_issues", "validate"]
