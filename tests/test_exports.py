"""The release's exports for other tools: GeoJSON, JSON and JSON Lines, Datasette metadata and full-text search,
Parquet as pandas reads it, and each side's place names in the flat CSV. Expectations come from the schemas."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from geojson_pydantic import FeatureCollection

from conftest import published_synthetic, read_rows, records, set_cells
from karabakh_timeline.release.datasette import searchable_fields
from karabakh_timeline.schema.descriptor import open_package


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A published 12-event package whose first place has each side's names and whose second has no coordinates."""
    def edit(pkg: Path) -> None:
        set_cells(pkg, "places", 2, name="Stepanakert", name_hy="Ստեփանակերտ", name_az="Xankəndi", name_ru="Степанакерт")
        set_cells(pkg, "places", 3, latitude="", longitude="")
        set_cells(pkg, "events", 2, title="Unique zebra crossing talks")

    pkg, directory = published_synthetic(tmp_path_factory.mktemp("exports"), edit)
    return pkg, directory / "exports"


def test_geojson_validates_and_puts_each_event_at_its_place(release: tuple[Path, Path]) -> None:
    pkg, exports = release
    places = FeatureCollection.model_validate_json((exports / "geojson" / "places.geojson").read_text(encoding="utf-8"))
    events = FeatureCollection.model_validate_json((exports / "geojson" / "events.geojson").read_text(encoding="utf-8"))
    rows = {r["place_id"]: r for r in records(pkg, "places")}
    located = {k for k, r in rows.items() if r["latitude"]}
    assert {f.id for f in places.features} == located and len(located) == len(rows) - 1
    named = records(pkg, "places")[0]["place_id"]
    first = next(f for f in places.features if f.id == named)
    assert first.geometry.coordinates[0] == float(rows[named]["longitude"])  # GeoJSON: longitude first
    assert first.properties["name_hy"] == "Ստեփանակերտ" and "latitude" not in first.properties
    expected = {r["event_id"]: r["place_id"] for r in records(pkg, "events") if r["place_id"] in located}
    assert {f.id: f.properties["place_id"] for f in events.features} == expected
    for feature in events.features:
        place = rows[feature.properties["place_id"]]
        assert list(feature.geometry.coordinates) == [float(place["longitude"]), float(place["latitude"])]
        assert feature.properties["place_name"] == place["name"] and feature.properties["source_count"] >= 1


