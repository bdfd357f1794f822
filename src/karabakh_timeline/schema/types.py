"""The one type table: each Table Schema type this package supports, and what it becomes elsewhere.

Arrow (typed columns, Parquet), pandas (frames from load()), SQLite (the export), R (the class of
the R loader's columns), the lexical form a CSV cell must have, and the words messages use for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class TypeInfo:
    """How one Table Schema type is represented in every layer."""

    name: str
    arrow: pa.DataType
    pandas_name: str  # the pandas dtype's name (pandas is imported only by what makes frames: see pandas_dtype)
    sqlite: str
    r: str  # the R class of the column R/read_timeline.R returns
    lexical: str | None  # RE2 regex for a valid cell (None: every string is valid)
    words: str  # "'x' is not {words}"
    numeric: bool = False  # sorted as a number in canonical files

    @property
    def pandas(self) -> Any:
        """The pandas dtype (importing pandas: validation never asks for it)."""
        return pandas_dtype(self.pandas_name)


def pandas_dtype(name: str) -> Any:
    """The pandas dtype called name ("Int64", "string[pyarrow]", "datetime64[us, UTC]")."""
    import pandas as pd

    return pd.api.types.pandas_dtype(name)


_TEXT = "string[pyarrow]"
TYPES: dict[str, TypeInfo] = {t.name: t for t in (
    TypeInfo("string", pa.string(), _TEXT, "TEXT", "character", None, "a string"),
    TypeInfo("integer", pa.int64(), "Int64", "INTEGER", "integer", r"^[+-]?[0-9]{1,18}$", "an integer", numeric=True),
    TypeInfo("number", pa.float64(), "Float64", "REAL", "numeric",
             r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$|^(NaN|INF|-INF)$", "a number", numeric=True),
    # seconds: any four-digit year fits (nanoseconds stop at 2262)
    TypeInfo("date", pa.date32(), "datetime64[s]", "TEXT", "Date", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "a date YYYY-MM-DD"),
    TypeInfo("boolean", pa.bool_(), "boolean", "INTEGER", "logical", None, "true or false"),
    # Table Schema's other types, read for any package (schema.lexical has their parsers).
    TypeInfo("datetime", pa.timestamp("us", tz="UTC"), "datetime64[us, UTC]", "TEXT", "POSIXct",
             r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$",
             "a datetime YYYY-MM-DDThh:mm:ssZ"),
    TypeInfo("time", pa.string(), _TEXT, "TEXT", "character", r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$", "a time hh:mm:ss"),
    TypeInfo("year", pa.int64(), "Int64", "INTEGER", "integer", r"^-?[0-9]{4}$", "a year YYYY", numeric=True),
    TypeInfo("yearmonth", pa.string(), _TEXT, "TEXT", "character", r"^[0-9]{4}-(0[1-9]|1[0-2])$", "a year and month YYYY-MM"),
    TypeInfo("duration", pa.string(), _TEXT, "TEXT", "character", None, "an ISO 8601 duration (P1Y2M3DT4H)"),
    TypeInfo("geopoint", pa.string(), _TEXT, "TEXT", "character", None, "a geographic point (lon, lat in range)"),
    TypeInfo("geojson", pa.string(), _TEXT, "TEXT", "character", None, "a GeoJSON object"),
    TypeInfo("object", pa.string(), _TEXT, "TEXT", "character", None, "a JSON object"),
    TypeInfo("array", pa.string(), _TEXT, "TEXT", "character", None, "a JSON array"),
    TypeInfo("any", pa.string(), _TEXT, "TEXT", "character", None, "any value"),
    # Table Schema v2 (schema.v2): items of one type between delimiters, kept as written.
    TypeInfo("list", pa.string(), _TEXT, "TEXT", "character", None, "a list"),
)}
BOOLEAN_TRUE, BOOLEAN_FALSE = ("true", "True", "TRUE", "1"), ("false", "False", "FALSE", "0")


def arrow_to_pandas() -> dict[pa.DataType, Any]:
    """The types_mapper for Arrow-to-pandas conversion (dates are cast after conversion)."""
    return {t.arrow: t.pandas for t in TYPES.values() if t.name != "date"}


def type_info(name: str) -> TypeInfo:
    """The row of the type table for Table Schema type name (KeyError for a type parse_schema refuses)."""
    return TYPES[name]
