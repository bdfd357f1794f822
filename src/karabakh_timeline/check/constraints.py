"""Table Schema constraints and keys, checked on the typed Arrow columns without pandas or pandera.

The compiled pandera schemas (``kt.schemas()``, schema/pandera_compiler.py, on pandas frames) are the
reference: each check here gives the verdict of pandera's built-in check (isin, str.match, str.len,
>=, <=, duplicated) on the same non-missing cells, through schema.arrow_keys, the Arrow twin of the
keys' pandas definition in schema.keys, so both accept and reject the same cells
(tests/test_constraints_agree.py proves it on generated tables). What is left out is pandera's
machinery and the pandas copy of every table: failure-case frames built per check cost more than
the checks themselves on small tables and hold copies of the data on large ones.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.read.cells import enum_message
from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.schema import v2
from karabakh_timeline.schema.arrow_keys import (
    BOUND_CHECKS,
    bound,
    bound_passes,
    enum_passes,
    foreign_key_passes,
    json_schema_passes,
    length_passes,
    missing,
    pattern_passes,
    per_distinct,
    primary_key_passes,
    repeated,
    unique_key_passes,
)
from karabakh_timeline.schema.table_schema import Field
from karabakh_timeline.support.arrow import mask
from karabakh_timeline.support.text import cell_text
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue

Failure = tuple[str, str | None, int, str | None]  # code, field, row, value shown
ColumnCheck = Callable[[pa.ChunkedArray], pa.ChunkedArray | pa.Array]


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
    """(code, check) per constraint of fld, in the order pandera_compiler adds them; a check maps cells to pass/fail (only
    non-missing cells count)."""
    c = fld.typed | {k: v for k, v in fld.constraints.items() if k not in fld.typed}
    checks: list[tuple[str, ColumnCheck]] = []
    if "enum" in c or "categories" in c:  # an enum is a subset of the categories (parse_schema): one check
        allowed = [bound(fld, v) for v in (c["enum"] if "enum" in c else c["categories"])]
        checks.append(("enum-value", lambda s: enum_passes(s, allowed)))
    if "pattern" in c:
        checks.append(("pattern-mismatch", lambda s: pattern_passes(c["pattern"], s)))
    if "minLength" in c or "maxLength" in c:
        checks.append(("text-length", lambda s: length_passes(fld, s)))
    for key in BOUND_CHECKS:
        if key in c:
            checks.append(("out-of-range", lambda s, key=key: bound_passes(fld, key, s)))  # type: ignore[misc]
    if "jsonSchema" in c:
        checks.append(("json-schema-mismatch", lambda s: json_schema_passes(fld, s)))
    return checks


def _shown(column: pa.ChunkedArray, rows: np.ndarray) -> list[str | None]:
    """The cells at rows as the CSV would show them (support.text.cell_text)."""
    return [cell_text(v) for v in column.take(pa.array(rows, pa.int64())).to_pylist()] if len(rows) else []


def _column_failures(t: TypedTable, fld: Field, sole_pk: str | None) -> Iterator[Failure]:
    s = t.column(fld.name)
    if fld.required and s.null_count and fld.name not in t.absent:  # a missing column is reported once, as missing-column
        empty = mask(pc.is_null(s))  # NaN is a number, not null, in Arrow
        if fld.name in t.bad:
            empty &= ~t.bad[fld.name]  # untypable: reported as a type-error
        for row in np.flatnonzero(empty):
            yield "missing-value", fld.name, int(row), None
    checks = column_checks(fld)
    unique = bool(fld.constraints.get("unique")) and fld.name != sole_pk
    if not checks and not unique:
        return
    present = ~missing(s)
    for code_name, check in checks:
        rows = np.flatnonzero(present & ~mask(check(s)))
        for row, shown in zip(rows, _shown(s, rows), strict=True):
            yield code_name, fld.name, int(row), shown
    if unique:
        rows = np.flatnonzero(repeated([s]))  # every copy; the first is dropped later; missing cells never repeat each other
        for row, shown in zip(rows, _shown(s, rows), strict=True):
            yield "duplicate-value", fld.name, int(row), shown


def _joined(t: TypedTable, fields: tuple[str, ...], rows: np.ndarray) -> list[str]:
    """The key's cells at rows, as text joined by commas (a missing part as nothing)."""
    parts = [_shown(t.column(k), rows) for k in fields]
    return [",".join(p or "" for p in cells) for cells in zip(*parts, strict=True)] if len(rows) else []


