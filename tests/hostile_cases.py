"""The hostile corpus: tiny packages and argument lists an attacker or a careless contributor could produce.

Each case mutates a copy of the 4-event synthetic package (r/inst/extdata/mini) and names the
command to run, its documented exit code and the issues it must report, as a code or as
(code, table, line, field). tests/test_corpus.py runs every case through the CLI in a child
process under a time and memory limit.
"""
from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conftest import read_rows, set_cells, write_rows

Expected = str | tuple[str, str | None, int | None, str | None]


@dataclass
class Case:
    """One hostile input: how to make it, what to run, what must come out."""

    name: str
    mutate: Callable[[Path], None]
    exit_code: int
    expected: list[Expected] = field(default_factory=list)
    args: Callable[[Path, Path], list[str]] | None = None  # (package, scratch) -> CLI arguments; default: validate --format json
    env: dict[str, str] = field(default_factory=dict)
    writes: bool = False  # the command may write into the package (format)


def nothing(pkg: Path) -> None:
    """No mutation."""


# --- mutations ------------------------------------------------------------------------------------

def raw(table: str, func: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def mutate(pkg: Path) -> None:
        path = pkg / "data" / f"{table}.csv"
        path.write_bytes(func(path.read_bytes()))
    return mutate


def line(table: str, number: int, func: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[number - 1] = func(lines[number - 1])
        return b"\n".join(lines)
    return raw(table, edit)


def cell(table_name: str, number: int, **values: str) -> Callable[[Path], None]:
    return lambda pkg: set_cells(pkg, table_name, number, **values)


def raw_cell(table: str, number: int, column: str, data: bytes) -> Callable[[Path], None]:
    """Put data, unquoted, in place of one cell (the row must have no quoted cell)."""
    def mutate(pkg: Path) -> None:
        header = read_rows(pkg, table)[0]
        path = pkg / "data" / f"{table}.csv"
        lines = path.read_bytes().split(b"\n")
        cells = lines[number - 1].split(b",")
        cells[header.index(column)] = data
        lines[number - 1] = b",".join(cells)
        path.write_bytes(b"\n".join(lines))
    return mutate


def rows(table: str, func: Callable[[list[list[str]]], list[list[str]]]) -> Callable[[Path], None]:
    return lambda pkg: write_rows(pkg, table, func(read_rows(pkg, table)))


def descriptor(func: Callable[[dict], None]) -> Callable[[Path], None]:
    def mutate(pkg: Path) -> None:
        path = pkg / "datapackage.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        func(data)
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return mutate


def descriptor_text(text: str | bytes) -> Callable[[Path], None]:
    def mutate(pkg: Path) -> None:
        path = pkg / "datapackage.json"
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return mutate


def resource(name: str, **changes: object) -> Callable[[Path], None]:
    def change(data: dict) -> None:
        next(r for r in data["resources"] if r["name"] == name).update(changes)
    return descriptor(change)


def add_resource(name: str, path: str = "data/extra.csv") -> Callable[[Path], None]:
    def mutate(pkg: Path) -> None:
        (pkg / "data" / "extra.csv").write_text("a\nx\n", encoding="utf-8")
        descriptor(lambda d: d["resources"].append({"name": name, "path": path, "schema": {"fields": [{"name": "a"}]}}))(pkg)
    return mutate


def schema(table: str, func: Callable[[dict], None]) -> Callable[[Path], None]:
    def mutate(pkg: Path) -> None:
        path = pkg / "schemas" / f"{table}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        func(data)
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return mutate


def constraint(table: str, name: str, **values: object) -> Callable[[Path], None]:
    def change(data: dict) -> None:
        next(f for f in data["fields"] if f["name"] == name).setdefault("constraints", {}).update(values)
    return schema(table, change)


def field_key(table: str, name: str, **values: object) -> Callable[[Path], None]:
    def change(data: dict) -> None:
        next(f for f in data["fields"] if f["name"] == name).update(values)
    return schema(table, change)


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(pkg: Path) -> None:
        for m in mutations:
            m(pkg)
    return mutate


def swap(table: str, a: str, b: str) -> Callable[[Path], None]:
    def edit(rs: list[list[str]]) -> list[list[str]]:
        i, j = rs[0].index(a), rs[0].index(b)
        for r in rs:
            r[i], r[j] = r[j], r[i]
        return rs
    return rows(table, edit)


def drop_column(table: str, name: str) -> Callable[[Path], None]:
    def edit(rs: list[list[str]]) -> list[list[str]]:
        i = rs[0].index(name)
        return [r[:i] + r[i + 1:] for r in rs]
    return rows(table, edit)


def symlink_loop(pkg: Path) -> None:
    (pkg / "data" / "places.csv").unlink()
    os.symlink("loop_b.csv", pkg / "data" / "loop_a.csv")
    os.symlink("loop_a.csv", pkg / "data" / "loop_b.csv")
    resource("places", path="data/loop_a.csv")(pkg)


def symlink_out(pkg: Path) -> None:
    outside = pkg.parent / "outside.csv"
    outside.write_text("place_id\n")
    (pkg / "data" / "places.csv").unlink()
    os.symlink(outside, pkg / "data" / "places.csv")


def symlinked_data(pkg: Path) -> None:
    target = pkg / "data" / "real_places.csv"
    (pkg / "data" / "places.csv").rename(target)
    os.symlink("real_places.csv", pkg / "data" / "places.csv")
    swap("places", "name", "name_hy")(pkg)  # noncanonical, so that format would write


def deep_json(depth: int) -> str:
    return '{"resources": ' + "[" * depth + "]" * depth + "}"


def remove_minimum(pkg: Path) -> None:
    for name in ("events", "statements", "actor_roles", "sources"):
        def change(data: dict) -> None:
            for f in data["fields"]:
                f.get("constraints", {}).pop("minimum", None)
        schema(name, change)(pkg)


def zip_of(pkg: Path, target: Path, extra: bytes | None = None) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(pkg.rglob("*")):
            if p.is_file():
                zf.write(p, f"karabakh-timeline-0.1.0/{p.relative_to(pkg)}")


# --- argument lists -------------------------------------------------------------------------------

def validate(*extra: str) -> Callable[[Path, Path], list[str]]:
    return lambda pkg, scratch: ["validate", str(pkg), "--format", "json", *extra]


def command(*words: str) -> Callable[[Path, Path], list[str]]:
    """Words with {pkg} and {scratch} filled in."""
    return lambda pkg, scratch: [w.format(pkg=pkg, scratch=scratch) for w in words]


def diff_zip(garbage: bytes | None) -> Callable[[Path, Path], list[str]]:
    def args(pkg: Path, scratch: Path) -> list[str]:
        target = scratch / "release.zip"
        if garbage is None:
            zip_of(pkg, target)
        else:
            target.write_bytes(garbage)
        return ["diff", str(target), str(pkg), "--format", "json"]
    return args


LONG = "x" * 5000
EPOCH = {"SOURCE_DATE_EPOCH": "1767323045"}
EV, PL, SO, ST = "events", "places", "sources", "statements"

CASES: list[Case] = [
    # --- bytes and CSV structure ------------------------------------------------------------------
    Case("bom", raw(EV, lambda d: b"\xef\xbb\xbf" + d), 1, [("byte-order-mark", EV, 1, None)]),
    Case("crlf", raw(SO, lambda d: d.replace(b"\n", b"\r\n")), 1, [("line-ending", SO, 1, None)]),
    Case("cr-only", raw(SO, lambda d: d.replace(b"\n", b"\r")), 1, [("parse-error", SO, 1, None)]),
    Case("bare-cr-mid-file", line(PL, 3, lambda ln: ln + b"\rplc_000099,X,,,,village,1,1,ARM,,"), 1, ["parse-error"]),
    Case("latin-1", line(PL, 3, lambda ln: ln.replace(b"Place", "Caf\u00e9".encode("latin-1"), 1)), 1, [("encoding-error", PL, 3, None)]),
    Case("overlong-utf8", line(PL, 3, lambda ln: ln.replace(b"Place", b"Pl\xc0\xafce", 1)), 1, [("encoding-error", PL, 3, None)]),
    Case("encoded-surrogate", line(PL, 3, lambda ln: ln.replace(b"Place", b"Pl\xed\xa0\x80ce", 1)), 1, [("encoding-error", PL, 3, None)]),
    Case("truncated-utf8-at-end", raw(PL, lambda d: d + b"\xe2\x82"), 1, ["encoding-error"]),
    Case("nul-byte", line(EV, 4, lambda ln: ln + b"note\x00"), 1, [("nul-byte", EV, 4, None)]),
    Case("file-of-nuls", raw("retired_ids", lambda d: d + b"\x00" * 2_000_000), 1, ["nul-byte"]),
    Case("utf-16-le", raw(PL, lambda d: d.decode().encode("utf-16")), 1, [("encoding-error", PL, 1, None)]),
    Case("utf-16-be", raw(PL, lambda d: d.decode().encode("utf-16-be").join([b"\xfe\xff", b""])), 1, [("encoding-error", PL, 1, None)]),
    Case("utf-32", raw(PL, lambda d: d.decode().encode("utf-32")), 1, [("encoding-error", PL, 1, None)]),
    Case("missing-cell", line("event_relations", 2, lambda ln: ln.rsplit(b",", 1)[0]), 1, [("missing-cell", "event_relations", 2, None)]),
    Case("extra-cell", line("retired_ids", 2, lambda ln: ln + b",surplus"), 1, [("extra-cell", "retired_ids", 2, None)]),
    Case("blank-row", line(SO, 3, lambda ln: b"\n" + ln), 1, [("blank-row", SO, 3, None)]),
    Case("blank-row-of-commas", line(SO, 3, lambda ln: b",,,,,,,,,\n" + ln), 1, [("blank-row", SO, 3, None)]),
    Case("duplicate-header", rows(EV, lambda rs: [[*rs[0][:2], "title", *rs[0][3:]], *rs[1:]]), 1, [("duplicate-header", EV, 1, "title")]),
    Case("missing-column", drop_column(EV, "notes"), 1, [("missing-column", EV, 1, "notes")]),
    Case("extra-column", rows(PL, lambda rs: [rs[0] + ["elevation"]] + [r + ["1"] for r in rs[1:]]), 1, [("extra-column", PL, 1, "elevation")]),
    Case("header-order", swap(EV, "title", "summary"), 1, [("header-order", EV, 1, None)]),
    Case("unterminated-quote", line("event_relations", 2, lambda ln: b'"' + ln), 1, [("parse-error", "event_relations", 2, None)]),
    Case("text-after-closing-quote", raw_cell(PL, 3, "name", b'"Shu"sha'), 1, [("parse-error", PL, 3, None)]),
    Case("space-after-closing-quote", raw_cell(PL, 3, "name", b'"Shusha" '), 1, [("parse-error", PL, 3, None)]),
    Case("quote-inside-unquoted-cell", raw_cell(PL, 3, "name", b'Shu"sha'), 0),
    Case("empty-file", raw("retired_ids", lambda d: b""), 1, [("empty-file", "retired_ids", 1, None)]),
    Case("only-a-newline", raw("retired_ids", lambda d: b"\n"), 1, [("empty-file", "retired_ids", 1, None)]),
    Case("header-only-places", rows(PL, lambda rs: rs[:1]), 1, ["foreign-key"]),
    Case("no-final-newline", raw(SO, lambda d: d.rstrip(b"\n")), 0),
    Case("header-too-wide", raw(PL, lambda d: d.replace(b"\n", b"," + b",".join(b"x%d" % i for i in range(20_000)) + b"\n", 1)), 1,
         [("header-too-wide", PL, 1, None)]),
    Case("million-header-columns", raw(PL, lambda d: d.replace(b"\n", b"," + b",".join(b"c%d" % i for i in range(1_000_000)) + b"\n", 1)), 1,
         [("header-too-wide", PL, 1, None)]),
    Case("ten-megabyte-cell", cell(EV, 3, summary="x" * 10_000_000), 1, [("text-length", EV, 3, "summary")]),
    Case("multi-line-cell-then-defect", both(cell(EV, 2, summary="first line\nsecond line"), cell(EV, 3, event_type="battle")), 1,
         [("unsafe-text", EV, 2, "summary"), ("enum-value", EV, 4, "event_type")]),
    Case("cr-inside-unquoted-cell", cell(EV, 2, notes="a\rb"), 1, [("line-ending", EV, 2, None), ("parse-error", EV, 2, None)]),
    Case("cr-inside-quoted-cell", cell(EV, 2, notes="a\rb,"), 1, [("line-ending", EV, 2, None), ("unsafe-text", EV, 2, "notes")]),
    Case("escape-sequence-in-header", rows(PL, lambda rs: [rs[0] + ["\x1b[2Jx"]] + [r + ["1"] for r in rs[1:]]), 1,
         [("extra-column", PL, 1, "\x1b[2Jx")]),
    # --- cells --------------------------------------------------------------------------------------
    Case("hex-integer", cell(EV, 2, fatalities_best="0x10"), 1, [("type-error", EV, 2, "fatalities_best")]),
    Case("hex-integer-beside-a-bad-cell", both(cell(EV, 2, fatalities_best="0x10"), cell(EV, 3, fatalities_best="many")), 1,
         [("type-error", EV, 2, "fatalities_best"), ("type-error", EV, 3, "fatalities_best")]),
    Case("spaced-integer", cell(PL, 3, geonames_id=" 7"), 1, [("type-error", PL, 3, "geonames_id")]),
    Case("exponent-integer", cell(PL, 3, geonames_id="1e3"), 1, [("type-error", PL, 3, "geonames_id")]),
    Case("underscore-integer", cell(PL, 3, geonames_id="1_000"), 1, [("type-error", PL, 3, "geonames_id")]),
    Case("arabic-indic-integer", cell(PL, 3, geonames_id="٣"), 1, [("type-error", PL, 3, "geonames_id")]),
    Case("huge-integer", cell(PL, 3, geonames_id="9" * 40), 1, [("type-error", PL, 3, "geonames_id")]),
    Case("latitude-nan", cell(PL, 2, latitude="NaN"), 1, [("out-of-range", PL, 2, "latitude")]),
    Case("latitude-inf", cell(PL, 2, latitude="INF"), 1, [("out-of-range", PL, 2, "latitude")]),
    Case("latitude-lowercase-nan", cell(PL, 2, latitude="nan"), 1, [("type-error", PL, 2, "latitude")]),
    Case("latitude-comma", cell(PL, 2, latitude="39,5"), 1, [("type-error", PL, 2, "latitude")]),
    Case("latitude-out-of-range", cell(PL, 2, latitude="91"), 1, [("out-of-range", PL, 2, "latitude")]),
    Case("year-0000", cell(SO, 2, published_date="0000-01-01"), 1, [("type-error", SO, 2, "published_date")]),
    Case("year-before-minimum", cell(SO, 2, published_date="1799-12-31"), 1, [("out-of-range", SO, 2, "published_date")]),
    Case("impossible-day", cell(SO, 2, published_date="2023-02-30"), 1, [("type-error", SO, 2, "published_date")]),
    Case("loose-date", cell(SO, 2, published_date="2020-1-5"), 1, [("type-error", SO, 2, "published_date")]),
    Case("signed-date", cell(SO, 2, published_date="+2020-01-01"), 1, [("type-error", SO, 2, "published_date")]),
    Case("year-9999", cell(SO, 2, published_date="9999-12-31"), 1, [("future-date", SO, 2, "published_date")]),
    Case("enum-value", cell(EV, 3, event_type="battle"), 1, [("enum-value", EV, 3, "event_type")]),
    Case("enum-with-space", cell(EV, 3, event_type="agreement "), 1, [("enum-value", EV, 3, "event_type")]),
    Case("required-missing", cell(EV, 3, title=""), 1, [("missing-value", EV, 3, "title")]),
    Case("pattern-mismatch", cell("event_relations", 2, relation="follows_from", event_id="evt_3"), 1,
         [("pattern-mismatch", "event_relations", 2, "event_id")]),
    Case("duplicate-key", rows(PL, lambda rs: [*rs, rs[1]]), 1, [("duplicate-key", PL, 12, "place_id")]),
    Case("foreign-key", cell(EV, 2, place_id="plc_999999"), 1, [("foreign-key", EV, 2, "place_id")]),
    Case("edtf-library-choke", cell(EV, 2, date_edtf="2020-1X"), 1, [("edtf-invalid", EV, 2, "date_edtf")]),
    Case("edtf-garbage", cell(EV, 2, date_edtf="yesterday"), 1, [("edtf-invalid", EV, 2, "date_edtf")]),
    Case("date-order", cell(ST, 2, date_end="2012-01-01"), 1, ["date-order"]),
    Case("country-code", cell(PL, 2, country_code="XXX"), 1, [("country-code", PL, 2, "country_code")]),
    Case("language-tag", cell(SO, 2, language="zz-!!"), 1, [("language-tag", SO, 2, "language")]),
    Case("url-space-in-host", cell(SO, 2, url="https://exa mple.org/"), 1, [("type-error", SO, 2, "url")]),  # format uri: rfc3986
    Case("url-space-in-path", cell(SO, 2, url="https://news0.example.org/a b"), 1, [("url-invalid", SO, 2, "url")]),
    Case("url-bad-port", cell(SO, 2, url="https://news0.example.org:99999/x"), 1, [("url-invalid", SO, 2, "url")]),
    Case("url-angle-bracket", cell(SO, 2, url="https://news0.example.org/<script>"), 1, [("url-invalid", SO, 2, "url")]),
    Case("url-no-host", cell(SO, 2, url="https://"), 1, [("url-invalid", SO, 2, "url")]),
    Case("url-ftp", cell(SO, 2, url="ftp://news0.example.org/x"), 1, [("url-scheme", SO, 2, "url")]),
    Case("url-javascript", cell(SO, 2, url="javascript:alert(1)"), 1, [("url-scheme", SO, 2, "url")]),
    Case("formula", cell(EV, 2, notes="=SUM(A1)"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("dde-formula", cell(EV, 2, notes="cmd|' /C calc'!A0"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("fullwidth-formula", cell(EV, 2, notes="\uff1dSUM(A1)"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("formula-behind-bom", cell(EV, 2, notes="\ufeff=SUM(A1)"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("zero-width", cell(EV, 2, notes="zero\u200bwidth"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("bidi-override", cell(EV, 2, notes="bidi\u202eflip"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("c1-control", cell(EV, 2, notes="a\u0085b"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("line-separator", cell(EV, 2, notes="a\u2028b"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("terminal-escape-in-cell", cell(EV, 2, notes="\x1b[31mred"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("leading-space", cell(EV, 2, notes=" padded"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("double-space", cell(EV, 2, notes="two  spaces"), 1, [("unsafe-text", EV, 2, "notes")]),
    Case("fatalities-order", cell(EV, 2, fatalities_low="10", fatalities_best="5", fatalities_high="20"), 1,
         [("fatalities-order", EV, 2, "fatalities_best")]),
    Case("self-relation", cell("event_relations", 2, related_event_id="evt_000003"), 1, ["self-relation"]),
    Case("retired-id-reused", rows("retired_ids", lambda rs: [rs[0], ["evt_000001", "events", "0.1.0", "", "Merged"]]), 1,
         ["retired-id-reused"]),
    # --- descriptors and schemas (exit 3) ----------------------------------------------------------
    Case("invalid-json", descriptor_text('{"resources": [\n'), 3, [("package-invalid-json", None, 2, None)]),
    Case("descriptor-not-object", descriptor_text("[]"), 3, ["package-invalid"]),
    Case("descriptor-not-utf8", descriptor_text(b'{"title": "\xff"}'), 3, ["package-invalid-json"]),
    Case("descriptor-utf16", lambda pkg: (pkg / "datapackage.json").write_bytes((pkg / "datapackage.json").read_text().encode("utf-16")), 3,
         ["package-invalid-json"]),
    Case("duplicate-resources-key", descriptor_text('{"resources": [], "resources": []}'), 3, ["package-invalid-json"]),
    Case("nan-in-descriptor", descriptor_text('{"title": NaN, "resources": []}'), 3, ["package-invalid-json"]),
    Case("infinity-in-descriptor", descriptor_text('{"x": -Infinity, "resources": []}'), 3, ["package-invalid-json"]),
    Case("deep-nesting", descriptor_text(deep_json(100_000)), 3, ["package-invalid-json"]),
    Case("huge-integer-in-json", descriptor_text('{"x": ' + "9" * 5000 + ', "resources": []}'), 3, ["package-invalid-json"]),
    Case("descriptor-over-16-mib", descriptor_text('{"x": "' + "a" * (17 << 20) + '", "resources": []}'), 3, ["package-invalid-json"]),
    Case("resources-not-a-list", descriptor_text('{"resources": {}}'), 3, ["package-invalid"]),
    Case("resources-empty", descriptor_text('{"resources": []}'), 3, ["package-invalid"]),
    Case("title-wrong-type", descriptor(lambda d: d.update(title=["a"])), 3, ["package-invalid"]),
    Case("licenses-wrong-type", descriptor(lambda d: d.update(licenses="CC-BY-4.0")), 3, ["package-invalid"]),
    Case("licence-without-name-or-path", descriptor(lambda d: d.update(licenses=[{"id": "odc-pddl", "url": "http://x.org/"}])), 3,
         [("package-invalid", None, None, None)]),  # datasets/currency-codes in 2017
    Case("unnamed-resource-with-a-bad-schema", descriptor(lambda d: d["resources"].append({"path": "data/extra.csv", "schema": {"fields": [{"id": "x"}]}})),
         3, [("package-invalid", None, None, None), ("schema-invalid", None, None, None)]),  # datasets/cpi in 2013: both reported
    Case("bad-resource-name-with-a-bad-schema", descriptor(lambda d: d["resources"].append({"name": "Code list", "path": "data/extra.csv",
                                                                                           "schema": {"fields": [{"name": "x", "type": "float"}]}})),
         3, [("package-invalid", None, None, None), ("schema-invalid", None, None, None)]),  # datasets/un-locode in 2015
    Case("package-name-with-spaces", descriptor(lambda d: d.update(name="ISO 639-1 codes")), 3,
         [("package-invalid", None, None, None)]),  # datasets/language-codes in 2015
    Case("schema-invalid-json", lambda pkg: (pkg / "schemas" / "places.json").write_text("{"), 3, [("package-invalid-json", PL, 1, None)]),
    Case("schema-unknown-type", field_key(PL, "name", type="no-such-type"), 3, [("schema-invalid", PL, None, None)]),
    Case("max-length-as-string", constraint(EV, "title", maxLength="5"), 3, ["schema-invalid"]),
    Case("minimum-as-word", constraint(PL, "latitude", minimum="zero"), 3, ["schema-invalid"]),
    Case("enum-as-string", constraint(EV, "event_type", enum="agreement"), 3, ["schema-invalid"]),
    Case("enum-on-date", constraint(EV, "date_start", enum=["2020-01-01"]), 1, ["enum-value"]),  # Table Schema allows it
    Case("invalid-pattern", constraint(EV, "title", pattern="(unclosed"), 3, ["schema-invalid"]),
    Case("missing-values-not-strings", schema(PL, lambda s: s.update(missingValues=[0])), 3, ["schema-invalid"]),
    Case("nan-in-schema", lambda pkg: (pkg / "schemas" / "places.json").write_text('{"fields": [{"name": "x", "constraints": {"minimum": NaN}}]}'),
         3, ["package-invalid-json"]),
    Case("foreign-key-to-missing-resource", schema(EV, lambda s: s["foreignKeys"].append(
        {"fields": "place_id", "reference": {"resource": "nowhere", "fields": "place_id"}})), 3, ["schema-invalid"]),
    Case("foreign-key-to-missing-field", schema(EV, lambda s: s["foreignKeys"].append(
        {"fields": "place_id", "reference": {"resource": "places", "fields": "no_such_field"}})), 3, ["schema-invalid"]),
    Case("duplicate-resource-name", add_resource("places"), 3, [("package-invalid", PL, None, None)]),
    Case("resource-name-traversal", add_resource("../../../tmp/x"), 3, ["package-invalid"]),
    Case("resource-name-nul", add_resource("n\x00ul"), 3, ["package-invalid"]),
    Case("resource-name-surrogate", add_resource("\ud800"), 3, ["package-invalid"]),
    Case("resource-name-uppercase", add_resource("Events"), 3, ["package-invalid"]),
    Case("resource-name-over-long", add_resource("x" * 300), 3, ["package-invalid"]),
    Case("dotdot-path", resource(PL, path="../places.csv"), 3, [("path-unsafe", PL, None, None)]),
    Case("absolute-path", resource(PL, path="/etc/passwd"), 3, [("path-unsafe", PL, None, None)]),
    Case("windows-drive-path", resource(PL, path="C:\\data\\places.csv"), 3, [("path-unsafe", PL, None, None)]),
    Case("url-path", resource(PL, path="https://example.org/places.csv"), 3, [("unsupported-feature", PL, None, None)]),
    Case("schema-outside", resource(PL, schema="../../schemas/places.json"), 3, [("path-unsafe", PL, None, None)]),
    Case("symlink-out", symlink_out, 3, [("path-unsafe", PL, None, None)]),
    Case("symlink-loop", symlink_loop, 3, [("file-unreadable", PL, None, None)]),
    Case("path-with-nul", resource(PL, path="data/pl\x00aces.csv"), 3, [("package-invalid", PL, None, None)]),
    Case("path-with-surrogate", resource(PL, path="data/\udcff.csv"), 3, [("package-invalid", PL, None, None)]),
    Case("path-over-long", resource(PL, path="data/" + "x" * 300 + ".csv"), 3, [("package-invalid", PL, None, None)]),
    Case("path-very-deep", resource(PL, path="/".join(["d"] * 3000) + ".csv"), 3, [("package-invalid", PL, None, None)]),
    Case("path-not-a-string", resource(PL, path=42), 3, [("package-invalid", PL, None, None)]),
    Case("path-is-a-directory", resource(PL, path="data"), 3, [("file-missing", PL, None, None)]),
    Case("missing-resource-file", lambda pkg: (pkg / "data" / "places.csv").unlink(), 3, [("file-missing", PL, None, None)]),
    Case("unreadable-resource-file", lambda pkg: (pkg / "data" / "places.csv").chmod(0), 3 if os.geteuid() else 0,
         ["file-unreadable"] if os.geteuid() else []),
    # --- arguments --------------------------------------------------------------------------------
    Case("no-such-package", nothing, 3, args=command("validate", "{scratch}/nowhere", "--format", "json"), expected=["package-not-found"]),
    Case("over-long-path-argument", nothing, 3, args=command("validate", LONG, "--format", "json"), expected=["package-not-found"]),
    Case("over-deep-path-argument", nothing, 3, args=command("validate", "/".join(["x" * 200] * 30)), expected=[]),
    Case("non-utf8-path-argument", nothing, 3, args=command("validate", "{pkg}/\udcff", "--format", "json"), expected=["package-not-found"]),
    Case("symlink-loop-argument", lambda pkg: [os.symlink(a, pkg / b) for a, b in (("loop2", "loop1"), ("loop1", "loop2"))] and None, 3,
         args=command("validate", "{pkg}/loop1", "--format", "json"), expected=["package-not-found"]),
    Case("remote-package", nothing, 3, args=command("validate", "https://example.org/datapackage.json", "--format", "json"),
         expected=["unsupported-feature"]),
    Case("unknown-format", nothing, 2, args=command("validate", "{pkg}", "--format", "yaml")),
    Case("negative-max-issues", nothing, 2, args=command("validate", "{pkg}", "--max-issues", "-1")),
    Case("max-issues-caps-but-counts", rows(PL, lambda rs: [rs[0] + [f"x{i}" for i in range(30)]] + [r + ["1"] * 30 for r in rs[1:]]), 1,
         args=validate("--max-issues", "5"), expected=["extra-column"]),
    Case("diff-itself", nothing, 0, args=command("diff", "{pkg}", "{pkg}")),
    Case("diff-itself-with-nan", cell(PL, 2, latitude="NaN"), 0, args=command("diff", "{pkg}", "{pkg}")),
    Case("diff-unknown-revision", nothing, 3, args=command("diff", "no-such-revision-xyz", "{pkg}"), expected=[]),
    Case("diff-over-long-argument", nothing, 3, args=command("diff", LONG, "{pkg}")),
    Case("diff-dash-argument", nothing, 2, args=command("diff", "--no-such-option", "{pkg}")),
    Case("diff-garbage-zip", nothing, 3, args=diff_zip(b"PK\x03\x04 not really a zip"), expected=[]),
    Case("diff-release-zip", nothing, 0, args=diff_zip(None)),
    Case("diff-parse-error", raw_cell(PL, 3, "name", b'"Shu"sha'), 3, args=command("diff", "{pkg}", "{pkg}"), expected=["parse-error"]),
    Case("stats-year-0001", both(remove_minimum, cell(SO, 2, published_date="0001-01-01")), 0, args=command("stats", "{pkg}")),
    Case("stats-year-9999", both(remove_minimum, cell(ST, 2, date_end="9999-12-31")), 0, args=command("stats", "{pkg}")),
    Case("stats-invalid-data", cell(SO, 2, published_date="0000-01-01"), 3, args=command("stats", "{pkg}")),
    Case("next-id-unknown-table", nothing, 2, args=command("next-id", "nothing", "{pkg}")),
    Case("next-id-zero-count", nothing, 2, args=command("next-id", "events", "{pkg}", "--count", "0")),
    Case("publish-year-0001", both(remove_minimum, cell("actor_roles", 2, date_start="0001-01-01")), 0,
         args=command("publish", "{pkg}", "--out", "{scratch}/dist"), env=EPOCH),
    Case("publish-year-0000", cell(SO, 2, published_date="0000-01-01"), 1, args=command("publish", "{pkg}", "--out", "{scratch}/dist"),
         env=EPOCH),
    Case("publish-nan-latitude-unbounded", both(constraint(PL, "latitude", minimum=-1000.0), cell(PL, 2, latitude="NaN")), 1,
         args=command("publish", "{pkg}", "--out", "{scratch}/dist"), env=EPOCH),
    Case("publish-out-is-a-file", lambda pkg: (pkg.parent / "scratch-file").write_text("x"), 2,
         args=command("publish", "{pkg}", "--out", "{pkg}/datapackage.json"), env=EPOCH),
    Case("publish-out-not-utf8", nothing, 2, args=command("publish", "{pkg}", "--out", "{scratch}/o\udcff"), env=EPOCH),
    Case("publish-out-over-long", nothing, 2, args=command("publish", "{pkg}", "--out", "{scratch}/" + LONG), env=EPOCH),
    Case("publish-epoch-huge", nothing, 2, args=command("publish", "{pkg}", "--out", "{scratch}/dist"),
         env={"SOURCE_DATE_EPOCH": "9" * 30}),
    Case("publish-epoch-not-ascii", nothing, 2, args=command("publish", "{pkg}", "--out", "{scratch}/dist"),
         env={"SOURCE_DATE_EPOCH": "١٧٦٧٣٢٣٠٤٥"}),
    Case("format-check-parse-error", raw_cell(PL, 3, "name", b'"Shu"sha'), 1, args=command("format", "--check", "{pkg}"), writes=True),
    Case("format-symlinked-file", symlinked_data, 1, args=command("format", "{pkg}"), writes=True),
    Case("format-missing-column", drop_column(EV, "notes"), 1, args=command("format", "{pkg}"), writes=True),
    Case("format-over-long-argument", nothing, 3, args=command("format", LONG)),
]
