"""support.arrow's first_rows/lookup (Arrow hashing) give what pandas' drop_duplicates + reindex gives, missing keys included."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from karabakh_timeline.support.arrow import first_rows, lookup, unique_ids

_IDS = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "evt_1", "é", ""]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_IDS, max_size=12), st.lists(st.tuples(_IDS, st.one_of(st.none(), st.dates())), max_size=12))
def test_lookup_agrees_with_pandas_reindex(keys: list[str | None], rows: list[tuple[str | None, object]]) -> None:
    reference = pd.Series([r[0] for r in rows], dtype="string[pyarrow]")
    values = pd.Series(pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object)), dtype="datetime64[s]")
    key_column = pd.Series(keys, dtype="string[pyarrow]")
    # What the rules did before: the referenced table's first row per key, reindexed by the keys.
    frame = pd.DataFrame({"key": reference, "value": values, "row": np.arange(len(reference))}).drop_duplicates("key").set_index("key")
    want = frame["value"].reindex(key_column.to_numpy()).to_numpy()
    assert np.array_equal(lookup(values, key_column, reference), want, equal_nan=True)
    assert first_rows(key_column, reference).tolist() == frame["row"].reindex(key_column.to_numpy()).fillna(-1).astype(int).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(_IDS, max_size=10), st.booleans())
def test_unique_ids_is_pandas_is_unique_without_missing(ids: list[str | None], ordered: bool) -> None:
    """The sorted shortcut (a strictly increasing column) and the hashing path agree with pandas."""
    if ordered:
        ids = sorted(set(i for i in ids if i is not None)) + [i for i in ids if i is None]
    column = pd.Series(ids, dtype="string[pyarrow]")
    assert unique_ids(column) == (column.notna().all() and column.is_unique)
