"""Rules on text cells: no stray spaces, control characters or formula starts; country and language codes."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from karabakh_timeline.check.rules.registry import TABLE, Context, issues_at, rule
from karabakh_timeline.policy.formula import DDE, FORMULA_STARTS, INVISIBLE_PREFIX, WIDE_FORMULA_STARTS, starts_formula
from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.support.arrow import Column, arrow, isin, mask, value_set
from karabakh_timeline.vocabulary.issues import Issue


def _text_fields(t: TypedTable) -> list[str]:
    return [f.name for f in t.schema.fields if f.type == "string" and f.enum is None and "pattern" not in f.constraints]


# RE2 syntax (pyarrow): \pZ adds Unicode spaces such as NBSP, which RE2's \s leaves out.
_FORMULA_CLASS = "".join(f"\\x{ord(c):02x}" for c in FORMULA_STARTS)  # policy.formula, as an RE2 character class
_WIDE_CLASS = "".join(f"\\x{{{ord(c):04x}}}" for c in WIDE_FORMULA_STARTS)
# C1 controls, zero-width characters, line/paragraph separators, bidi embeddings and isolates, the BOM
_INVISIBLE = r"[\x{80}-\x{9f}\x{200b}-\x{200f}\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}\x{feff}]"
_UNSAFE = (rf"^[\s\pZ]|[\s\pZ]$|[\s\pZ]{{2}}|[\x00-\x1f\x7f]|^[{_FORMULA_CLASS}]|^[{_WIDE_CLASS}]|{_INVISIBLE}"
           r"|(?i:cmd\|)")


_INVISIBLE_RE = re.compile("[\x80-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_ENDS = np.zeros(256, dtype=bool)  # by byte: ASCII whitespace, unsafe at either end of a cell
_ENDS[[9, 10, 11, 12, 13, 32]] = True
_LEADS = _ENDS.copy()  # unsafe as a cell's first byte: whitespace or a formula start
_LEADS[np.frombuffer("".join(FORMULA_STARTS).encode("ascii"), dtype=np.uint8)] = True


def _unsafe_chunk(chunk: pa.Array) -> np.ndarray:
    """unsafe_mask for one Arrow string chunk.

    Chunks of printable ASCII without a pipe (the usual case, found with three numpy reductions;
    a pipe may start cmd|) are checked on their raw bytes: first and last byte of each cell, and
    adjacent spaces. Any other chunk goes through one RE2 pass, which also knows Unicode
    whitespace (on such a chunk that is faster than picking out its plain cells first).
    """
    n = len(chunk)
    _, offsets_buf, data_buf = chunk.buffers()
    if n == 0 or data_buf is None:
        return np.zeros(n, dtype=bool)
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset:chunk.offset + n + 1].astype(np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0]:offsets[-1]]
    if len(data) and (data.min() < 0x20 or data.max() >= 0x7F or (data == 0x7C).any()):  # numpy: Arrow's substring search is far slower
        return mask(pc.match_substring_regex(chunk, _UNSAFE))
    starts, ends = offsets[:-1] - offsets[0], offsets[1:] - offsets[0]
    filled = ends > starts
    bad = np.zeros(n, dtype=bool)
    bad[filled] = _LEADS[data[starts[filled]]] | _ENDS[data[ends[filled] - 1]]
    space = data == 32
    pairs = np.flatnonzero(space[1:] & space[:-1])  # position of the first of two spaces
    if len(pairs):
        rows = np.searchsorted(ends, pairs, side="right")
        within = ends[rows] > pairs + 1  # both spaces in the same cell
        bad[rows[within]] = True
    return bad


def unsafe_mask(column: Column) -> np.ndarray:
    """Cells with leading/trailing/double spaces, control characters or a formula-like start."""
    chunks = arrow(column).chunks
    return np.concatenate([_unsafe_chunk(c) for c in chunks]) if chunks else np.zeros(0, dtype=bool)


@rule("unsafe-text", scope=TABLE)
def unsafe_text(ctx: Context) -> Iterator[Issue]:
    """Free-text cells: no stray spaces, control characters or spreadsheet formula starts."""
    for t in ctx.tables.values():
        if not t.readable:
            continue
        for name in _text_fields(t):
            yield from issues_at(t, unsafe_mask(t.column(name)), "unsafe-text", name, lambda v: f"unsafe text {_why(v)}")


def _why(value: object) -> str:
    text = str(value)
    if starts_formula(text):
        return f"(starts with {text.lstrip(INVISIBLE_PREFIX)[:1]!r} or holds {DDE!r}, which a spreadsheet runs as a formula)"
    if text != text.strip():
        return "(leading or trailing space)"
    if any(ord(c) < 32 or 127 <= ord(c) <= 159 for c in text):
        return "(control character or line break)"
    if _INVISIBLE_RE.search(text):
        return "(an invisible character: zero-width, bidi control, line or paragraph separator, or BOM)"
    return "(double space)"


def _invalid(column: pa.ChunkedArray, valid: Callable[[str], bool]) -> np.ndarray:
    """Cells whose value fails valid(), testing each distinct value once."""
    wrong = [v for v in value_set(column).to_pylist() if not valid(v)]
    return isin(column, pa.array(wrong, pa.large_string())) if wrong else np.zeros(len(column), dtype=bool)


@lru_cache(maxsize=4096)
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_3=code) is not None


def _coded(ctx: Context, field: str, valid: Callable[[str], bool], code_name: str, message: str) -> Iterator[Issue]:
    """Cells of field, in every table that has it, whose value valid() refuses."""
    for t in ctx.tables.values():
        if ctx.has(t.name, field):
            yield from issues_at(t, _invalid(t.column(field), valid), code_name, field, lambda v: message.format(v))


@rule("country-code", scope=TABLE)
def country_code(ctx: Context) -> Iterator[Issue]:
    """country_code fields hold ISO 3166-1 alpha-3 codes (pycountry's list)."""
    yield from _coded(ctx, "country_code", _is_country, "country-code", "{!r} is not an ISO 3166-1 alpha-3 code")


@lru_cache(maxsize=4096)
def _is_language(tag: str) -> bool:
    import langcodes  # imported on first use: its tables take a tenth of a second to load

    return bool(langcodes.tag_is_valid(tag))


@rule("language-tag", scope=TABLE)
def language_tag(ctx: Context) -> Iterator[Issue]:
    """language fields hold valid BCP-47 tags (langcodes)."""
    yield from _coded(ctx, "language", _is_language, "language-tag", "{!r} is not a valid BCP-47 language tag")
