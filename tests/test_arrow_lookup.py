"""support.arrow's first_rows/lookup (Arrow hashing) give what pandas' drop_duplicates + reindex gives, missing keys included."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from karabakh_timeline.support.arrow import arrow, first_rows, isin, lookup, strictly_increasing, unique_ids, value_set

_MIXED = st.sampled_from(["a", "b", "c", "evt_1", "é", ""])
# One width (support.fixed_keys codes them as integers): few varying bytes, shared bytes anywhere, more than eight varying, multibyte
_FIXED = st.one_of(st.from_regex(r"evt_0[0-2]", fullmatch=True), st.from_regex(r"[ab]x[ab]", fullmatch=True),
                   st.from_regex(r"[a-c]{10}", fullmatch=True), st.sampled_from(["éa", "aé", "ab\x00", "abc"]))
_IDS = st.one_of(st.none(), _MIXED, _FIXED)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(_IDS, max_size=12), st.lists(st.one_of(st.none(), _FIXED), max_size=12)),
       st.one_of(st.lists(st.tuples(_IDS, st.one_of(st.none(), st.dates())), max_size=12),
                 st.lists(st.tuples(_FIXED, st.one_of(st.none(), st.dates())), max_size=12)))
def test_lookup_agrees_with_pandas_reindex(keys: list[str | None], rows: list[tuple[str | None, object]]) -> None:
    reference = pd.Series([r[0] for r in rows], dtype="string[pyarrow]")
    values = pd.Series(pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object)), dtype="datetime64[s]")
    key_column = pd.Series(keys, dtype="string[pyarrow]")
    # What the rules did before: the referenced table's first row per key, reindexed by the keys.
    frame = pd.DataFrame({"key": reference, "value": values, "row": np.arange(len(reference))}).drop_duplicates("key").set_index("key")
    want = frame["value"].reindex(key_column.to_numpy()).to_numpy()
    assert np.array_equal(lookup(values, key_column, reference), want, equal_nan=True)
    assert first_rows(key_column, reference).tolist() == frame["row"].reindex(key_column.to_numpy()).fillna(-1).astype(int).tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 3)), st.one_of(st.none(), st.sampled_from(["a", "b", "é"])),
                          st.one_of(st.none(), st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2000, 1, 3)))), max_size=8),
       st.integers(1, 3), st.booleans())
def test_strictly_increasing_is_lexicographic_order(rows: list[tuple], width: int, ordered: bool) -> None:
    """The sorted-key shortcut that proves primary and ID keys unique: True exactly when each row's key (a tuple of its first width
    parts, dates included) is greater than the one before, and no part is missing."""
    rows = [r[:width] for r in rows]
    if ordered:
        rows = sorted({r for r in rows if None not in r}) + [r for r in rows if None in r]
    columns = [pd.Series([r[i] for r in rows], dtype=kind) for i, kind in zip(range(width), ("Int64", "string[pyarrow]", "datetime64[s]"),
                                                                                strict=False)]
    want = all(None not in a and None not in b and a < b for a, b in zip(rows, rows[1:], strict=False))  # True for 0 or 1 row
    assert strictly_increasing([arrow(c) for c in columns]) == want


@settings(max_examples=200, deadline=None)
@given(st.lists(_IDS, max_size=10), st.booleans())
def test_unique_ids_is_pandas_is_unique_without_missing(ids: list[str | None], ordered: bool) -> None:
    """The sorted shortcut (a strictly increasing column) and the hashing path agree with pandas."""
    if ordered:
        ids = sorted({i for i in ids if i is not None}) + [i for i in ids if i is None]
    column = pd.Series(ids, dtype="string[pyarrow]")
    assert unique_ids(column) == (column.notna().all() and column.is_unique)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.none(), _FIXED), max_size=12), st.lists(st.one_of(st.none(), _FIXED), max_size=12))
def test_isin_agrees_with_arrow_is_in(values: list[str | None], reference: list[str | None]) -> None:
    """The integer-coded path (IDs of one width) and Arrow's hashing give the same membership; missing is never a member."""
    column, members = pd.Series(values, dtype="string[pyarrow]"), pd.Series(reference, dtype="string[pyarrow]")
    want = pc.fill_null(pc.is_in(arrow(column), value_set=pc.unique(arrow(members)).drop_null()), False).to_pylist()
    assert isin(column, members).tolist() == want
    assert isin(column, value_set(members)).tolist() == want


_CODES = st.one_of(st.integers(0, 6), st.integers(0, 2**64 - 1), st.integers(10**6 - 3, 10**6 + 3))


