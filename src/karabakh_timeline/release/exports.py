"""Release exports derived from the Table Schemas: SQLite, Parquet and a flat CSV for spreadsheets (JSON and GeoJSON: formats.py).

Every writer is deterministic: the same tables give the same bytes, so a release can be rebuilt
and compared byte for byte.
"""
from __future__ import annotations

import csv
import io
import os
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from karabakh_timeline.policy.formula import FORMULA_STARTS, guard_formula
from karabakh_timeline.read.typed import read_typed
from karabakh_timeline.release.datasette import METADATA_NAME, add_search, datasette_metadata
from karabakh_timeline.release.event_view import EventView
from karabakh_timeline.release.formats import write_geojson, write_json
from karabakh_timeline.schema.descriptor import Package
from karabakh_timeline.schema.table_schema import Field, TableSchema
from karabakh_timeline.schema.types import type_info
from karabakh_timeline.support.files import BOM, dumps
from karabakh_timeline.support.text import cell_text

__all__ = ["FLAT_NAME", "FORMULA_STARTS", "SQLITE_NAME", "flat_events", "guard_formula", "typed_tables", "write_exports", "write_flat_csv",
           "write_parquet", "write_sqlite"]

SQLITE_NAME = "karabakh-timeline.sqlite"
FLAT_NAME = "events_flat.csv"


def arrow_field(f: Field) -> pa.Field:
    """The Arrow field of a Table Schema field: enums as dictionary strings, the rest by type."""
    kind = pa.dictionary(pa.int32(), pa.string()) if f.enum is not None and f.type == "string" else f.arrow_type()
    metadata = {"description": f.description} if f.description else None
    return pa.field(f.name, kind, nullable=not f.required, metadata=metadata)


def pandas_metadata(schema: TableSchema) -> bytes:
    """pandas' own Parquet metadata for the dtypes load() gives, so pd.read_parquet restores nullable Int64, string and category."""
    empty = pd.DataFrame({f.name: pd.Series([], dtype=f.pandas_dtype()) for f in schema.fields})
    return pa.Schema.from_pandas(empty, preserve_index=False).metadata[b"pandas"]


def arrow_schema(schema: TableSchema) -> pa.Schema:
    """The Arrow schema of a table, with its description, primary key and pandas dtypes as metadata."""
    metadata = {"primary_key": ",".join(schema.primary_key).encode(), b"pandas": pandas_metadata(schema)}
    if schema.description:
        metadata["description"] = schema.description.encode()
    return pa.schema([arrow_field(f) for f in schema.fields], metadata=metadata)


def typed_tables(package: Package) -> dict[str, pa.Table]:
    """Every resource read and typed as its schema says (the package must have validated)."""
    tables = {}
    for name, resource in package.resources.items():
        schema = resource.schema
        typed_table = read_typed(package, name).arrow
        columns = []
        for f in schema.fields:
            typed = typed_table.column(f.name).combine_chunks()
            if f.enum is not None and f.type == "string":
                dictionary = pa.array([str(v) for v in f.enum], pa.string())
                typed = pa.DictionaryArray.from_arrays(pc.index_in(typed, value_set=dictionary).cast(pa.int32()), dictionary)
            columns.append(typed)
        tables[name] = pa.Table.from_arrays(columns, schema=arrow_schema(schema))
    return tables


def write_parquet(tables: dict[str, pa.Table], folder: Path) -> list[Path]:
    """One Parquet file per table, typed as the schemas say; no timestamps, so the bytes repeat.

    With the pandas metadata, pandas 3 reads counts as Int64, text as string and enums as category
    without options; dates stay date32 (a date, not a time) and come back as datetime64 with
    ``pd.read_parquet(path, to_pandas_kwargs={"date_as_object": False})``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd", compression_level=9, version="2.6", write_statistics=True)
        written.append(path)
    return written


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _columns(names: tuple[str, ...]) -> str:
    return ", ".join(_quote(n) for n in names)


def sqlite_ddl(schemas: dict[str, TableSchema]) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements: types, NOT NULL, enum checks, primary and foreign keys."""
    referenced = {(fk.resource, fk.reference_fields) for s in schemas.values() for fk in s.foreign_keys}
    statements = []
    for name, schema in schemas.items():
        lines = []
        for f in schema.fields:
            line = f"  {_quote(f.name)} {type_info(f.type).sqlite}"
            if f.required or f.name in schema.primary_key:
                line += " NOT NULL"
            if f.enum is not None:
                allowed = ", ".join("'" + str(v).replace("'", "''") + "'" for v in f.enum)
                line += f" CHECK ({_quote(f.name)} IN ({allowed}))"
            lines.append(line)
        if schema.primary_key:
            lines.append(f"  PRIMARY KEY ({_columns(schema.primary_key)})")
        for fk in schema.foreign_keys:
            lines.append(f"  FOREIGN KEY ({_columns(fk.fields)}) REFERENCES {_quote(fk.resource)} ({_columns(fk.reference_fields)})")
        statements.append(f"CREATE TABLE {_quote(name)} (\n" + ",\n".join(lines) + "\n)")
    for name, schema in schemas.items():
        for fields in sorted({fk.fields for fk in schema.foreign_keys}):
            statements.append(f"CREATE INDEX {_quote('idx_' + name + '_' + '_'.join(fields))} ON {_quote(name)} ({_columns(fields)})")
        for table, fields in sorted(referenced):
            # A foreign key must point at a primary key or a unique index, or SQLite reports a mismatch.
            if table == name and fields != schema.primary_key:
                index = _quote("uq_" + name + "_" + "_".join(fields))
                statements.append(f"CREATE UNIQUE INDEX {index} ON {_quote(name)} ({_columns(fields)})")
    return statements


