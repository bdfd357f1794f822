"""Reading one CSV file into string columns with exact physical line numbers.

The fast path is pyarrow's multithreaded CSV reader, on files within the strict grammar of the
reading contract (read/contract.py). Files outside it, or that it cannot map to physical lines one
to one (cells spanning lines, ragged rows, an odd number of quotes), are re-read with the
contract's reference reader (Python's csv module), which reports every record's starting line and
parse errors precisely. A large plain file (no quote, CR, NUL or BOM) goes to pyarrow block by block and
is never whole in memory (_streamed); any other file is read whole.
"""
from __future__ import annotations

import codecs
import csv
import mmap
import os
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from karabakh_timeline.read.contract import read_records, strict_csv
from karabakh_timeline.schema.descriptor import Resource
from karabakh_timeline.support.files import BOM
from karabakh_timeline.vocabulary.issues import Issue

_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32 LE"), (codecs.BOM_UTF32_BE, "UTF-32 BE"), (codecs.BOM_UTF16_LE, "UTF-16 LE"),
              (codecs.BOM_UTF16_BE, "UTF-16 BE"))  # UTF-32 LE first: its BOM starts with UTF-16 LE's
_MAX_LOCATED = 100  # byte-level problems located one by one before summarising
PARSE_BLOCK = 1 << 20  # pyarrow block size; a record larger than a block goes to the slow path; larger files parse on every core
STREAM_FROM = 1 << 24  # files larger than this are read block by block when plain (csv_file._streamed)
MAX_COLUMNS = 16_384  # columns a header may have (a spreadsheet's limit); a wider file is refused, not read


@dataclass
class RawTable:
    """A table's cells as strings ("" for an empty cell), keyed by schema field name."""

    name: str
    columns: dict[str, pa.ChunkedArray | pa.Array]
    lines: np.ndarray  # physical CSV line of each data row (header = line 1)
    issues: list[Issue] = field(default_factory=list)
    readable: bool = True  # False when not even the header could be read

    @property
    def nrows(self) -> int:
        """Number of data rows read."""
        return len(self.lines)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _valid_utf8(data: bytes | memoryview) -> bool:
    """Arrow's SIMD UTF-8 check over the whole file, without decoding it into a Python string."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _byte_issues(name: str, data: bytes) -> tuple[bytes, list[Issue]]:
    """BOM, encoding, NUL and line-ending problems; returns bytes safe to parse as UTF-8."""
    issues: list[Issue] = []
    if data.startswith(BOM):
        issues.append(Issue("byte-order-mark", "the file starts with a UTF-8 byte-order mark", name, 1))
        data = data[len(BOM):]
    if not _valid_utf8(data):
        bad: list[int] = []

        def record(exc: UnicodeError) -> tuple[str, int]:
            assert isinstance(exc, UnicodeDecodeError)
            bad.append(exc.start)
            return "\ufffd", exc.end

        text = codecs.decode(data, "utf-8", errors=_handler_name(record))
        for start in bad[:_MAX_LOCATED]:
            byte = f"0x{data[start]:02x}"
            issues.append(Issue("encoding-error", f"byte {byte} at offset {start} is not valid UTF-8", name, _line_of(data, start), value=byte))
        if len(bad) > _MAX_LOCATED:
            issues.append(Issue("encoding-error", f"{len(bad) - _MAX_LOCATED} more invalid bytes not listed", name))
        data = text.encode("utf-8")
    count = data.count(b"\x00")  # counted in C: a file of NUL bytes must not mean a Python loop per byte
    offset = data.find(b"\x00")
    for _ in range(min(count, _MAX_LOCATED)):
        issues.append(Issue("nul-byte", "a NUL byte in the file", name, _line_of(data, offset), value="0x00"))
        offset = data.find(b"\x00", offset + 1)
    if count > _MAX_LOCATED:
        issues.append(Issue("nul-byte", f"{count - _MAX_LOCATED} more NUL bytes not listed", name))
    cr = data.find(b"\r")
    if cr != -1:
        kind = "CRLF" if data[cr + 1:cr + 2] == b"\n" else "CR"
        issues.append(Issue("line-ending", f"{kind} line endings; canonical files use LF only", name, _line_of(data, cr), value=kind))
    return data, issues


_HANDLERS = 0


def _handler_name(func: object) -> str:
    """Register a one-off codecs error handler (codecs has no way to pass a callback directly)."""
    global _HANDLERS
    _HANDLERS += 1
    name = f"karabakh-timeline-{_HANDLERS}"
    codecs.register_error(name, func)  # type: ignore[arg-type]
    return name


def _header(name: str, first_line: bytes, schema_names: list[str]) -> tuple[list[str], list[Issue]]:
    first = first_line.decode("utf-8", errors="replace").rstrip("\r")
    header = next(csv.reader([first]), [])
    issues: list[Issue] = []
    seen: set[str] = set()
    for col in header:
        if col in seen:
            issues.append(Issue("duplicate-header", f"column {col!r} appears more than once", name, 1, col, col))
        seen.add(col)
    for col in schema_names:
        if col not in seen:
            issues.append(Issue("missing-column", f"the schema's field {col!r} has no column", name, 1, col))
    for col in header:
        if col not in schema_names:
            issues.append(Issue("extra-column", f"column {col!r} is not in the schema", name, 1, col or None, col))
    present = list(dict.fromkeys(c for c in header if c in schema_names))
    if present != [c for c in schema_names if c in seen]:
        issues.append(Issue("header-order", "columns are not in the schema's order: " + ",".join(schema_names), name, 1, value=",".join(header)))
    return header, issues


@dataclass
class _Scan:
    """What one streaming pass over a file's bytes found, without holding the file in memory."""

    size: int = 0
    first_line: bytes = b""
    quotes: int = 0
    ends_with_newline: bool = False
    clean: bool = True  # valid UTF-8 and no NUL byte: the file can go straight to pyarrow
    bom: bool = False
    cr_line: int | None = None
    cr_kind: str = ""


