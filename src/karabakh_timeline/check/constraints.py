"""Table Schema constraints and keys, checked without pandera.

The compiled pandera schemas (``kt.schemas()``, schema/pandera_compiler.py) are the reference: each
check here makes the same pandas call as pandera's built-in check (isin, str.match, str.len, >=, <=,
duplicated) on the same non-missing cells, and the keys use the one definition in schema.keys, so
both accept and reject the same cells (tests/test_constraints_agree.py proves it on generated
tables). What is left out is pandera's machinery: failure-case frames built per check, which cost
more than the checks themselves on small tables and hold copies of the data on large ones.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np
import pandas as pd

from karabakh_timeline.read.cells import enum_message
from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.schema import v2
from karabakh_timeline.schema.keys import (
    bound,
    foreign_key_passes,
    json_schema_passes,
    length_passes,
    primary_key_passes,
    unique_key_passes,
)
from karabakh_timeline.schema.table_schema import Field
from karabakh_timeline.support.text import cell_text
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue

Failure = tuple[str, str | None, int, str | None]  # code, field, row, value shown
ColumnCheck = Callable[[pd.Series], pd.Series]
_TEXT_IS_VALUE = ("string", "integer")


def message(t: TypedTable, code_name: str, field: str | None, shown: str | None) -> str:
    """The registry's one message for a constraint code, filled in with the constraint that failed."""
    template = code(code_name)
    fld = t.schema.field(field) if field is not None and field in t.schema.field_names else None
    c = fld.constraints if fld is not None else {}
    if code_name == "enum-value" and fld is not None:
        return enum_message(shown, fld)
    if code_name == "pattern-mismatch":
        return template.message(value=shown, pattern=c.get("pattern", ""))
    if code_name == "text-length":
        unit = {"list": "items", "array": "items", "object": "keys"}.get(fld.type if fld is not None else "", "characters")
        return template.message(value=shown, low=c.get("minLength", 0), high=c.get("maxLength", "∞"), unit=unit)
    if code_name == "out-of-range":
        low = c["minimum"] if "minimum" in c else f"{c['exclusiveMinimum']} exclusive" if "exclusiveMinimum" in c else "-∞"
        high = c["maximum"] if "maximum" in c else f"{c['exclusiveMaximum']} exclusive" if "exclusiveMaximum" in c else "∞"
        return template.message(value=shown, low=low, high=high)
    if code_name == "json-schema-mismatch" and fld is not None:
        return template.message(value=shown, detail=v2.json_schema_problem(c["jsonSchema"], shown or ""))
    if code_name == "foreign-key":
        fk = next(fk for fk in t.schema.foreign_keys if ",".join(fk.fields) == field)
        return template.message(value=shown, target=f"{fk.resource}.{','.join(fk.reference_fields)}")
    return template.message(value=shown)


def column_checks(fld: Field) -> list[tuple[str, ColumnCheck]]:
    """(code, check) per constraint of fld, in the order pandera_compiler adds them; a check maps non-missing cells to pass/fail."""
    c = fld.typed | {k: v for k, v in fld.constraints.items() if k not in fld.typed}
    checks: list[tuple[str, ColumnCheck]] = []
    if "enum" in c or "categories" in c:  # an enum is a subset of the categories (parse_schema): one check
        allowed = [bound(fld, v) for v in (c["enum"] if "enum" in c else c["categories"])]
        checks.append(("enum-value", lambda s: s.isin(allowed)))
    if "pattern" in c:
        anchored = f"^(?:{c['pattern']})$"
        checks.append(("pattern-mismatch", lambda s: s.str.match(anchored, na=False)))
    if "minLength" in c or "maxLength" in c:
        checks.append(("text-length", lambda s: length_passes(fld, s)))  # pandera's str_length for strings
    if "minimum" in c:
        low = bound(fld, c["minimum"])
        checks.append(("out-of-range", lambda s: s >= low))
    if "maximum" in c:
        high = bound(fld, c["maximum"])
        checks.append(("out-of-range", lambda s: s <= high))
    if "exclusiveMinimum" in c:
        above = bound(fld, c["exclusiveMinimum"])
        checks.append(("out-of-range", lambda s: s > above))
    if "exclusiveMaximum" in c:
        below = bound(fld, c["exclusiveMaximum"])
        checks.append(("out-of-range", lambda s: s < below))
    if "jsonSchema" in c:
        checks.append(("json-schema-mismatch", lambda s: json_schema_passes(fld, s)))
    return checks


