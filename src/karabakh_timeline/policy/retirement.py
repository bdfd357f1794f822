"""Retired IDs: an ID that was removed is listed in retired_ids and never used again, by any tool.

validate (the retired-id-reused rule), diff (unrecorded-removal, retired-id-reused) and next-id
all read retired IDs through this module. A retired_ids table without a ``table`` column, or a row
whose ``table`` is empty, retires the ID in every ID table: IDs are never reused, so the safe
reading of an unnamed table is "all of them".
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from karabakh_timeline.read.typed import read_typed
from karabakh_timeline.schema.descriptor import Package
from karabakh_timeline.schema.table_schema import TableSchema

TABLE = "retired_ids"
ID_TABLES = ("events", "actors", "actor_roles", "places", "sources", "statements")  # when the package has no retired_ids schema
ANY_TABLE = "*"  # the key of IDs retired in every ID table

Retired = Mapping[str, set[str]]


def id_tables(schema: TableSchema | None) -> set[str]:
    """The tables whose IDs retired_ids can retire: its table field's enum, else ID_TABLES."""
    if schema is not None and "table" in schema.field_names and schema.field("table").enum:
        return {str(v) for v in schema.field("table").enum or []}
    return set(ID_TABLES)


def retired_by_table(ids: Iterable[object], tables: Iterable[object] | None) -> dict[str, set[str]]:
    """Retired IDs keyed by the table that retired them; ANY_TABLE for rows without a table (or no table column)."""
    ids = list(ids)
    named = list(tables) if tables is not None else [None] * len(ids)
    out: dict[str, set[str]] = {}
    for rid, table in zip(ids, named, strict=True):
        if isinstance(rid, str) and rid:
            out.setdefault(table if isinstance(table, str) and table else ANY_TABLE, set()).add(rid)
    return out


def retired_for(retired: Retired, table: str) -> set[str]:
    """The IDs that table may never use again."""
    return retired.get(table, set()) | retired.get(ANY_TABLE, set())


def every_retired(retired: Retired) -> set[str]:
    """Every retired ID, whatever its table."""
    return set().union(*retired.values()) if retired else set()


def read_retired_ids(package: Package) -> dict[str, set[str]]:
    """The retired IDs of an opened package by table ({} without a retired_ids table or its id field)."""
    if TABLE not in package.resources or "id" not in package.resources[TABLE].schema.field_names:
        return {}
    t = read_typed(package, TABLE)
    tables = t.column("table").to_pylist() if "table" in package.resources[TABLE].schema.field_names else None
    return retired_by_table(t.column("id").to_pylist(), tables)
