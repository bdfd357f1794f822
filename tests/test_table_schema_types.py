"""Table Schema v1 for any package: every type with its formats and options, typed constraints, missing values, keys.

Each case is a one-field package with one good and one bad cell; the bad cell (line 3) must give
exactly the expected code, and the good one nothing.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import foreign_package, run

CASES = [
    # (id, field, good cell, bad cell, code on the bad cell)
    ("year", {"type": "year"}, "2020", "20201", "type-error"),
    ("yearmonth", {"type": "yearmonth"}, "2020-05", "2020-13", "type-error"),
    ("datetime", {"type": "datetime"}, "2020-01-01T10:00:00Z", "2020-02-30T10:00:00Z", "type-error"),
    ("datetime-offset", {"type": "datetime"}, "2020-01-01T10:00:00.5+01:00", "2020-01-01", "type-error"),
    ("datetime-format", {"type": "datetime", "format": "%d/%m/%Y %H:%M"}, "31/12/2020 23:59", "2020-12-31T23:59:00Z", "type-error"),
    ("time", {"type": "time"}, "10:00:00", "25:00:00", "type-error"),
    ("time-format", {"type": "time", "format": "%H.%M"}, "10.30", "10:30:00", "type-error"),  # was: an internal error
    ("time-any", {"type": "time", "format": "any"}, "10:30 pm", "not a time", "type-error"),  # was: an internal error
    ("duration", {"type": "duration"}, "P1Y2M3DT4H", "1Y", "type-error"),
    ("geopoint", {"type": "geopoint"}, "90, 45", "200, 45", "type-error"),
    ("geopoint-array", {"type": "geopoint", "format": "array"}, "[90, 45]", "[90]", "type-error"),
    ("geopoint-object", {"type": "geopoint", "format": "object"}, '{"lon": 90, "lat": 45}', '{"lon": 90}', "type-error"),
    ("geojson", {"type": "geojson"}, '{"type": "Point", "coordinates": [1, 2]}', '{"type": "Point"}', "type-error"),
    ("object", {"type": "object"}, '{"a": 1}', "[1]", "type-error"),
    ("array", {"type": "array"}, "[1, 2]", "{}", "type-error"),
    ("any", {"type": "any", "constraints": {"required": True}}, "whatever", "", "missing-value"),
    ("integer-over-18-digits", {"type": "integer"}, "1234567890123456789012", "12x", "type-error"),
    ("date-format", {"type": "date", "format": "%d/%m/%Y"}, "31/12/2020", "31/02/2020", "type-error"),
    ("date-legacy-fmt", {"type": "date", "format": "fmt:%d.%m.%Y"}, "31.12.2020", "2020-12-31", "type-error"),
    ("date-any", {"type": "date", "format": "any"}, "31 December 2020", "not a date", "type-error"),
    ("true-false-values", {"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}, "yes", "true", "type-error"),
    ("group-char", {"type": "number", "groupChar": " "}, "1 234 567.5", "1,234", "type-error"),
    ("group-char-empty", {"type": "number", "groupChar": ""}, "1234.5", "1,234", "type-error"),  # "" is no grouping (datasets/oil-prices)
    ("decimal-char", {"type": "number", "decimalChar": ",", "groupChar": "."}, "1.234,5", "1,2,3", "type-error"),
    ("bare-number", {"type": "number", "bareNumber": False}, "€95.5%", "€", "type-error"),
    ("integer-bare-number", {"type": "integer", "bareNumber": False}, "$1000", "$", "type-error"),
    ("email", {"type": "string", "format": "email"}, "a@example.org", "not-an-email", "type-error"),
    ("uri", {"type": "string", "format": "uri"}, "ftp://example.org/x?y=1", "no scheme", "type-error"),
    ("uri-unusual", {"type": "string", "format": "uri"}, "urn:isbn:0451450523", "http://exa mple.org/", "type-error"),
    ("uuid", {"type": "string", "format": "uuid"}, "0e8400e2-9b1d-41d4-a716-446655440000", "nope", "type-error"),
    ("binary", {"type": "string", "format": "binary"}, "aGVsbG8=", "***", "type-error"),
    ("numeric-enum", {"type": "number", "constraints": {"enum": [0, 40000]}}, "4e4", "1", "enum-value"),
    ("numeric-enum-zero", {"type": "number", "constraints": {"enum": [0, 1]}}, "-0", "2", "enum-value"),
    ("integer-enum-strings", {"type": "integer", "constraints": {"enum": ["1", "2"]}}, "2", "3", "enum-value"),
    ("string-bound", {"type": "integer", "constraints": {"maximum": "10"}}, "10", "11", "out-of-range"),
    ("exclusive-minimum", {"type": "number", "constraints": {"exclusiveMinimum": 0}}, "0.5", "0", "out-of-range"),
    ("datetime-bound", {"type": "datetime", "constraints": {"minimum": "2020-01-01T00:00:00Z"}}, "2020-06-01T00:00:00Z",
     "2019-06-01T00:00:00Z", "out-of-range"),
    ("year-bound", {"type": "year", "constraints": {"minimum": 2000}}, "2001", "1999", "out-of-range"),
    ("time-bound", {"type": "time", "constraints": {"minimum": "09:30:00"}}, "10:00:00", "09:00:00", "out-of-range"),  # was: an internal error
    ("time-enum", {"type": "time", "constraints": {"enum": ["10:00:00"]}}, "10:00:00", "11:00:00", "enum-value"),
    ("nan-is-a-number", {"type": "number", "constraints": {"required": True}}, "NaN", "", "missing-value"),
    ("field-missing-values", {"type": "integer", "missingValues": ["-", "n/a"], "constraints": {"required": True}}, "1", "n/a",
     "missing-value"),
]


def _package(tmp_path: Path, fld: dict, cells: list[str], **schema: object) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["row", "x"])  # a row number beside the cell, so that an empty cell is not a blank row
    writer.writerows([[str(n), c] for n, c in enumerate(cells)])
    fields = [{"name": "row", "type": "integer"}, {"name": "x", **fld}]
    return foreign_package(tmp_path / "p", {"t": (buf.getvalue(), {"fields": fields, **schema})})


def _issues(pkg: Path) -> tuple[int, list[tuple[str, int | None, str | None]]]:
    result = run("validate", str(pkg), "--format", "json")
    data = json.loads(result.stdout)
    return result.exit_code, [(i["code"], i["line"], i["field"]) for i in data["issues"]]


@pytest.mark.parametrize("fld,good,bad,code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_type_option_and_constraint(tmp_path: Path, fld: dict, good: str, bad: str, code: str) -> None:
    exit_code, issues = _issues(_package(tmp_path, fld, [good, bad]))
    assert issues == [(code, 3, "x")]
    assert exit_code == 1


def test_schema_level_missing_values(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {"type": "integer", "constraints": {"required": True}}, ["1", "NA", ""], missingValues=["NA"])
    assert _issues(pkg)[1] == [("missing-value", 3, "x"), ("type-error", 4, "x")]  # "" is a value here, and not an integer


def test_a_bound_that_is_not_of_the_fields_type_is_schema_invalid(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {"type": "integer", "constraints": {"maximum": "ten"}}, ["1"])
    assert _issues(pkg) == (3, [("schema-invalid", None, None)])


@pytest.mark.parametrize("kind,constraint", [("number", {"minLength": 3}), ("integer", {"maxLength": 3}), ("date", {"minLength": 1}),
                                             ("geojson", {"minLength": 1}), ("integer", {"pattern": "[0-9]+"}), ("date", {"pattern": "2.*"}),
                                             ("object", {"pattern": ".*"})])
def test_a_constraint_that_does_not_apply_to_the_type_is_schema_invalid(tmp_path: Path, kind: str, constraint: dict) -> None:
    """Table Schema v1: lengths apply to string, array and object, pattern to string. datasets/country-codes in 2017 gave M49, a
    number, minLength 3; a pattern on an integer field was an internal error."""
    pkg = _package(tmp_path, {"type": kind, "constraints": constraint}, ["1"])
    assert _issues(pkg) == (3, [("schema-invalid", None, None)])


def test_an_unknown_string_format_is_schema_invalid(tmp_path: Path) -> None:
    assert _issues(_package(tmp_path, {"type": "string", "format": "colour"}, ["red"]))[1] == [("schema-invalid", None, None)]


def test_load_types_the_new_types(tmp_path: Path) -> None:
    import karabakh_timeline as kt

    buf = "y,dt,big,n\n2020,2020-01-01T10:00:00Z,1234567890123456789012,\"1,5\"\n"
    fields = [{"name": "y", "type": "year"}, {"name": "dt", "type": "datetime"}, {"name": "big", "type": "integer"},
              {"name": "n", "type": "number", "decimalChar": ","}]
    pkg = foreign_package(tmp_path / "p", {"t": (buf, {"fields": fields})})
    frame = kt.load(pkg).tables["t"]
    assert frame["y"].tolist() == [2020] and frame["n"].tolist() == [1.5]
    assert str(frame["dt"].iloc[0]) == "2020-01-01 10:00:00+00:00"
    assert int(frame["big"].iloc[0]) == 1234567890123456789012


COMPOSITE = {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "string"}, {"name": "pa", "type": "integer"},
                        {"name": "pb", "type": "string"}],
             "primaryKey": ["a", "b"],
             "foreignKeys": [{"fields": ["pa", "pb"], "reference": {"resource": "", "fields": ["a", "b"]}}]}


def test_composite_self_referencing_foreign_key(tmp_path: Path) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": ("a,b,pa,pb\n1,x,,\n2,y,1,x\n3,z,1,y\n", COMPOSITE)})
    assert _issues(pkg)[1] == [("foreign-key", 4, "pa,pb")]


def test_composite_foreign_key_to_another_resource(tmp_path: Path) -> None:
    child = {"fields": [{"name": "pa", "type": "integer"}, {"name": "pb", "type": "string"}],
             "foreignKeys": [{"fields": ["pa", "pb"], "reference": {"resource": "parent", "fields": ["a", "b"]}}]}
    pkg = foreign_package(tmp_path / "p", {"parent": ("a,b,pa,pb\n1,x,,\n", COMPOSITE), "child": ("pa,pb\n1,x\n2,x\n", child)})
    assert _issues(pkg)[1] == [("foreign-key", 3, "pa,pb")]


EMAILS = ["a@example.org", "first.last+tag@sub.example.co.uk", "x_y%z@a-b.io", "a@b.test", "a..b@example.org", ".a@example.org",
          "a@-example.org", "a@example.123", "a" * 65 + "@example.org", "a@" + "b" * 64 + ".org", "üser@example.org", "a@localhost"]
URIS = ["https://example.org/a%20b?q=1#f", "http://example.org:8080/", "ftp://h/x", "http://exa mple.org/", "https://example.org/%zz",
        "http://[::1]/", "mailto:a@example.org", "http://example.org/a|b", "urn:isbn:1"]


@pytest.mark.parametrize("fmt,values", [("email", EMAILS), ("uri", URIS)])
def test_vectorised_string_formats_agree_with_the_reference_parser(fmt: str, values: list[str]) -> None:
    """The RE2 pre-checks (read.cells) never accept what the library (schema.lexical) refuses, mixed or alone."""
    import pyarrow as pa

    from karabakh_timeline.read.cells import convert
    from karabakh_timeline.schema.lexical import parse_string, safe
    from karabakh_timeline.schema.table_schema import parse_schema

    schema = parse_schema("t", {"fields": [{"name": "x", "type": "string", "format": fmt}]})
    expected = [not safe(lambda v: parse_string(v, fmt))(v)[0] for v in values]
    _, bad = convert(pa.chunked_array([pa.array(values)]), schema.fields[0], schema)
    assert bad.tolist() == expected
    for value, wrong in zip(values, expected, strict=True):  # each alone: the fast path alone decides
        _, bad = convert(pa.chunked_array([pa.array([value])]), schema.fields[0], schema)
        assert bad.tolist() == [wrong], value


def _cells_agree(ftype: str, fmt: str, values: list[str], **options: object) -> None:
    import pyarrow as pa

    from karabakh_timeline.read.cells import convert
    from karabakh_timeline.schema.lexical import parser, safe
    from karabakh_timeline.schema.table_schema import parse_schema

    schema = parse_schema("t", {"fields": [{"name": "x", "type": ftype, "format": fmt, **options}]})
    fld = schema.fields[0]
    parse = safe(parser(ftype, fmt, fld.options))
    expected = [v != "" and not parse(v)[0] for v in values]
    _, bad = convert(pa.chunked_array([pa.array(values, pa.string())]), fld, schema)
    assert bad.tolist() == expected, values


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    pass
else:
    _EMAILISH = st.text(alphabet="ab9._%+-@ü", min_size=1, max_size=14)
    _URIISH = st.text(alphabet="ah:/.%2f?#[] |x", min_size=1, max_size=16).map(lambda s: "http://" + s)
    _NUMERIC = st.text(alphabet="0123456789+-.,eE xNaIF$%", min_size=1, max_size=10)
    _DATETIMEISH = st.one_of(st.text(alphabet="0123456789-:TZ+.", min_size=15, max_size=26),
                             st.datetimes().map(lambda d: d.isoformat()), st.just("2020-01-01T10:00:00+0100"))

    @settings(max_examples=150, deadline=None)
    @given(st.lists(_EMAILISH, min_size=1, max_size=5))
    def test_property_email_fast_path_agrees(values: list[str]) -> None:
        _cells_agree("string", "email", values)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(_URIISH, min_size=1, max_size=5))
    def test_property_uri_fast_path_agrees(values: list[str]) -> None:
        _cells_agree("string", "uri", values)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(_NUMERIC, min_size=1, max_size=5), st.sampled_from([{}, {"groupChar": ","}, {"bareNumber": False},
                                                                        {"decimalChar": ",", "groupChar": "."}]))
    def test_property_number_options_agree(values: list[str], options: dict) -> None:
        _cells_agree("number", "default", values, **options)
        _cells_agree("integer", "default", values, **options)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(_DATETIMEISH, min_size=1, max_size=5))
    def test_property_datetime_fast_path_agrees(values: list[str]) -> None:
        _cells_agree("datetime", "default", values)
        _cells_agree("date", "default", [v[:10] for v in values])
        _cells_agree("time", "default", [v[11:19] for v in values])
        _cells_agree("year", "default", [v[:4] for v in values])
