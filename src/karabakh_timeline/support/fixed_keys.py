"""Equal-width string keys as integers, so that key lookups search numbers instead of hashing strings.

Arrow's is_in and index_in build a hash table of the referenced strings on every call (about
0.3 µs a key; a large package looks up millions). A package's IDs (``evt_000123``) are strings of
one width that share most of their bytes, and two such strings are equal exactly when the bytes
that vary between them are: packed big-endian into one unsigned integer when there are at most
eight, or read as a decimal number when they are all digits (then a package's IDs code as a dense
range, and a lookup is one index into a table). support.arrow uses these codes when they apply and
Arrow's kernels otherwise (tests/test_arrow_lookup.py compares every path on generated keys).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MAX_VARYING = 8  # bytes that fit one uint64
_DECIMAL_UINT32 = 9  # digits whose decimal value fits a uint32


def _width(values: pa.ChunkedArray) -> int | None:
    lengths = pc.min_max(pc.binary_length(values)).as_py()
    return lengths["min"] if lengths["min"] is not None and lengths["min"] == lengths["max"] else None


def matrix(values: pa.ChunkedArray, width: int) -> np.ndarray:
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


def extremes(rows: np.ndarray, block: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Per column of a C-ordered byte matrix (at least one row), its smallest and largest byte. Reduced k rows at a time (a
    row of about block bytes): NumPy's reduction down a narrow matrix loops per row, 30x slower (tests/test_arrow_lookup.py)."""
    width = rows.shape[1]
    k = max(1, block // max(width, 1))
    whole = len(rows) - len(rows) % k
    wide = rows[:whole].reshape(whole // k, width * k)
    parts = [(wide.min(axis=0).reshape(k, width).min(axis=0), wide.max(axis=0).reshape(k, width).max(axis=0))] if whole else []
    if whole < len(rows):
        parts.append((rows[whole:].min(axis=0), rows[whole:].max(axis=0)))
    return np.minimum.reduce([p[0] for p in parts]), np.maximum.reduce([p[1] for p in parts])


def codes(*columns: pa.ChunkedArray) -> list[np.ndarray] | None:
    """One unsigned integer per cell (of one dtype for all the columns), equal exactly where the strings are, for string columns whose cells all have one width
    and differ in at most eight byte positions; None when the columns are not like that.

    Within run_cache(), each column's shape and codes are computed once (a validation looks up the same ID columns
    in many foreign keys and rules)."""
    if not all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in columns):
        return None
    shapes = [_remembered(c, "shape", partial(_shape, c)) for c in columns]
    present = [shape for shape in shapes if shape is not _EMPTY]
    if not present or any(shape is None for shape in present) or len({shape[0] for shape in present}) != 1:
        return None
    width = present[0][0]
    low = np.minimum.reduce([shape[1] for shape in present])  # per byte position, its smallest and largest byte
    high = np.maximum.reduce([shape[2] for shape in present])
    picked = np.flatnonzero(low != high)
    if len(picked) > _MAX_VARYING:
        return None
    decimal = bool((low[picked] >= 0x30).all() and (high[picked] <= 0x39).all())  # digits: their decimal value (the same order)
    how = ("decimal" if decimal else "packed", width, tuple(picked.tolist()))
    return [_remembered(c, how, partial(_coded, c, width, picked, decimal)) for c in columns]


_EMPTY = ()  # the shape of a column without a present cell


def _shape(column: pa.ChunkedArray) -> tuple | None:
    """(width, smallest and largest byte per position) of the present cells; None when they differ in width, _EMPTY without any."""
    if len(column) == column.null_count:
        return _EMPTY
    width = _width(column)
    if width is None:
        return None
    rows = matrix(column, width)
    if column.null_count:
        rows = rows[np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=bool)]
    return (width, *extremes(rows))


