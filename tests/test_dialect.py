"""CSV Dialect, encodings, compression, YAML descriptors, inline data, bytes and hash; out-of-scope features refused once."""
from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from conftest import foreign_package, run

ID_NAME = {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}


def _issues(pkg: Path, *args: str) -> tuple[int, list[tuple[str, int | None, str | None]]]:
    result = run("validate", str(pkg), "--format", "json", *args)
    return result.exit_code, [(i["code"], i["line"], i["field"]) for i in json.loads(result.stdout)["issues"]]


def _with(resource: dict) -> dict:
    return {**ID_NAME, "_resource": resource}


@pytest.mark.parametrize("data,dialect", [
    ("id;name\n1;a\n2;x\n", {"delimiter": ";"}),
    ("id\tname\n1\ta\n2\tx\n", {"delimiter": "\t"}),
    ("id|name\n1|'a|b'\n2|x\n", {"delimiter": "|", "quoteChar": "'"}),
    ('id,name\n1,"a \\" b"\n2,x\n', {"escapeChar": "\\", "doubleQuote": False}),
    ("id, name\n1, a\n2, x\n", {"skipInitialSpace": True}),
    ("1,a\n2,x\n", {"header": False}),
    ("# a comment\nid,name\n1,a\n# another\n2,x\n", {"commentChar": "#"}),
    ("a title line\nid,name\n1,a\n2,x\n", {"headerRow": 2}),
    ("id,name\r\n1,a\r\n2,x\r\n", {"lineTerminator": "\r\n"}),
], ids=["semicolon", "tab", "pipe-quote", "escape", "initial-space", "no-header", "comments", "header-row", "crlf"])
def test_dialects_read_valid_files(tmp_path: Path, data: str, dialect: dict) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": (data, _with({"dialect": dialect}))})
    assert _issues(pkg) == (0, [])


def test_dialect_lines_are_physical_lines(tmp_path: Path) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": ("# c\nid;name\n1;a\nx;b\n2;c;d\n", _with({"dialect": {"delimiter": ";", "commentChar": "#"}}))})
    assert _issues(pkg) == (1, [("type-error", 4, "id"), ("extra-cell", 5, None)])


def test_multi_line_header_joins_its_rows(tmp_path: Path) -> None:
    """Table Dialect v2 headerRows [2, 3] with headerJoin "_": the names are each column's cells joined; data starts after line 3."""
    schema = {"fields": [{"name": "id_no", "type": "integer"}, {"name": "name_en", "type": "string"}],
              "_resource": {"dialect": {"headerRows": [2, 3], "headerJoin": "_"}}}
    pkg = foreign_package(tmp_path / "p", {"t": ("a title\nid,name\nno,en\n1,a\nx,b\n", schema)})
    assert _issues(pkg) == (1, [("type-error", 5, "id_no")])


def test_multi_line_header_names_not_the_schemas(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}],
              "_resource": {"dialect": {"headerRows": [1, 2]}}}
    pkg = foreign_package(tmp_path / "p", {"t": ("id,name\nno,en\n1,a\n", schema)})
    assert _issues(pkg) == (1, [("missing-column", 1, "id"), ("extra-column", 1, "id no"), ("missing-column", 1, "name"),
                                ("extra-column", 1, "name en")])


@pytest.mark.parametrize("dialect", [{"headerRows": []}, {"headerRows": [2, 1]}, {"headerRows": "1"}, {"headerJoin": 1}])
def test_malformed_header_rows_are_package_invalid(tmp_path: Path, dialect: dict) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": ("id,name\n1,a\n", _with({"dialect": dialect}))})
    assert _issues(pkg) == (3, [("package-invalid", None, None)])


def test_null_sequence_is_a_missing_value(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "id", "type": "integer", "constraints": {"required": True}}, {"name": "name", "type": "string"}],
              "_resource": {"dialect": {"nullSequence": "NULL"}}}
    pkg = foreign_package(tmp_path / "p", {"t": ("id,name\n1,a\nNULL,b\n", schema)})
    assert _issues(pkg) == (1, [("missing-value", 3, "id")])


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_a_dialect_given_as_a_file(tmp_path: Path, suffix: str) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": ("id;name\n1;a\n", _with({"dialect": f"dialect.{suffix}"}))})
    (pkg / f"dialect.{suffix}").write_text('{"delimiter": ";"}' if suffix == "json" else "delimiter: ';'\n", encoding="utf-8")
    assert _issues(pkg) == (0, [])


