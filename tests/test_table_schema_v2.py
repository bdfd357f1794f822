"""Table Schema v2's additions: list, categories, uniqueKeys, jsonSchema, exclusive bounds, missingValues objects, key forms.

Each case is a tiny package (a v2 ``$schema``, one table) with one defect, and the exact
(code, physical line, field) our validator must report. frictionless-py 5 runs on the same
package: where it reads the feature, its verdict must be ours (classes and lines); where it does
not, the case says why the v2 specification is on our side, and the test checks it still differs.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import foreign_package, run
from test_frictionless_agreement import OUR_CLASSES, PEER_CLASSES

ID_NAME = {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}
V2 = {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json"}
ROW = {"name": "row", "type": "integer"}


@dataclass
class Case:
    """One package: its CSV, its Table Schema, and the issues it must give (code, line, field)."""

    id: str
    csv: str
    schema: dict
    expected: list[tuple[str, int | None, str | None]]
    peer: str | None = None  # frictionless-py does not read this the spec's way: why
    messages: list[str] = field(default_factory=list)  # words the messages must contain


def _one(fld: dict, good: str, bad: str) -> tuple[str, dict]:
    """A row number beside one field x, with a good cell on line 2 and a bad one on line 3."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["row", "x"], ["1", good], ["2", bad]])
    return buf.getvalue(), {"fields": [ROW, {"name": "x", **fld}]}


def _case(case_id: str, fld: dict, good: str, bad: str, expected: list, **kw: object) -> Case:
    text, schema = _one(fld, good, bad)
    return Case(case_id, text, schema, expected, **kw)  # type: ignore[arg-type]