def test_json_and_json_lines_hold_every_table_as_typed_records(release: tuple[Path, Path]) -> None:
    pkg, exports = release
    for name, resource in open_package(pkg).resources.items():
        whole = json.loads((exports / "json" / f"{name}.json").read_text(encoding="utf-8"))
        lines = [json.loads(line) for line in (exports / "jsonl" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert whole == lines and len(whole) == len(read_rows(pkg, name)) - 1
        assert all(list(r) == resource.schema.field_names for r in whole)
    events = json.loads((exports / "json" / "events.json").read_text(encoding="utf-8"))
    first = records(pkg, "events")[0]
    assert events[0]["date_start"] == first["date_start"] and events[0]["notes"] is None
    assert all(e["fatalities_best"] is None or isinstance(e["fatalities_best"], int) for e in events)


def test_datasette_metadata_comes_from_the_descriptor_and_schemas(release: tuple[Path, Path]) -> None:
    pkg, exports = release
    package = open_package(pkg)
    metadata = json.loads((exports / "metadata.json").read_text(encoding="utf-8"))
    licence = package.descriptor["licenses"][0]
    assert metadata["title"] == f"{package.descriptor['title']} {package.version}"
    assert (metadata["license"], metadata["license_url"], metadata["source_url"]) == (licence["name"], licence["path"], package.descriptor["homepage"])
    tables = metadata["databases"]["karabakh-timeline"]["tables"]
    assert list(tables) == list(package.resources)
    for name, resource in package.resources.items():
        schema = resource.schema
        assert tables[name]["description"] == schema.description
        assert {k: v for k, v in tables[name]["columns"].items() if k != "year"} == {f.name: f.description for f in schema.fields}
        assert [f for f in tables[name].get("facets", []) if f != "year"] == [f.name for f in schema.fields if f.enum is not None]
    assert {"event_type", "verification", "year"} <= set(tables["events"]["facets"])
    assert tables["events"]["fts_table"] == "events_fts" and tables["statements"]["fts_table"] == "statements_fts"


def test_sqlite_has_full_text_indexes_on_titles_summaries_and_statements(release: tuple[Path, Path]) -> None:
    pkg, exports = release
    package = open_package(pkg)
    assert {"title", "summary"} <= set(searchable_fields(package.resources["events"].schema))
    assert "text" in searchable_fields(package.resources["statements"].schema)
    assert "event_id" not in searchable_fields(package.resources["events"].schema)  # keys, codes and enums are not text
    db = sqlite3.connect(exports / "karabakh-timeline.sqlite")
    found = db.execute("SELECT e.event_id FROM events_fts JOIN events e ON e.rowid = events_fts.rowid WHERE events_fts MATCH 'zebra'").fetchall()
    assert found == [(records(pkg, "events")[0]["event_id"],)]
    assert db.execute("SELECT count(*) FROM places_fts WHERE places_fts MATCH 'Ստեփանակերտ'").fetchone() == (1,)
    statement = records(pkg, "statements")[0]
    word = statement["text"].split()[-1].strip(".")
    hits = db.execute("SELECT s.statement_id FROM statements_fts JOIN statements s ON s.rowid = statements_fts.rowid "
                      "WHERE statements_fts MATCH ?", (f'"{word}"',)).fetchall()
    assert (statement["statement_id"],) in hits
    years = db.execute("SELECT year, count(*) FROM events GROUP BY year").fetchall()
    assert dict(years) == {int(y): n for y, n in pd.Series([r["date_start"][:4] for r in records(pkg, "events")]).value_counts().items()}
    assert "year" not in [c[1] for c in db.execute("PRAGMA table_info(events)")]  # a generated column, outside the schema's list


def test_parquet_reads_typed_in_pandas(release: tuple[Path, Path]) -> None:
    pkg, exports = release
    schema = open_package(pkg).resources["events"].schema
    plain = pd.read_parquet(exports / "parquet" / "events.parquet")
    assert str(plain["fatalities_best"].dtype) == "Int64" and isinstance(plain["event_type"].dtype, pd.CategoricalDtype)
    assert list(plain["event_type"].cat.categories) == schema.field("event_type").enum
    assert isinstance(plain["title"].dtype, pd.StringDtype)
    # The documented one-liner for dates as datetime64 (Parquet keeps them as dates, which pandas reads as objects by default):
    typed = pd.read_parquet(exports / "parquet" / "events.parquet", to_pandas_kwargs={"date_as_object": False})
    assert str(typed["date_start"].dtype).startswith("datetime64") and str(typed["fatalities_best"].dtype) == "Int64"
    assert typed["date_start"].dt.strftime("%Y-%m-%d").tolist() == [r["date_start"] for r in records(pkg, "events")]


def test_flat_csv_has_each_sides_place_names(release: tuple[Path, Path]) -> None:
    pkg, exports = release
    rows = list(csv.DictReader(io.StringIO((exports / "events_flat.csv").read_text(encoding="utf-8-sig"), newline="")))
    names = [f for f in open_package(pkg).resources["places"].schema.field_names if f.startswith("name")]
    header = list(rows[0])
    assert header[header.index("place_id") + 1: header.index("place_id") + 1 + len(names)] == [f"place_{n}" for n in names]
    at = next(r for r in rows if r["place_id"] == records(pkg, "places")[0]["place_id"])
    assert (at["place_name"], at["place_name_hy"], at["place_name_az"], at["place_name_ru"]) == ("Stepanakert", "Ստեփանակերտ", "Xankəndi", "Степанакерт")
