"""Matching and comparing the rows of one table between two versions, vectorised.

Rows are matched on the primary key: a binary search over fixed-width key bytes when both files
are sorted by the key (as canonical files are), else a hash lookup, else (composite, missing or
repeated keys) an Arrow hash join. Matched rows are lined up as zero-copy slices and each shared
field is compared as a whole column of typed values (``1.0`` equals ``1`` in a number field, dates
as dates, empty as missing), so reordered rows or columns are never changes. Python objects are
made only for the rows that changed, were added or were removed.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.diff.inputs import side_warnings
from karabakh_timeline.diff.unkeyed import multiset_diff
from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue


@dataclass
class RowChange:
    """A row present on both sides with at least one changed cell: [(field, old, new), ...]."""

    table: str
    key: dict[str, Any]
    changes: list[tuple[str, Any, Any]]


@dataclass
class RowRecord:
    """A row added (values from NEW) or removed (values from OLD)."""

    table: str
    key: dict[str, Any]
    values: dict[str, Any]
    whole: bool = False  # matched as a whole row (no key, or an empty or repeated one): shown whole


@dataclass
class RowDiff:
    """The row-level differences of one table."""

    key: tuple[str, ...]
    added: list[RowRecord] = field(default_factory=list)
    removed: list[RowRecord] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    unchanged: int = 0
    fields_changed: dict[str, int] = field(default_factory=dict)  # field -> number of changed cells
    note: str | None = None  # why rows were not compared, when they were not


def _arrow(t: TypedTable) -> pa.Table:
    """The typed table in Arrow (strings zero-copy), dates as date32."""
    return t.arrow


def _unique(column: pa.ChunkedArray) -> bool:
    return pc.count_distinct(column).as_py() == len(column)


def _fixed_width(column: pa.ChunkedArray) -> np.ndarray | None:
    """String keys as a NumPy bytes array of one width (NUL-padded, zero-copy when every key has the same length).

    None when the keys do not allow it: a NUL byte (it would vanish in the padding) or non-ASCII text.
    """
    array = column.combine_chunks().cast(pa.large_string())
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], np.int64, n + 1, array.offset * 8)
    data = np.frombuffer(array.buffers()[2], np.uint8, int(offsets[-1] - offsets[0]), int(offsets[0]))
    if not n or not data.all():  # an empty key or a NUL byte
        return None
    lengths = np.diff(offsets)
    width = int(lengths.max())
    if width > 64:
        return None
    if lengths.min() == width:
        return data.view(f"S{width}")
    padded = pc.utf8_rpad(array, width=width, padding="\0")
    offsets = np.frombuffer(padded.buffers()[1], np.int64, n + 1, padded.offset * 8)
    if offsets[-1] - offsets[0] != n * width:  # non-ASCII: characters and bytes differ
        return None
    return np.frombuffer(padded.buffers()[2], f"S{width}", n, int(offsets[0]))


def _merge_sorted(old: pa.ChunkedArray, new: pa.ChunkedArray) -> np.ndarray | None:
    """For each old key, the position of the same key in new (-1 if none), when both sides are sorted and unique.

    Canonical files are sorted by primary key, so a binary search over fixed-width bytes replaces
    hashing; None means the keys do not qualify (unsorted, repeated, NUL bytes, non-ASCII).
    """
    if not len(old) or not len(new) or old.type != new.type:
        return None
    if pa.types.is_integer(old.type):
        a, b = old.to_numpy(), new.to_numpy()
    elif pa.types.is_string(old.type) or pa.types.is_large_string(old.type):
        a, b = _fixed_width(old), _fixed_width(new)
        if a is None or b is None:
            return None
        width = max(a.itemsize, b.itemsize)
        a, b = a.astype(f"S{width}", copy=False), b.astype(f"S{width}", copy=False)
    else:
        return None
    if not (np.all(a[1:] > a[:-1]) and np.all(b[1:] > b[:-1])):  # strictly increasing: sorted, and no key twice
        return None
    pos = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return np.where(b[pos] == a, pos, -1).astype(np.int64)


def _key_problems(keys: pa.Table, key: tuple[str, ...], label: str, lines: np.ndarray, warnings: list[Issue], name: str) -> tuple[np.ndarray, pa.Table]:
    """(valid, repeated): which rows have a complete key, and the keys that more than one of them share.

    Each problem is a warning naming its side: a missing key part as missing-value, a repeat as
    duplicate-key on every later row, naming the first. Such rows are compared as whole rows.
    """
    valid = np.ones(keys.num_rows, bool)
    for k in key:
        valid &= np.asarray(pc.is_valid(keys[k]))
    if not valid.all():
        empty = code("missing-value").message() + " in the primary key: the row is compared as a whole row"
        warnings += side_warnings(label, name, [Issue("missing-value", empty, name, int(lines[i]), ",".join(key)) for i in np.flatnonzero(~valid)])
    complete = keys.filter(pa.array(valid))
    counts = complete.group_by(list(key), use_threads=False).aggregate([("__row", "min"), ("__row", "count")])
    repeated = counts.filter(pc.greater(counts["__row_count"], 1))
    if repeated.num_rows:
        later = complete.join(repeated.select([*key, "__row_min"]), keys=list(key), join_type="inner")
        later = later.filter(pc.not_equal(later["__row"], later["__row_min"])).sort_by("__row")
        template = code("duplicate-key")
        found = []
        for row in later.to_pylist():  # only the repeated rows become Python objects
            shown = ",".join("" if row[k] is None else str(row[k]) for k in key)
            message = template.message(value=shown, first=int(lines[row["__row_min"]])) + "; the rows with this key are compared as whole rows"
            found.append(Issue("duplicate-key", message, name, int(lines[row["__row"]]), ",".join(key), shown))
        warnings += side_warnings(label, name, found)
    return valid, repeated.select(list(key))


def _pooled(keys: pa.Table, valid: np.ndarray, repeated: pa.Table, key: tuple[str, ...]) -> np.ndarray:
    """Rows without a complete key, or whose key is repeated on either side (a mask)."""
    pooled = ~valid
    if repeated.num_rows:
        hits = keys.filter(pa.array(valid)).join(repeated, keys=list(key), join_type="left semi")["__row"]
        pooled[np.asarray(hits, dtype=np.int64)] = True
    return pooled


def _match(old: pa.Table, new: pa.Table, key: tuple[str, ...], t_old: TypedTable, t_new: TypedTable, warnings: list[Issue],
           labels: tuple[str, str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Matched row positions (old, new; in old order), removed (old) and added (new) positions, then the rows of
    each side left to compare as whole rows (an empty or repeated key)."""
    none = np.zeros(0, np.int64)
    cols = [(old[k], new[k]) if old[k].type == new[k].type else (pc.cast(old[k], pa.large_string()), pc.cast(new[k], pa.large_string()))
            for k in key]
    if len(key) == 1 and cols[0][0].null_count == 0 and cols[0][1].null_count == 0:
        found = _merge_sorted(*cols[0])
        if found is None and _unique(cols[0][0]) and _unique(cols[0][1]):
            # Unsorted but unique: a hash lookup of each old key among the new ones.
            found = pc.fill_null(pc.index_in(cols[0][0], value_set=cols[0][1].combine_chunks()), -1).to_numpy().astype(np.int64)
        if found is not None:
            hit = found >= 0
            mo, mn = np.flatnonzero(hit), found[hit]
            in_new = np.zeros(new.num_rows, bool)
            in_new[mn] = True
            return mo, mn, np.flatnonzero(~hit), np.flatnonzero(~in_new), none, none
    # Composite keys, or repeated or missing keys: an Arrow hash join on the rows whose key is complete and unique on both sides.
    keys_old = pa.table({**{k: c[0] for k, c in zip(key, cols, strict=True)}, "__row": np.arange(old.num_rows, dtype=np.int64)})
    keys_new = pa.table({**{k: c[1] for k, c in zip(key, cols, strict=True)}, "__row": np.arange(new.num_rows, dtype=np.int64)})
    valid_old, repeated_old = _key_problems(keys_old, key, labels[0], t_old.lines, warnings, t_old.name)
    valid_new, repeated_new = _key_problems(keys_new, key, labels[1], t_new.lines, warnings, t_new.name)
    repeated = pa.concat_tables([repeated_old, repeated_new])
    pool_old, pool_new = _pooled(keys_old, valid_old, repeated, key), _pooled(keys_new, valid_new, repeated, key)
    keep_old, keep_new = np.flatnonzero(~pool_old), np.flatnonzero(~pool_new)
    left = pa.table({**{k: c[0].take(pa.array(keep_old)) for k, c in zip(key, cols, strict=True)}, "__old": keep_old})
    right = pa.table({**{k: c[1].take(pa.array(keep_new)) for k, c in zip(key, cols, strict=True)}, "__new": keep_new})
    joined = left.join(right, keys=list(key), join_type="full outer")
    i_old, i_new = joined["__old"], joined["__new"]
    both = pc.and_(pc.is_valid(i_old), pc.is_valid(i_new))
    mo, mn = np.asarray(pc.filter(i_old, both)), np.asarray(pc.filter(i_new, both))
    order = np.argsort(mo, kind="stable")
    removed = np.sort(np.asarray(pc.drop_null(pc.filter(i_old, pc.is_null(i_new)))))
    added = np.sort(np.asarray(pc.drop_null(pc.filter(i_new, pc.is_null(i_old)))))
    return mo[order], mn[order], removed, added, np.flatnonzero(pool_old), np.flatnonzero(pool_new)


