"""Reading resources that are not plain UTF-8 CSV in the default dialect: declared encodings, gz and zip
compression, any CSV Dialect, inline data. The result is the same RawTable as csv_file.read_table's.

Bytes are first made text in the declared encoding (a declared ascii file that is really UTF-8 is an
encoding-mismatch, then read as UTF-8). Text in the default dialect goes back to csv_file's path
(Arrow when it can, the csv module otherwise); any other dialect is read by Python's csv module
with the dialect's parameters, which also gives every record's physical line.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zipfile
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from karabakh_timeline.read.contract import strict_csv
from karabakh_timeline.read.csv_file import RawTable, _byte_issues, _drop_blank_rows, _header, _parse_fast, _parse_slow
from karabakh_timeline.schema.descriptor import Resource
from karabakh_timeline.schema.dialect import Dialect
from karabakh_timeline.support.files import BOM
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue

MAX_UNPACKED = 4 << 30  # bytes a compressed resource may unpack to (a bomb is refused, not read)
_EMPTY = np.empty(0, np.int64)


def _unreadable(name: str, code_name: str, message: str) -> RawTable:
    return RawTable(name, {}, _EMPTY, [Issue(code_name, message, name, None if code_name != "empty-file" else 1)], False)


def _unpack(resource: Resource) -> bytes:
    """The resource's bytes, decompressed when declared (or named) gz or zip; OSError/ValueError on failure."""
    if resource.compression == "gz":
        with gzip.open(resource.path, "rb") as fh:
            data = fh.read(MAX_UNPACKED + 1)
    elif resource.compression == "zip":
        with zipfile.ZipFile(resource.path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if not members:
                raise ValueError("the zip archive holds no file")
            inner = resource.path.name[: -len(".zip")] if resource.path.name.lower().endswith(".zip") else ""
            member = next((m for m in members if m.filename.rsplit("/", 1)[-1] == inner), members[0])
            with zf.open(member) as fh:
                data = fh.read(MAX_UNPACKED + 1)
    else:
        return resource.path.read_bytes()
    if len(data) > MAX_UNPACKED:
        raise ValueError(f"it unpacks to more than {MAX_UNPACKED:,} bytes")
    return data


def _decode(name: str, data: bytes, encoding: str) -> tuple[bytes, list[Issue]]:
    """UTF-8 bytes of a file declared in encoding; a file not in its declared encoding but valid UTF-8 is an encoding-mismatch."""
    if encoding in ("utf-8", "utf-8-sig"):
        return data, []
    try:
        return data.decode(encoding).encode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        detail = f"byte 0x{data[exc.start]:02x} on line {line} is not {encoding}"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return data, [Issue("encoding-mismatch", code("encoding-mismatch").message(declared=encoding, detail=detail + "; nor is it UTF-8"),
                                name, line, value=encoding)]  # the UTF-8 check that follows locates each bad byte
        return data, [Issue("encoding-mismatch", code("encoding-mismatch").message(declared=encoding, detail=detail + "; it is UTF-8"),
                            name, line, value=encoding)]


def _from_bytes(name: str, data: bytes, schema_names: list[str]) -> RawTable:
    """csv_file's reading of UTF-8 CSV in the default dialect, on bytes in memory."""
    data, issues = _byte_issues(name, data)
    first = data.split(b"\n", 1)[0]
    if not first.strip(b"\r"):
        issues.append(Issue("empty-file", "the file has no header", name, 1))
        return RawTable(name, {}, _EMPTY, issues, False)
    header, header_issues = _header(name, first, schema_names)
    issues += header_issues
    width = len(header)
    physical = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    parsed = _parse_fast(pa.py_buffer(data), width, physical) if data.count(b'"') % 2 == 0 else None
    cells, lines, parse_issues = parsed or _parse_slow(name, data, width)
    return _finish(name, header, cells, lines, issues + parse_issues, schema_names)


def _finish(name: str, header: list[str], cells: list[Any], lines: np.ndarray, issues: list[Issue], schema_names: list[str],
            d: Dialect | None = None) -> RawTable:
    cells, lines, blank_issues = _drop_blank_rows(name, cells, lines)
    if d is not None and d.skip_blank_rows:
        blank_issues = []  # v2 skipBlankRows: dropped without a word
    columns = {}
    for index, col in enumerate(header):
        if col in schema_names and col not in columns:
            columns[col] = cells[index]
    return RawTable(name, columns, lines, issues + blank_issues)


def _arrow_dialect(name: str, data: bytes, d: Dialect, schema_names: list[str]) -> RawTable | None:
    """pyarrow's reader with the dialect's delimiter and quote, for a header on line 1 and nothing to skip; None: use the csv module."""
    simple = d.double_quote and d.escape_char is None and d.comment_char is None and not d.comment_rows and not d.skip_initial_space \
        and d.header_rows == (1,) and d.delimiter not in "\r\n" and d.quote_char not in "\r\n"
    if not simple or not strict_csv(data, d.delimiter, d.quote_char):  # the reading contract's gate, in this dialect
        return None
    first = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
    header = next(csv.reader([first], delimiter=d.delimiter, quotechar=d.quote_char), []) if d.header else list(schema_names)
    header = in_schema_case(header, schema_names, d)
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    invalid = 0

    def on_invalid(row: pacsv.InvalidRow) -> str:
        nonlocal invalid
        invalid += 1
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if d.header else 0, block_size=1 << 20,
                                           use_threads=len(data) > 1 << 20),  # as read.csv_file: one block is read inline
            parse_options=pacsv.ParseOptions(delimiter=d.delimiter, quote_char=d.quote_char, double_quote=True, newlines_in_values=True,
                                             ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    physical = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if invalid or table.num_rows + (1 if d.header else 0) != physical:
        return None  # cells spanning lines or ragged rows: the csv module gives each record's line
    issues: list[Issue] = []
    if d.header:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(header)
        _, issues = _header(name, buf.getvalue().rstrip("\n").encode("utf-8"), schema_names)
    cells = [table.column(n) for n in names]
    if d.null_sequence is not None:
        cells = [pc.if_else(pc.equal(c, d.null_sequence), pa.scalar("", pa.string()), c) for c in cells]
    start = 2 if d.header else 1
    return _finish(name, header, cells, np.arange(start, table.num_rows + start, dtype=np.int64), issues, schema_names, d)


def _dialect_records(name: str, text: str, d: Dialect) -> tuple[list[tuple[int, list[str]]], list[Issue]]:
    """Every record and the physical line it starts on, read by the csv module with the dialect's parameters."""
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(text, newline="\n"), delimiter=d.delimiter, quotechar=d.quote_char, doublequote=d.double_quote,
                        escapechar=d.escape_char, skipinitialspace=d.skip_initial_space, strict=True)
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if start in d.comment_rows or (d.comment_char and record and record[0].startswith(d.comment_char)):
                continue
            records.append((start, record))
    except csv.Error as exc:
        return records, [Issue("parse-error", f"CSV cannot be parsed from here on: {exc}", name, previous_end + 1)]
    return records, []


