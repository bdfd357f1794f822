"""The R loader (r/R/read_timeline.R, the karabakhtimeline package) agrees with the Table Schemas and with the Python loader, and
the descriptor meets what rOpenSci's frictionless R package requires of it."""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import karabakh_timeline as kt
from conftest import ROOT, make_synthetic, read_rows, set_cells, write_rows

LOADER = ROOT / "r" / "R" / "read_timeline.R"
SUMMARISE = Path(__file__).resolve().parent / "r" / "summarise.R"
RSCRIPT = shutil.which("Rscript")
SKIP_REASON = "Rscript not found: apt-get install r-base-core r-cran-jsonlite r-cran-readr"

# What read_timeline() must return for each Table Schema type (R's class()).
R_CLASS = {"string": "character", "integer": "integer", "number": "numeric", "date": "Date", "boolean": "logical"}


def _descriptor(pkg: Path) -> dict:
    return json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))


def _schemas(pkg: Path) -> dict[str, dict]:
    """Each resource's Table Schema, in descriptor order, read in Python (inline or by path)."""
    out = {}
    for res in _descriptor(pkg)["resources"]:
        schema = res["schema"]
        out[res["name"]] = json.loads((pkg / schema).read_text(encoding="utf-8")) if isinstance(schema, str) else schema
    return out


def _summarise(*packages: Path | str) -> list[dict]:
    """Run tests/r/summarise.R on the packages in one R session; one result per package."""
    if RSCRIPT is None:
        pytest.skip(SKIP_REASON)
    proc = subprocess.run([RSCRIPT, "--vanilla", str(SUMMARISE), str(LOADER), *map(str, packages)],
                          capture_output=True, timeout=120, env={**os.environ, "LC_ALL": "C"})
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout.decode("utf-8"))["results"]


# --- fixture packages, built once per module so that R starts only once for all of them ---------

NOTE = 'First line of a note, with a comma,\nsecond line with "quotes"'


def _edge(pkg: Path) -> None:
    """Empty optional cells (integer, number, enum, date), a multi-line quoted cell, untrimmed text, 'NA' as text."""
    set_cells(pkg, "events", 2, notes=NOTE, fatalities_best="12", fatalities_low="10", fatalities_high="15")
    set_cells(pkg, "events", 5, date_end="2012-11-25", date_edtf="2012-11-24/2012-11-25")
    set_cells(pkg, "places", 2, place_type="", latitude="", geonames_id="616052", name_hy="Հայաստան")
    set_cells(pkg, "actors", 3, aliases="NA", description="  two  spaces kept  ")


