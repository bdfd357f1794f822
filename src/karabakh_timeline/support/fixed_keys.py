"""Equal-width string keys as integers, so that key lookups search numbers instead of hashing strings.

Arrow's is_in and index_in build a hash table of the referenced strings on every call (about
0.3 µs a key; a large package looks up millions). A package's IDs (``evt_000123``) are strings of
one width that share most of their bytes, and two such strings are equal exactly when the bytes
that vary between them are: packed big-endian into one unsigned integer when there are at most
eight. support.arrow uses these codes when they apply and Arrow's kernels otherwise
(tests/test_arrow_lookup.py compares both paths on generated keys).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MAX_VARYING = 8  # bytes that fit one uint64


def _width(values: pa.ChunkedArray) -> int | None:
    lengths = pc.min_max(pc.binary_length(values)).as_py()
    return lengths["min"] if lengths["min"] is not None and lengths["min"] == lengths["max"] else None


def _matrix(values: pa.ChunkedArray, width: int) -> np.ndarray:
    """The cells as an n x width byte matrix (missing cells as zero bytes: callers mask them)."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if array.null_count:
        array = pc.fill_null(array, pa.scalar("\0" * width, array.type))
    n = len(array)
    if n == 0 or width == 0:
        return np.zeros((n, width), dtype=np.uint8)
    _, offsets_buf, data_buf = array.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64 if pa.types.is_large_string(array.type) else np.int32)
    start = int(offsets[array.offset])  # every cell is width bytes: the cells lie back to back from here
    return np.frombuffer(data_buf, dtype=np.uint8)[start:start + n * width].reshape(n, width)


def codes(*columns: pa.ChunkedArray) -> list[np.ndarray] | None:
    """One uint64 per cell, equal exactly where the strings are, for string columns whose cells all have one width
    and differ in at most eight byte positions; None when the columns are not like that."""
    if not all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in columns):
        return None
    widths = {_width(c) for c in columns if len(c) - c.null_count > 0}
    if len(widths) != 1 or None in widths:
        return None
    width = widths.pop()
    assert width is not None
    matrices = [_matrix(c, width) for c in columns]
    valid = [np.asarray(pc.is_valid(c).to_numpy(zero_copy_only=False), dtype=bool) if c.null_count else None for c in columns]
    rows = [m if v is None else m[v] for m, v in zip(matrices, valid, strict=True)]
    model = next(r[0] for r in rows if len(r))
    varying = np.zeros(width, dtype=bool)
    for r in rows:
        varying |= (r != model).any(axis=0)
    picked = np.flatnonzero(varying)
    if len(picked) > _MAX_VARYING:
        return None
    out = []
    for m in matrices:
        packed = np.zeros((len(m), _MAX_VARYING), dtype=np.uint8)
        packed[:, _MAX_VARYING - len(picked):] = m[:, picked]
        out.append(packed.view(">u8").ravel().astype(np.uint64))
    return out


def first_positions(keys: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per key, the index of its first occurrence in reference, -1 where absent (Arrow's integer hash table: index_in
    keeps the first occurrence of a repeated value)."""
    if len(reference) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    # Canonical files are sorted by key: sorted keys into a sorted reference walk memory in order (a binary search,
    # 3x faster than hashing; the leftmost of equal values is the first occurrence); keys in any other order are hashed.
    if len(reference) > 1 and bool((reference[1:] >= reference[:-1]).all()) and bool((keys[1:] >= keys[:-1]).all()):
        at = np.minimum(np.searchsorted(reference, keys, side="left"), len(reference) - 1)
        return np.where(reference[at] == keys, at, -1).astype(np.int64)
    found = pc.index_in(pa.array(keys, pa.uint64()), value_set=pa.array(reference, pa.uint64()))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