@settings(max_examples=500, deadline=None)
@given(st.lists(_CODES, max_size=12), st.lists(_CODES, min_size=1, max_size=12), st.booleans(), st.booleans())
def test_first_positions_is_the_first_index(keys: list[int], reference: list[int], sort_keys: bool, sort_reference: bool) -> None:
    """Every path of support.fixed_keys.first_positions (a table over the reference's range of codes; a binary search when keys
    and reference are sorted, repeats allowed; Arrow's hash) gives each key's first index in reference, -1 where absent."""
    from karabakh_timeline.support import fixed_keys

    keys, reference = sorted(keys) if sort_keys else keys, sorted(reference) if sort_reference else reference
    first: dict[int, int] = {}
    for i, value in enumerate(reference):
        first.setdefault(value, i)
    want = [first.get(k, -1) for k in keys]
    k, r = np.array(keys, dtype=np.uint64), np.array(reference, dtype=np.uint64)
    assert fixed_keys.first_positions(k, r).tolist() == want
    assert fixed_keys.hashed(k, r).tolist() == want
    table = fixed_keys.indexed(k, r)
    assert (table is None) == (max(reference) - min(reference) + 1 > 2 * (len(keys) + len(reference)) + 1024)  # the span decides
    assert table is None or table.tolist() == want
    if sort_keys and sort_reference:
        assert fixed_keys.searched(k, r).tolist() == want


_DIGIT_IDS = st.one_of(st.none(), st.from_regex(r"id[0-9]{3}", fullmatch=True), st.from_regex(r"[0-9]{2}x", fullmatch=True))


@settings(max_examples=300, deadline=None)
@given(st.lists(_DIGIT_IDS, max_size=12), st.lists(_DIGIT_IDS, max_size=12))
def test_digit_codes_keep_equality_and_order(values: list[str | None], reference: list[str | None]) -> None:
    """IDs whose varying bytes are digits are coded by their decimal value: equal exactly where the strings are, ordered as they are."""
    import pyarrow as pa

    from karabakh_timeline.support.fixed_keys import codes

    coded = codes(pa.chunked_array([pa.array(values, pa.string())]), pa.chunked_array([pa.array(reference, pa.string())]))
    if coded is None:
        return  # not one width (or nothing present): Arrow's kernels decide
    present = [(text, int(c)) for column, cs in zip((values, reference), coded, strict=True) for text, c in zip(column, cs, strict=True)
               if text is not None]
    for a, ca in present:
        for b, cb in present:
            assert (a == b) == (ca == cb) and (a < b) == (ca < cb)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 60), st.integers(1, 12), st.integers(1, 64), st.integers(0, 2**32 - 1))
def test_extremes_by_blocks_are_the_columns_min_and_max(n: int, width: int, block: int, seed: int) -> None:
    """fixed_keys.extremes reduces several rows at a time; per column it gives NumPy's min and max down the matrix."""
    from karabakh_timeline.support.fixed_keys import extremes

    rows = np.random.default_rng(seed).integers(0, 256, size=(n, width), dtype=np.uint8)
    low, high = extremes(rows, block)
    assert low.tolist() == rows.min(axis=0).tolist() and high.tolist() == rows.max(axis=0).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), _FIXED, st.from_regex(r"id[0-9]{3}", fullmatch=True)), max_size=8), min_size=1, max_size=4),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=6))
def test_codes_within_a_run_cache_are_the_codes_without(columns: list[list[str | None]], pairs: list[tuple[int, int]]) -> None:
    """fixed_keys.run_cache() (validate() runs inside one) remembers each column's shape and codes: any sequence of codes()
    calls, columns made and dropped between them (so that their memory is reused), gives what codes() gives without it, and
    the cache is empty afterwards."""
    import pyarrow as pa

    from karabakh_timeline.support import fixed_keys

    def column(k: int) -> pa.ChunkedArray:
        return pa.chunked_array([pa.array(columns[k % len(columns)], pa.string())])

    with fixed_keys.run_cache():
        for a, b in pairs:
            left, right = column(a), column(b)
            got, want = fixed_keys.codes(left, right), None
            with _no_cache(fixed_keys):
                want = fixed_keys.codes(column(a), column(b))
            assert (got is None) == (want is None)
            if got is not None and want is not None:
                valid = [np.array([v is not None for v in columns[k % len(columns)]], dtype=bool) for k in (a, b)]
                assert all(np.array_equal(g[v], w[v]) for g, w, v in zip(got, want, valid, strict=True))
            del left, right
    assert fixed_keys._RUN is None


class _no_cache:
    """Switch run_cache() off for a moment (the reference: every call computes)."""

    def __init__(self, module: object) -> None:
        self.module = module

    def __enter__(self) -> None:
        self.saved = self.module._RUN  # type: ignore[attr-defined]
        self.module._RUN = None  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        self.module._RUN = self.saved  # type: ignore[attr-defined]
