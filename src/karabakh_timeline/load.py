"""Typed tables: CSV cells converted to the types their schemas declare, and the public load()."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from .cells import convert, type_issues
from .package import Package, open_package
from .reader import read_table
from .report import Issue
from .schema import Field, TableSchema

_ARROW_TO_PANDAS = {
    pa.string(): pd.StringDtype("pyarrow"),
    pa.int64(): pd.Int64Dtype(),
    pa.float64(): pd.Float64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


@dataclass
class TypedTable:
    """One table with typed cells (enums still as strings), physical lines, and its reading issues."""

    name: str
    schema: TableSchema
    frame: pd.DataFrame
    lines: np.ndarray
    issues: list[Issue] = field(default_factory=list)
    bad: dict[str, np.ndarray] = field(default_factory=dict)  # field -> cells that failed typing
    readable: bool = True
    absent: frozenset[str] = frozenset()  # schema fields with no column in the file (reported once, as missing-column)
    arrow: pa.Table | None = None  # the typed columns as Arrow, when read with pandas=False (frame is then None)


def _to_pandas(columns: dict[str, pa.Array | pa.ChunkedArray], fields: tuple[Field, ...]) -> pd.DataFrame:
    table = pa.table({f.name: columns[f.name] for f in fields})
    frame = table.to_pandas(types_mapper=_ARROW_TO_PANDAS.get, date_as_object=False, split_blocks=True, self_destruct=True)
    for f in fields:
        if f.type == "date":
            frame[f.name] = frame[f.name].astype(f.pandas_dtype())
    return frame


def read_typed(package: Package, name: str, *, pandas: bool = True) -> TypedTable:
    """Read and type one resource of an opened package.

    pandas=False keeps the typed columns as an Arrow table (TypedTable.arrow) and skips the
    conversion to pandas, for callers that work in Arrow (the diff).
    """
    resource = package.resources[name]
    schema = resource.schema
    raw = read_table(resource)
    issues = list(raw.issues)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    bad: dict[str, np.ndarray] = {}
    for f in schema.fields:
        if f.name not in raw.columns:
            columns[f.name] = pa.nulls(raw.nrows, f.arrow_type())
            continue
        typed, mask = convert(raw.columns[f.name], f, schema)
        columns[f.name] = typed
        if mask.any():
            bad[f.name] = mask
            issues += type_issues(name, f, raw.columns[f.name], mask, raw.lines)
    absent = frozenset(f.name for f in schema.fields if f.name not in raw.columns)
    if not pandas:
        table = pa.table({f.name: columns[f.name] for f in schema.fields})
        return TypedTable(name, schema, None, raw.lines, issues, bad, raw.readable, absent, table)  # type: ignore[arg-type]
    frame = _to_pandas(columns, schema.fields)
    return TypedTable(name, schema, frame, raw.lines, issues, bad, raw.readable, absent)


class InvalidDataError(ValueError):
    """load() met data it cannot type faithfully; .issues says where."""

    def __init__(self, issues: list[Issue]) -> None:
        first = issues[0]
        super().__init__(f"{len(issues)} problem(s) reading the package, first: {first.code} in {first.table} line {first.line}: {first.message}")
        self.issues = issues


class Timeline:
    """The loaded dataset: one pandas DataFrame per table, typed as the Table Schemas say.

    Access tables as attributes (``tl.events``) or by name (``tl["events"]``).
    """

    def __init__(self, package: Package, tables: dict[str, pd.DataFrame]) -> None:
        self.package = package
        self.tables = tables

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"no table {name!r}; tables are {', '.join(tables)}")

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(f)}" for n, f in self.tables.items())
        return f"<Timeline {self.package.version or ''} {sizes}>"


def load(path: str | os.PathLike[str] | None = None, *, errors: str = "raise") -> Timeline:
    """Load the package at path (default: ./datapackage.json, else the bundled data) as typed frames.

    Dates are datetime64, enums categorical with the schema's levels, integers Int64, numbers
    Float64, text string[pyarrow]. errors="raise" refuses data that cannot be typed faithfully;
    errors="coerce" turns such cells into missing values.
    """
    if errors not in ("raise", "coerce"):
        raise ValueError("errors must be 'raise' or 'coerce'")
    package = open_package(path)
    problems = list(package.issues)
    tables: dict[str, pd.DataFrame] = {}
    for name in package.resources:
        typed = read_typed(package, name)
        problems += typed.issues
        frame = typed.frame
        for f in typed.schema.fields:
            if f.enum is not None:
                text = frame[f.name]
                frame[f.name] = text.astype(f.pandas_dtype())
                lost = (text.notna() & frame[f.name].isna()).to_numpy()
                problems += [Issue("enum-value", f"{v!r} is not an allowed value", name, int(line), f.name, v)
                             for line, v in zip(typed.lines[lost], text[lost])]
        tables[name] = frame
    if problems and errors == "raise":
        raise InvalidDataError(problems)
    return Timeline(package, tables)