def _aligned(old: pa.Table, new: pa.Table, mo: np.ndarray, mn: np.ndarray) -> tuple[pa.Table, pa.Table]:
    """The matched rows of both sides, pair by pair, as zero-copy slices when both sides are in the same order."""
    if len(mo) and np.all(np.diff(mn) > 0):
        # Runs of consecutive rows on both sides (between insertions and deletions) are sliced, not copied.
        breaks = np.flatnonzero((np.diff(mo) != 1) | (np.diff(mn) != 1)) + 1
        starts = np.concatenate([[0], breaks])
        ends = np.concatenate([breaks, [len(mo)]])
        return (pa.concat_tables([old.slice(int(mo[s]), int(e - s)) for s, e in zip(starts, ends, strict=True)]),
                pa.concat_tables([new.slice(int(mn[s]), int(e - s)) for s, e in zip(starts, ends, strict=True)]))
    return old.take(pa.array(mo)), new.take(pa.array(mn))


def _values(column: pa.ChunkedArray, rows: np.ndarray) -> list[Any]:
    """Python values at rows, taken chunk by chunk (ChunkedArray.take would first concatenate every chunk)."""
    if not len(rows):
        return []
    bounds = np.cumsum([0] + [len(c) for c in column.chunks])
    which = np.searchsorted(bounds, rows, side="right") - 1
    order = np.argsort(which, kind="stable")
    out: list[Any] = [None] * len(rows)
    split = np.flatnonzero(np.diff(which[order])) + 1
    for group in np.split(order, split):
        chunk = int(which[group[0]])
        values = column.chunk(chunk).take(pa.array(rows[group] - bounds[chunk])).to_pylist()
        for i, value in zip(group, values, strict=True):
            out[i] = _jsonable(value)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10] if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("INF" if value > 0 else "-INF")
    return value


