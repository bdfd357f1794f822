"""How a resource's bytes are to be read: CSV Dialect, encoding, compression, inline data, and what is out of scope.

Parsed from the resource descriptor once, checked like a schema (a property of the wrong JSON type
is package-invalid), and carried on the Resource so that every reader honours the same choices.
A dialect may be given inline or as a path to a JSON or YAML file inside the package.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

_CHAR_KEYS = {"delimiter": "delimiter", "quoteChar": "quote_char", "escapeChar": "escape_char", "commentChar": "comment_char"}
_BOOL_KEYS = {"doubleQuote": "double_quote", "header": "header", "skipInitialSpace": "skip_initial_space",
              "caseSensitiveHeader": "header_case", "headerCase": "header_case", "skipBlankRows": "skip_blank_rows"}
TABULAR_FORMATS = ("csv", "tsv", "txt", "")  # read here; every other format is out of scope
UNSUPPORTED_FORMATS = {"xlsx": "Excel workbooks (xlsx)", "xls": "Excel workbooks (xls)", "ods": "OpenDocument spreadsheets (ods)",
                       "json": "JSON resources", "jsonl": "JSON Lines resources", "ndjson": "JSON Lines resources",
                       "parquet": "Parquet resources", "sqlite": "SQL resources", "html": "HTML tables", "gsheets": "Google Sheets"}
COMPRESSIONS = ("gz", "zip")


class DialectError(ValueError):
    """A dialect or resource property this package cannot use (package-invalid)."""


class UnsupportedFeature(ValueError):
    """A resource uses a feature out of this package's scope (unsupported-feature, exit 3); the message names it."""


@dataclass(frozen=True)
class Dialect:
    """CSV Dialect 1.0 (and headerRow, commentRows of 1.2; headerRows, headerJoin, headerCase, skipBlankRows of Table Dialect v2)."""

    delimiter: str = ","
    quote_char: str = '"'
    double_quote: bool = True
    escape_char: str | None = None
    line_terminator: str = "\r\n"  # informative: every reader here ends lines at LF or CRLF
    header: bool = True
    header_rows: tuple[int, ...] = (1,)  # physical lines; more than one: a multi-line header, its cells joined column by column
    header_join: str = " "
    comment_char: str | None = None
    comment_rows: tuple[int, ...] = ()
    skip_initial_space: bool = False
    null_sequence: str | None = None
    header_case: bool = True  # v2 headerCase (1.2 caseSensitiveHeader) false: header names match the schema's in any case
    skip_blank_rows: bool = False  # v2 skipBlankRows: rows of empty cells are skipped, not reported

    @property
    def is_default(self) -> bool:
        """True when the fast CSV path applies: comma, double quotes doubled, the header on line 1, nothing skipped."""
        return (self.delimiter, self.quote_char, self.double_quote, self.escape_char, self.header, self.header_rows, self.comment_char,
                self.comment_rows, self.skip_initial_space, self.null_sequence, self.header_case, self.skip_blank_rows) == (
                    ",", '"', True, None, True, (1,), None, (), False, None, True, False)


def parse_dialect(raw: Any, tsv: bool = False) -> Dialect:
    """A Dialect from a dialect descriptor (frictionless v5's {"csv": {...}} nesting accepted); DialectError when malformed."""
    if raw is None:
        return Dialect(delimiter="\t") if tsv else Dialect()
    if not isinstance(raw, dict):
        raise DialectError(f"dialect must be an object or a path, got {raw!r:.80}")
    if isinstance(raw.get("csv"), dict):  # frictionless-py 5 writes {"csv": {"delimiter": ";"}}
        raw = {**{k: v for k, v in raw.items() if k != "csv"}, **raw["csv"]}
    values: dict[str, Any] = {"delimiter": "\t"} if tsv else {}
    for key, attr in _CHAR_KEYS.items():
        if key in raw and raw[key] is not None:
            if not isinstance(raw[key], str) or len(raw[key]) != 1:
                raise DialectError(f"dialect {key} must be one character, got {raw[key]!r:.80}")
            values[attr] = raw[key]
    for key, attr in _BOOL_KEYS.items():
        if key in raw:
            if not isinstance(raw[key], bool):
                raise DialectError(f"dialect {key} must be true or false, got {raw[key]!r:.80}")
            values[attr] = raw[key]
    if "lineTerminator" in raw:
        if raw["lineTerminator"] not in ("\r\n", "\n", "\r"):
            raise DialectError(f"dialect lineTerminator must be CRLF, LF or CR, got {raw['lineTerminator']!r:.20}")
        values["line_terminator"] = raw["lineTerminator"]
    if "nullSequence" in raw:
        if not isinstance(raw["nullSequence"], str):
            raise DialectError(f"dialect nullSequence must be a string, got {raw['nullSequence']!r:.80}")
        values["null_sequence"] = raw["nullSequence"]
    rows = raw.get("headerRows", raw.get("headerRow"))
    if rows is not None:
        rows = rows if isinstance(rows, list) else [rows]
        if not rows or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 1 for r in rows) or rows != sorted(set(rows)):
            raise DialectError(f"dialect headerRows must be line numbers >= 1 in increasing order, got {rows!r:.80}")
        values["header_rows"] = tuple(rows)
    if "headerJoin" in raw:
        if not isinstance(raw["headerJoin"], str):
            raise DialectError(f"dialect headerJoin must be a string, got {raw['headerJoin']!r:.80}")
        values["header_join"] = raw["headerJoin"]
    if "commentRows" in raw:
        found = raw["commentRows"]
        if not isinstance(found, list) or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 1 for r in found):
            raise DialectError(f"dialect commentRows must be a list of line numbers, got {found!r:.80}")
        values["comment_rows"] = tuple(found)
    if values.get("quote_char") is None and "quoteChar" in raw:
        values["quote_char"] = '"'
    return Dialect(**values)


def parse_encoding(raw: Any) -> str:
    """The declared encoding as a Python codec name (utf-8 when none); DialectError for one Python does not know."""
    if raw is None:
        return "utf-8"
    if not isinstance(raw, str):
        raise DialectError(f"encoding must be a string, got {raw!r:.80}")
    try:
        return codecs.lookup(raw).name
    except LookupError as exc:
        raise DialectError(f"encoding {raw!r:.40} is not one this tool knows") from exc


def data_format(raw: dict[str, Any], path: str | None) -> tuple[str, str | None]:
    """(format, compression): as declared, else from the path's extensions (data.csv.gz: csv, gz)."""
    suffixes = [s.lstrip(".").lower() for s in PurePosixPath(path).suffixes] if path else []
    compression = raw.get("compression")
    if suffixes and suffixes[-1] in COMPRESSIONS and compression in (None, suffixes[-1]):
        compression = suffixes.pop()
    fmt = raw.get("format")
    if fmt is None:
        fmt = suffixes[-1] if suffixes else ""
    if not isinstance(fmt, str) or (compression is not None and not isinstance(compression, str)):
        raise DialectError("format and compression must be strings")
    fmt, compression = fmt.lower(), compression.lower() if compression else None
    if compression is not None and compression not in COMPRESSIONS:
        raise UnsupportedFeature(f"{compression} compression (only gz and zip are read)")
    if fmt in UNSUPPORTED_FORMATS:
        raise UnsupportedFeature(UNSUPPORTED_FORMATS[fmt])
    if fmt not in TABULAR_FORMATS:
        raise UnsupportedFeature(f"the {fmt!r:.20} format (only CSV is read)")
    return fmt, compression
