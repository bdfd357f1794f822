"""The reading contract: which bytes are a CSV record and which text is a typed cell, for every reader.

validate, load, diff, publish and stats read through csv_file.read_table, format through
read_records, and the R loader (r/R/read_timeline.R) through readr; all of them must give the same
verdict on the same bytes. The reference is Python's csv module in strict mode (read_records). The
fast reader (pyarrow) is lenient where the reference is not -- it reads ``"Shu"sha`` as ``Shusha``
-- so it is used only on files that match STRICT_CSV, the strict grammar written as one regular
expression: every file it accepts parses identically in pyarrow, the csv module and readr, and a
file it refuses goes to the reference reader, which reports where it breaks. The R loader applies
the same expression (tests/test_contract.py keeps the two in step).

Typing follows the lexical forms of the type table (schema/types.py): a cell is cast only after it
matched its type's form, in every path, so no cast's own leniency (Arrow reads ``0x10`` as 16)
changes a verdict.
"""
from __future__ import annotations

import csv
import io
import re
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.schema.types import type_info
from karabakh_timeline.vocabulary.issues import Issue


def strict_grammar(delimiter: str = ",", quote: str = '"') -> str:
    """The strict grammar for a delimiter and quote character (a CSV Dialect with doubled quotes).

    A field: quoted (any text, quotes doubled, line breaks allowed), or unquoted (not starting with a
    quote; no delimiter, CR or LF; a quote inside is literal), or empty. A record: fields joined by
    the delimiter. A file: records each ended by LF or CRLF, the last one's ending optional.
    """
    field, sep = strict_field(delimiter, quote), re.escape(delimiter)
    record = rf"{field}(?:{sep}{field})*"
    return rf"^(?:{record}\r?\n)*(?:{record})?$"


def strict_field(delimiter: str = ",", quote: str = '"') -> str:
    """One field of the strict grammar (see strict_grammar)."""
    q, sep = re.escape(quote), re.escape(delimiter)
    return rf"(?:{q}(?:[^{q}]|{q}{q})*{q}|[^{q}{sep}\r\n][^{sep}\r\n]*|)"


# The default dialect's grammar; the R loader restates FIELD (tests/test_contract.py keeps them in step).
FIELD = strict_field()
STRICT_CSV = strict_grammar()


def as_text_array(data: bytes | memoryview | pa.Buffer) -> pa.Array:
    """The bytes as a one-element Arrow string array, without copying or decoding them."""
    buffer = data if isinstance(data, pa.Buffer) else pa.py_buffer(data)
    offsets = pa.py_buffer(np.array([0, buffer.size], dtype=np.int64))
    return pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, buffer])


def strict_csv(data: bytes | memoryview | pa.Buffer, delimiter: str = ",", quote: str = '"') -> bool:
    """True when valid UTF-8 bytes match the strict grammar, so that every reader parses them alike (RE2: linear time)."""
    grammar = STRICT_CSV if (delimiter, quote) == (",", '"') else strict_grammar(delimiter, quote)
    return bool(pc.match_substring_regex(as_text_array(data), grammar)[0].as_py())


def read_records(name: str, text: str) -> tuple[list[tuple[int, list[str]]], list[Issue]]:
    """The reference reader: every record with the physical line it starts on (csv module, strict), header first.

    A blank line is an empty record. Records whose cell count differs from the header's, and a
    parse error (after which nothing more can be read), become issues and are left out.
    """
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(text, newline="\n"), strict=True)  # lines end at LF only, as for every reader
    records: list[tuple[int, list[str]]] = []
    issues: list[Issue] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            width = len(records[0][1]) if records else len(record)
            if record and len(record) != width:
                code = "missing-cell" if len(record) < width else "extra-cell"
                issues.append(Issue(code, f"{len(record)} cells where the header has {width}", name, start, value=",".join(record)))
                continue
            records.append((start, record))
    except csv.Error as exc:
        issues.append(Issue("parse-error", f"CSV cannot be parsed from here on: {exc}", name, previous_end + 1))
    return records, issues


def lexical(type_name: str) -> str | None:
    """The RE2 regex a cell of this Table Schema type must match before any cast (None: every text)."""
    return type_info(type_name).lexical


def lexically_valid(column: pa.ChunkedArray | pa.Array, type_name: str) -> pa.ChunkedArray | pa.Array | None:
    """Per cell, whether it has its type's lexical form (None when every text does)."""
    pattern = lexical(type_name)
    return None if pattern is None else pc.match_substring_regex(column, pattern)