def count_byte(data: bytes, byte: bytes, step: int = 1 << 20) -> int:
    """data.count(byte) for a one-byte byte, by NumPy over slices of step bytes (3x faster than bytes.count on a large file;
    the slices keep the temporary small). tests/test_contract.py checks it against bytes.count."""
    if len(data) <= step:
        return data.count(byte)
    view, value = np.frombuffer(data, np.uint8), byte[0]
    return sum(int(np.count_nonzero(view[i:i + step] == value)) for i in range(0, len(view), step))


def _scan(whole: bytes) -> _Scan:
    """Count lines and quotes and look for BOM, CR, NUL and bad UTF-8 in the bytes read (C loops over them, no copies)."""
    scan = _Scan()
    scan.size = len(whole)
    scan.bom = whole.startswith(BOM)
    end = whole.find(b"\n")
    scan.first_line = whole[: end if end != -1 else len(whole)]
    if (cr := whole.find(b"\r")) != -1:
        scan.cr_line = whole.count(b"\n", 0, cr) + 1
        scan.cr_kind = "CRLF" if whole[cr + 1:cr + 2] == b"\n" else "CR"
    scan.quotes = count_byte(whole, b'"') if b'"' in whole else 0  # `in` is a memchr: most files have no quote at all
    scan.ends_with_newline = whole.endswith(b"\n")
    scan.clean = b"\x00" not in whole and _valid_utf8(whole)
    return scan