OBJ = {"type": "object", "properties": {"value": {"type": "integer"}}}
NO_CATEGORIES = "frictionless-py 5 ignores categories, so a value outside them passes"
NO_UNIQUE_KEYS = "frictionless-py 5 ignores uniqueKeys, so a repeated composite key passes"
NO_JSON_SCHEMA = "frictionless-py 5 refuses the jsonSchema constraint of an object field (the v2 spec defines it)"
CASES = [
    _case("list-integer", {"type": "list", "itemType": "integer"}, "1,2", "1,a", [("type-error", 3, "x")],
          messages=["a list of integer items separated by ','"]),
    _case("list-delimiter-date", {"type": "list", "itemType": "date", "delimiter": ";"}, "2020-01-01;2020-01-02", "2020-01-01;x",
          [("type-error", 3, "x")]),
    _case("list-max-length", {"type": "list", "constraints": {"maxLength": 2}}, "a,b", "a,b,c", [("text-length", 3, "x")],
          messages=["max 2 items"]),
    _case("list-item-type-unknown", {"type": "list", "itemType": "geopoint"}, "a", "b", [("schema-invalid", None, None)]),
    _case("object-max-length", {"type": "object", "constraints": {"maxLength": 1}}, '{"a": 1}', '{"a": 1, "b": 2}',
          [("text-length", 3, "x")], messages=["max 1 keys"]),
    _case("array-min-length", {"type": "array", "constraints": {"minLength": 2}}, "[1, 2]", "[1]", [("text-length", 3, "x")]),
    _case("categories-string", {"type": "string", "categories": ["a", "b"]}, "a", "c", [("enum-value", 3, "x")], peer=NO_CATEGORIES),
    _case("categories-integer-labels", {"type": "integer", "categories": [{"value": 0, "label": "no"}, {"value": 1, "label": "yes"}],
                                        "categoriesOrdered": True}, "1", "2", [("enum-value", 3, "x")], peer=NO_CATEGORIES),
    _case("categories-enum-not-subset", {"type": "string", "categories": ["a"], "constraints": {"enum": ["a", "b"]}}, "a", "a",
          [("schema-invalid", None, None)], peer=NO_CATEGORIES),
    _case("categories-on-number", {"type": "number", "categories": [1.5]}, "1.5", "1.5", [("schema-invalid", None, None)],
          peer=NO_CATEGORIES),
    Case("unique-keys", "a,b\nx,1\nx,1\nx,\nx,\ny,1\n", {"fields": [{"name": "a"}, {"name": "b", "type": "integer"}],
                                                       "uniqueKeys": [["a", "b"]]},
         [("duplicate-value", 3, "a,b")], peer=NO_UNIQUE_KEYS, messages=["already appears on line 2"]),
    Case("unique-keys-unknown-field", "a\nx\n", {"fields": [{"name": "a"}], "uniqueKeys": [["a", "b"]]}, [("schema-invalid", None, None)],
         peer=NO_UNIQUE_KEYS),
    _case("json-schema", {"type": "object", "constraints": {"jsonSchema": OBJ}}, '{"value": 100}', '{"value": "bad"}',
          [("json-schema-mismatch", 3, "x")], peer=NO_JSON_SCHEMA, messages=["['value']: 'bad' is not of type 'integer'"]),
    _case("json-schema-array", {"type": "array", "constraints": {"jsonSchema": {"items": {"type": "string"}, "maxItems": 2}}},
          '["a"]', '["a", "b", "c"]', [("json-schema-mismatch", 3, "x")], peer=NO_JSON_SCHEMA),
    _case("json-schema-invalid", {"type": "object", "constraints": {"jsonSchema": {"type": 5}}}, "{}", "{}",
          [("schema-invalid", None, None)]),
    _case("json-schema-on-string", {"type": "string", "constraints": {"jsonSchema": {}}}, "a", "b", [("schema-invalid", None, None)]),
    _case("json-schema-remote-ref", {"type": "object", "constraints": {"jsonSchema": {"$ref": "https://example.invalid/s.json"}}},
          "{}", "{}", [("json-schema-mismatch", 2, "x"), ("json-schema-mismatch", 3, "x")], peer=NO_JSON_SCHEMA,
          messages=["never fetched"]),
    _case("exclusive-maximum", {"type": "integer", "constraints": {"exclusiveMaximum": 10}}, "9", "10", [("out-of-range", 3, "x")],
          messages=["-∞ to 10 exclusive"]),
    _case("exclusive-minimum-date", {"type": "date", "constraints": {"exclusiveMinimum": "2020-01-01"}}, "2020-01-02", "2020-01-01",
          [("out-of-range", 3, "x")]),
    Case("field-missing-values-replace", "row,x\n1,-\n2,n/a\n",
         {"fields": [ROW, {"name": "x", "type": "integer", "missingValues": ["-"]}], "missingValues": ["", "n/a"]},
         [("type-error", 3, "x")]),
    _case("field-missing-values-objects", {"type": "integer", "missingValues": [{"value": "-99", "label": "refused"}]}, "-99", "-",
          [("type-error", 3, "x")]),
    Case("schema-missing-values-objects", "row,x\n1,-99\n2,-\n",
         {"fields": [ROW, {"name": "x", "type": "integer"}], "missingValues": [{"value": "-99", "label": "refused"}, {"value": ""}]},
         [("type-error", 3, "x")]),
    Case("missing-values-objects-repeat", "row,x\n1,-99\n",
         {"fields": [ROW, {"name": "x", "type": "integer"}], "missingValues": [{"value": "-99"}, {"value": "-99"}]},
         [("schema-invalid", None, None)]),
    Case("foreign-key-resource-omitted", "id,parent\n1,\n2,1\n3,9\n",
         {"fields": [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}],
          "foreignKeys": [{"fields": "parent", "reference": {"fields": "id"}}]}, [("foreign-key", 4, "parent")]),
    Case("fields-match-subset", "a,b,c\n1,2,3\n", {"fields": [{"name": "a", "type": "integer"}], "fieldsMatch": "subset"}, []),
    Case("fields-match-subset-missing", "a\n1\n", {"fields": [{"name": "a"}, {"name": "b"}], "fieldsMatch": "subset"},
         [("missing-column", 1, "b")]),
    Case("fields-match-superset", "a\n1\n", {"fields": [{"name": "a"}, {"name": "b"}], "fieldsMatch": "superset"}, []),
    Case("fields-match-superset-extra", "a,c\n1,2\n", {"fields": [{"name": "a"}, {"name": "b"}], "fieldsMatch": "superset"},
         [("extra-column", 1, "c")]),
    Case("fields-match-partial", "a,c\n1,2\n", {"fields": [{"name": "a"}, {"name": "b"}], "fieldsMatch": "partial"}, []),
    Case("fields-match-partial-none", "c\nx\n", {"fields": [{"name": "a"}, {"name": "b"}], "fieldsMatch": "partial"},
         [("missing-column", 1, "a"), ("missing-column", 1, "b"), ("extra-column", 1, "c")]),
    Case("fields-match-unknown", "a\n1\n", {"fields": [{"name": "a"}], "fieldsMatch": "some"}, [("schema-invalid", None, None)]),
    Case("dialect-header-case-false", "ID,Name\n1,a\n", {**ID_NAME, "_resource": {"dialect": {"headerCase": False}}}, []),
    Case("dialect-header-case-default", "ID,name\n1,a\n", ID_NAME, [("extra-column", 1, "ID"), ("missing-column", 1, "id")]),
    Case("dialect-skip-blank-rows", "id,name\n1,a\n,\n2,b\n", {**ID_NAME, "_resource": {"dialect": {"skipBlankRows": True}}}, []),
    Case("dialect-blank-rows-reported", "id,name\n1,a\n,\n2,b\n", ID_NAME, [("blank-row", 3, None)]),
    Case("primary-key-null", "id,name\n,a\n2,b\n,c\n", {**ID_NAME, "primaryKey": ["id"]}, [("missing-value", 2, "id"), ("missing-value", 4, "id")],
         peer="a primary key's fields are required by the spec (missing-value); frictionless-py calls the null key a primary-key error"),
    Case("primary-key-string", "id\n1\n1\n", {"fields": [{"name": "id", "type": "integer"}], "primaryKey": "id"},
         [("duplicate-key", 3, "id")]),
]


