"""Rules on URL cells (fields of format uri): http or https, and a URL that a real parser accepts.

Structure is judged by rfc3986 (an RFC 3986 parser and validator), on the URI form of the value
(an IRI's Unicode host is IDNA-encoded and its other characters percent-encoded first). Characters
that no part of a URL may hold unencoded -- spaces, controls, and the RFC's excluded <>"{}|\\^` --
are refused before that, since the IRI encoding would silently percent-encode them.

rfc3986 costs about 50 µs a URL, and a large package has a distinct URL per source, so the
common case is decided in one Arrow pass: a URL of the plain form in ``_PLAIN`` (lower-case
http(s), a host of letter-led labels, a short port, unreserved and sub-delimiter characters only,
no percent signs) is one the parser accepts; every other URL goes to url_problem(), the reference
(tests/test_urls.py checks on generated URLs that whatever _PLAIN passes, url_problem() passes).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import rfc3986
from rfc3986 import exceptions, validators

from karabakh_timeline.check.rules.registry import TABLE, Context, issues_at, rule
from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.support.arrow import isin, mask, value_set
from karabakh_timeline.vocabulary.issues import Issue

_SCHEMES = ("http", "https")
_UNENCODABLE = re.compile(r'[\s\x00-\x1f\x7f-\x9f<>"{}|\\^`\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]')
_CHARS = r"A-Za-z0-9._~!$&'()*+,;=:@/"  # RFC 3986 unreserved (with "-", put last in each class), sub-delims, ":", "@", "/"
_PLAIN = (r"^https?://(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(?::[0-9]{1,4})?"  # a last label led by a letter is never an IPv4 address
          rf"(?:/[{_CHARS}-]*)?(?:\?[{_CHARS}?-]*)?(?:#[{_CHARS}?-]*)?$")
_VALIDATOR = (validators.Validator().require_presence_of("scheme", "host").allow_schemes(*_SCHEMES)
              .check_validity_of("scheme", "host", "port", "path", "query", "fragment"))


def _url_fields(t: TypedTable) -> list[str]:
    return [f.name for f in t.schema.fields if f.format == "uri" and f.type == "string"]


@lru_cache(maxsize=65536)
def url_problem(url: str) -> str | None:
    """Why url is not a valid http(s) URL, or None when it is one."""
    if not re.match(r"(?i)https?://", url):
        return "scheme"
    bad = _UNENCODABLE.search(url)
    if bad:
        return f"the character {bad.group()!r} at position {bad.start()} must be percent-encoded"
    try:
        reference = rfc3986.iri_reference(url).encode() if not url.isascii() else rfc3986.uri_reference(url)
        _VALIDATOR.validate(reference.normalize())
    except exceptions.MissingComponentError:
        return "no host"
    except exceptions.InvalidComponentsError as exc:
        parts = sorted(str(p) for arg in exc.args if isinstance(arg, list) for p in arg)
        return "invalid " + " and ".join(parts) if parts else "invalid components"
    except (exceptions.RFC3986Exception, ValueError, UnicodeError) as exc:  # IDNA refuses the host, or a port out of range
        return f"not a valid URL ({exc.__class__.__name__})"
    return None


def plain(values: pa.Array) -> np.ndarray:
    """Which URLs are of the plain form that url_problem() always accepts (missing: False)."""
    return mask(pc.match_substring_regex(values, _PLAIN))


def _problems(t: TypedTable, field: str) -> dict[str, str]:
    """The distinct URLs of field that url_problem() refuses, with its reason: one RE2 pass, then only the URLs not of the
    plain form are judged, each once."""
    column = t.column(field)
    other = mask(pc.is_valid(column)) & ~plain(column)
    others = value_set(column.filter(pa.array(other))).to_pylist() if other.any() else []
    return {v: problem for v in others if (problem := url_problem(v)) is not None}


def _cells(ctx: Context, t: TypedTable, field: str, scheme: bool) -> np.ndarray:
    """Cells of field whose URL is wrong in the scheme (scheme=True) or otherwise (url-scheme and url-invalid share _problems)."""
    problems = ctx.memo(("url-problems", t.name, field), lambda: _problems(t, field))
    wrong = [v for v, problem in problems.items() if (problem == "scheme") is scheme]
    return isin(t.column(field), pa.array(wrong, pa.large_string())) if wrong else np.zeros(t.arrow.num_rows, dtype=bool)


@rule("url-scheme", scope=TABLE, shares="url-problems")
def url_scheme(ctx: Context) -> Iterator[Issue]:
    """Fields of format uri hold http or https URLs only."""
    for t in ctx.tables.values():
        if t.readable:
            for name in _url_fields(t):
                yield from issues_at(t, _cells(ctx, t, name, True), "url-scheme", name, lambda v: f"{v!r} is not an http(s) URL")


@rule("url-invalid", scope=TABLE, shares="url-problems")
def url_invalid(ctx: Context) -> Iterator[Issue]:
    """http(s) URLs that an RFC 3986 parser refuses."""
    for t in ctx.tables.values():
        if t.readable:
            for name in _url_fields(t):
                yield from issues_at(t, _cells(ctx, t, name, False), "url-invalid", name,
                                     lambda v: f"{v!r} is not a valid URL: {url_problem(v or '')}")



