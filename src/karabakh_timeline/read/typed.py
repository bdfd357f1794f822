"""Typed tables: a resource's CSV cells converted to the types its schema declares, with physical lines."""
from __future__ import annotations

import threading
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.read.cells import convert, type_issues
from karabakh_timeline.read.csv_file import read_table
from karabakh_timeline.read.foreign import read_foreign
from karabakh_timeline.read.integrity import integrity_issues
from karabakh_timeline.schema.arrow_keys import blank_rows
from karabakh_timeline.schema.descriptor import Package
from karabakh_timeline.schema.table_schema import Field, TableSchema
from karabakh_timeline.schema.types import arrow_to_pandas
from karabakh_timeline.vocabulary.issues import Issue

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class TypedTable:
    """One table with typed cells (enums still as strings), physical lines, and its reading issues.

    The typed columns are an Arrow table (arrow, column()); validation works on them alone. frame,
    the same cells as a pandas frame with the schema's dtypes, is made on first use (load(), the
    pandera reference path), so validating never imports pandas.
    """

    name: str
    schema: TableSchema
    arrow: pa.Table
    lines: np.ndarray
    issues: list[Issue] = field(default_factory=list)
    bad: dict[str, np.ndarray] = field(default_factory=dict)  # field -> cells that failed typing
    readable: bool = True
    absent: frozenset[str] = frozenset()  # schema fields with no column in the file (reported once, as missing-column)
    nan: dict[str, np.ndarray] = field(default_factory=dict)  # number field -> cells that are NaN: a value, not a missing one
    blank: np.ndarray | None = None  # rows whose every cell is missing, once all_missing() has computed it (kept by slimmed())
    _frame: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def column(self, name: str) -> pa.ChunkedArray:
        """The typed cells of field name, as Arrow."""
        return self.arrow.column(name)

    def all_missing(self) -> np.ndarray:
        """Per row: True when every cell is missing, NaN included as pandas counts it (a frame-wide check passes such rows, as
        pandera does); computed once, on the whole table, and kept by slimmed()."""
        if self.blank is None:
            self.blank = blank_rows(self.arrow)
        return self.blank

    def slimmed(self, keep: set[str]) -> TypedTable:
        """The same table holding only the columns in keep (the rest are checked already: their memory goes back)."""
        self.all_missing()
        names = [n for n in self.arrow.column_names if n in keep]
        return replace(self, arrow=self.arrow.select(names), bad={k: v for k, v in self.bad.items() if k in keep},
                       nan={k: v for k, v in self.nan.items() if k in keep})

    @property
    def frame(self) -> pd.DataFrame:
        """The typed cells as a pandas frame (load()'s dtypes before enums become categories), made once on first use."""
        with self._lock:
            if self._frame is None:
                self._frame = to_pandas(self.arrow, self.schema.fields)
            return self._frame


def to_pandas(table: pa.Table, fields: tuple[Field, ...]) -> pd.DataFrame:
    """Typed Arrow columns as a frame with the type table's pandas dtypes (dates as datetime64[s])."""
    frame = table.to_pandas(types_mapper=arrow_to_pandas().get, date_as_object=False, split_blocks=True)
    for f in fields:
        if f.type == "date" and f.name in frame.columns:  # a slimmed table holds some of the fields
            frame[f.name] = frame[f.name].astype(f.pandas_dtype())
    return frame


def fields_match(schema: TableSchema, issues: list[Issue], present: int) -> list[Issue]:
    """issues without what v2 fieldsMatch allows: extra columns (subset), missing ones (superset), both (partial, when at least one
    field has its column). exact and equal allow neither; columns are matched by name in every mode."""
    allowed = {"subset": {"extra-column"}, "superset": {"missing-column"},
               "partial": {"extra-column", "missing-column"} if present else set()}.get(schema.fields_match, set())
    return [i for i in issues if i.code not in allowed]


def read_typed(package: Package, name: str, pool: Executor | None = None) -> TypedTable:
    """Read and type one resource of an opened package (Arrow columns; TypedTable.frame converts on first use).

    With a pool (a table read alone), its columns are typed side by side (Arrow's casts and regexes release the GIL).
    """
    resource = package.resources[name]
    schema = resource.schema
    raw = read_table(resource) if resource.plain else read_foreign(resource)
    issues = integrity_issues(resource) + list(raw.issues)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    bad: dict[str, np.ndarray] = {}
    nan: dict[str, np.ndarray] = {}
    present = [f for f in schema.fields if f.name in raw.columns]
    converted = dict(zip([f.name for f in present], (map if pool is None else pool.map)(lambda f: convert(raw.columns[f.name], f, schema), present),
                         strict=True))
    for f in schema.fields:
        if f.name not in raw.columns:
            columns[f.name] = pa.nulls(raw.nrows, f.arrow_type())
            continue
        typed, mask = converted.pop(f.name)
        columns[f.name] = typed
        if pa.types.is_floating(typed.type) and pc.any(pc.is_nan(typed)).as_py():
            nan[f.name] = np.asarray(pc.fill_null(pc.is_nan(typed), False).to_numpy(zero_copy_only=False), dtype=bool)
        if mask.any():
            bad[f.name] = mask
            issues += type_issues(name, f, raw.columns[f.name], mask, raw.lines)
    absent = frozenset(f.name for f in schema.fields if f.name not in raw.columns)
    issues = fields_match(schema, issues, len(schema.fields) - len(absent))
    table = pa.table({f.name: columns[f.name] for f in schema.fields})
    return TypedTable(name, schema, table, raw.lines, issues, bad, raw.readable, absent, nan)