def read_table(resource: Resource) -> RawTable:
    """Read a resource's CSV file; problems become issues, never exceptions."""
    name = resource.name
    schema_names = resource.schema.field_names
    try:
        streamed = _streamed(resource) if resource.path.stat().st_size > STREAM_FROM else None
    except OSError:
        streamed = None  # reported by the whole read below
    if streamed is not None:
        return streamed
    try:
        whole = resource.path.read_bytes()  # read once: a file rewritten meanwhile cannot mix two versions into one verdict
        scan = _scan(whole)
        data = None if scan.clean else whole
    except OSError as exc:
        unreadable = Issue("file-unreadable", f"cannot read {resource.relpath}: {exc.strerror}", name, value=resource.relpath)
        return RawTable(name, {}, np.empty(0, np.int64), [unreadable], False)
    if not scan.size:
        return RawTable(name, {}, np.empty(0, np.int64), [Issue("empty-file", "the file is empty; it needs at least the header", name, 1)], False)
    wide = next((label for bom, label in _WIDE_BOMS if scan.first_line.startswith(bom)), None)
    if wide is not None:  # otherwise every byte pair would be an encoding error, and the cause never named
        issue = Issue("encoding-error", f"the file is {wide} (its byte-order mark says so); save it as UTF-8", name, 1, value=wide)
        return RawTable(name, {}, np.empty(0, np.int64), [issue], False)
    if data is not None:  # bad bytes: work on a repaired copy in memory (such files are small or broken anyway)
        data, issues = _byte_issues(name, data)
        first = data.split(b"\n", 1)[0]
    else:
        issues = []
        if scan.bom:
            issues.append(Issue("byte-order-mark", "the file starts with a UTF-8 byte-order mark", name, 1))
        if scan.cr_line is not None:
            issues.append(Issue("line-ending", f"{scan.cr_kind} line endings; canonical files use LF only", name, scan.cr_line, value=scan.cr_kind))
        first = scan.first_line[len(BOM):] if scan.bom else scan.first_line
    if not first.strip(b"\r"):
        issues.append(Issue("empty-file", "the file has no header", name, 1))
        return RawTable(name, {}, np.empty(0, np.int64), issues, False)
    if b"\r" in first.rstrip(b"\r"):  # CR-only line endings: the header line runs into the data
        issues.append(Issue("parse-error", "the header line contains a bare CR (CR-only line endings?); the file cannot be split "
                            "into lines: convert it to LF", name, 1))
        return RawTable(name, {}, np.empty(0, np.int64), issues, False)
    if first.count(b",") >= MAX_COLUMNS and len(header := next(csv.reader([first.decode("utf-8", "replace")]), [])) > MAX_COLUMNS:
        issues.append(Issue("header-too-wide", f"the header has {len(header):,} columns, more than the limit of {MAX_COLUMNS:,}; the "
                            "file is not read further", name, 1, value=f"{len(header):,} columns"))
        return RawTable(name, {}, np.empty(0, np.int64), issues, False)
    header, header_issues = _header(name, first, schema_names)
    issues += header_issues
    width = len(header)
    parsed = None
    if data is None and scan.quotes % 2 == 0:
        plain = not scan.quotes and scan.cr_line is None  # every line is one record: the lines need not be counted
        physical = None if plain else count_byte(whole, b"\n") + (0 if scan.ends_with_newline else 1)
        data = whole.removeprefix(BOM)
        # No quote and no CR: nothing the strict grammar could refuse, so the gate's scan is skipped.
        parsed = _parse_fast(pa.py_buffer(data), width, physical, gated=plain, quoted=scan.quotes > 0)
    if parsed is None:
        if data is None:
            data = whole.removeprefix(BOM)
        elif not scan.clean and data.count(b'"') % 2 == 0:  # repaired bytes: the fast reader has not seen them yet
            parsed = _parse_fast(pa.py_buffer(data), width, data.count(b"\n") + (0 if data.endswith(b"\n") else 1))
        parsed = parsed or _parse_slow(name, data, width)
    return _table(name, header, schema_names, parsed, issues)


def _table(name: str, header: list[str], schema_names: list[str], parsed: tuple[list, np.ndarray, list[Issue]],
           issues: list[Issue]) -> RawTable:
    cells, lines, parse_issues = parsed
    issues += parse_issues
    cells, lines, blank_issues = _drop_blank_rows(name, cells, lines)
    issues += blank_issues
    columns: dict[str, pa.ChunkedArray | pa.Array] = {}
    for index, col in enumerate(header):
        if col in schema_names and col not in columns:
            columns[col] = cells[index]
    return RawTable(name, columns, lines, issues)


class _NotPlain(Exception):
    """A byte that only the whole-file read handles: a quote, CR or NUL."""


class _PlainBlocks:
    """A file's bytes as pyarrow's reader asks for them, each block looked at on its way and then let go (never the whole
    file in memory): a quote, CR or NUL stops the read (_NotPlain). Bytes that are not UTF-8 need no look here: pyarrow
    refuses them in a text column (check_utf8), and the file is then read whole."""

    def __init__(self, file: BinaryIO, first: mmap.mmap | bytes) -> None:
        self._file, self._first = file, first
        self.closed = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True

    def read_buffer(self, size: int) -> mmap.mmap | bytes:
        """The next block (pyarrow calls this when a file has it), in memory of its own: an anonymous map, handed back to
        the system when pyarrow lets go of it (Python bytes of a block's size would stay in the C heap: 1M events, the
        process peaked 60-100 MB higher)."""
        block, self._first = (self._first, b"") if self._first else (_block(self._file, size), b"")
        if any(block.find(byte) != -1 for byte in (b'"', b"\r", b"\x00")):  # a memchr each
            raise _NotPlain  # pyarrow ends the read and raises it again, as it is
        return block

    def read(self, size: int = -1) -> bytes:  # pyarrow takes an object with read() as a file (then calls read_buffer)
        return bytes(self.read_buffer(size))


def _block(file: BinaryIO, size: int) -> mmap.mmap | bytes:
    """The next size bytes of file in an anonymous map of their own (fewer at the end of the file: then a copy)."""
    block = mmap.mmap(-1, max(size, 1))
    n = file.readinto(block)  # type: ignore[attr-defined]
    return block if n == size else block[:n]