def _failing(t: TypedTable, passed: np.ndarray, fields: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(row, the key's cells joined) where a frame-wide check failed; pandera passes such a check on rows whose every cell is missing."""
    rows = np.flatnonzero(~passed)
    rows = rows[~t.all_missing()[rows]] if len(rows) else rows
    yield from zip((int(r) for r in rows), _joined(t, fields, rows), strict=True)


def _frame_failures(t: TypedTable, references: Mapping[str, pa.Table], key_cache: dict) -> Iterator[Failure]:
    schema = t.schema
    if schema.primary_key:
        pk = ",".join(schema.primary_key)
        for row, shown in _failing(t, primary_key_passes(t.arrow, schema.primary_key), schema.primary_key):
            yield "duplicate-key", pk, row, shown
    for key in schema.unique_keys:
        for row, shown in _failing(t, unique_key_passes(t.arrow, key), key):  # every copy; the first is dropped later
            yield "duplicate-value", ",".join(key), row, shown
    for fk in schema.foreign_keys:
        if fk.resource == schema.name:
            target = None
        elif fk.resource in references:
            target = references[fk.resource]
        else:
            continue
        for row, shown in _failing(t, foreign_key_passes(t.arrow, fk, target, key_cache), fk.fields):
            yield "foreign-key", ",".join(fk.fields), row, shown


def constraint_failures(t: TypedTable, references: Mapping[str, pa.Table], key_cache: dict | None = None) -> list[Failure]:
    """Every (code, field, row, value) that the table's compiled pandera schema would reject, without pandas or pandera."""
    sole_pk = t.schema.primary_key[0] if len(t.schema.primary_key) == 1 else None
    t.all_missing()  # on the whole table, before slimmed() drops columns: foreign_key_issues() passes the same rows
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
        passed = foreign_key_passes(t.arrow, fk, references[fk.resource].arrow, key_cache)
        failures += [("foreign-key", ",".join(fk.fields), row, shown) for row, shown in _failing(t, passed, fk.fields)]
    return issues_of(t, failures)


def issues_of(t: TypedTable, failures: list[Failure]) -> list[Issue]:
    """Failures as issues at their CSV lines, each counted once; key repeats name the first occurrence's line."""
    return firsts_only_later(t, located(t, failures))


def located(t: TypedTable, failures: list[Failure]) -> list[Issue]:
    """Failures as issues at their CSV lines, each (code, field, row) once; key repeats still on every copy, without a message."""
    seen: set[tuple[str, str | None, int]] = set()
    issues = []
    for found, field, row, shown in failures:
        if (found, field, row) in seen:
            continue
        seen.add((found, field, row))
        text = "" if found in ("duplicate-value", "duplicate-key") else message(t, found, field, shown)
        issues.append(Issue(found, text, t.name, int(t.lines[row]), field, shown))
    return issues


def texts(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """Per cell its text as support.text.cell_text shows the value (missing as null), in Arrow where its cast writes the same text."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if pa.types.is_integer(kind) or pa.types.is_date(kind) or pa.types.is_decimal(kind):
        return pc.cast(column, pa.string())
    if pa.types.is_timestamp(kind):  # cell_text shows a datetime's (UTC) date
        return pc.cast(pc.cast(column, pa.date32()), pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "True", "False")
    return per_distinct(column, cell_text, pa.string())  # numbers: Python's repr, once per distinct value


def firsts_only_later(t: TypedTable, issues: list[Issue]) -> list[Issue]:
    """duplicate-value and duplicate-key on every repeat but the first, each naming the line of the first occurrence."""
    repeats = [i for i in issues if i.code in ("duplicate-value", "duplicate-key")]
    if not repeats:
        return issues
    first: dict[tuple[str, str | None], int] = {}  # (field, value shown) -> line of the first row showing it
    for field in {i.field for i in repeats if i.field}:
        names = field.split(",")
        wanted = {i.value for i in repeats if i.field == field and i.value is not None}
        if not wanted:
            continue
        if len(names) == 1:
            shown = texts(t.column(names[0]))
        else:  # the key's texts joined as _joined joins them (a missing part as nothing)
            parts = [pc.cast(pc.fill_null(texts(t.column(k)), ""), pa.large_string()) for k in names]
            shown = pc.binary_join_element_wise(*parts, pa.scalar(",", pa.large_string()))
        rows = np.flatnonzero(mask(pc.is_in(shown, value_set=pa.array(sorted(wanted), shown.type))))
        for row, value in zip(rows, pc.take(shown, pa.array(rows, pa.int64())).to_pylist(), strict=True):  # rows showing a repeat
            first.setdefault((field, value), int(t.lines[row]))
    kept = []
    for issue in issues:
        if issue.code not in ("duplicate-value", "duplicate-key"):
            kept.append(issue)
            continue
        line = first.get((issue.field or "", issue.value))
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


def constraint_issues(t: TypedTable, references: Mapping[str, pa.Table], key_cache: dict | None = None) -> list[Issue]:
    """The table's constraint and key issues (missing, enum, pattern, length, range, unique, primary and foreign keys).

    references maps the names of the tables its foreign keys may point at to their typed Arrow tables
    (TypedTable.arrow); key_cache, shared across calls with the same references, keeps each
    referenced key column prepared once.
    """
    return issues_of(t, constraint_failures(t, references, key_cache)) + nan_issues(t)