def _coded(column: pa.ChunkedArray, width: int, picked: np.ndarray, decimal: bool) -> np.ndarray:
    """The bytes at picked of each cell as one unsigned integer: their decimal value (digits; uint32 for up to nine of them,
    which a package's IDs are: half the memory of codes a validation keeps for its run), else packed big-endian (uint64)."""
    m = matrix(column, width)
    if decimal:
        digits = np.ascontiguousarray(m[:, picked].T)  # a row per position: each step below reads contiguous bytes
        kind: type[np.unsignedinteger] = np.uint32 if len(picked) <= _DECIMAL_UINT32 else np.uint64
        value: np.ndarray = np.zeros(len(m), dtype=kind)
        ten = kind(10)
        for row in digits:
            value = value * ten + (row - np.uint8(0x30)).astype(kind)  # a missing cell's zero bytes wrap: callers mask them
    else:
        packed = np.zeros((len(m), _MAX_VARYING), dtype=np.uint8)
        packed[:, _MAX_VARYING - len(picked):] = m[:, picked]
        value = packed.view(">u8").ravel().astype(np.uint64)
    value.setflags(write=False)  # shared by every caller within a run_cache()
    return value


_RUN: dict[tuple, tuple[object, object]] | None = None  # while run_cache() is active: per (column, what), the column and its result
_RUN_LOCK = threading.Lock()


@contextmanager
def run_cache() -> Iterator[None]:
    """Within: codes() computes each column's shape and codes once. The cache holds the columns it saw (so their memory,
    by which it knows them, cannot be reused meanwhile) and is emptied when the outermost run_cache() ends."""
    global _RUN
    with _RUN_LOCK:
        outer = _RUN is not None
        if not outer:
            _RUN = {}
    try:
        yield
    finally:
        if not outer:
            with _RUN_LOCK:
                _RUN = None


def _remembered(column: pa.ChunkedArray, what: object, compute: Callable[[], Any]) -> Any:
    cache = _RUN
    if cache is None:
        return compute()
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    key = (str(column.type), what, tuple((tuple(0 if b is None else b.address for b in c.buffers()), c.offset, len(c)) for c in chunks))
    with _RUN_LOCK:
        hit = cache.get(key)
    if hit is not None:
        return hit[1]
    value = compute()
    with _RUN_LOCK:
        cache.setdefault(key, (column, value))
    return value


def first_positions(keys: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per key, the index of its first occurrence in reference, -1 where absent (as Arrow's index_in gives it: a repeated
    value's first occurrence): indexed() when the reference's codes span a small range (a package's IDs), searched() when
    keys and reference are sorted, else hashed(). Each is checked against the definition (tests/test_arrow_lookup.py)."""
    if len(reference) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    found = indexed(keys, reference)
    if found is not None:
        return found
    if len(reference) > 1 and _sorted(reference) and _sorted(keys):
        return searched(keys, reference)
    return hashed(keys, reference)


def _sorted(values: np.ndarray) -> bool:
    return bool((values[1:] >= values[:-1]).all())


def indexed(keys: np.ndarray, reference: np.ndarray) -> np.ndarray | None:
    """first_positions() by a table with a slot per code from the reference's smallest to its largest (int32 positions), None
    when that span is over twice the rows looked at: keys and reference in any order, one gather instead of a hash or a search
    (Arrow's hash table costs about 0.25 s per million keys on this project's machine, the gather 0.02 s)."""
    low, high = int(reference.min()), int(reference.max())
    if high - low + 1 > 2 * (len(keys) + len(reference)) + 1024 or len(reference) >= 2**31:
        return None
    if _sorted(reference):  # canonical files: each value's first row is where the sorted values change
        firsts = np.flatnonzero(np.r_[True, reference[1:] != reference[:-1]])
        values = reference[firsts]
    else:
        values, firsts = np.unique(reference, return_index=True)  # the first index of each value (a stable sort)
    table = np.full(high - low + 1, -1, dtype=np.int32)
    table[(values - np.uint64(low)).astype(np.int64)] = firsts  # distinct values: one write per slot
    out = np.full(len(keys), -1, dtype=np.int64)
    inside = (keys >= np.uint64(low)) & (keys <= np.uint64(high))
    out[inside] = table[(keys[inside] - np.uint64(low)).astype(np.int64)]
    return out


def searched(keys: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """first_positions() for sorted keys into a sorted reference (repeats allowed): a binary search that walks memory in order
    (the leftmost of equal values is the first occurrence)."""
    at = np.minimum(np.searchsorted(reference, keys, side="left"), len(reference) - 1)
    return np.where(reference[at] == keys, at, -1).astype(np.int64)


def hashed(keys: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """first_positions() by Arrow's integer hash table (any order)."""
    found = pc.index_in(pa.array(keys, pa.uint64()), value_set=pa.array(reference, pa.uint64()))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
