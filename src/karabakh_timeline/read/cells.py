"""Typing cells: strict conversion of string columns to the types their Table Schema declares.

Conversions are vectorised with pyarrow compute, each gated by the reading contract's lexical
forms (read/contract.py) so that every path gives one verdict. A cell that does not parse becomes null and a
``type-error`` issue; a missing value (one of the schema's missingValues) becomes null silently.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.read.contract import lexically_valid
from karabakh_timeline.schema.table_schema import Field, TableSchema
from karabakh_timeline.schema.types import BOOLEAN_FALSE, BOOLEAN_TRUE, type_info
from karabakh_timeline.support.arrow import mask
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue


def missing_mask(column: pa.ChunkedArray | pa.Array, schema: TableSchema) -> pa.ChunkedArray | pa.Array:
    """True where the cell holds one of the schema's missing values."""
    if schema.missing_values == ("",):  # the usual case: a length test, no hashing of every string
        return pc.equal(pc.binary_length(column), 0)
    return pc.is_in(column, value_set=pa.array(list(schema.missing_values), pa.string()))


def _null_where_empty(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The same strings with empty cells set to null, reusing the string buffers (no copy)."""
    chunks = []
    for chunk in column.chunks:
        keep = pc.not_equal(pc.binary_length(chunk), 0)
        if chunk.offset or chunk.null_count or keep.offset or keep.null_count:
            chunks.append(pc.if_else(keep, chunk, pa.scalar(None, chunk.type)))
            continue
        _, offsets, data = chunk.buffers()
        chunks.append(pa.Array.from_buffers(chunk.type, len(chunk), [keep.buffers()[1], offsets, data]))
    return pa.chunked_array(chunks, column.type)


def convert(column: pa.ChunkedArray | pa.Array, fld: Field, schema: TableSchema) -> tuple[pa.ChunkedArray | pa.Array, np.ndarray]:
    """Return the typed column (nulls for missing and bad cells) and a boolean mask of type errors."""
    missing = missing_mask(column, schema)
    present = pc.invert(missing)
    if fld.type == "string":
        if schema.missing_values == ("",) and isinstance(column, pa.ChunkedArray):
            return _null_where_empty(column), np.zeros(len(column), bool)
        return pc.if_else(missing, pa.scalar(None, column.type), column), np.zeros(len(column), bool)
    shaped = lexically_valid(column, fld.type)  # the contract's gate, before any cast (Arrow alone reads 0x10 as 16)
    if fld.type in ("integer", "date") and shaped is not None and pc.all(pc.or_(shaped, missing)).as_py() is not False:
        # Every present cell has its lexical form: Arrow's cast types the column in one step (it is
        # all or nothing, and also refuses days off the calendar), and only when it refuses does
        # the cell-by-cell path below find which cell.
        try:
            typed = pc.cast(pc.if_else(missing, pa.scalar(None, pa.string()), column), fld.arrow_type())
            earliest = pc.min(pc.year(typed)).as_py() if fld.type == "date" else None
            if earliest is None or earliest >= 1:
                return typed, np.zeros(len(column), bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    if fld.type == "integer":
        ok = shaped
        clean = pc.if_else(ok, column, pa.scalar(None, pa.string()))
        typed = pc.cast(pc.replace_substring_regex(clean, r"^\+", ""), fld.arrow_type())  # Arrow refuses a leading +
    elif fld.type == "number":
        ok = shaped
        clean = pc.if_else(ok, column, pa.scalar(None, pa.string()))
        typed = pc.cast(pc.replace_substring(clean, "INF", "inf"), fld.arrow_type())
    elif fld.type == "date":
        clean = pc.if_else(shaped, column, pa.scalar(None, pa.string()))
        stamps = pc.strptime(clean, format="%Y-%m-%d", unit="s", error_is_null=True)
        typed = pc.cast(stamps, fld.arrow_type())
        # Arrow's strptime rolls impossible days over (2023-02-30 -> 2023-03-02); the day must survive.
        written_day = pc.cast(pc.utf8_slice_codeunits(clean, 8, 10), pa.int64())
        # The contract's years are 0001-9999, what Python, pandas, SQLite and R all hold (Arrow alone would take 0000).
        ok = pc.and_(pc.and_(pc.is_valid(typed), pc.equal(pc.day(typed), written_day)), pc.greater_equal(pc.year(typed), 1))
        typed = pc.if_else(ok, typed, pa.scalar(None, fld.arrow_type()))
    elif fld.type == "boolean":
        true = pc.is_in(column, value_set=pa.array(list(BOOLEAN_TRUE)))
        ok = pc.or_(true, pc.is_in(column, value_set=pa.array(list(BOOLEAN_FALSE))))
        typed = pc.if_else(ok, true, pa.scalar(None, pa.bool_()))
    else:  # parse_schema admits no other type
        raise AssertionError(fld.type)
    bad = mask(pc.and_(present, pc.invert(pc.fill_null(ok, False))))
    return typed, bad


def type_issues(table: str, fld: Field, raw: pa.ChunkedArray | pa.Array, bad: np.ndarray, lines: np.ndarray) -> list[Issue]:
    """One type-error issue per cell in bad."""
    idx = np.flatnonzero(bad)
    if not len(idx):
        return []
    values = pc.take(raw, pa.array(idx)).to_pylist()
    template = code("type-error")
    expected = type_info(fld.type).words
    return [Issue("type-error", template.message(value=value, expected=expected), table, int(lines[i]), fld.name, value)
            for i, value in zip(idx, values, strict=True)]


def enum_message(value: object, fld: Field) -> str:
    """The one enum-value message, for the validator and load() alike."""
    return code("enum-value").message(value=value, allowed=", ".join(map(str, fld.enum or [])))
