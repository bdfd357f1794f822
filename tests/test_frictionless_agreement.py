"""Agreement with frictionless-py on packages built from frictionless-py's own fixture files.

Each case is a package (fixture files from tests/fixtures/frictionless, MIT, and a descriptor) and
the verdict the specifications give: valid, or the classes of issue found. Our validator (no
profile: spec checks only) must give exactly that. frictionless-py is run on the same package;
where it gives something else, the case says why the spec is on our side (``peer``), and the test
checks that frictionless really does differ there, so no claim goes stale. The figures (cases
right by the spec, cases where the tools agree) are printed.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT

frictionless = pytest.importorskip("frictionless")

FIXTURES = ROOT / "tests" / "fixtures" / "frictionless"

# Issue classes: frictionless error types and our codes mapped to what both can say.
PEER_CLASSES = {
    "type-error": "type", "constraint-error": "constraint", "unique-error": "unique", "primary-key": "primary-key",
    "foreign-key": "foreign-key", "blank-row": "blank-row", "extra-cell": "extra-cell", "missing-cell": "missing-cell",
    "duplicate-label": "header", "blank-label": "header", "unmatched-header": "header", "missing-label": "header", "extra-label": "header", "incorrect-label": "header",
    "encoding-error": "encoding", "schema-error": "schema", "field-error": "schema", "package-error": "package",
    "resource-error": "package", "format-error": "unsupported", "scheme-error": "unsupported", "source-error": "read",
    "compression-error": "read", "dialect-error": "package",
}
OUR_CLASSES = {
    "type-error": "type", "missing-value": "constraint", "enum-value": "constraint", "pattern-mismatch": "constraint",
    "text-length": "constraint", "out-of-range": "constraint", "duplicate-value": "unique", "duplicate-key": "primary-key",
    "foreign-key": "foreign-key", "blank-row": "blank-row", "extra-cell": "extra-cell", "missing-cell": "missing-cell",
    "duplicate-header": "header", "missing-column": "header", "extra-column": "header", "encoding-error": "encoding",
    "encoding-mismatch": "encoding", "schema-invalid": "schema", "package-invalid": "package", "package-invalid-json": "package",
    "unsupported-feature": "unsupported", "parse-error": "read", "file-unreadable": "read", "empty-file": "read",
    "references-unchecked": "foreign-key", "json-schema-mismatch": "constraint",
}


@dataclass
class Case:
    """A package from fixture files and the classes of issue the specs find in it (empty: valid)."""

    id: str
    files: tuple[str, ...]
    resources: list[dict]
    spec: frozenset[str] = frozenset()
    peer: str | None = None  # frictionless-py differs: why the spec is on our side
    descriptor: dict = field(default_factory=dict)


def _f(*names: str, kind: str = "string") -> list[dict]:
    return [{"name": n, "type": kind} for n in names]


def _r(path: str, fields: list[dict], **props: object) -> dict:
    name = path.rsplit("/", 1)[-1].split(".")[0].lower().replace(" ", "-")
    return {"name": name, "path": path, "schema": {"fields": fields, **props.pop("schema", {})}, **props}  # type: ignore[dict-item]


ID_NAME = [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]
NUMBERS = [{"name": "number", "type": "number"}]
CASES = [
    Case("table", ("table.csv",), [_r("table.csv", ID_NAME)]),
    Case("capital-valid", ("capital-valid.csv",), [_r("capital-valid.csv", ID_NAME)]),
    Case("capital-valid-pk", ("capital-valid.csv",), [_r("capital-valid.csv", ID_NAME, schema={"primaryKey": ["id"]})]),
    Case("capital-invalid", ("capital-invalid.csv",),
         [_r("capital-invalid.csv", [*ID_NAME, {"name": "name", "type": "string"}])], frozenset({"schema"}),
         peer=None),
    Case("capital-invalid-renamed", ("capital-invalid.csv",),
         [_r("capital-invalid.csv", [*ID_NAME, {"name": "name2", "type": "string"}], schema={"primaryKey": ["id"]})],
         frozenset({"header", "missing-cell", "extra-cell", "blank-row"}),
         peer="the header repeats 'name' where the schema names 'name2' (ours: the repeat and the missing column by name; frictionless: by position), and a ragged row is reported once and not typed or keyed further (which field a cell belongs to is unknown), where frictionless also types and keys the cells of ragged rows"),
    Case("duplicate-rows-pk", ("duplicate-rows.csv",), [_r("duplicate-rows.csv", [*ID_NAME, {"name": "age", "type": "integer"}],
                                                           schema={"primaryKey": ["id"]})], frozenset({"primary-key"})),
    Case("duplicate-rows-no-key", ("duplicate-rows.csv",), [_r("duplicate-rows.csv", [*ID_NAME, {"name": "age", "type": "integer"}])]),
    Case("unique-field", ("unique-field.csv",), [_r("unique-field.csv", _f("id", "name", "slug"), schema={"primaryKey": ["id"]})],
         frozenset({"primary-key"})),
    Case("unique-field-unique", ("unique-field.csv",),
         [_r("unique-field.csv", [{"name": "id", "type": "string", "constraints": {"unique": True}}, *_f("name", "slug")])],
         frozenset({"unique"})),
    Case("structure-errors", ("structure-errors.csv",), [_r("structure-errors.csv", [*ID_NAME, {"name": "age", "type": "integer"}])],
         frozenset({"blank-row", "extra-cell"})),
    Case("schema-errors", ("schema-errors.csv",), [_r("schema-errors.csv", [*ID_NAME, {"name": "age", "type": "integer"}])],
         frozenset({"type", "extra-cell"})),
    Case("defective-rows", ("defective-rows.csv",), [_r("defective-rows.csv", [*ID_NAME, {"name": "age", "type": "integer"}])],
         frozenset({"missing-cell", "extra-cell"})),
    Case("blank-rows", ("blank-rows.csv",), [_r("blank-rows.csv", [*ID_NAME, {"name": "age", "type": "integer"}])],
         frozenset({"blank-row"})),
    Case("blank-cells", ("blank-cells.csv",), [_r("blank-cells.csv", ID_NAME)]),
    Case("blank-cells-required", ("blank-cells.csv",),
         [_r("blank-cells.csv", [ID_NAME[0], {"name": "name", "type": "string", "constraints": {"required": True}}])],
         frozenset({"constraint"})),
    Case("duplicate-headers", ("duplicate-headers.csv",), [_r("duplicate-headers.csv", _f("id", "name", "id2", "age", "id3"))],
         frozenset({"header"})),
    Case("blank-headers", ("blank-headers.csv",), [_r("blank-headers.csv", _f("id", "name", "age"))], frozenset({"header"})),
    Case("invalid", ("invalid.csv",), [_r("invalid.csv", _f("id", "name", "field3", "name2"))],
         frozenset({"header", "missing-cell", "blank-row", "extra-cell"}),
         peer=None),
    Case("floats", ("floats.csv",), [_r("floats.csv", NUMBERS)]),
    Case("floats-as-integer", ("floats.csv",), [_r("floats.csv", [{"name": "number", "type": "integer"}])], frozenset({"type"})),
    Case("leading-zeros", ("leading-zeros.csv",), [_r("leading-zeros.csv", [{"name": "value", "type": "integer"}])]),
    Case("leading-zeros-max", ("leading-zeros.csv",),
         [_r("leading-zeros.csv", [{"name": "value", "type": "integer", "constraints": {"maximum": 2}}])], frozenset({"constraint"})),
    Case("true-false-values", ("countries-truefalsevalues.csv",),
         [_r("countries-truefalsevalues.csv", [{"name": "id", "type": "integer"},
                                               {"name": "value", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}])]),
    Case("true-false-default", ("countries-truefalsevalues.csv",),
         [_r("countries-truefalsevalues.csv", [{"name": "id", "type": "integer"}, {"name": "value", "type": "boolean"}])],
         frozenset({"type"})),
    Case("numeric-labels-boolean", ("numeric-labels.csv",),
         [_r("numeric-labels.csv", [{"name": "id", "type": "string"}] + [{"name": n, "type": "boolean"} for n in
          ("100022", "100025", "100047", "100065", "100093", "10011", "100131", "100156", "100171")])]),
    Case("bom", ("bom.csv",), [_r("bom.csv", ID_NAME)]),
    Case("unicode-headers", ("table-unicode-headers.csv",), [_r("table-unicode-headers.csv", [{"name": "id", "type": "integer"},
                                                                                           {"name": "国人", "type": "string"}])]),
    Case("without-rows", ("without-rows.csv",), [_r("without-rows.csv", ID_NAME)]),
    Case("duplicate-column", ("duplicate-column.csv",), [_r("duplicate-column.csv", _f("A", "B", "B2", "C"))], frozenset({"header"})),
    Case("number-package", ("number/datapackage.json", "number/number-test.csv"), [], frozenset({"constraint", "unique", "type"})),
    Case("geopoint-object", ("geopoint/datapackage.json", "geopoint/data/geopoint-object.csv"), []),
    Case("timezone-datetime", ("timezone.csv",),
         [_r("timezone.csv", [{"name": "datetime", "type": "datetime"}, {"name": "time", "type": "string"}],
             dialect={"skipInitialSpace": True})]),
    Case("timezone-semicolon-pk", ("issue-1105-timezone.csv",),
         [_r("issue-1105-timezone.csv", [{"name": "id", "type": "integer"}, {"name": "timestamp", "type": "datetime"}],
             schema={"primaryKey": ["timestamp"]}, dialect={"delimiter": ";"})]),
    Case("datetime-format", ("issue-1100.csv",),
         [_r("issue-1100.csv", [{"name": "id", "type": "integer"}, {"name": "timestamp", "type": "datetime", "format": "%Y-%m-%d %H.%M.%S"}],
             dialect={"delimiter": ";"})]),
    Case("datetime-default-refuses-other-forms", ("issue-1100.csv",),
         [_r("issue-1100.csv", [{"name": "id", "type": "integer"}, {"name": "timestamp", "type": "datetime"}], dialect={"delimiter": ";"})],
         frozenset({"type"})),
    Case("semicolon", ("issue-1009-semicolon.csv",), [_r("issue-1009-semicolon.csv", _f("fieldNameA", "fieldNameB"),
                                                         dialect={"delimiter": ";"})]),
    Case("delimiter", ("delimiter.csv",), [_r("delimiter.csv", ID_NAME, dialect={"delimiter": ";"})]),
    Case("delimiter-undeclared", ("delimiter.csv",), [_r("delimiter.csv", ID_NAME)], frozenset({"header"}),
         peer="without a dialect the delimiter is a comma: the one column 'id;name' is not the schema's; frictionless sniffs ';'"),
    Case("pipe-and-hash-quotes", ("dialect.csv",), [_r("dialect.csv", ID_NAME, dialect={"delimiter": "|", "quoteChar": "#"})],
         frozenset({"extra-cell"})),  # line 3 is 2| -|## : three cells
    Case("tsv", ("table.tsv",), [_r("table.tsv", ID_NAME, format="tsv")]),
    Case("tsv-null-sequence", ("table.tsv",),
         [_r("table.tsv", [ID_NAME[0], {"name": "name", "type": "string", "constraints": {"required": True}}],
             dialect={"delimiter": "\t", "nullSequence": "\\N"})], frozenset({"constraint"}),
         peer="CSV Dialect 1.0's nullSequence makes \\N a missing value, and name is required; frictionless-py 5 ignores nullSequence"),
    Case("escaping", ("escaping.csv",), [_r("escaping.csv", [{"name": "ID", "type": "integer"}, {"name": "Test", "type": "string"}],
                                         dialect={"skipInitialSpace": True, "escapeChar": "\\"})]),
    Case("comment-char", ("matrix-with-comment.csv",),
         [_r("matrix-with-comment.csv", _f("f1", "f2", "f3", "f4", kind="integer"), dialect={"commentChar": "#"})]),
    Case("header-row-2", ("matrix-with-comment.csv",),
         [_r("matrix-with-comment.csv", _f("f1", "f2", "f3", "f4", kind="integer"), dialect={"headerRow": 2})],
         peer=None),
Case("header-rows-three", ("matrix.csv",), [_r("matrix.csv", _f("11 21 31", "12 22 32", "13 23 33", "14 24 34", kind="integer"), dialect={"headerRows": [2, 3, 4]})]),
    Case("header-rows-join", ("matrix.csv",), [_r("matrix.csv", _f("11.21.31", "12.22.32", "13.23.33", "14.24.34", kind="integer"), dialect={"headerRows": [2, 3, 4], "headerJoin": "."})]),
    Case("header-rows-not-the-schemas", ("matrix.csv",), [_r("matrix.csv", _f("f1", "f2", "f3", "f4", kind="integer"), dialect={"headerRows": [1, 2]})], frozenset({"header"})),
        Case("no-header", ("without-headers.csv",), [_r("without-headers.csv", ID_NAME, dialect={"header": False})]),
    Case("latin1", ("latin1.csv",), [_r("latin1.csv", ID_NAME, encoding="latin-1")]),
    Case("latin1-undeclared", ("latin1.csv",), [_r("latin1.csv", ID_NAME)], frozenset({"encoding"}),
         peer="undeclared, the encoding is UTF-8 (Data Package default) and 0xa3 is not UTF-8; frictionless detects the encoding"),
    Case("ascii", ("ascii.csv",), [_r("ascii.csv", _f("A", "B", "C"), encoding="ascii")], peer=None),
    Case("ascii-declared-but-utf8", ("ascii-notvalid.csv",), [_r("ascii-notvalid.csv", _f("A", "B", "C"), encoding="ascii")],
         frozenset({"encoding"})),
    Case("gzip", ("table.csv.gz",), [_r("table.csv.gz", ID_NAME)]),
    Case("zip", ("table.csv.zip",), [_r("table.csv.zip", ID_NAME)]),
    Case("compression-explicit", ("compression/explicit.csv.gz",), [_r("compression/explicit.csv.gz", ID_NAME, compression="gz")]),
    Case("xlsx", ("table.xlsx",), [_r("table.xlsx", ID_NAME)], frozenset({"unsupported"})),
    Case("ods", ("table.ods",), [_r("table.ods", ID_NAME)], frozenset({"unsupported"}),
         peer="ods is out of this tool's scope: one unsupported-feature (exit 3), where frictionless reads the spreadsheet"),
    Case("jsonl", ("table.jsonl",), [_r("table.jsonl", ID_NAME)], frozenset({"unsupported"}),
         peer="JSON Lines are out of this tool's scope: one unsupported-feature (exit 3), where frictionless reads them"),
    Case("yaml-descriptor", ("capital.package.yaml", "capital-valid.csv", "capital-invalid.csv"), [],
         frozenset({"header", "missing-cell", "extra-cell", "blank-row"}),
         peer="the same file as capital-invalid-renamed: ragged rows are not typed or keyed further"),
    Case("inline-data", (), [{"name": "inline", "data": [["id", "name"], [1, "english"], ["x", "german"]],
                              "schema": {"fields": ID_NAME}}], frozenset({"type"})),
    Case("inline-objects", (), [{"name": "inline", "data": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
                                 "schema": {"fields": ID_NAME, "primaryKey": ["id"]}}]),
    Case("foreign-key-self", ("capital-valid.csv",),
         [_r("capital-valid.csv", [*ID_NAME], schema={"foreignKeys": [{"fields": ["name"], "reference": {"resource": "", "fields": ["id"]}}]})],
         frozenset({"foreign-key"})),  # names are not ids
    Case("foreign-key-other", ("table.csv", "capital-valid.csv"),
         [_r("table.csv", ID_NAME, schema={"foreignKeys": [{"fields": ["id"], "reference": {"resource": "capital-valid", "fields": ["id"]}}]}),
          _r("capital-valid.csv", ID_NAME)]),
    Case("foreign-key-missing", ("capital-3.csv", "table.csv"),
         [_r("capital-3.csv", ID_NAME, schema={"foreignKeys": [{"fields": ["id"], "reference": {"resource": "table", "fields": ["id"]}}]}),
          _r("table.csv", ID_NAME)], frozenset({"foreign-key"})),
    Case("unknown-type", ("table.csv",), [_r("table.csv", [{"name": "id", "type": "point"}, ID_NAME[1]])], frozenset({"schema"})),
    Case("pattern", ("capital-valid.csv",),
         [_r("capital-valid.csv", [ID_NAME[0], {"name": "name", "type": "string", "constraints": {"pattern": "[A-Z][a-z]+"}}])]),
    Case("pattern-violated", ("capital-valid.csv",),
         [_r("capital-valid.csv", [ID_NAME[0], {"name": "name", "type": "string", "constraints": {"pattern": "L.*"}}])],
         frozenset({"constraint"})),
    Case("max-length", ("capital-valid.csv",),
         [_r("capital-valid.csv", [ID_NAME[0], {"name": "name", "type": "string", "constraints": {"maxLength": 5}}])],
         frozenset({"constraint"})),
]


def _build(case: Case, root: Path) -> Path:
    for name in case.files:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / name, target)
    descriptors = [n for n in case.files if n.endswith(("datapackage.json", ".package.yaml"))]
    if descriptors:
        return root / descriptors[0]
    root.mkdir(parents=True, exist_ok=True)
    (root / "datapackage.json").write_text(json.dumps({"name": "case", "resources": case.resources, **case.descriptor}), encoding="utf-8")
    return root / "datapackage.json"


def _ours(descriptor: Path) -> frozenset[str]:
    import karabakh_timeline as kt

    report = kt.validate(descriptor, profile="none")
    return frozenset(OUR_CLASSES[i.code] for i in report.issues if i.severity == "error")


def _theirs(descriptor: Path) -> frozenset[str]:
    report = frictionless.validate(str(descriptor))
    return frozenset(PEER_CLASSES.get(row[0], row[0]) for row in report.flatten(["type"]))


_RESULTS: dict[str, tuple[bool, bool]] = {}  # case -> (ours right by the spec, the tools agree)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_verdict_agrees_with_the_spec(case: Case, tmp_path: Path) -> None:
    descriptor = _build(case, tmp_path / case.id)
    ours, theirs = _ours(descriptor), _theirs(descriptor)
    _RESULTS[case.id] = (ours == case.spec, theirs == case.spec)
    assert ours == case.spec, f"ours {sorted(ours)} where the spec gives {sorted(case.spec)}"
    if case.peer is None:
        assert theirs == case.spec, f"frictionless gives {sorted(theirs)}: if the spec is on our side, say why in the case's peer"
    else:
        assert theirs != case.spec, f"frictionless now agrees ({sorted(theirs)}): drop the case's peer note"


def test_agreement_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Printed: the share of cases our verdict is right by the spec, and the share where both tools agree."""
    if len(_RESULTS) < len(CASES):
        pytest.skip("run with the cases (same process) to get the figures")
    right = sum(r for r, _ in _RESULTS.values()) / len(_RESULTS)
    agree = sum(a for _, a in _RESULTS.values()) / len(_RESULTS)
    with capsys.disabled():
        print(f"\nfrictionless fixtures: {len(_RESULTS)} packages; ours right by the spec {right:.1%}; frictionless-py agrees {agree:.1%}")
    assert right >= 0.98