def in_schema_case(header: list[str], schema_names: list[str], d: Dialect) -> list[str]:
    """With headerCase false, each header name that matches a schema field but for case becomes the field's name."""
    if d.header_case:
        return header
    folded = {n.casefold(): n for n in reversed(schema_names)}
    return [folded.get(h.casefold(), h) for h in header]


def joined_header(rows: list[list[str]], join: str) -> list[str]:
    """A multi-line header's names, as Table Dialect v2 and frictionless-py give them: each column's cells joined with headerJoin,
    a cell equal to the one above it (a merged cell written out) taken once."""
    names: list[str] = []
    above: dict[int, str] = {}
    for cells in rows:
        for index, cell in enumerate(cells):
            if above.get(index) == cell:
                continue
            above[index] = cell
            if index >= len(names):
                names += [""] * (index - len(names)) + [cell]
            else:
                names[index] = join.join([names[index], cell])
    return names


def _from_records(name: str, records: list[tuple[int, list[str]]], issues: list[Issue], d: Dialect, schema_names: list[str]) -> RawTable:
    """A RawTable from records: the header where the dialect puts it (or the schema's names), ragged rows reported."""
    if d.header:
        # The header starts on the first record at or after its line (comment lines before it are skipped); further header
        # rows keep their distance from it.
        start = next((line for line, _ in records if line >= d.header_rows[0]), None)
        shift = 0 if start is None else start - d.header_rows[0]
        heads = [r for r in records if r[0] - shift in d.header_rows]
        if not heads or not heads[0][1]:
            issues.append(Issue("empty-file", "the file has no header", name, d.header_rows[0]))
            return RawTable(name, {}, _EMPTY, issues, False)
        header_line = heads[0][0]
        header = in_schema_case(joined_header([cells for _, cells in heads], d.header_join), schema_names, d)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(header)
        _, header_issues = _header(name, buf.getvalue().rstrip("\n").encode("utf-8"), schema_names)
        issues += [Issue(i.code, i.message, i.table, header_line, i.field, i.value) for i in header_issues]
        body = [r for r in records if r[0] - shift > d.header_rows[-1]]  # lines between header rows are not data
    else:
        header, body = list(schema_names), records
    width = len(header)
    kept: list[tuple[int, list[str]]] = []
    for line, record in body:
        if record and len(record) != width:
            kind = "missing-cell" if len(record) < width else "extra-cell"
            issues.append(Issue(kind, f"{len(record)} cells where the header has {width}", name, line, value=d.delimiter.join(record)))
            continue
        kept.append((line, record or [""] * width))
    null = d.null_sequence
    columns = [pa.array(["" if null is not None and r[i] == null else r[i] for _, r in kept], pa.string()) for i in range(width)]
    return _finish(name, header, columns, np.asarray([line for line, _ in kept], dtype=np.int64), issues, schema_names, d)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _inline(resource: Resource) -> RawTable:
    """Inline data: a list of rows (the first the header) or of objects keyed by field name."""
    rows = resource.inline or []
    names = resource.schema.field_names
    if rows and all(isinstance(r, dict) for r in rows):
        records = [(1, list(names))] + [(i + 2, [_cell(r.get(n)) for n in names]) for i, r in enumerate(rows)]
    elif all(isinstance(r, list) for r in rows):
        records = [(i + 1, [_cell(v) for v in r]) for i, r in enumerate(rows)]
    else:
        issue = Issue("unsupported-feature", f"resource {resource.name!r}: inline data mixing rows and objects is not supported",
                      resource.name, value="inline data")
        return RawTable(resource.name, {}, _EMPTY, [issue], False)
    return _from_records(resource.name, records, [], Dialect(), names)


def read_foreign(resource: Resource) -> RawTable:
    """Read a resource that csv_file.read_table cannot read directly (Resource.plain is False); problems become issues."""
    name = resource.name
    if resource.inline is not None:
        return _inline(resource)
    try:
        data = _unpack(resource)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        return _unreadable(name, "file-unreadable", f"cannot read {resource.relpath} as {resource.compression or 'a file'}: {why}")
    if not data:
        return _unreadable(name, "empty-file", "the file is empty; it needs at least the header")
    data, issues = _decode(name, data, resource.encoding)
    if resource.dialect.is_default:
        table = _from_bytes(name, data, resource.schema.field_names)
        table.issues[:0] = issues
        return table
    data, byte_issues = _byte_issues(name, data.removeprefix(BOM))
    fast = _arrow_dialect(name, data, resource.dialect, resource.schema.field_names)
    if fast is not None:
        fast.issues[:0] = issues + byte_issues
        return fast
    records, parse_issues = _dialect_records(name, data.decode("utf-8"), resource.dialect)
    return _from_records(name, records, issues + byte_issues + parse_issues, resource.dialect, resource.schema.field_names)