def _package(tmp_path: Path, case: Case) -> Path:
    return foreign_package(tmp_path / case.id, {"t": (case.csv, case.schema)}, **V2)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_v2_case(tmp_path: Path, case: Case) -> None:
    pkg = _package(tmp_path, case)
    result = run("validate", str(pkg), "--format", "json")
    issues = json.loads(result.stdout)["issues"]
    assert [(i["code"], i["line"], i["field"]) for i in issues] == case.expected, issues
    assert result.exit_code == (0 if not case.expected else 3 if case.expected[0][0] == "schema-invalid" else 1)
    for words in case.messages:
        assert any(words in i["message"] for i in issues), (words, [i["message"] for i in issues])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_v2_case_against_frictionless(tmp_path: Path, case: Case) -> None:
    frictionless = pytest.importorskip("frictionless")
    pkg = _package(tmp_path, case)
    lineless = ("schema", "header")  # frictionless gives a header or schema error no row number
    ours = sorted({(OUR_CLASSES[c], None if OUR_CLASSES[c] in lineless else line) for c, line, _ in case.expected})
    report = frictionless.validate(str(pkg / "datapackage.json"))
    theirs = sorted({(PEER_CLASSES.get(t, t), None if PEER_CLASSES.get(t) in lineless else line)
                     for t, line in report.flatten(["type", "rowNumber"])})
    if case.peer is None:
        assert theirs == ours, f"frictionless gives {theirs}"
    else:
        assert theirs != ours, f"frictionless now agrees ({theirs}): drop the case's peer note"


def test_categories_load_as_categorical(tmp_path: Path) -> None:
    """categories (and categoriesOrdered) make load()'s column a pandas Categorical in the categories' order."""
    import karabakh_timeline as kt

    text, schema = _one({"type": "string", "categories": ["low", "mid", "high"], "categoriesOrdered": True}, "mid", "low")
    timeline = kt.load(foreign_package(tmp_path / "p", {"t": (text, schema)}, **V2))
    column = timeline.tables["t"]["x"]
    assert list(column.cat.categories) == ["low", "mid", "high"] and column.cat.ordered
    assert column.max() == "mid"
