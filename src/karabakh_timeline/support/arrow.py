"""Vectorised column helpers over Arrow data, shared by the pandera compiler, the rules and the diff.

Each takes Arrow columns (what validation holds) or pandas columns (the pandera reference path,
load()); a pandas column is read through its Arrow data, so nothing here imports pandas.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.support.fixed_keys import codes, first_positions

if TYPE_CHECKING:
    import pandas as pd

Column = Union[pa.ChunkedArray, pa.Array, "pd.Series"]


def mask(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean Arrow column as a NumPy mask, missing as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def arrow(series: Column) -> pa.ChunkedArray:
    """The column as Arrow: itself when it is Arrow, else the data behind a pandas column (no copy when Arrow-backed)."""
    if isinstance(series, pa.ChunkedArray):
        return series
    if isinstance(series, pa.Array):
        return pa.chunked_array([series])
    values = series.array
    if hasattr(values, "__arrow_array__"):
        return pa.chunked_array(values.__arrow_array__())
    return pa.chunked_array([pa.array(values)])


def value_set(reference: Column) -> pa.Array:
    """The distinct non-missing values of a column, ready for isin."""
    return pc.unique(arrow(reference)).drop_null()


def prepared(reference: Column) -> Column:
    """A referenced column as isin() checks it fastest, for reuse: itself when its IDs have one width (coded as integers), else value_set()."""
    return reference if codes(arrow(reference)) is not None else value_set(reference)


def isin_prepared(values: Column, reference: Column, cache: dict, key: object) -> np.ndarray:
    """isin(values, reference) with reference prepared once under key in cache (another table's key column, checked by every
    foreign key that points at it)."""
    if key not in cache:
        cache[key] = prepared(reference)
    return isin(values, cache[key])


def isin(values: Column, reference: Column) -> np.ndarray:
    """Vectorised membership test through pyarrow (pandas' isin on Arrow strings loops in Python).

    reference is a column or a precomputed value_set(); missing values are never members.
    """
    column = arrow(values)
    fast = _coded_rows(column, arrow(reference), members_only=True)
    if fast is not None:
        return fast >= 0
    members = reference if isinstance(reference, pa.Array) and not reference.null_count else value_set(reference)  # a value_set() as is
    column, members = _comparable(column, members)
    return mask(pc.is_in(column, value_set=members))


def unique_ids(column: Column) -> bool:
    """True when no value of the column is missing or repeated (counted in Arrow)."""
    values = arrow(column)
    if values.null_count:
        return False
    return strictly_increasing([values]) or pc.count_distinct(values).as_py() == len(values)  # sorted (canonical): proven without hashing


def strictly_increasing(columns: list[pa.ChunkedArray]) -> bool:
    """True when the rows of columns (a key, compared lexicographically) increase strictly; from two rows on, a missing value makes it False.

    Canonical files are sorted by primary key, so this one vectorised pass usually proves a key
    unique without hashing every row.
    """
    n = len(columns[0]) if columns else 0
    if n < 2:
        return True
    greater = equal_so_far = None
    for column in columns:
        if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
            column = pc.cast(column, pa.int64())
        later, earlier = column.slice(1), column.slice(0, n - 1)
        gt, eq = pc.greater(later, earlier), pc.equal(later, earlier)
        step = gt if equal_so_far is None else pc.and_(equal_so_far, gt)
        greater = step if greater is None else pc.or_(greater, step)
        equal_so_far = eq if equal_so_far is None else pc.and_(equal_so_far, eq)
    return bool(pc.all(pc.fill_null(greater, False)).as_py())


def instants(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """A date or timestamp column as int64 microseconds (UTC for a zoned timestamp), comparable across both types."""
    if pa.types.is_timestamp(column.type):
        return pc.cast(pc.cast(column, pa.timestamp("us", column.type.tz)), pa.int64())
    return pc.cast(pc.cast(column, pa.timestamp("us")), pa.int64())


def first_rows(keys: Column, reference: Column) -> np.ndarray:
    """Per key, the row of its first occurrence in reference, -1 where absent: what pandas gives as
    ``reference.drop_duplicates().reindex(keys)`` (a missing key finds a missing reference too), hashed in Arrow.
    """
    fast = _coded_rows(arrow(keys), arrow(reference), members_only=False)
    if fast is not None:
        return fast
    column, members = _comparable(arrow(keys), arrow(reference).combine_chunks())
    return np.asarray(pc.fill_null(pc.index_in(column, value_set=members), -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def lookup(values: Column, keys: Column, reference: Column) -> Any:
    """values (a column beside reference) at each key's first row in reference; missing where absent, as pandas' reindex gives.

    Arrow values give an Arrow array, pandas values a NumPy array (NaT/NA where absent).
    """
    rows = first_rows(keys, reference)
    if isinstance(values, (pa.ChunkedArray, pa.Array)):
        return pc.take(values, pa.array(rows, mask=rows < 0))
    return np.asarray(values.array.take(rows, allow_fill=True))


def _coded_rows(keys: pa.ChunkedArray, reference: pa.ChunkedArray, members_only: bool) -> np.ndarray | None:
    """first_rows() through support.fixed_keys (IDs of one width), or None when it does not apply.

    members_only (isin): missing references are left out; else a missing reference must not be
    there, since first_rows() lets a missing key find it (the hashing path handles that case).
    """
    if reference.null_count:
        if not members_only:
            return None
        reference = reference.drop_null()
    coded = codes(keys, reference)
    if coded is None:
        return None
    rows = first_positions(coded[0], coded[1])
    if keys.null_count:
        rows[~np.asarray(pc.is_valid(keys).to_numpy(zero_copy_only=False), dtype=bool)] = -1
    return rows


def _comparable(column: Any, members: Any) -> tuple[Any, Any]:
    """Keys and members of one type: of another type (string against integer), compared as numbers, else as text."""
    if column.type == members.type:
        return column, members
    common = pa.float64() if _numeric(column.type) and _numeric(members.type) else pa.large_string()
    return pc.cast(column, common), pc.cast(members, common)


def _numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
