"""The SQLite export made for Datasette: FTS5 full-text indexes, a year column to facet on, and metadata.json.

All of it is derived from the Table Schemas: a table's *text* fields (free strings: no enum, no
pattern, no format, no key, at least 100 characters allowed) are indexed in ``<table>_fts`` (FTS5,
external content, the way sqlite-utils builds them, so Datasette finds the index by itself); a
table with a required date gets a generated ``year`` column from its first one; the facets are
the enum fields and that year; descriptions, licence and source come from the descriptor.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from karabakh_timeline.schema.table_schema import TableSchema

__all__ = ["METADATA_NAME", "YEAR", "add_search", "datasette_metadata", "searchable_fields", "year_field"]

METADATA_NAME = "metadata.json"
YEAR = "year"
_SHORTEST_TEXT = 100  # maxLength below this is a code or a label (date_edtf), not text to search


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def searchable_fields(schema: TableSchema) -> list[str]:
    """The fields worth a full-text search: free text, no enum, pattern, format or key, maxLength at least 100 (or none)."""
    keys = set(schema.primary_key) | {f for fk in schema.foreign_keys for f in fk.fields}
    found = []
    for f in schema.fields:
        constraints = f.constraints
        longest = constraints.get("maxLength")
        if (f.type == "string" and f.enum is None and "pattern" not in constraints and f.format == "default"
                and f.name not in keys and (longest is None or longest >= _SHORTEST_TEXT)):
            found.append(f.name)
    return found


def year_field(schema: TableSchema) -> str | None:
    """The date the year column is taken from: the table's first required date field (None without one, or when it has a year field)."""
    if YEAR in schema.field_names:
        return None
    return next((f.name for f in schema.fields if f.type == "date" and f.required), None)


def add_search(path: Path, schemas: Mapping[str, TableSchema]) -> None:
    """Add the FTS5 indexes and the generated year columns to a SQLite export, then VACUUM it (same tables, same bytes)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        for name, schema in schemas.items():
            source = year_field(schema)
            if source is not None:  # VIRTUAL: computed on read, so no storage and no INSERT changes
                connection.execute(f"ALTER TABLE {_quote(name)} ADD COLUMN {_quote(YEAR)} INTEGER "
                                   f"GENERATED ALWAYS AS (CAST(substr({_quote(source)}, 1, 4) AS INTEGER)) VIRTUAL")
            fields = searchable_fields(schema)
            if fields:
                columns = ", ".join(f"[{f}]" for f in fields)
                connection.execute(f"CREATE VIRTUAL TABLE [{name}_fts] USING FTS5 ({columns}, content=[{name}])")
                listed = ", ".join(_quote(f) for f in fields)
                connection.execute(f"INSERT INTO [{name}_fts] (rowid, {listed}) SELECT rowid, {listed} FROM {_quote(name)}")
        connection.execute("COMMIT")
        connection.execute("VACUUM")
    finally:
        connection.close()


def datasette_metadata(descriptor: Mapping[str, Any], schemas: Mapping[str, TableSchema], database: str) -> dict[str, Any]:
    """Datasette's metadata.json: title, licence and source from the descriptor; per table its description,
    column descriptions, facets (enum fields and the year) and full-text index."""
    licence: Mapping[str, Any] = next(iter(descriptor.get("licenses") or []), {})
    title = descriptor.get("title") or descriptor.get("name") or database
    tables: dict[str, Any] = {}
    for name, schema in schemas.items():
        entry: dict[str, Any] = {"description": schema.description,
                                 "columns": {f.name: f.description for f in schema.fields if f.description}}
        facets = [f.name for f in schema.fields if f.enum is not None] + ([YEAR] if year_field(schema) else [])
        if facets:
            entry["facets"] = facets
        if searchable_fields(schema):
            entry["fts_table"] = f"{name}_fts"
        if year_field(schema):
            entry["columns"][YEAR] = f"Year of {year_field(schema)} (generated in the SQLite export, for facets)."
        tables[name] = entry
    metadata: dict[str, Any] = {"title": f"{title} {descriptor.get('version') or ''}".strip(),
                                "description": descriptor.get("description") or ""}
    if licence:
        metadata["license"] = licence.get("name") or licence.get("title") or ""
        if licence.get("path"):
            metadata["license_url"] = licence["path"]
    metadata["source"] = f"{title} (Frictionless data package)"
    if descriptor.get("homepage"):
        metadata["source_url"] = descriptor["homepage"]
    metadata["databases"] = {database: {"tables": tables}}
    return metadata
