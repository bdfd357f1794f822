"""Typing cells: strict conversion of string columns to the types their Table Schema declares.

Conversions are vectorised with pyarrow compute. A cell that does not parse becomes null and a
``type-error`` issue; a missing value (one of the schema's missingValues) becomes null silently.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.schema import lexical
from karabakh_timeline.schema.arrow_keys import all_within, fixed_ranges
from karabakh_timeline.schema.arrow_keys import per_distinct as distinct_map  # the one "once per distinct value"
from karabakh_timeline.schema.lexical import safe
from karabakh_timeline.schema.table_schema import Field, TableSchema
from karabakh_timeline.schema.types import BOOLEAN_FALSE, BOOLEAN_TRUE, type_info
from karabakh_timeline.support.arrow import mask
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue

# Lexical forms accepted per type (Table Schema's defaults, without locale variants): the type table's.
_INTEGER, _NUMBER, _DATE, _DATETIME, _TIME, _YEAR, _YEARMONTH = (
    type_info(t).lexical or "" for t in ("integer", "number", "date", "datetime", "time", "year", "yearmonth"))
_LONG_INTEGER = r"^[+-]?[0-9]{19,38}$"  # beyond int64: a decimal with no fraction
_NAIVE_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$"  # no zone: UTC
# URIs that rfc3986 accepts for certain: scheme://host[:port] and a path, query and fragment of unreserved,
# sub-delims, ':', '@', '/', '?' and well-formed %XX. Only cells this misses go to rfc3986 one by one.
_URI_CHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})"
_SIMPLE_URI = rf"^[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9._~-]+(:[0-9]*)?(/{_URI_CHAR}*)?(\?{_URI_CHAR}*)?(#{_URI_CHAR}*)?$"
# Addresses email-validator accepts for certain: dot-atoms of ASCII letters, digits and _%+- before the @, LDH labels and
# a letter TLD after it, under the length limits, and not a special-use domain. Only cells this misses go to email-validator.
_SIMPLE_EMAIL = (r"^[A-Za-z0-9_%+-]{1,64}(\.[A-Za-z0-9_%+-]{1,64})*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_SPECIAL_USE = r"(?i)\.(arpa|invalid|local|localhost|onion|test)$"
_PER_VALUE = {"duration", "geopoint", "geojson", "object", "array", "list"}  # no vectorised form: schema.lexical on each distinct value


def missing_mask(column: pa.ChunkedArray | pa.Array, missing_values: tuple[str, ...]) -> pa.ChunkedArray | pa.Array:
    """True where the cell holds one of the missing values."""
    if missing_values == ("",):  # the usual case: a length test, no hashing of every string
        return pc.equal(pc.binary_length(column), 0)
    if not missing_values:
        return pc.is_null(column) if column.null_count else pc.equal(pc.binary_length(column), -1)
    return pc.is_in(column, value_set=pa.array(list(missing_values), pa.string()))


def _null_where_empty(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The same strings with empty cells set to null, reusing the string buffers (no copy)."""
    chunks = []
    for chunk in column.chunks:
        keep = pc.not_equal(pc.binary_length(chunk), 0)
        if chunk.offset or chunk.null_count or keep.offset or keep.null_count:
            chunks.append(pc.if_else(keep, chunk, pa.scalar(None, chunk.type)))
            continue
        _, offsets, data = chunk.buffers()
        chunks.append(pa.Array.from_buffers(chunk.type, len(chunk), [keep.buffers()[1], offsets, data]))
    return pa.chunked_array(chunks, column.type)


