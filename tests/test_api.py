"""The Python API as a user meets it: kt.load() always means the bundled data, paths are explicit (directory,
datapackage.json, release zip), frames indexed by primary key, the joined event view, a clean namespace, doctests."""
from __future__ import annotations

import doctest
import importlib
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import karabakh_timeline as kt
from conftest import ROOT, make_synthetic, records, set_cells
from karabakh_timeline.release.publish import publish

DOCUMENTED = ["karabakh_timeline", "karabakh_timeline.api", "karabakh_timeline.read.timeline"]


def test_load_without_a_path_is_the_bundled_data_whatever_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "datapackage.json").write_text(json.dumps({"name": "unrelated", "resources": [{"name": "x", "path": "x.csv"}]}))
    monkeypatch.chdir(tmp_path)
    tl = kt.load()
    assert tl.package.descriptor_path != tmp_path / "datapackage.json" and "events" in tl.names
    assert kt.validate().package != str(tmp_path / "datapackage.json") and "events" in kt.schemas()


@pytest.mark.parametrize("form", ["directory", "descriptor", "zip"])
def test_load_reads_a_directory_a_descriptor_or_a_release_zip(form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "pkg"
    make_synthetic.make(4, pkg)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767323045")
    path = {"directory": pkg, "descriptor": pkg / "datapackage.json", "zip": None}[form]
    if path is None:
        path = publish(pkg, tmp_path / "dist").zip_path
    tl = kt.load(path)
    assert tl.events["event_id"].tolist() == [r["event_id"] for r in records(pkg, "events")]
    assert str(tl.events["date_start"].dtype) == "datetime64[s]"
    if form == "zip":
        assert not any(p.name.startswith("karabakh-timeline-load-") for p in Path(tempfile.gettempdir()).iterdir())


def test_tables_keep_a_range_index_and_table_indexes_by_primary_key(package: Path) -> None:
    tl = kt.load(package)
    assert isinstance(tl.events.index, pd.RangeIndex)
    for name, resource in tl.package.resources.items():
        indexed = tl.table(name, index=True)
        key = list(resource.schema.primary_key)
        assert list(indexed.index.names) == key and indexed.index.is_unique
        assert list(indexed.columns) == [f for f in resource.schema.field_names if f not in key]
    first = records(package, "events")[0]
    assert tl.table("events", index=True).loc[first["event_id"], "title"] == first["title"]
    with pytest.raises(KeyError, match="no table 'nope'"):
        tl.table("nope")


def test_event_view_joins_places_in_every_language_actors_sources_and_corroboration(package: Path) -> None:
    set_cells(package, "places", 2, name="Stepanakert", name_hy="Ստեփանակերտ", name_az="Xankəndi", name_ru="Степанакерт")
    tl = kt.load(package)
    view = tl.event_view()
    assert list(view.columns[: len(tl.events.columns)]) == list(tl.events.columns) and len(view) == len(tl.events)
    roles = tl.package.resources["event_actors"].schema.field("role").enum
    assert [c for c in view.columns if c.startswith("actors_")] == [f"actors_{r}" for r in roles]
    place = records(package, "places")[0]["place_id"]
    at = view[view["place_id"] == place].iloc[0]
    assert (at["place_name"], at["place_name_hy"], at["place_name_az"], at["place_name_ru"]) == ("Stepanakert", "Ստեփանակերտ", "Xankəndi", "Степанакерт")
    counts = pd.Series([r["event_id"] for r in records(package, "event_sources")]).value_counts()
    assert view.set_index("event_id")["source_count"].to_dict() == counts.reindex(view["event_id"], fill_value=0).to_dict()
    assert view["corroboration"].notna().all() and str(view["source_count"].dtype) == "Int64"
    assert view["date_start"].dtype == tl.events["date_start"].dtype


def test_the_namespace_is_the_public_api() -> None:
    assert dir(kt) == sorted(kt.__all__) == kt.__all__
    assert all(hasattr(kt, name) for name in kt.__all__)
    assert not {"Any", "annotations", "cells", "api"} & set(dir(kt))


@pytest.mark.parametrize("name", DOCUMENTED)
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, name
