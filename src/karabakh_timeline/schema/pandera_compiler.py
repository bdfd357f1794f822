"""A small compiler from Table Schema to pandera DataFrameSchema.

pandera.io's frictionless import maps dates to strings and drops missing values and foreign keys;
this one keeps them. Users get these schemas from ``kt.schemas()``; the validator runs the same
checks without pandera (check/constraints.py), and a property test proves that both accept and
reject the same cells.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pandera.pandas as pa

from karabakh_timeline.schema.keys import (
    bound,
    foreign_key_passes,
    json_schema_passes,
    length_passes,
    primary_key_passes,
    unique_key_passes,
)
from karabakh_timeline.schema.table_schema import Field, ForeignKey, TableSchema


def _field_checks(fld: Field) -> list[pa.Check]:
    c = fld.typed | {k: v for k, v in fld.constraints.items() if k not in fld.typed}
    checks: list[pa.Check] = []
    if "enum" in c or "categories" in c:  # v2 categories restrict values as an enum does (an enum is a subset of them)
        checks.append(pa.Check.isin([bound(fld, v) for v in (c["enum"] if "enum" in c else c["categories"])], error="enum-value"))
    if "pattern" in c:
        checks.append(pa.Check.str_matches(f"^(?:{c['pattern']})$", error="pattern-mismatch"))
    if ("minLength" in c or "maxLength" in c) and fld.type == "string":
        checks.append(pa.Check.str_length(c.get("minLength"), c.get("maxLength"), error="text-length"))
    elif "minLength" in c or "maxLength" in c:  # items of a list or array, keys of an object (schema.keys.lengths)
        checks.append(pa.Check(lambda s: length_passes(fld, s), error="text-length"))
    if "minimum" in c:
        checks.append(pa.Check.ge(bound(fld, c["minimum"]), error="out-of-range"))
    if "maximum" in c:
        checks.append(pa.Check.le(bound(fld, c["maximum"]), error="out-of-range"))
    if "exclusiveMinimum" in c:
        checks.append(pa.Check.gt(bound(fld, c["exclusiveMinimum"]), error="out-of-range"))
    if "exclusiveMaximum" in c:
        checks.append(pa.Check.lt(bound(fld, c["exclusiveMaximum"]), error="out-of-range"))
    if "jsonSchema" in c:
        checks.append(pa.Check(lambda s: json_schema_passes(fld, s), error="json-schema-mismatch"))
    return checks


def _fk_check(fk: ForeignKey, target: pd.DataFrame | None, key_cache: dict[tuple[str, str], object]) -> pa.Check:
    """A dataframe-level check: every non-empty key tuple exists in the referenced fields (schema.keys)."""

    def check(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(foreign_key_passes(frame, fk, target, key_cache), index=frame.index)

    return pa.Check(check, error="foreign-key:" + ",".join(fk.fields))


def _unique_key_check(key: tuple[str, ...]) -> pa.Check:
    """A dataframe-level check: a v2 unique key (no part missing) appears on one row only (schema.keys)."""

    def check(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(unique_key_passes(frame, key), index=frame.index)

    return pa.Check(check, error="unique-key:" + ",".join(key))


def _pk_check(key: tuple[str, ...]) -> pa.Check:
    """A dataframe-level check: no primary key appears twice (every repeat after the first fails; schema.keys)."""

    def check(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(primary_key_passes(frame, key), index=frame.index)

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
    frame_checks += [_unique_key_check(key) for key in schema.unique_keys]
    return pa.DataFrameSchema(
        columns,
        checks=frame_checks,
        strict=True,
        ordered=True,
        name=schema.name,
        description=schema.description or None,
        metadata={
            "primaryKey": list(schema.primary_key),
            "uniqueKeys": [list(key) for key in schema.unique_keys],
            "foreignKeys": [
                {"fields": list(fk.fields), "reference": {"resource": fk.resource, "fields": list(fk.reference_fields)}}
                for fk in schema.foreign_keys
            ],
        },
    )