def test_a_malformed_dialect_is_package_invalid(tmp_path: Path) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": ("id;name\n1;a\n", _with({"dialect": {"delimiter": ";;"}}))})
    assert _issues(pkg) == (3, [("package-invalid", None, None)])


def test_declared_latin1(tmp_path: Path) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": ("id,name\n1,Zürich\n".encode("latin-1"), _with({"encoding": "latin-1"}))})
    assert _issues(pkg) == (0, [])
    pkg2 = foreign_package(tmp_path / "q", {"t": ("id,name\n1,Zürich\n".encode("latin-1"), ID_NAME)})
    assert _issues(pkg2) == (1, [("encoding-error", 2, None)])


def test_declared_ascii_that_is_really_utf8(tmp_path: Path) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": ("id,name\n1,a\n2,Zürich\n", _with({"encoding": "ascii"}))})
    assert _issues(pkg) == (1, [("encoding-mismatch", 3, None)])


def test_crlf_and_bom_are_fine_outside_the_timeline_profile(tmp_path: Path) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": ("\ufeffid,name\r\n1,a\r\n", ID_NAME)})
    assert _issues(pkg) == (0, [])
    assert [c for c, _, _ in _issues(pkg, "--profile", "timeline")[1]] == ["byte-order-mark", "line-ending"]


def test_gzip_and_zip_resources(tmp_path: Path) -> None:
    text = b"id,name\n1,a\nx,b\n"
    root = tmp_path / "p"
    root.mkdir()
    (root / "t.csv.gz").write_bytes(gzip.compress(text))
    with zipfile.ZipFile(root / "u.csv.zip", "w") as zf:
        zf.writestr("u.csv", text)
    resources = [{"name": n, "path": p, "schema": ID_NAME, **extra} for n, p, extra in
                 (("t", "t.csv.gz", {}), ("u", "u.csv.zip", {"compression": "zip"}))]
    (root / "datapackage.json").write_text(json.dumps({"resources": resources}), encoding="utf-8")
    assert _issues(root) == (1, [("type-error", 3, "id"), ("type-error", 3, "id")])


