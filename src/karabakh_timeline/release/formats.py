"""Exports for web and GIS tools: JSON (one file per table), JSON Lines, and GeoJSON (places, and events at their place).

Records carry every field of the schema in schema order, missing values as null and dates as
ISO 8601 strings. A located table is one whose schema has ``latitude`` and ``longitude`` number
fields (WGS 84, as GeoJSON requires); events are located through their foreign key into it.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from karabakh_timeline.release.event_view import EventView
from karabakh_timeline.schema.table_schema import TableSchema
from karabakh_timeline.support.files import dumps

__all__ = ["geojson_events", "geojson_places", "json_records", "located_table", "write_geojson", "write_json"]

COORDINATES = ("longitude", "latitude")  # GeoJSON's order (RFC 7946, section 3.1.1)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity: such a number is exported as missing (README, "Exports")
    return value.isoformat() if isinstance(value, dt.date) else value


def json_records(table: pa.Table) -> list[dict[str, Any]]:
    """The rows of a typed table as JSON-ready dicts: every field, dates as ISO strings, missing values None."""
    return [{k: _plain(v) for k, v in row.items()} for row in table.to_pylist()]


def write_json(tables: Mapping[str, pa.Table], folder: Path) -> list[Path]:
    """json/<table>.json (an array of records, canonical JSON) and jsonl/<table>.jsonl (one record per line)."""
    written = []
    for sub in ("json", "jsonl"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        records = json_records(table)
        path = folder / "json" / f"{name}.json"
        path.write_text(dumps(records), encoding="utf-8")
        lines = folder / "jsonl" / f"{name}.jsonl"
        lines.write_text("".join(dumps(r, indent=None, separators=(",", ":")) + "\n" for r in records), encoding="utf-8")
        written += [path, lines]
    return written


def located_table(schemas: Mapping[str, TableSchema]) -> str | None:
    """The table whose rows have coordinates (number fields latitude and longitude), if any."""
    for name, schema in schemas.items():
        if all(c in schema.field_names and schema.field(c).type == "number" for c in COORDINATES):
            return name
    return None


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _point(row: Mapping[str, Any]) -> dict[str, Any] | None:
    lon, lat = (row.get(c) for c in COORDINATES)
    return {"type": "Point", "coordinates": [lon, lat]} if lon is not None and lat is not None else None


def geojson_places(tables: Mapping[str, pa.Table], schemas: Mapping[str, TableSchema]) -> dict[str, Any]:
    """A FeatureCollection of the located rows (places with coordinates); the properties are the other fields."""
    name = located_table(schemas)
    if name is None or name not in tables:
        return _collection([])
    key = schemas[name].primary_key
    features = []
    for row in json_records(tables[name]):
        point = _point(row)
        if point is not None:
            properties = {k: v for k, v in row.items() if k not in COORDINATES}
            features.append({"type": "Feature", "id": "/".join(str(row[k]) for k in key), "geometry": point, "properties": properties})
    return _collection(features)


def geojson_events(tables: Mapping[str, pa.Table], schemas: Mapping[str, TableSchema], view: EventView) -> dict[str, Any]:
    """A FeatureCollection of the events whose place has coordinates, each at its place, with the joined event view's columns."""
    located = located_table(schemas)
    events = schemas.get("events")
    link = next((fk for fk in events.foreign_keys if fk.resource == located and len(fk.fields) == 1), None) if events else None
    if located is None or link is None or located not in tables or "events" not in tables:
        return _collection([])
    points = {row[link.reference_fields[0]]: _point(row) for row in json_records(tables[located])}
    features = []
    for row in json_records(tables["events"]):
        point = points.get(row[link.fields[0]])
        if point is not None:
            properties = {**row, **view.joined(row["event_id"])}
            features.append({"type": "Feature", "id": row["event_id"], "geometry": point, "properties": properties})
    return _collection(features)


def write_geojson(tables: Mapping[str, pa.Table], schemas: Mapping[str, TableSchema], view: EventView, folder: Path) -> list[Path]:
    """geojson/<located table>.geojson (places) and geojson/events.geojson (RFC 7946: WGS 84 longitude, latitude)."""
    located = located_table(schemas)
    if located is None:
        return []
    (folder / "geojson").mkdir(parents=True, exist_ok=True)
    written = []
    for name, collection in ((located, geojson_places(tables, schemas)), ("events", geojson_events(tables, schemas, view))):
        path = folder / "geojson" / f"{name}.geojson"
        path.write_text(dumps(collection), encoding="utf-8")
        written.append(path)
    return written
