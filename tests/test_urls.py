"""The column-wise URL splitting (check/rules/urls.py) gives urlsplit's host and document key for every URL."""
from __future__ import annotations

import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from karabakh_timeline.check.rules.url_validity import _PLAIN as _PLAIN_URL
from karabakh_timeline.check.rules.url_validity import plain, url_problem
from karabakh_timeline.check.rules.urls import document_key, document_keys, host_of, hosts, title_key, title_keys

_PIECES = st.sampled_from(["http", "https", "HTTP", "ftp", ":", "//", "/", "?", "#", "@", "[", "]", ".", "www.", "Www.", "a", "B", "example",
                           "com", "0", "8080", "-", "_", "%20", " ", "\t", "é", "\n", "..", "x=1", "&", "~"])
_URLS = st.one_of(st.lists(_PIECES, max_size=14).map("".join),
                  st.builds(lambda s, h, rest: f"{s}://{h}{rest}", st.sampled_from(["http", "https"]),
                            st.from_regex(r"[A-Za-z0-9.\-]{0,12}(:[0-9]{0,5})?", fullmatch=True), st.lists(_PIECES, max_size=8).map("".join)))


def _chunked(values: list[str | None]) -> pa.ChunkedArray:
    """The values as a typed table's column holds them: Arrow text, in two chunks when there are two values or more."""
    half = len(values) // 2
    return pa.chunked_array([pa.array(values[:half], pa.string()), pa.array(values[half:], pa.string())])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.none(), _URLS), min_size=1, max_size=6))
@example(["https://WWW.Example.org/a/b//?q=1#top", "http://a.b:80", "http://a.b:x/", "http://[::1]/", "https://x.org#f?g", None])
def test_the_column_path_agrees_with_urlsplit(urls: list[str | None]) -> None:
    column = _chunked(urls)
    assert hosts(column).to_pylist() == [host_of(u) for u in urls]
    assert document_keys(column).to_pylist() == [None if u is None else document_key(u) for u in urls]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.sampled_from(list("aB zZ\t\n\x1fßſİ.é ")), max_size=10), st.text(max_size=6)), min_size=1, max_size=6))
def test_title_keys_agree_with_the_python_definition(titles: list[str | None]) -> None:
    assert title_keys(_chunked(titles)).to_pylist() == [None if t is None else title_key(t) for t in titles]


# url_validity's fast path: the URLs its Arrow regex passes must be ones rfc3986 (url_problem) accepts.
_NEAR_PLAIN = st.from_regex(r"(?i)https?://[a-z0-9.\-:@%\[\]]{0,14}(/[a-z0-9._~!$&'()*+,;=:@/%?#\-\[\] ]{0,14})?", fullmatch=True)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.one_of(st.from_regex(_PLAIN_URL, fullmatch=True), _NEAR_PLAIN, _URLS), min_size=1, max_size=8))
@example(["http://999.1.1.1/", "http://a1.2.3.4", "http://1.2.3.4", "http://a.b:99999", "http://a.b:65535", "http://a..b/", "http://-a.b/-",
          "https://x.org/a%zz", "https://x.org/<a>", "http://a.b?#", "HTTP://a.b/", "http://a.b/?q=1#f?g"])
def test_every_url_the_fast_path_passes_rfc3986_passes(urls: list[str]) -> None:
    passed = plain(pa.array(urls, pa.large_string()))
    assert [u for u, ok in zip(urls, passed, strict=True) if ok and url_problem(u) is not None] == []