def test_yaml_descriptor(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("id,name\n1,a\nx,b\n", encoding="utf-8")
    (tmp_path / "datapackage.yaml").write_text("resources:\n  - name: t\n    path: t.csv\n    schema:\n      fields:\n"
                                               "        - {name: id, type: integer}\n        - {name: name, type: string}\n", encoding="utf-8")
    assert _issues(tmp_path) == (1, [("type-error", 3, "id")])
    assert _issues(tmp_path / "datapackage.yaml") == (1, [("type-error", 3, "id")])
    (tmp_path / "datapackage.yaml").write_text("resources: [\n", encoding="utf-8")
    assert _issues(tmp_path)[0] == 3


@pytest.mark.parametrize("name", ["datapackage.yaml", "datapackage.yml"])
def test_without_a_path_the_working_directorys_yaml_package_is_validated(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the bundled dataset: datasets/country-codes keeps its descriptor in datapackage.yml."""
    (tmp_path / "t.csv").write_text("id\n1\nx\n", encoding="utf-8")
    (tmp_path / name).write_text("resources:\n  - {name: t, path: t.csv, schema: {fields: [{name: id, type: integer}]}}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)["package"]) == (1, name)


def test_inline_data(tmp_path: Path) -> None:
    descriptor = {"resources": [{"name": "t", "data": [["id", "name"], [1, "a"], ["x", "b"]], "schema": {**ID_NAME, "primaryKey": "id"}},
                                {"name": "u", "data": [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}], "schema": {**ID_NAME, "primaryKey": "id"}}]}
    tmp_path.joinpath("datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert _issues(tmp_path) == (1, [("type-error", 3, "id"), ("duplicate-key", 3, "id")])


def test_bytes_and_hash(tmp_path: Path) -> None:
    data = b"id,name\n1,a\n"
    good = {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
    assert _issues(foreign_package(tmp_path / "p", {"t": (data, _with(good))})) == (0, [])
    assert _issues(foreign_package(tmp_path / "q", {"t": (data, _with({"hash": hashlib.md5(data).hexdigest()}))})) == (0, [])
    bad = {"bytes": 3, "hash": "sha256:" + "0" * 64}
    assert _issues(foreign_package(tmp_path / "r", {"t": (data, _with(bad))})) == (1, [("integrity-mismatch", None, None)] * 2)


@pytest.mark.parametrize("path,extra,feature", [
    ("t.xlsx", {}, "xlsx"), ("t.ods", {}, "ods"), ("t.json", {}, "JSON"), ("t.jsonl", {}, "JSON Lines"),
    ("t.csv.bz2", {"compression": "bz2"}, "bz2 compression"), ("t.csv", {"format": "xls"}, "xls"),
])
def test_out_of_scope_features_are_one_coded_refusal(tmp_path: Path, path: str, extra: dict, feature: str) -> None:
    pkg = foreign_package(tmp_path / "p", {"t": (b"PK\x03\x04\x00\x00binary \x00\xff", _with({"path": path, **extra}))})
    result = run("validate", str(pkg), "--format", "json")
    issues = json.loads(result.stdout)["issues"]
    assert result.exit_code == 3 and [i["code"] for i in issues] == ["unsupported-feature"]
    assert feature in issues[0]["message"]


@pytest.mark.parametrize("extra", [{"path": "https://example.org/t.csv"}, {"path": "s3://bucket/t.csv"}, {"path": "http://example.org/t.csv"},
                                   {"schema": "https://example.org/schema.json"}, {"dialect": "https://example.org/dialect.json"}],
                         ids=["https", "s3", "http", "schema", "dialect"])
def test_a_remote_path_is_one_unsupported_feature(tmp_path: Path, extra: dict) -> None:
    """Issue 11: remote paths are out of scope, never fetched: one unsupported-feature naming the feature, exit 3."""
    pkg = foreign_package(tmp_path / "p", {"t": ("id,name\n1,a\n", ID_NAME)})
    body = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    body["resources"][0].update(extra)
    (pkg / "datapackage.json").write_text(json.dumps(body), encoding="utf-8")
    result = run("validate", str(pkg), "--format", "json")
    issues = json.loads(result.stdout)["issues"]
    assert result.exit_code == 3
    assert [(i["code"], i["table"], i["value"]) for i in issues] == [("unsupported-feature", "t", "remote path")]
    assert "never fetched" in issues[0]["message"] and next(iter(extra.values())) in issues[0]["message"]


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    pass
else:
    _CELL = st.text(alphabet=";|\t,\"'ab \n\r", max_size=5)

    @settings(max_examples=120, deadline=None)
    @given(st.sampled_from([";", "\t", "|"]), st.sampled_from(['"', "'"]), st.lists(st.lists(_CELL, min_size=2, max_size=2), max_size=4),
           st.booleans())
    def test_property_arrow_dialect_path_agrees_with_the_csv_module(delimiter: str, quote: str, rows: list[list[str]], raw: bool) -> None:
        """The pyarrow path for a non-default dialect reads what the csv module reads (cells and lines), or leaves the file to it."""
        import io as io_

        from karabakh_timeline.read.foreign import _arrow_dialect, _dialect_records, _from_records
        from karabakh_timeline.schema.dialect import Dialect

        d = Dialect(delimiter=delimiter, quote_char=quote)
        buf = io_.StringIO()
        csv_writer = __import__("csv").writer(buf, delimiter=delimiter, quotechar=quote, lineterminator="\n")
        csv_writer.writerow(["a", "b"])
        csv_writer.writerows(rows)
        text = buf.getvalue()
        if raw:  # hand-made bytes: stray quotes and ragged rows too
            text = "a" + delimiter + "b\n" + "\n".join(delimiter.join(r) for r in rows)
        data = text.encode("utf-8")
        fast = _arrow_dialect("t", data, d, ["a", "b"])
        if fast is None:
            return
        records, issues = _dialect_records("t", text, d)
        slow = _from_records("t", records, issues, d, ["a", "b"])
        assert [(i.code, i.line) for i in fast.issues] == [(i.code, i.line) for i in slow.issues]
        assert fast.lines.tolist() == slow.lines.tolist()
        for name in ("a", "b"):
            assert fast.columns[name].to_pylist() == slow.columns[name].to_pylist()
