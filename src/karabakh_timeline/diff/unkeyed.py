"""Comparing rows without a key: each side as a multiset of whole rows, vectorised.

A table with no primary key (and rows whose key is empty or repeated) cannot be matched row by
row. Such rows are compared as whole rows instead: each row becomes one text of its typed values
(escaped, so that no two different rows give the same text), the texts of both sides are
dictionary-encoded together, and a row is removed when OLD holds it more often than NEW (added
the other way round). Counting and ranking are NumPy passes; no Python object is made per row.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_SEPARATOR = "\x1f"  # between cells; escaped inside them, so it never occurs in an escaped cell
_NULL = "\\N"  # a missing value; a literal backslash is escaped first, so no cell text equals it


def _cell_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Each typed value as unambiguous text: backslash and the separator escaped, missing as \\N."""
    if pa.types.is_nested(column.type):
        column = pa.chunked_array([pa.array([None if v is None else repr(v) for v in c.to_pylist()], pa.large_string()) for c in column.chunks],
                                  pa.large_string())
    elif not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.large_string())
    text = pc.replace_substring(pc.replace_substring(column, "\\", "\\\\"), _SEPARATOR, "\\x1f")
    return pc.fill_null(text, _NULL)


def row_texts(table: pa.Table, fields: list[str]) -> pa.ChunkedArray:
    """One text per row of table, joining the escaped values of fields."""
    if not fields:
        return pa.chunked_array([pa.array([""] * table.num_rows, pa.large_string())])
    cells = [_cell_text(table[f]) for f in fields]
    if len(cells) == 1:
        return cells[0]
    return pc.binary_join_element_wise(*cells, pa.scalar(_SEPARATOR, pa.large_string()))


def _rank(codes: np.ndarray) -> np.ndarray:
    """For each position, how many earlier positions hold the same code (0 for the first occurrence)."""
    n = len(codes)
    if not n:
        return np.zeros(0, np.int64)
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(ordered)) + 1])
    sizes = np.diff(np.concatenate([starts, [n]]))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - np.repeat(starts, sizes)
    return rank


def multiset_diff(old: pa.Table, new: pa.Table, fields: list[str], old_rows: np.ndarray, new_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(removed, added, unchanged): positions of old_rows in OLD and new_rows in NEW that the other side lacks, as a multiset of whole rows.

    A row held k times in OLD and m times in NEW is unchanged min(k, m) times; its later
    max(k - m, 0) occurrences in OLD are removed and its later max(m - k, 0) in NEW are added.
    """
    texts_old = row_texts(old.take(pa.array(old_rows, pa.int64())), fields)
    texts_new = row_texts(new.take(pa.array(new_rows, pa.int64())), fields)
    encoded = pa.chunked_array(texts_old.chunks + texts_new.chunks, pa.large_string()).combine_chunks().dictionary_encode()
    codes = np.asarray(encoded.indices, dtype=np.int64)
    size = len(encoded.dictionary)
    c_old, c_new = codes[:len(old_rows)], codes[len(old_rows):]
    n_old, n_new = np.bincount(c_old, minlength=size), np.bincount(c_new, minlength=size)
    removed = old_rows[_rank(c_old) >= n_new[c_old]]
    added = new_rows[_rank(c_new) >= n_old[c_new]]
    return np.sort(removed), np.sort(added), int(np.minimum(n_old, n_new).sum())