def _rows(passed: pd.Series | np.ndarray) -> np.ndarray:
    return np.flatnonzero(~np.asarray(pd.Series(passed).fillna(False).to_numpy(dtype=bool), dtype=bool))


def _column_failures(t: TypedTable, fld: Field, sole_pk: str | None) -> Iterator[Failure]:
    s = t.frame[fld.name]
    missing = s.isna().to_numpy(dtype=bool)
    if fld.required and missing.any():
        bad, nan = t.bad.get(fld.name), t.nan.get(fld.name)
        if fld.name not in t.absent:  # a missing column is reported once, as missing-column
            for row in np.flatnonzero(missing):
                if (bad is None or not bad[row]) and not (nan is not None and nan[row]):  # untypable: a type-error; NaN: a number
                    yield "missing-value", fld.name, int(row), None
    checks = column_checks(fld)
    if checks:
        present = np.flatnonzero(~missing)
        values = s.iloc[present] if len(present) < len(s) else s
        for code_name, check in checks:
            for i in _rows(check(values)):
                yield code_name, fld.name, int(present[i]), cell_text(values.iat[i])
    if fld.constraints.get("unique") and fld.name != sole_pk:
        values = s[~missing]  # missing cells are never duplicates of each other
        if not values.is_unique:
            rows = np.flatnonzero(~missing)
            for i in np.flatnonzero(values.duplicated(keep=False).to_numpy(dtype=bool)):  # every copy; the first is dropped later
                yield "duplicate-value", fld.name, int(rows[i]), cell_text(values.iat[i])


def _joined(t: TypedTable, fields: tuple[str, ...], row: int) -> str:
    return ",".join(cell_text(t.frame[k].iat[row]) or "" for k in fields)


def _frame_failures(t: TypedTable, references: Mapping[str, pd.DataFrame], key_cache: dict) -> Iterator[Failure]:
    schema = t.schema
    blank: np.ndarray | None = None

    def failing(passed: np.ndarray) -> np.ndarray:
        nonlocal blank
        rows = np.flatnonzero(~passed)
        if len(rows) and blank is None:  # pandera passes a frame-wide check on rows whose every cell is missing
            blank = t.frame.isna().all(axis=1).to_numpy(dtype=bool)
        return rows[~blank[rows]] if len(rows) else rows  # type: ignore[index]

    if schema.primary_key:
        pk = ",".join(schema.primary_key)
        for row in failing(primary_key_passes(t.frame, schema.primary_key)):
            yield "duplicate-key", pk, int(row), _joined(t, schema.primary_key, int(row))
    for key in schema.unique_keys:
        for row in failing(unique_key_passes(t.frame, key)):  # every copy; the first is dropped later
            yield "duplicate-value", ",".join(key), int(row), _joined(t, key, int(row))
    for fk in schema.foreign_keys:
        if fk.resource == schema.name:
            target = None
        elif fk.resource in references:
            target = references[fk.resource]
        else:
            continue
        for row in failing(foreign_key_passes(t.frame, fk, target, key_cache)):
            yield "foreign-key", ",".join(fk.fields), int(row), _joined(t, fk.fields, int(row))


def constraint_failures(t: TypedTable, references: Mapping[str, pd.DataFrame], key_cache: dict | None = None) -> list[Failure]:
    """Every (code, field, row, value) that the table's compiled pandera schema would reject, without pandera."""
    sole_pk = t.schema.primary_key[0] if len(t.schema.primary_key) == 1 else None
    found: list[Failure] = []
    for fld in t.schema.fields:
        found += _column_failures(t, fld, sole_pk)
    found += _frame_failures(t, references, {} if key_cache is None else key_cache)
    return found


