"""A small compiler from Table Schema to pandera DataFrameSchema.

pandera.io's frictionless import maps dates to strings and drops missing values and foreign keys;
this one keeps them. The same compiled checks serve users (``kt.schemas()``) and the validator, whose
pandera failure cases are mapped back to CSV lines in validator.py.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute

from karabakh_timeline.schema.table_schema import Field, ForeignKey, TableSchema
from karabakh_timeline.support.arrow import arrow, isin, value_set


def _bound(fld: Field, value: object) -> object:
    """A typed constraint value (schema.lexical) as the frames hold it: dates and datetimes as Timestamps."""
    if fld.type in ("date", "datetime"):
        return pd.Timestamp(value)
    return value


def _field_checks(fld: Field) -> list[pa.Check]:
    c = fld.typed | {k: v for k, v in fld.constraints.items() if k not in fld.typed}
    checks: list[pa.Check] = []
    if "enum" in c:
        checks.append(pa.Check.isin([_bound(fld, v) for v in c["enum"]], error="enum-value"))
    if "pattern" in c:
        checks.append(pa.Check.str_matches(f"^(?:{c['pattern']})$", error="pattern-mismatch"))
    if "minLength" in c or "maxLength" in c:
        checks.append(pa.Check.str_length(c.get("minLength"), c.get("maxLength"), error="text-length"))
    if "minimum" in c:
        checks.append(pa.Check.ge(_bound(fld, c["minimum"]), error="out-of-range"))
    if "maximum" in c:
        checks.append(pa.Check.le(_bound(fld, c["maximum"]), error="out-of-range"))
    if "exclusiveMinimum" in c:
        checks.append(pa.Check.gt(_bound(fld, c["exclusiveMinimum"]), error="out-of-range"))
    if "exclusiveMaximum" in c:
        checks.append(pa.Check.lt(_bound(fld, c["exclusiveMaximum"]), error="out-of-range"))
    return checks


def _fk_check(fk: ForeignKey, target: pd.DataFrame | None, key_cache: dict[tuple[str, str], object]) -> pa.Check:
    """A dataframe-level check: every non-empty key tuple exists in the referenced fields."""

    def check(frame: pd.DataFrame) -> pd.Series:
        reference = frame if target is None else target
        keys = frame[list(fk.fields)]
        empty = keys.isna().any(axis=1).to_numpy()
        if len(fk.fields) == 1:
            column = reference[fk.reference_fields[0]]
            if target is not None:  # another table's keys: computed once, shared by every reference to them
                cache_key = (fk.resource, fk.reference_fields[0])
                if cache_key not in key_cache:
                    key_cache[cache_key] = value_set(column)
                found = isin(keys[fk.fields[0]], key_cache[cache_key])
            else:
                found = isin(keys[fk.fields[0]], column)
        else:
            wanted = pd.MultiIndex.from_frame(keys.astype(object))
            have = pd.MultiIndex.from_frame(reference[list(fk.reference_fields)].dropna().astype(object))
            found = wanted.isin(have)
        return pd.Series(empty | found, index=frame.index)

    return pa.Check(check, error="foreign-key:" + ",".join(fk.fields))


def _strictly_increasing(frame: pd.DataFrame, key: tuple[str, ...]) -> bool:
    """True when the key columns increase strictly from row to row (lexicographically).

    Canonical files are sorted by primary key, so this one vectorised pass usually proves the
    key unique without hashing every row; missing values make it False.
    """
    n = len(frame)
    if n < 2:
        return True
    greater = None
    equal_so_far = None
    for name in key:
        column = arrow(frame[name])
        if pyarrow.types.is_timestamp(column.type) or pyarrow.types.is_date(column.type):
            column = pyarrow.compute.cast(column, pyarrow.int64())
        later, earlier = column.slice(1), column.slice(0, n - 1)
        gt = pyarrow.compute.greater(later, earlier)
        eq = pyarrow.compute.equal(later, earlier)
        step = gt if equal_so_far is None else pyarrow.compute.and_(equal_so_far, gt)
        greater = step if greater is None else pyarrow.compute.or_(greater, step)
        equal_so_far = eq if equal_so_far is None else pyarrow.compute.and_(equal_so_far, eq)
    return bool(pyarrow.compute.all(pyarrow.compute.fill_null(greater, False)).as_py())


def _pk_check(key: tuple[str, ...]) -> pa.Check:
    """A dataframe-level check: no primary key appears twice (every repeat after the first fails)."""

    def check(frame: pd.DataFrame) -> pd.Series:
        if _strictly_increasing(frame, key):
            return pd.Series(True, index=frame.index)
        return ~frame.duplicated(subset=list(key), keep="first")

    return pa.Check(check, error="duplicate-key")


def compile_schema(
    schema: TableSchema,
    *,
    dtypes: bool = True,
    references: Mapping[str, pd.DataFrame] | None = None,
    key_cache: dict[tuple[str, str], object] | None = None,
) -> pa.DataFrameSchema:
    """Compile a Table Schema to a pandera DataFrameSchema.

    dtypes=True checks the dtypes that load() produces; the validator passes False because it types
    cells itself. Foreign keys to this same table are always checked; keys to other tables are
    checked when references maps their names to frames (e.g. a loaded Timeline's tables);
    key_cache, shared across calls with the same references, keeps each referenced key set once.
    """
    key_cache = {} if key_cache is None else key_cache
    sole_pk = schema.primary_key[0] if len(schema.primary_key) == 1 else None
    columns = {
        f.name: pa.Column(
            f.pandas_dtype() if dtypes else None,
            checks=_field_checks(f),
            nullable=not f.required,
            unique=bool(f.constraints.get("unique")) and f.name != sole_pk,
            required=True,
            description=f.description or None,
        )
        for f in schema.fields
    }
    frame_checks = []
    for fk in schema.foreign_keys:
        if fk.resource == schema.name:
            frame_checks.append(_fk_check(fk, None, key_cache))
        elif references is not None and fk.resource in references:
            frame_checks.append(_fk_check(fk, references[fk.resource], key_cache))
    if schema.primary_key:
        frame_checks.insert(0, _pk_check(schema.primary_key))
    return pa.DataFrameSchema(
        columns,
        checks=frame_checks,
        strict=True,
        ordered=True,
        name=schema.name,
        description=schema.description or None,
        metadata={
            "primaryKey": list(schema.primary_key),
            "foreignKeys": [
                {"fields": list(fk.fields), "reference": {"resource": fk.resource, "fields": list(fk.reference_fields)}}
                for fk in schema.foreign_keys
            ],
        },
    )