def _sort_key(key: dict[str, Any]) -> tuple[Any, ...]:
    return tuple((v is None, v) for v in key.values())


def _records(table: pa.Table, rows: np.ndarray, key: tuple[str, ...], name: str, whole: bool = False) -> list[RowRecord]:
    """Rows at positions rows as RowRecords, sorted by key (taken batch by batch, as _values does)."""
    if not len(rows):
        return []
    batches = table.to_batches()
    bounds = np.cumsum([0] + [b.num_rows for b in batches])
    which = np.searchsorted(bounds, rows, side="right") - 1
    records = []
    for batch_no in np.unique(which):
        local = rows[which == batch_no] - bounds[batch_no]
        for row in batches[batch_no].take(pa.array(local)).to_pylist():
            values = {f: _jsonable(v) for f, v in row.items()}
            records.append(RowRecord(name, {k: values.pop(k) for k in key}, values, whole))
    return sorted(records, key=lambda r: _sort_key(r.key))


def _differs(a: pa.ChunkedArray, b: pa.ChunkedArray) -> np.ndarray:
    """True where two aligned typed columns differ; missing equals missing, NaN equals NaN."""
    if a.type != b.type:  # the field's type changed: compare the values as text
        a, b = pc.cast(a, pa.large_string()), pc.cast(b, pa.large_string())
    diff = pc.not_equal(a, b)
    if a.null_count or b.null_count:  # missing on one side only is a change; on both, none
        diff = pc.or_(pc.fill_null(diff, False), pc.xor(pc.is_null(a), pc.is_null(b)))
    if pa.types.is_floating(a.type):
        diff = pc.and_not(diff, pc.fill_null(pc.and_(pc.is_nan(a), pc.is_nan(b)), False))
    return np.asarray(diff.to_numpy(), dtype=bool)