def foreign_key_issues(t: TypedTable, references: Mapping[str, TypedTable], key_cache: dict) -> list[Issue]:
    """The foreign-key issues of t's keys into other tables (references: the tables they point to, holding at least the
    referenced columns); constraint_issues(t, {}) has checked everything else."""
    failures: list[Failure] = []
    for fk in t.schema.foreign_keys:
        if fk.resource == t.schema.name or fk.resource not in references:
            continue
        passed = foreign_key_passes(t.frame, fk, references[fk.resource].frame, key_cache)
        for row in np.flatnonzero(~passed & ~t.all_missing()):  # pandera passes a frame-wide check on rows whose every cell is missing
            failures.append(("foreign-key", ",".join(fk.fields), int(row), _joined(t, fk.fields, int(row))))
    return issues_of(t, failures)


def issues_of(t: TypedTable, failures: list[Failure]) -> list[Issue]:
    """Failures as issues at their CSV lines, each counted once; key repeats name the first occurrence's line."""
    seen: set[tuple[str, str | None, int]] = set()
    issues = []
    for found, field, row, shown in failures:
        if (found, field, row) in seen:
            continue
        seen.add((found, field, row))
        text = "" if found in ("duplicate-value", "duplicate-key") else message(t, found, field, shown)
        issues.append(Issue(found, text, t.name, int(t.lines[row]), field, shown))
    return firsts_only_later(t, issues)


def firsts_only_later(t: TypedTable, issues: list[Issue]) -> list[Issue]:
    """duplicate-value and duplicate-key on every repeat but the first, each naming the line of the first occurrence."""
    repeats = [i for i in issues if i.code in ("duplicate-value", "duplicate-key")]
    if not repeats:
        return issues
    first: dict[tuple[str, str | None, str | None], int] = {}
    for field in {i.field for i in repeats if i.field}:
        names = field.split(",")
        rows = np.arange(len(t.frame))
        if len(names) == 1 and t.schema.field(names[0]).type in _TEXT_IS_VALUE:
            # A string or integer has one text per value: only rows holding a repeated value can come first.
            wanted = {i.value for i in repeats if i.field == field and i.value is not None}
            rows = np.flatnonzero(t.frame[names[0]].astype("string").isin(list(wanted)).fillna(False).to_numpy(dtype=bool)) if wanted else rows[:0]
        sole = t.frame[names[0]]
        for row in rows:  # only tables with repeats pay for this loop
            shown = cell_text(sole.iat[row]) if len(names) == 1 else _joined(t, tuple(names), int(row))
            for code_name in ("duplicate-value", "duplicate-key"):
                first.setdefault((code_name, field, shown), int(t.lines[row]))
    kept = []
    for issue in issues:
        if issue.code not in ("duplicate-value", "duplicate-key"):
            kept.append(issue)
            continue
        line = first.get((issue.code, issue.field, issue.value))
        if line is None or line == issue.line:
            continue  # the first occurrence is not a duplicate
        kept.append(Issue(issue.code, code(issue.code).message(value=issue.value, first=line), issue.table, issue.line, issue.field,
                          issue.value, issue.severity))
    return kept


def nan_issues(t: TypedTable) -> list[Issue]:
    """NaN is a number but no bound holds for it and no enum lists it (pandas skips it as missing, so it is checked here)."""
    out = []
    for name, nan in t.nan.items():
        fld = t.schema.field(name)
        found = "enum-value" if "enum" in fld.typed else "out-of-range" if set(fld.typed) & {"minimum", "maximum", "exclusiveMinimum",
                                                                                                 "exclusiveMaximum"} else None
        if found is not None:
            out += [Issue(found, message(t, found, name, "NaN"), t.name, int(line), name, "NaN") for line in t.lines[nan]]
    return out


def constraint_issues(t: TypedTable, references: Mapping[str, pd.DataFrame], key_cache: dict | None = None) -> list[Issue]:
    """The table's constraint and key issues (missing, enum, pattern, length, range, unique, primary and foreign keys)."""
    return issues_of(t, constraint_failures(t, references, key_cache)) + nan_issues(t)