def _inline_schema(pkg: Path) -> None:
    """The events schema given inline in the descriptor instead of by path."""
    descriptor = _descriptor(pkg)
    events = next(r for r in descriptor["resources"] if r["name"] == "events")
    events["schema"] = json.loads((pkg / "schemas" / "events.json").read_text(encoding="utf-8"))
    (pkg / "schemas" / "events.json").unlink()
    (pkg / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _resource_path(name: str, key: str, value: str):
    def mutate(pkg: Path) -> None:
        descriptor = _descriptor(pkg)
        next(r for r in descriptor["resources"] if r["name"] == name)[key] = value
        (pkg / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    return mutate


def _rename_header(pkg: Path) -> None:
    rows = read_rows(pkg, "places")
    write_rows(pkg, "places", [["name" if c == "place_id" else c for c in rows[0]]] + rows[1:])


def _extra_cell(pkg: Path) -> None:
    rows = read_rows(pkg, "event_sources")
    write_rows(pkg, "event_sources", rows[:2] + [rows[2] + ["surplus"]] + rows[3:])


def _bad_date_after_multiline(pkg: Path) -> None:
    set_cells(pkg, "events", 2, notes=NOTE)
    set_cells(pkg, "events", 3, date_start="2020-13-01")


FIXTURES: dict[str, Any] = {
    "synthetic": lambda pkg: None,
    "edge": _edge,
    "inline-schema": _inline_schema,
    # one defect each
    "header-mismatch": _rename_header,
    "bad-date": lambda pkg: set_cells(pkg, "events", 3, date_start="2020-13-01"),
    "impossible-day": lambda pkg: set_cells(pkg, "events", 3, date_start="2023-02-30"),
    "loose-date": lambda pkg: set_cells(pkg, "events", 3, date_start="2020-1-5"),
    "spaced-enum": lambda pkg: set_cells(pkg, "events", 3, event_type="ceasefire "),
    "spaced-integer": lambda pkg: set_cells(pkg, "places", 3, geonames_id=" 7"),
    "bad-date-after-multiline": _bad_date_after_multiline,
    "extra-cell": _extra_cell,
    "missing-file": lambda pkg: (pkg / "data" / "event_relations.csv").unlink(),
    "absolute-path": _resource_path("event_relations", "path", "/etc/hosts"),
    "parent-path": _resource_path("event_relations", "path", "../event_relations.csv"),
    "url-path": _resource_path("event_relations", "path", "https://example.org/event_relations.csv"),
    "parent-schema": _resource_path("event_relations", "schema", "schemas/../../schemas/event_relations.json"),
}


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every fixture package, built from the 4-event synthetic package."""
    if RSCRIPT is None:
        pytest.skip(SKIP_REASON)
    root = tmp_path_factory.mktemp("r-loader")
    make_synthetic.make(4, root / "base")
    out = {}
    for name, mutate in FIXTURES.items():
        pkg = root / name
        shutil.copytree(root / "base", pkg)
        mutate(pkg)
        out[name] = pkg
    return out


@pytest.fixture(scope="module")
def r_results(packages: dict[str, Path]) -> dict[str, dict]:
    """What R made of the bundled package and every fixture (one Rscript run)."""
    names = ["bundled", "bundled-descriptor", *packages]
    paths = [ROOT, ROOT / "datapackage.json", *packages.values()]
    return dict(zip(names, _summarise(*paths), strict=True))


# --- agreement with the schemas and with karabakh_timeline.load ---------------------------------

def _python_values(series: pd.Series) -> list[Any]:
    out = []
    for v in series.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
            out.append(None)
        elif isinstance(v, pd.Timestamp):
            out.append(v.strftime("%Y-%m-%d"))
        else:
            out.append(v)
    return out


def _assert_agrees(result: dict, pkg: Path) -> None:
    """R's tables match the Table Schemas (types, levels) and the Python loader (rows, NAs, every cell)."""
    assert result["ok"], result.get("error")
    schemas = _schemas(pkg)
    python = kt.load(pkg)
    assert [t["name"] for t in result["tables"]] == list(schemas)  # descriptor order
    for table in result["tables"]:
        name, frame = table["name"], python[table["name"]]
        assert table["class"] == "data.frame"
        assert table["rows"] == len(frame), name
        fields = schemas[name]["fields"]
        assert [c["name"] for c in table["columns"]] == [f["name"] for f in fields], name
        for column, field in zip(table["columns"], fields, strict=True):
            where = f"{name}.{field['name']}"
            enum = field.get("constraints", {}).get("enum")
            if enum is not None:
                assert column["class"] == "factor", where
                assert column["levels"] == [str(v) for v in enum], where  # the schema's order
            else:
                assert column["class"] == R_CLASS[field["type"]], where
                assert column["levels"] is None, where
            assert column["na"] == int(frame[field["name"]].isna().sum()), where
            expected = _python_values(frame[field["name"]])
            if field["type"] == "number":  # R prints 15 significant digits
                assert [v is None for v in column["values"]] == [v is None for v in expected], where
                pairs = [(r, p) for r, p in zip(column["values"], expected, strict=True) if p is not None]
                assert [r for r, _ in pairs] == pytest.approx([p for _, p in pairs], rel=1e-12), where
            else:
                assert column["values"] == expected, where


def test_bundled_package_loads_typed_as_the_schemas_say(r_results: dict[str, dict]) -> None:
    _assert_agrees(r_results["bundled"], ROOT)


def test_a_datapackage_json_path_works_like_its_directory(r_results: dict[str, dict]) -> None:
    assert r_results["bundled-descriptor"] == r_results["bundled"]


def test_synthetic_package_agrees_with_the_python_loader(r_results: dict[str, dict], packages: dict[str, Path]) -> None:
    _assert_agrees(r_results["synthetic"], packages["synthetic"])


def test_empty_cells_are_na_and_text_is_kept_as_is(r_results: dict[str, dict], packages: dict[str, Path]) -> None:
    _assert_agrees(r_results["edge"], packages["edge"])
    tables = {t["name"]: {c["name"]: c for c in t["columns"]} for t in r_results["edge"]["tables"]}
    events, places, actors = tables["events"], tables["places"], tables["actors"]
    assert events["notes"]["values"][0] == NOTE  # multi-line quoted cell, commas and quotes intact
    assert events["notes"]["na"] == 3
    assert events["fatalities_best"]["values"] == [12, None, None, None]
    assert events["date_end"]["values"][:4] == [None, None, None, "2012-11-25"]
    assert places["place_type"]["values"][0] is None  # empty optional enum: NA, not a level
    assert places["latitude"]["values"][0] is None
    assert places["geonames_id"]["values"][0] == 616052
    assert places["name_hy"]["values"][0] == "Հայաստան"
    assert actors["aliases"]["values"][1] == "NA"  # only the schema's missingValues ("") mean missing
    assert actors["description"]["values"][1] == "  two  spaces kept  "


def test_an_inline_schema_reads_like_a_referenced_one(r_results: dict[str, dict]) -> None:
    assert r_results["inline-schema"] == r_results["synthetic"]


# --- refusals: one defect per fixture, each with its exact message ------------------------------

REFUSALS = {
    "header-mismatch": (
        "read_timeline: resource 'places' (data/places.csv): header does not match the schema's field names: "
        "missing column(s): place_id; duplicate column(s): name\n"
        "  expected: place_id,name,name_hy,name_az,name_ru,place_type,latitude,longitude,country_code,wikidata_qid,geonames_id\n"
        "  found:    name,name,name_hy,name_az,name_ru,place_type,latitude,longitude,country_code,wikidata_qid,geonames_id"
    ),
    "bad-date": "read_timeline: resource 'events' (data/events.csv): 1 problem(s):\n"
                "  line 3, field date_start: '2020-13-01' is not a date (YYYY-MM-DD)",
    "impossible-day": "read_timeline: resource 'events' (data/events.csv): 1 problem(s):\n"
                      "  line 3, field date_start: '2023-02-30' is not a date (YYYY-MM-DD)",
    "loose-date": "read_timeline: resource 'events' (data/events.csv): 1 problem(s):\n"
                  "  line 3, field date_start: '2020-1-5' is not a date (YYYY-MM-DD)",
    "spaced-integer": "read_timeline: resource 'places' (data/places.csv): 1 problem(s):\n"
                      "  line 3, field geonames_id: ' 7' is not an integer (digits, optional sign) within R's 32-bit integer range",
    "bad-date-after-multiline": "read_timeline: resource 'events' (data/events.csv): 1 problem(s):\n"
                                "  line 4, field date_start: '2020-13-01' is not a date (YYYY-MM-DD)",
    "extra-cell": "read_timeline: resource 'event_sources' (data/event_sources.csv): 1 problem(s):\n"
                  "  readr row 3, column 3: expected 2 columns, found 3 columns",
    "missing-file": "read_timeline: resource 'event_relations': path data/event_relations.csv not found",
    "absolute-path": "read_timeline: resource 'event_relations': path /etc/hosts must be relative and stay inside "
                     "the package (no absolute path, no '..')",
    "parent-path": "read_timeline: resource 'event_relations': path ../event_relations.csv must be relative and stay "
                   "inside the package (no absolute path, no '..')",
    "url-path": "read_timeline: resource 'event_relations': path https://example.org/event_relations.csv is a URL; "
                "remote data is never fetched",
    "parent-schema": "read_timeline: resource 'event_relations': schema schemas/../../schemas/event_relations.json must "
                     "be relative and stay inside the package (no absolute path, no '..')",
}


@pytest.mark.parametrize("fixture", list(REFUSALS))
def test_read_timeline_refuses_with_a_clear_message(r_results: dict[str, dict], fixture: str) -> None:
    result = r_results[fixture]
    assert not result["ok"]
    message = re.sub(r" \(/[^)]*\)$", "", result["error"])  # drop the absolute path some messages end with
    assert message == REFUSALS[fixture]


def test_an_enum_value_with_a_stray_space_is_refused_not_trimmed(r_results: dict[str, dict]) -> None:
    # readr's own factor collector would match "ceasefire " to the level "ceasefire".
    error = r_results["spaced-enum"]["error"]
    assert error.startswith("read_timeline: resource 'events' (data/events.csv): 1 problem(s):\n"
                            "  line 3, field event_type: 'ceasefire ' is not one of negotiation_meeting, agreement, ceasefire,")


def test_refusals_agree_with_the_python_validator_on_line_and_field(packages: dict[str, Path], r_results: dict[str, dict]) -> None:
    for fixture in ("bad-date", "impossible-day", "loose-date", "bad-date-after-multiline", "spaced-integer"):
        issue = next(i for i in kt.validate(packages[fixture]).issues if i.code == "type-error")
        assert f"line {issue.line}, field {issue.field}: '{issue.value}'" in r_results[fixture]["error"], fixture


def test_header_mismatch_is_an_r_error(packages: dict[str, Path]) -> None:
    """Called plainly, read_timeline() stops: Rscript exits 1 and prints the message on stderr."""
    if RSCRIPT is None:
        pytest.skip(SKIP_REASON)
    code = f'source("{LOADER}"); read_timeline("{packages["header-mismatch"]}")'
    proc = subprocess.run([RSCRIPT, "--vanilla", "-e", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("Error: " + REFUSALS["header-mismatch"].split("\n")[0] + "\n")


# --- rOpenSci frictionless (R): what read_package() + read_resource() require ------------------
# Read in frictionlessdata/frictionless-r (the package is not installable here):
#   R/read_package.R   - the descriptor is read from a file path; `resources` must be present.
#   R/check_package.R  - every resource has a `name`.
#   R/resource.R       - `path` or `data` (not both); every path goes through check_path(safe = TRUE).
#   R/check_path.R     - a safe path neither starts with "/" nor "../"; the file must exist.
#   R/schema.R, R/get_schema.R - `profile` must equal "tabular-data-resource"; `schema` is required,
#                        an object or a path read by read_descriptor(safe = TRUE).
#   R/utils.R          - read_descriptor(): JSON via jsonlite unless the path ends in .yaml/.yml.
#   R/check_schema.R   - `fields` is a list; every field has a `name` and a type among valid_types.
#   R/col_types.R, R/collectors.R - types become readr collectors: string -> character, enum ->
#                        factor(levels = enum), integer -> double (not integer), number -> double,
#                        date with format "default" -> "%Y-%m-%d"; decimalChar/groupChar/bareNumber change parsing.
#   R/locale.R         - `encoding` must be one R knows (else a warning and UTF-8).
#   R/read_from_path.R - na = schema$missingValues (default ""); dialect defaults: ",", '"', doubleQuote,
#                        header row skipped and column names taken from the schema.
#   R/read_resource.R (0.x) - compared the CSV header with the field names, case-insensitively.
#   R/upgrade_schema.R - (Data Package v2 upgrade) compares foreignKeys[].reference.resource with
#                        the resource name, so that property must be a string, never absent.
FRICTIONLESS_R_TYPES = {"string", "number", "integer", "boolean", "object", "array", "date", "time", "datetime",
                        "year", "yearmonth", "duration", "geopoint", "geojson", "any"}


def _safe_for_frictionless_r(path: object) -> bool:
    return isinstance(path, str) and not path.startswith(("/", "../")) and not re.match(r"^(http|https|ftp|ftps|sftp)://", path)  # is_url(), R/utils.R


def test_descriptor_and_schemas_meet_frictionless_r_requirements() -> None:
    descriptor = _descriptor(ROOT)
    assert descriptor["resources"], "read_package() warns on a package without resources"
    for res in descriptor["resources"]:
        name = res.get("name")
        assert isinstance(name, str) and name, "check_package(): every resource needs a name"
        assert "data" not in res and _safe_for_frictionless_r(res.get("path")), name
        assert (ROOT / res["path"]).is_file(), name
        assert res.get("profile") == "tabular-data-resource", f"{name}: schema() requires this profile"
        assert _safe_for_frictionless_r(res.get("schema")) and res["schema"].endswith(".json"), name
        assert (ROOT / res["schema"]).is_file(), name
        assert res.get("encoding", "utf-8").lower() in ("utf-8", "utf8"), name
        assert "dialect" not in res, f"{name}: read_from_path() reads plain CSV by default"
        schema = json.loads((ROOT / res["schema"]).read_text(encoding="utf-8"))
        assert isinstance(schema.get("fields"), list) and schema["fields"], name
        missing = schema.get("missingValues", [""])
        assert isinstance(missing, list) and all(isinstance(v, str) for v in missing), name
        for f in schema["fields"]:
            where = f"{name}.{f.get('name')}"
            assert isinstance(f.get("name"), str), where
            assert f.get("type", "any") in FRICTIONLESS_R_TYPES, where
            assert not {"decimalChar", "groupChar", "bareNumber"} & set(f), where
            if f.get("type") == "date":
                assert f.get("format", "default") == "default", where
            enum = f.get("constraints", {}).get("enum")
            if enum is not None:
                assert enum and all(isinstance(v, str) for v in enum), where
        for key in schema.get("foreignKeys", []):
            assert isinstance(key["reference"].get("resource"), str), f"{name}: upgrade_schema() compares it"
        header = read_rows(ROOT, name)[0]
        assert header == [f["name"] for f in schema["fields"]], f"{name}: header must equal the field names"


def test_r_package_fixture_is_current(tmp_path: Path) -> None:
    """r/inst/extdata/mini is what scripts/make_synthetic.py 4 writes today (so it follows the schemas)."""
    fresh = tmp_path / "mini"
    make_synthetic.make(4, fresh)
    shipped = ROOT / "r" / "inst" / "extdata" / "mini"
    files = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file())
    for name in files:
        assert (shipped / name).read_bytes() == (fresh / name).read_bytes(), f"{name}: run python scripts/make_synthetic.py 4 r/inst/extdata/mini"


@pytest.mark.skipif(shutil.which("R") is None, reason=SKIP_REASON)
def test_r_package_builds_and_passes_r_cmd_check(tmp_path: Path) -> None:
    """R CMD build + R CMD check (examples and testthat tests included) on the r/ package."""
    env = {**os.environ, "_R_CHECK_FORCE_SUGGESTS_": "false", "_R_CHECK_CRAN_INCOMING_": "false"}
    subprocess.run(["R", "CMD", "build", "--no-manual", str(ROOT / "r")], cwd=tmp_path, check=True, capture_output=True, env=env)
    tarball = next(tmp_path.glob("karabakhtimeline_*.tar.gz"))
    result = subprocess.run(["R", "CMD", "check", "--no-manual", tarball.name], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Status: OK" in result.stdout, result.stdout[-3000:]