def _python_rows(table: pa.Table, schema: TableSchema) -> list[tuple]:
    columns = []
    for f in schema.fields:
        column = table.column(f.name)
        if f.type == "date":
            column = pc.strftime(column, format="%Y-%m-%d")
        elif f.type == "boolean":
            column = pc.cast(column, pa.int64())
        elif f.enum is not None and f.type == "string":
            column = pc.cast(column, pa.string())
        columns.append(column.to_pylist())
    return list(zip(*columns, strict=True))


def write_sqlite(tables: dict[str, pa.Table], schemas: dict[str, TableSchema], path: Path) -> Path:
    """A SQLite database with every table, its types and keys; built in a temporary file, then VACUUMed."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    connection = sqlite3.connect(tmp, isolation_level=None)
    try:
        connection.execute("PRAGMA page_size = 4096")
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("BEGIN")
        for statement in sqlite_ddl(schemas):
            connection.execute(statement)
        for name, schema in schemas.items():
            marks = ", ".join("?" for _ in schema.fields)
            connection.executemany(f"INSERT INTO {_quote(name)} VALUES ({marks})", _python_rows(tables[name], schema))
        connection.execute("COMMIT")
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:  # validation passed, so this is a bug in the export, never a data problem
            raise RuntimeError(f"SQLite export: {len(broken)} foreign key violations, first {broken[0]}")
        connection.execute("VACUUM")
    finally:
        connection.close()
    os.replace(tmp, path)
    return path


def _text(value: object) -> str:
    return cell_text(value) or ""


def flat_events(view: EventView) -> tuple[list[str], list[list[str]]]:
    """One row per event: its fields, its place's names (each side's too), actor names per role, sources, corroboration."""
    names = view.schemas["events"].field_names
    at = names.index("place_id") + 1 if "place_id" in names else len(names)
    extra = view.joined_columns()
    places = [k for k in extra if k.startswith("place_")]
    rest = [k for k in extra if k not in places and k != "source_count"]  # the URLs say how many
    rows = []
    for event in view.events:
        joined = view.joined(event["event_id"])
        cells = [_text(event[n]) for n in names]
        rows.append(cells[:at] + [joined[k] for k in places] + cells[at:] + [joined[k] for k in rest])
    return names[:at] + places + names[at:] + rest, rows


def write_flat_csv(view: EventView, path: Path) -> Path:
    """events_flat.csv for spreadsheet users: UTF-8 with a BOM (so Excel reads the scripts right), formula-guarded."""
    header, rows = flat_events(view)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([guard_formula(c) for c in row] for row in rows)
    path.write_bytes(BOM + buffer.getvalue().encode("utf-8"))
    return path


def write_exports(package: Package, folder: Path) -> tuple[dict[str, pa.Table], EventView]:
    """Write exports/ for an opened, valid package; return the typed tables and the event view.

    SQLite (with full-text indexes) and its Datasette metadata.json, Parquet, JSON and JSON Lines,
    GeoJSON and the flat CSV.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tables = typed_tables(package)
    schemas = {name: r.schema for name, r in package.resources.items()}
    write_sqlite(tables, schemas, folder / SQLITE_NAME)
    add_search(folder / SQLITE_NAME, schemas)
    database = SQLITE_NAME.removesuffix(".sqlite")
    (folder / METADATA_NAME).write_text(dumps(datasette_metadata(package.descriptor, schemas, database)), encoding="utf-8")
    write_parquet(tables, folder / "parquet")
    write_json(tables, folder)
    view = EventView.build(tables, schemas)
    write_geojson(tables, schemas, view, folder)
    write_flat_csv(view, folder / FLAT_NAME)
    return tables, view