def _streamed(resource: Resource) -> RawTable | None:
    """A large file read block by block, when it is plain: no quote, CR, NUL, BOM or bad byte, so every line is a record and
    nothing the strict grammar could refuse (1M events: the 372 MB file is never whole in memory; its read peaks 0.3 GB
    lower). None for any other file, or one that pyarrow cannot map line for line: the whole-file read then reads it
    again and decides alone (each verdict comes from one read of the bytes). tests/test_contract.py: both reads agree."""
    name, schema_names = resource.name, resource.schema.field_names
    with resource.path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        first_block = _block(file, block_size(size))
        end = first_block.find(b"\n")
        first = first_block[:end]
        if end < 1 or first_block[:len(BOM)] == BOM or b"\r" in first or first.count(b",") >= MAX_COLUMNS or not _valid_utf8(first):
            return None  # the whole-file read reports what these need (the header is not a record pyarrow checks)
        header, issues = _header(name, first, schema_names)
        blocks = _PlainBlocks(file, first_block)
        try:
            parsed = _parse_fast(blocks, len(header), None, gated=True, quoted=False, size=size)
        except _NotPlain:
            return None
    return None if parsed is None else _table(name, header, schema_names, parsed, issues)


def block_size(size: int) -> int:
    """pyarrow's block for a file of size bytes: PARSE_BLOCK, or about a 32nd of a large file (at most 64 MiB).

    Each block becomes one chunk of every column, and each Arrow call on a column costs per chunk:
    a 371 MB file in 1 MiB blocks made 371 chunks per column. A record longer than its block goes to
    the slow path, so larger blocks only ever read more files fast.
    """
    return max(PARSE_BLOCK, min(1 << 26, size // 32))


def _parse_fast(source: pa.Buffer | _PlainBlocks, width: int, physical: int | None, gated: bool = False,
                quoted: bool = True, size: int | None = None) -> tuple[list[pa.ChunkedArray], np.ndarray, list[Issue]] | None:
    """pyarrow's reader, on bytes within the strict grammar whose records are one physical line each; None: use the slow path.

    gated: the caller knows the bytes are within the grammar; quoted=False: they hold no quote, so every newline ends a
    record and pyarrow may split blocks at any newline (in parallel, twice as fast on a large file); physical: the file's
    lines, which the records must match (None: known to, for bytes without quote or CR, whose every line is a record);
    size: the bytes' length, for a source that is not a buffer.
    """
    size = source.size if isinstance(source, pa.Buffer) else size or 0
    if not gated and not strict_csv(source):  # pyarrow would read what the reference refuses ("Shu"sha as Shusha)
        return None
    invalid = 0

    def on_invalid(row: pacsv.InvalidRow) -> str:
        nonlocal invalid
        invalid += 1
        return "skip"

    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            source,
            # One block gains nothing from Arrow's pool, and its workers calling on_invalid back into Python
            # from inside our own thread pool is how pyarrow aborts at exit (apache/arrow#34314): small files read inline.
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_size(size), use_threads=size > PARSE_BLOCK),
            parse_options=pacsv.ParseOptions(newlines_in_values=quoted, ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if invalid or (physical is not None and table.num_rows + 1 != physical):
        return None
    return [table.column(n) for n in names], np.arange(2, table.num_rows + 2, dtype=np.int64), []


def _parse_slow(name: str, data: bytes, width: int) -> tuple[list[pa.Array], np.ndarray, list[Issue]]:
    """Python's csv module: exact starting line of every record, ragged rows and parse errors."""
    records, issues = read_records(name, data.decode("utf-8"))
    body = [(line, record or [""] * width) for line, record in records[1:]]  # blank lines: reported as blank rows
    columns = [pa.array([r[i] for _, r in body], pa.string()) for i in range(width)]
    return columns, np.asarray([line for line, _ in body], dtype=np.int64), issues


def _drop_blank_rows(name: str, cells: list, lines: np.ndarray) -> tuple[list, np.ndarray, list[Issue]]:
    if not len(lines) or not cells:
        return cells, lines, []
    # Only rows whose first cell is empty can be blank: the other columns are looked at for those.
    candidates = np.flatnonzero(np.asarray(pc.equal(pc.binary_length(cells[0]), 0).to_numpy(zero_copy_only=False), dtype=bool))
    if not len(candidates):
        return cells, lines, []
    picked = pa.array(candidates)
    blank_candidates = np.ones(len(candidates), dtype=bool)
    for col in cells[1:]:
        blank_candidates &= np.asarray(pc.equal(pc.binary_length(pc.take(col, picked)), 0).to_numpy(zero_copy_only=False), dtype=bool)
    blank_np = np.zeros(len(lines), dtype=bool)
    blank_np[candidates[blank_candidates]] = True
    if not blank_np.any():
        return cells, lines, []
    issues = [Issue("blank-row", "a row with no values", name, int(line)) for line in lines[blank_np]]
    keep = pa.array(~blank_np)
    return [pc.filter(col, keep) for col in cells], lines[~blank_np], issues
