"""URL hosts and document keys for whole columns: one Arrow regex pass for plain http(s) URLs.

urllib's urlsplit costs about 20 µs a URL, and three rules split every source URL. A URL of
printable ASCII without spaces of the form ``http(s)://host[:port][/path][?query][#fragment]``,
whose host is letters, digits, dots and hyphens, splits the same way with one RE2 pass; any other
URL goes through urlsplit, the reference (tests/test_urls.py compares both on generated URLs).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.support.arrow import arrow

_PLAIN = r"^https?://(?P<host>[A-Za-z0-9.-]+)(?::[0-9]*)?(?P<path>(?:/[^?#\x00-\x20\x7f-\x{10ffff}]*)?)(?:\?(?P<query>[^#\x00-\x20\x7f-\x{10ffff}]*))?(?:#[\x21-\x7e]*)?$"


def host_of(url: object) -> str | None:
    """The URL's host as urlsplit gives it (lower case), None when missing or unsplittable."""
    if pd.isna(url):
        return None
    try:
        return urlsplit(str(url)).hostname
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


def _split(column: pd.Series) -> tuple[pa.ChunkedArray, np.ndarray, np.ndarray]:
    """(parts of the plain URLs, mask of plain URLs, mask of other non-missing URLs)."""
    values = arrow(column)
    if not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.large_string())
    parts = pc.extract_regex(values, _PLAIN)
    plain = np.asarray(pc.is_valid(parts).to_numpy(zero_copy_only=False), dtype=bool)
    other = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool) & ~plain
    return parts, plain, other


def hosts(column: pd.Series) -> pd.Series:
    """host_of() of every cell, as a string column with missing values (index like column)."""
    parts, plain, other = _split(column)
    out = pd.Series(pd.arrays.ArrowStringArray(pc.cast(pc.utf8_lower(pc.struct_field(parts, "host")), pa.large_string())),
                    index=column.index, dtype="string[pyarrow]")
    if other.any():
        rows = np.flatnonzero(other)
        out.iloc[rows] = [host_of(v) for v in column.iloc[rows].tolist()]
    return out


def document_keys(column: pd.Series) -> pd.Series:
    """document_key() of every non-missing cell, as a string column with missing values (index like column)."""
    parts, plain, other = _split(column)
    host = pc.replace_substring_regex(pc.utf8_lower(pc.struct_field(parts, "host")), "^www\\.", "")
    path = pc.replace_substring_regex(pc.struct_field(parts, "path"), "/+$", "")
    key = pc.binary_join_element_wise(host, path, pa.scalar("?", pa.large_string()), pc.struct_field(parts, "query"),
                                     pa.scalar("", pa.large_string()))
    out = pd.Series(pd.arrays.ArrowStringArray(pc.cast(key, pa.large_string())), index=column.index, dtype="string[pyarrow]")
    if other.any():
        rows = np.flatnonzero(other)
        out.iloc[rows] = [document_key(str(v)) for v in column.iloc[rows].tolist()]
    return out


def title_key(title: str) -> str:
    """A title as duplicate stories compare: case-folded, whitespace collapsed."""
    return " ".join(title.casefold().split())


def title_keys(column: pd.Series) -> pd.Series:
    """title_key() of every non-missing cell; printable-ASCII titles in Arrow (their casefold is lower(), their only space is ' ')."""
    values = arrow(column)
    if not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.large_string())
    ascii_ = np.asarray(pc.fill_null(pc.match_substring_regex(values, r"^[\x20-\x7e]*$"), False).to_numpy(zero_copy_only=False), dtype=bool)
    key = pc.utf8_trim(pc.replace_substring_regex(pc.ascii_lower(values), " {2,}", " "), " ")
    out = pd.Series(pd.arrays.ArrowStringArray(key), index=column.index, dtype="string[pyarrow]")
    other = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool) & ~ascii_
    if other.any():
        rows = np.flatnonzero(other)
        out.iloc[rows] = [title_key(str(v)) for v in column.iloc[rows].tolist()]
    return out
