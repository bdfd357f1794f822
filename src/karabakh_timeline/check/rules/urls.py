"""URL hosts and document keys for whole columns: one Arrow regex pass for plain http(s) URLs.

urllib's urlsplit costs about 20 µs a URL, and three rules split every source URL. A URL of
printable ASCII without spaces of the form ``http(s)://host[:port][/path][?query][#fragment]``,
whose host is letters, digits, dots and hyphens, splits the same way with one RE2 pass; any other
URL goes through urlsplit, the reference (tests/test_urls.py compares both on generated URLs).
"""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.support.arrow import Column, arrow, mask

_PLAIN = r"^https?://(?P<host>[A-Za-z0-9.-]+)(?::[0-9]*)?(?P<path>(?:/[^?#\x00-\x20\x7f-\x{10ffff}]*)?)(?:\?(?P<query>[^#\x00-\x20\x7f-\x{10ffff}]*))?(?:#[\x21-\x7e]*)?$"


def host_of(url: str | None) -> str | None:
    """The URL's host as urlsplit gives it (lower case), None when missing or unsplittable."""
    if url is None:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def document_key(url: str) -> str:
    """Same document, whatever the case of the host, a www. prefix, a fragment or a trailing slash."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}?{parts.query}"


def _text(column: Column) -> pa.Array:
    """The column as one large_string array."""
    values = arrow(column)
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return values if pa.types.is_large_string(values.type) else pc.cast(values, pa.large_string())


def _patched(fast: pa.Array, values: pa.Array, other: np.ndarray, slow: Callable[[str], str | None]) -> pa.Array:
    """fast, with the cells where other is true replaced by slow() of the value (the reference, for the cells the fast path cannot judge)."""
    fast = pc.cast(fast, pa.large_string())
    if not other.any():
        return fast
    replaced = [slow(v) for v in values.filter(pa.array(other)).to_pylist()]
    return pc.replace_with_mask(fast, pa.array(other), pa.array(replaced, pa.large_string()))


def _split(column: Column) -> tuple[pa.Array, pa.StructArray, np.ndarray]:
    """(the URLs, parts of the plain ones, mask of other non-missing URLs)."""
    values = _text(column)
    parts = pc.extract_regex(values, _PLAIN)
    return values, parts, mask(pc.is_valid(values)) & ~mask(pc.is_valid(parts))


def hosts(column: Column) -> pa.Array:
    """host_of() of every cell, as a large_string array with nulls."""
    values, parts, other = _split(column)
    return _patched(pc.utf8_lower(pc.struct_field(parts, "host")), values, other, host_of)


def document_keys(column: Column) -> pa.Array:
    """document_key() of every non-missing cell, as a large_string array with nulls."""
    values, parts, other = _split(column)
    host = pc.utf8_lower(pc.struct_field(parts, "host"))
    host = pc.if_else(pc.starts_with(host, "www."), pc.utf8_slice_codeunits(host, 4), host)  # removeprefix("www."), no regex pass
    path = pc.utf8_rtrim(pc.struct_field(parts, "path"), "/")  # rstrip("/")
    key = pc.binary_join_element_wise(host, path, pa.scalar("?", pa.large_string()), pc.struct_field(parts, "query"),
                                      pa.scalar("", pa.large_string()))
    return _patched(key, values, other, document_key)


def title_key(title: str) -> str:
    """A title as duplicate stories compare: case-folded, whitespace collapsed."""
    return " ".join(title.casefold().split())


def title_keys(column: Column) -> pa.Array:
    """title_key() of every non-missing cell; printable-ASCII titles in Arrow (their casefold is lower(), their only space is ' ')."""
    values = _text(column)
    ascii_ = mask(pc.match_substring_regex(values, r"^[\x20-\x7e]*$"))
    lower = pc.ascii_lower(values)
    if pc.any(pc.match_substring(lower, "  ")).as_py():  # runs of spaces to collapse (a substring search finds whether any)
        lower = pc.replace_substring_regex(lower, " {2,}", " ")
    key = pc.utf8_trim(lower, " ")
    return _patched(key, values, mask(pc.is_valid(values)) & ~ascii_, title_key)
