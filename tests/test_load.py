"""The typed loader and the pandera schemas, checked against the Table Schemas they derive from."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

import karabakh_timeline as kt
from conftest import ROOT, set_cells


def _schemas() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((ROOT / "schemas").glob("*.json"))}


EXPECTED_KIND = {"string": "string", "integer": "Int64", "number": "Float64", "date": "datetime64[s]", "boolean": "boolean"}


def test_bundled_load_is_typed_as_the_schemas_say() -> None:
    tl = kt.load()
    for name, schema in _schemas().items():
        frame = tl[name]
        assert list(frame.columns) == [f["name"] for f in schema["fields"]]
        for f in schema["fields"]:
            dtype = frame[f["name"]].dtype
            enum = f.get("constraints", {}).get("enum")
            if enum is not None:
                assert isinstance(dtype, pd.CategoricalDtype), (name, f["name"])
                assert list(dtype.categories) == enum
            else:
                assert str(dtype) == EXPECTED_KIND[f["type"]], (name, f["name"], dtype)


def test_missing_values_are_na_not_empty_strings(package: Path) -> None:
    tl = kt.load(package)
    assert tl.events["notes"].isna().all()
    assert tl.events["fatalities_best"].isna().any()
    assert not (tl.events["title"] == "").any()


def test_row_counts_match_the_csv_files(package: Path) -> None:
    tl = kt.load(package)
    for name in _schemas():
        lines = (package / "data" / f"{name}.csv").read_text().count("\n") - 1
        assert len(tl[name]) == lines


def test_load_refuses_untypable_data(package: Path) -> None:
    set_cells(package, "events", 3, date_start="soon")
    with pytest.raises(kt.InvalidDataError) as info:
        kt.load(package)
    assert (info.value.issues[0].code, info.value.issues[0].line, info.value.issues[0].field) == ("type-error", 3, "date_start")
    coerced = kt.load(package, errors="coerce")
    assert coerced.events["date_start"].isna().sum() == 1


def test_pandera_schemas_accept_the_loaded_data() -> None:
    tl = kt.load()
    schemas = kt.schemas(tl)
    assert set(schemas) == set(_schemas())
    for name, schema in schemas.items():
        schema.validate(tl[name], lazy=True)


def test_pandera_schema_reports_a_users_bad_frame() -> None:
    tl = kt.load()
    schemas = kt.schemas(tl)
    frame = tl.events.head(3).copy()
    frame["event_id"] = frame["event_id"].astype("string")
    frame.loc[frame.index[1], "place_id"] = "plc_999999"
    frame.loc[frame.index[2], "title"] = pd.NA
    with pytest.raises(pa.errors.SchemaErrors) as info:
        schemas["events"].validate(frame, lazy=True)
    checks = set(info.value.failure_cases["check"].astype(str))
    assert "foreign-key:place_id" in checks
    assert "not_nullable" in checks


def test_pandera_schema_keeps_keys_and_descriptions() -> None:
    schema = kt.schemas()["event_actors"]
    assert schema.metadata["primaryKey"] == ["event_id", "actor_id", "role"]
    assert {fk["reference"]["resource"] for fk in schema.metadata["foreignKeys"]} == {"events", "actors"}
    assert all(column.description for column in schema.columns.values())
    assert str(kt.schemas()["events"].columns["date_start"].dtype).startswith("datetime64")  # not a string, as pandera.io makes it


def test_every_field_has_a_description() -> None:
    for name, schema in _schemas().items():
        assert schema.get("description"), name
        for f in schema["fields"]:
            assert f.get("description", "").strip(), (name, f["name"])


def test_descriptor_lists_every_schema_and_data_file() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text())
    assert descriptor["profile"] == "tabular-data-package"
    names = [r["name"] for r in descriptor["resources"]]
    assert sorted(names) == sorted(_schemas())
    for r in descriptor["resources"]:
        assert r["path"] == f"data/{r['name']}.csv" and r["schema"] == f"schemas/{r['name']}.json"
        assert (ROOT / r["path"]).is_file()
