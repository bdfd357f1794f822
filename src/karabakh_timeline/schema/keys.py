"""Key checks and bounds of the pandera schemas (``kt.schemas()``): the reference definition of a primary
key without repeats, of a foreign key that resolves and of a bound's value, on pandas frames, without
importing pandera. The validator runs the same checks on Arrow columns (schema.arrow_keys);
tests/test_constraints_agree.py holds the two to the same verdicts.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from karabakh_timeline.schema import v2
from karabakh_timeline.schema.table_schema import Field, ForeignKey
from karabakh_timeline.support.arrow import arrow, isin, isin_prepared, strictly_increasing


def bound(fld: Field, value: object) -> object:
    """A typed constraint value (schema.lexical) as the frames hold it: dates and datetimes as Timestamps, times as hh:mm:ss text."""
    if fld.type in ("date", "datetime"):
        return pd.Timestamp(value)
    if fld.type == "time" and hasattr(value, "isoformat"):
        return value.isoformat()  # the frames hold a time's text (zero-padded hh:mm:ss in the default format, so text order is time order)
    return value


def lengths(fld: Field, s: pd.Series) -> pd.Series:
    """What minLength and maxLength bound: a string's characters, a list's or an array's items, an object's keys."""
    if fld.type == "list":
        return s.str.split(fld.options["delimiter"], regex=False).str.len()
    if fld.type in ("array", "object"):
        return s.map(lambda text: len(json.loads(text)), na_action="ignore")
    return s.str.len()


def length_passes(fld: Field, s: pd.Series) -> pd.Series:
    """Per non-missing cell: its length (lengths) within minLength and maxLength."""
    n, low, high = lengths(fld, s), fld.constraints.get("minLength"), fld.constraints.get("maxLength")
    if high is None:
        return n >= low
    return n <= high if low is None else (n <= high) & (n >= low)


def json_schema_passes(fld: Field, s: pd.Series) -> pd.Series:
    """Per non-missing cell of an object or array field: it conforms to the field's jsonSchema (checked once per distinct value)."""
    schema = fld.constraints["jsonSchema"]
    verdict = {text: v2.json_schema_problem(schema, text) is None for text in s.dropna().unique()}
    return s.map(verdict).astype(bool)


def unique_key_passes(frame: pd.DataFrame, key: tuple[str, ...]) -> np.ndarray:
    """Per row: False for every copy of a v2 unique key repeated on another row; a row with a missing part is never a copy."""
    keys = frame[list(key)]
    complete = keys.notna().all(axis=1).to_numpy(dtype=bool)
    repeated = np.zeros(len(frame), dtype=bool)
    if complete.any():
        repeated[complete] = keys[complete].astype(object).duplicated(keep=False).to_numpy(dtype=bool)
    return ~repeated


def foreign_key_passes(frame: pd.DataFrame, fk: ForeignKey, target: pd.DataFrame | None, key_cache: dict[tuple[str, str], object]) -> np.ndarray:
    """Per row: the key tuple has an empty part or exists in the referenced fields (target None: this same frame)."""
    reference = frame if target is None else target
    if len(fk.fields) == 1:
        values = frame[fk.fields[0]]  # one column: no sub-frame copy
        empty = values.isna().to_numpy(dtype=bool)
        column = reference[fk.reference_fields[0]]
        found = isin(values, column) if target is None else isin_prepared(values, column, key_cache, (fk.resource, fk.reference_fields[0]))
    else:
        keys = frame[list(fk.fields)]
        empty = keys.isna().any(axis=1).to_numpy()
        wanted = pd.MultiIndex.from_frame(keys.astype(object))
        have = pd.MultiIndex.from_frame(reference[list(fk.reference_fields)].dropna().astype(object))
        found = wanted.isin(have)
    return np.asarray(empty | found, dtype=bool)


def primary_key_passes(frame: pd.DataFrame, key: tuple[str, ...]) -> np.ndarray:
    """Per row: False for every repeat of a key after its first occurrence."""
    if strictly_increasing([arrow(frame[name]) for name in key]):  # canonical, key-sorted: no repeats, no hashing
        return np.ones(len(frame), dtype=bool)
    return ~frame.duplicated(subset=list(key), keep="first").to_numpy(dtype=bool)
