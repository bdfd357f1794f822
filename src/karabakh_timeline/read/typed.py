"""Typed tables: a resource's CSV cells converted to the types its schema declares, with physical lines."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.read.cells import convert, type_issues
from karabakh_timeline.read.csv_file import read_table
from karabakh_timeline.read.foreign import read_foreign
from karabakh_timeline.read.integrity import integrity_issues
from karabakh_timeline.schema.descriptor import Package
from karabakh_timeline.schema.table_schema import Field, TableSchema
from karabakh_timeline.schema.types import ARROW_TO_PANDAS
from karabakh_timeline.vocabulary.issues import Issue


@dataclass
class TypedTable:
    """One table with typed cells (enums still as strings), physical lines, and its reading issues."""

    name: str
    schema: TableSchema
    frame: pd.DataFrame  # None when read with pandas=False (then arrow holds the columns)
    lines: np.ndarray
    issues: list[Issue] = field(default_factory=list)
    bad: dict[str, np.ndarray] = field(default_factory=dict)  # field -> cells that failed typing
    readable: bool = True
    absent: frozenset[str] = frozenset()  # schema fields with no column in the file (reported once, as missing-column)
    arrow: pa.Table | None = None  # the typed columns as Arrow, when read with pandas=False (frame is then None)
    nan: dict[str, np.ndarray] = field(default_factory=dict)  # number field -> cells that are NaN: a value, not a missing one


def _to_pandas(columns: dict[str, pa.Array | pa.ChunkedArray], fields: tuple[Field, ...]) -> pd.DataFrame:
    table = pa.table({f.name: columns[f.name] for f in fields})
    frame = table.to_pandas(types_mapper=ARROW_TO_PANDAS.get, date_as_object=False, split_blocks=True, self_destruct=True)
    for f in fields:
        if f.type == "date":
            frame[f.name] = frame[f.name].astype(f.pandas_dtype())
    return frame


def fields_match(schema: TableSchema, issues: list[Issue], present: int) -> list[Issue]:
    """issues without what v2 fieldsMatch allows: extra columns (subset), missing ones (superset), both (partial, when at least one
    field has its column). exact and equal allow neither; columns are matched by name in every mode."""
    allowed = {"subset": {"extra-column"}, "superset": {"missing-column"},
               "partial": {"extra-column", "missing-column"} if present else set()}.get(schema.fields_match, set())
    return [i for i in issues if i.code not in allowed]


def read_typed(package: Package, name: str, *, pandas: bool = True) -> TypedTable:
    """Read and type one resource of an opened package.

    pandas=False keeps the typed columns as an Arrow table (TypedTable.arrow) and skips the
    conversion to pandas, for callers that work in Arrow (the diff).
    """
    resource = package.resources[name]
    schema = resource.schema
    raw = read_table(resource) if resource.plain else read_foreign(resource)
    issues = integrity_issues(resource) + list(raw.issues)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    bad: dict[str, np.ndarray] = {}
    nan: dict[str, np.ndarray] = {}
    for f in schema.fields:
        if f.name not in raw.columns:
            columns[f.name] = pa.nulls(raw.nrows, f.arrow_type())
            continue
        typed, mask = convert(raw.columns[f.name], f, schema)
        columns[f.name] = typed
        if pa.types.is_floating(typed.type) and pc.any(pc.is_nan(typed)).as_py():
            nan[f.name] = np.asarray(pc.fill_null(pc.is_nan(typed), False).to_numpy(zero_copy_only=False), dtype=bool)
        if mask.any():
            bad[f.name] = mask
            issues += type_issues(name, f, raw.columns[f.name], mask, raw.lines)
    absent = frozenset(f.name for f in schema.fields if f.name not in raw.columns)
    issues = fields_match(schema, issues, len(schema.fields) - len(absent))
    if not pandas:
        table = pa.table({f.name: columns[f.name] for f in schema.fields})
        return TypedTable(name, schema, None, raw.lines, issues, bad, raw.readable, absent, table, nan)
    frame = _to_pandas(columns, schema.fields)
    return TypedTable(name, schema, frame, raw.lines, issues, bad, raw.readable, absent, nan=nan)
