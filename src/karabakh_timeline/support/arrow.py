"""Vectorised column helpers over Arrow data, shared by the pandera compiler, the rules and the diff."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def mask(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean Arrow column as a NumPy mask, missing as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def arrow(series: pd.Series) -> pa.ChunkedArray:
    """The Arrow data behind a pandas column, without copying when it is Arrow-backed already."""
    values = series.array
    if hasattr(values, "__arrow_array__"):
        return pa.chunked_array(values.__arrow_array__())
    return pa.chunked_array([pa.array(values)])


def value_set(reference: pd.Series) -> pa.Array:
    """The distinct non-missing values of a column, ready for isin."""
    return pc.unique(arrow(reference)).drop_null()


def isin(values: pd.Series, reference: pd.Series | pa.Array) -> np.ndarray:
    """Vectorised membership test through pyarrow (pandas' isin on Arrow strings loops in Python).

    reference is a column or a precomputed value_set(); missing values are never members.
    """
    members = reference if isinstance(reference, pa.Array) else value_set(reference)
    column = arrow(values)
    if column.type != members.type:  # a key of another type (string against integer): compared as numbers, else as text
        common = pa.float64() if _numeric(column.type) and _numeric(members.type) else pa.large_string()
        column, members = pc.cast(column, common), pc.cast(members, common)
    return mask(pc.is_in(column, value_set=members))


def _numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