def per_distinct(column: pa.ChunkedArray | pa.Array, parse: Callable[[str], Any], out_type: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """(typed, ok): parse (schema.lexical) called once per distinct value (schema.arrow_keys.per_distinct; missing stays missing)."""
    checked = safe(parse)
    pairs = distinct_map(column, lambda text: dict(zip(("ok", "value"), checked(text), strict=True)),
                         pa.struct([("ok", pa.bool_()), ("value", out_type)]))
    return pc.struct_field(pairs, "value"), pc.struct_field(pairs, "ok")


def _numeric_text(column: pa.ChunkedArray | pa.Array, options: dict[str, Any]) -> pa.ChunkedArray | pa.Array:
    """groupChar removed, decimalChar made '.', and (bareNumber false) text around the number dropped: schema.lexical's rule in Arrow."""
    if options.get("groupChar"):
        column = pc.replace_substring(column, options["groupChar"], "")
    if options.get("decimalChar") and options["decimalChar"] != ".":
        column = pc.replace_substring(column, options["decimalChar"], ".")
    if options.get("bareNumber") is False:
        special = pc.match_substring_regex(column, r"^(NaN|INF|-INF)$")
        column = pc.if_else(special, column, pc.replace_substring_regex(column, r"^[^-+0-9.]+|[^0-9.]+$", ""))
    return column


def _only(column: pa.ChunkedArray | pa.Array, ok: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    return pc.if_else(ok, column, pa.scalar(None, column.type))


def _surely_or_exactly(column: pa.ChunkedArray | pa.Array, missing: Any, surely: Any, fld: Field) -> Any:
    """ok: true where the RE2 pre-check accepts the cell for certain, else schema.lexical's verdict on the cells it misses only."""
    rest = pc.and_(pc.invert(surely), pc.invert(missing))
    if not pc.any(rest).as_py():
        return surely
    _, exact = per_distinct(_only(column, rest), lexical.parser(fld.type, fld.format, fld.options), pa.string())
    return pc.if_else(rest, exact, surely)


def _typed_strings(column: pa.ChunkedArray | pa.Array, missing: pa.ChunkedArray | pa.Array, fld: Field) -> tuple[Any, Any]:
    """String-valued types: the cell itself where its form is right (regex in Arrow, else schema.lexical per distinct value)."""
    regex = {"time": _TIME, "yearmonth": _YEARMONTH}.get(fld.type)
    if regex and fld.format == "default":
        return column, pc.match_substring_regex(column, regex)
    if fld.type == "string" and fld.format == "uri":
        return column, _surely_or_exactly(column, missing, pc.match_substring_regex(column, _SIMPLE_URI), fld)
    if fld.type == "string" and fld.format == "email":
        simple = pc.and_(pc.and_(pc.match_substring_regex(column, _SIMPLE_EMAIL), pc.invert(pc.match_substring_regex(column, _SPECIAL_USE))),
                         pc.less_equal(pc.binary_length(column), 254))
        local_ok = pc.less_equal(pc.binary_length(pc.replace_substring_regex(column, "@.*$", "")), 64)
        return column, _surely_or_exactly(column, missing, pc.and_(simple, local_ok), fld)
    if fld.type == "string" and fld.format == "uuid":
        regex = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
        canonical = pc.match_substring_regex(column, regex)
        if pc.all(pc.or_(canonical, missing)).as_py():
            return column, canonical
    parse = lexical.parser(fld.type, fld.format, fld.options)

    def text_if_parsed(value: str) -> str:  # the column keeps the cell's text; a time by a format parses to a time object
        parse(value)
        return value

    _, ok = per_distinct(_only(column, pc.invert(missing)), text_if_parsed, pa.string())
    return column, ok


def iso_dates(column: pa.ChunkedArray | pa.Array) -> tuple[Any, Any]:
    """(dates, ok): text cells of the date lexical form (YYYY-MM-DD, a real day of the years 0001-9999) as dates, missing elsewhere."""
    clean = _only(column, pc.match_substring_regex(column, _DATE))
    typed = pc.cast(pc.strptime(clean, format="%Y-%m-%d", unit="s", error_is_null=True), pa.date32())
    # Arrow's strptime rolls impossible days over (2023-02-30 -> 2023-03-02); the day must survive.
    written_day = pc.cast(pc.utf8_slice_codeunits(clean, 8, 10), pa.int64())
    ok = pc.and_(pc.and_(pc.is_valid(typed), pc.equal(pc.day(typed), written_day)), pc.greater_equal(pc.year(typed), 1))
    return _only(typed, ok), ok


def _convert_present(column: pa.ChunkedArray | pa.Array, missing: pa.ChunkedArray | pa.Array, fld: Field) -> tuple[Any, Any]:
    """(typed, ok) for the cells of a column, missing ones aside (ok may be anything there)."""
    out = fld.arrow_type()
    clean_missing = _only(column, pc.invert(missing))
    if fld.type in ("integer", "date") and fld.format == "default" and not fld.options:
        # Arrow's own cast is strict (exact YYYY-MM-DD on the calendar; plain digits) but all or
        # nothing: it types a clean column in one step, and only a column with a bad cell takes
        # the cell-by-cell path below to find which.
        form = type_info(fld.type).lexical or ""
        ranges = fixed_ranges(form.removeprefix("^").removesuffix("$"))  # a date's YYYY-MM-DD: checked by byte extremes
        if (ranges is not None and all_within(clean_missing, ranges)) or \
                pc.all(pc.or_(pc.match_substring_regex(column, form), missing)).as_py() is not False:  # Arrow alone reads 0x10 as 16
            try:
                typed = pc.cast(clean_missing, out)
                earliest = pc.min(pc.year(typed)).as_py() if fld.type == "date" else None
                if earliest is None or earliest >= 1:  # years 0001-9999 (read/contract.py): Arrow alone takes 0000
                    return typed, pc.is_valid(clean_missing)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
    if fld.type in ("integer", "year"):
        text = _numeric_text(column, fld.options) if fld.type == "integer" else column
        ok = pc.match_substring_regex(text, _INTEGER if fld.type == "integer" else _YEAR)
        if fld.type == "integer" and pc.any(pc.match_substring_regex(text, _LONG_INTEGER)).as_py():
            ok = pc.or_(ok, pc.match_substring_regex(text, _LONG_INTEGER))  # integers are unbounded: a decimal of up to 38 digits
            out = pa.decimal128(38, 0)
        return pc.cast(pc.replace_substring_regex(_only(text, ok), r"^\+", ""), out), ok  # Arrow refuses a leading +
    if fld.type == "number":
        text = _numeric_text(column, fld.options)
        ok = pc.match_substring_regex(text, _NUMBER)
        return pc.cast(pc.replace_substring(_only(text, ok), "INF", "inf"), out), ok
    if fld.type == "date" and fld.format == "default":
        return iso_dates(column)
    if fld.type == "datetime" and fld.format == "default":
        naive = pc.match_substring_regex(column, _NAIVE_DATETIME)
        zoned = pc.if_else(naive, pc.binary_join_element_wise(column, pa.scalar("Z", column.type), ""), column)
        ok = pc.match_substring_regex(zoned, _DATETIME)
        if pc.all(pc.or_(ok, missing)).as_py():  # any other form (+0100, a 30 February) is judged value by value below
            try:
                return pc.cast(_only(zoned, ok), out), ok
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
    if fld.type == "boolean":
        true = pc.is_in(column, value_set=pa.array(list(fld.options.get("trueValues", BOOLEAN_TRUE)), pa.string()))
        ok = pc.or_(true, pc.is_in(column, value_set=pa.array(list(fld.options.get("falseValues", BOOLEAN_FALSE)), pa.string())))
        return _only(true, ok), ok
    if fld.type in ("date", "datetime"):
        return per_distinct(clean_missing, lexical.parser(fld.type, fld.format, fld.options), out)
    if fld.type in _PER_VALUE or fld.type in ("string", "time", "yearmonth"):
        return _typed_strings(column, missing, fld)
    raise AssertionError(fld.type)  # parse_schema admits no other type


_NULL_WHEN_MISSING = ("integer", "number", "year", "date")  # types whose column of missing cells is all null of fld.arrow_type()


def convert(column: pa.ChunkedArray | pa.Array, fld: Field, schema: TableSchema) -> tuple[pa.ChunkedArray | pa.Array, np.ndarray]:
    """Return the typed column (nulls for missing and bad cells) and a boolean mask of type errors."""
    missing_values = fld.missing_values(schema)
    if fld.type == "any" or (fld.type == "string" and fld.format == "default"):
        if missing_values == ("",) and isinstance(column, pa.ChunkedArray):
            return _null_where_empty(column), np.zeros(len(column), bool)
        missing = missing_mask(column, missing_values)
        return pc.if_else(missing, pa.scalar(None, column.type), column), np.zeros(len(column), bool)
    missing = missing_mask(column, missing_values)
    if fld.type in _NULL_WHEN_MISSING and pc.all(missing).as_py():  # nothing to type (1M events: 0.08 s a column)
        return pa.chunked_array([pa.nulls(len(column), fld.arrow_type())]), np.zeros(len(column), bool)
    typed, ok = _convert_present(column, missing, fld)
    ok = pc.fill_null(ok, False)
    typed = pc.if_else(pc.and_(ok, pc.invert(missing)), typed, pa.scalar(None, typed.type))
    return typed, mask(pc.and_(pc.invert(missing), pc.invert(ok)))


def type_issues(table: str, fld: Field, raw: pa.ChunkedArray | pa.Array, bad: np.ndarray, lines: np.ndarray) -> list[Issue]:
    """One type-error issue per cell in bad."""
    idx = np.flatnonzero(bad)
    if not len(idx):
        return []
    values = pc.take(raw, pa.array(idx)).to_pylist()
    template = code("type-error")
    expected = type_info(fld.type).words
    if fld.type == "string" and fld.format != "default":
        expected = {"uri": "a URI with a scheme (RFC 3986)", "email": "an email address", "uuid": "a UUID", "binary": "base64 binary"}[fld.format]
    elif fld.format not in ("default", "any") and fld.type in ("date", "datetime", "time"):
        expected = f"a {fld.type} in the format {lexical.pattern(fld.format)}"
    elif fld.format != "default":
        expected = f"{expected} (format {fld.format})"
    elif fld.type == "list":
        expected = f"a list of {fld.options['itemType']} items separated by {fld.options['delimiter']!r}"
    return [Issue("type-error", template.message(value=value, expected=expected), table, int(lines[i]), fld.name, value)
            for i, value in zip(idx, values, strict=True)]


def enum_message(value: object, fld: Field) -> str:
    """The one enum-value message, for the validator and load() alike."""
    return code("enum-value").message(value=value, allowed=", ".join(map(str, fld.enum or fld.categories or [])))