def diff_rows(t_old: TypedTable, t_new: TypedTable, warnings: list[Issue], labels: tuple[str, str] = ("OLD", "NEW"),
              key: tuple[str, ...] | None = None) -> RowDiff:
    """Match rows on the key (the primary key unless given) and compare the shared fields cell by cell (vectorised;
    lists only for changed rows). Without a key shared by both sides, and for rows whose key is empty or repeated,
    rows are compared as a multiset of whole rows (diff.unkeyed)."""
    name = t_new.name
    if key is None:
        key = t_new.schema.primary_key if set(t_new.schema.primary_key) <= set(t_old.schema.field_names) else t_old.schema.primary_key
    result = RowDiff(key)
    old, new = _arrow(t_old), _arrow(t_new)
    shared = [f for f in t_new.schema.field_names if f in t_old.schema.field_names]
    if not key or not set(key) <= set(t_new.schema.field_names) or not set(key) <= set(t_old.schema.field_names):
        result.key = ()
        result.note = "no primary key shared by OLD and NEW: rows compared as whole rows (a multiset: added and removed, never changed)"
        removed, added, result.unchanged = multiset_diff(old, new, shared, np.arange(old.num_rows), np.arange(new.num_rows))
        result.added, result.removed = _records(new, added, (), name, True), _records(old, removed, (), name, True)
        return result
    mo, mn, removed, added, pool_old, pool_new = _match(old, new, key, t_old, t_new, warnings, labels)
    result.added, result.removed = _records(new, added, key, name), _records(old, removed, key, name)
    pooled_unchanged = 0
    if len(pool_old) or len(pool_new):
        gone, came, pooled_unchanged = multiset_diff(old, new, shared, pool_old, pool_new)
        result.added = sorted(result.added + _records(new, came, key, name, True), key=lambda r: _sort_key(r.key))
        result.removed = sorted(result.removed + _records(old, gone, key, name, True), key=lambda r: _sort_key(r.key))
    fields = [f for f in shared if f not in key]
    old_aligned, new_aligned = _aligned(old.select(fields), new.select(fields), mo, mn)
    masks = {f: m for f in fields if (m := _differs(old_aligned[f], new_aligned[f])).any()}
    any_changed = np.zeros(len(mo), bool)
    for mask in masks.values():
        any_changed |= mask
    rows = np.flatnonzero(any_changed)
    result.unchanged = len(mo) - len(rows) + pooled_unchanged
    if not len(rows):
        return result
    key_values = {k: _values(old[k], mo[rows]) for k in key}
    changed = [RowChange(name, {k: key_values[k][i] for k in key}, []) for i in range(len(rows))]
    for f, mask in masks.items():
        hit = np.flatnonzero(mask[rows])
        result.fields_changed[f] = len(hit)
        for i, o, n in zip(hit, _values(old[f], mo[rows[hit]]), _values(new[f], mn[rows[hit]]), strict=True):
            changed[i].changes.append((f, o, n))
    result.changed = sorted(changed, key=lambda r: _sort_key(r.key))
    return result
