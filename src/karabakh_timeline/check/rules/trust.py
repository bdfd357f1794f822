"""Rules of the trust model: verification labels, weak and duplicate sources, URL hosts, verbatim quotes.

The definitions (original publisher, corroboration, weak source) live in ``trust``; these rules
only compare the data's labels with them.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.check.rules.registry import TABLE, Context, issues_at, rule
from karabakh_timeline.check.rules.urls import document_keys, hosts, title_keys
from karabakh_timeline.policy.trust import (
    CONFIRMED,
    CONTESTING_ACTS,
    CORROBORATION_FIELDS,
    DISPUTE_WORDS,
    DISPUTED,
    UNDERSTATED_IF_CORROBORATED,
    Corroboration,
    corroborate,
    original_publishers,
    source_origins,
)
from karabakh_timeline.schema.arrow_keys import firsts, group_ids
from karabakh_timeline.support.arrow import isin, lookup, mask
from karabakh_timeline.vocabulary.issues import Issue

# The verification rules compare an event's label with its corroboration (policy.trust).
_VERIFICATION_NEEDS = {**CORROBORATION_FIELDS, "events": (*CORROBORATION_FIELDS["events"], "verification")}


@dataclass(frozen=True)
class _EventRows:
    """The corroboration of each events row (its event ID's), and which rows carry which label."""

    corr: Corroboration
    at: np.ndarray  # per events row, its entry in corr; -1 for a row without an event_id (no links can reach it)
    confirmed: np.ndarray
    low: np.ndarray  # UNDERSTATED_IF_CORROBORATED

    def per_row(self, flags: np.ndarray) -> np.ndarray:
        """A flag of corr per events row (False for a row without an event_id)."""
        return np.where(self.at >= 0, flags[np.maximum(self.at, 0)], False) if len(flags) else np.zeros(len(self.at), dtype=bool)

    def summary(self, row: int) -> str:
        """The corroboration of an events row, as the verification rules word it."""
        entry = int(self.at[row])
        c = self.corr
        figures = [int(f[entry]) if entry >= 0 else 0 for f in (c.originals, c.third_party, c.armenian_side, c.azerbaijani_side)]
        names = ", ".join(c.names[entry] if entry >= 0 else ()) or "none"
        return (f"{figures[0]} counted original publisher(s) ({names}): {figures[1]} third-party, "
                f"{figures[2]} Armenian-side, {figures[3]} Azerbaijani-side")


def _event_rows(ctx: Context) -> _EventRows:
    """The events' corroboration in row order, computed once per validation run (ctx.memo; the rules sharing it run in turn).

    Only the events a verification rule reports get their publishers named (a tuple per event saved).
    """
    return ctx.memo("corroboration", lambda: _corroborated(ctx))


def _corroborated(ctx: Context) -> _EventRows:
    label = ctx.column("events", "verification")
    confirmed = mask(pc.equal(label, CONFIRMED))
    low = isin(label, pa.array(UNDERSTATED_IF_CORROBORATED))
    found: dict[str, np.ndarray] = {}

    def named(corr: Corroboration) -> np.ndarray:
        at = found["at"] = corr.rows_of(ctx.column("events", "event_id"))
        rows = _EventRows(corr, at, confirmed, low)
        independent = rows.per_row(corr.independent)
        reported = ((confirmed & ~independent) | (low & independent)) & (at >= 0)
        wanted = np.zeros(len(corr.event_ids), dtype=bool)
        wanted[at[reported]] = True
        return wanted

    corr = corroborate(ctx.tables, named=named)
    return _EventRows(corr, found["at"], confirmed, low)


@rule("verification-unsupported", needs=_VERIFICATION_NEEDS, shares="corroboration")
def verification_unsupported(ctx: Context) -> Iterator[Issue]:
    """A confirmed event needs independent corroboration (trust.corroboration)."""
    t = ctx.tables["events"]
    rows = _event_rows(ctx)
    for i in np.flatnonzero(rows.confirmed & ~rows.per_row(rows.corr.independent)):
        yield Issue("verification-unsupported",
                    f"confirmed without independent corroboration: {rows.summary(int(i))}; needs two, one third-party or one from each side",
                    t.name, int(t.lines[i]), "verification", CONFIRMED)


@rule("verification-understated", needs=_VERIFICATION_NEEDS, shares="corroboration")
def verification_understated(ctx: Context) -> Iterator[Issue]:
    """single_source or party_claim where the sources already corroborate the event independently."""
    t = ctx.tables["events"]
    rows = _event_rows(ctx)
    bad = np.flatnonzero(rows.low & rows.per_row(rows.corr.independent))
    for i, value in zip(bad, pc.take(ctx.column("events", "verification"), pa.array(bad, pa.int64())).to_pylist(), strict=True):
        yield Issue("verification-understated", f"{value} although the sources corroborate it independently: {rows.summary(int(i))}",
                    t.name, int(t.lines[i]), "verification", str(value))


def _matches(texts: pa.ChunkedArray, pattern: str) -> np.ndarray:
    """Where Python's re.search(pattern) finds a match (missing: False): RE2 in Arrow for ASCII cells, where its \\b and case
    folding are Python's, and re for the others (Python folds ı to i and ſ to s, and counts é as a word character)."""
    ascii_ = mask(pc.match_substring_regex(texts, r"^[\x00-\x7f]*$"))
    found = mask(pc.match_substring_regex(texts, pattern)) & ascii_
    other = np.flatnonzero(mask(pc.is_valid(texts)) & ~ascii_)
    if len(other):
        compiled = re.compile(pattern)
        found[other] = [compiled.search(v) is not None for v in pc.take(texts, pa.array(other, pa.int64())).to_pylist()]
    return found


@rule("dispute-unrecorded", needs={"events": ("event_id", "verification", "notes"), "statements": ("event_id", "speech_act")})
def dispute_unrecorded(ctx: Context) -> Iterator[Issue]:
    """A disputed event links a contesting statement or says in its notes who disputes what."""
    t = ctx.tables["events"]
    contesting = isin(ctx.column("statements", "speech_act"), pa.array(sorted(CONTESTING_ACTS)))
    contested = ctx.column("statements", "event_id").filter(pa.array(contesting))
    bad = mask(pc.equal(ctx.column("events", "verification"), DISPUTED)) & ~isin(ctx.column("events", "event_id"), contested)
    rows = np.flatnonzero(bad)  # only these need their notes read
    bad[rows] = ~_matches(pc.take(ctx.column("events", "notes"), pa.array(rows, pa.int64())), DISPUTE_WORDS)
    yield from issues_at(t, bad, "dispute-unrecorded", "verification",
                         lambda v: "disputed, but no linked statement contests it (deny, reject, accuse, claim) and the notes do not say who disputes what")


@rule("source-weak-only", needs=_VERIFICATION_NEEDS, uses={"statements": ("source_id",)}, shares="corroboration")
def source_weak_only(ctx: Context) -> Iterator[Issue]:
    """Events and statements rest on at least one source that is not an aggregator or blog of unknown original."""
    t = ctx.tables["events"]
    rows = _event_rows(ctx)
    yield from issues_at(t, rows.per_row(rows.corr.weak_only), "source-weak-only", "event_id",
                         lambda v: f"event {v} rests only on aggregator or blog sources with no known original publisher")
    if ctx.has("statements", "source_id"):
        origins = source_origins(ctx.tables)
        weak = origins.column("source_id").filter(origins.column("weak"))
        st = ctx.tables["statements"]
        yield from issues_at(st, isin(st.column("source_id"), weak), "source-weak-only", "source_id",
                             lambda v: f"source {v} is an aggregator or blog copy with no known original publisher")


@lru_cache(maxsize=1024)
def _language(tag: str) -> str:
    import langcodes

    try:
        return str(langcodes.Language.get(tag).language or tag).lower()
    except (ValueError, LookupError):
        return tag.lower()


def _languages(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """_language() of every cell (missing stays missing), judged once per distinct tag."""
    distinct = pc.unique(column).drop_null()
    judged = pa.array([_language(str(v)) for v in distinct.to_pylist()], pa.large_string())
    at = pc.index_in(column, value_set=distinct)
    return pc.take(judged, at)


@rule("verbatim-language", scope=TABLE, needs={"statements": ("text_kind", "language", "original_language")})
def verbatim_language(ctx: Context) -> Iterator[Issue]:
    """A verbatim text is in the language its words were said in."""
    t = ctx.tables["statements"]
    verbatim = np.flatnonzero(mask(pc.equal(ctx.column("statements", "text_kind"), "verbatim")))
    at = pa.array(verbatim, pa.int64())
    language, original = (pc.take(ctx.column("statements", c), at) for c in ("language", "original_language"))
    unsaid = mask(pc.is_null(original))
    rendered = ~unsaid & ~mask(pc.equal(_languages(language), _languages(original)))  # a missing language is never the original
    for k in np.flatnonzero(unsaid | rendered):
        i = verbatim[k]
        if unsaid[k]:
            yield Issue("verbatim-language", "verbatim, but original_language is empty: say in which language the words were said",
                        t.name, int(t.lines[i]), "original_language", None)
        else:
            lang = language[int(k)].as_py()
            said_in = lang if lang is not None else "an unknown language"
            yield Issue("verbatim-language", f"verbatim in {said_in}, but the words were said in {original[int(k)].as_py()}: a rendering is a translation",
                        t.name, int(t.lines[i]), "text_kind", "verbatim")


def _hosts(cell: str | None) -> frozenset[str]:
    return frozenset(h.strip().lower() for h in cell.split(";") if h.strip()) if cell is not None else frozenset()


@lru_cache(maxsize=65536)
def _on(host: str, domains: frozenset[str]) -> bool:
    host = host.rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


@lru_cache(maxsize=65536)  # hosts repeat: each is judged once
def _unreal(host: str) -> str | None:
    if host.endswith("."):
        return "ends with a dot"
    try:
        ipaddress.ip_address(host.strip("[]"))
        return "is an IP address"
    except ValueError:
        pass
    if "." not in host:
        return "has no domain"
    return None


@rule("url-host", uses={"publishers": ("bad_hosts",)}, reads=lambda schema: [f.name for f in schema.fields if f.format == "uri"], shares="hosts")
def url_host(ctx: Context) -> Iterator[Issue]:
    """URL hosts are real publishing addresses (not a trailing-dot host, an IP, or a listed preview/test/CDN host)."""
    listed: set[str] = set()
    if ctx.has("publishers", "bad_hosts"):
        for cell in pc.unique(ctx.column("publishers", "bad_hosts")).drop_null().to_pylist():
            listed |= _hosts(cell)
    bad_hosts = frozenset(listed)
    for t in ctx.tables.values():
        for fld in t.schema.fields:
            if fld.format != "uri" or fld.name not in t.arrow.column_names:
                continue
            host = _hosts_of(ctx, t.name, fld.name)
            why = {h: w for h in pc.unique(host).drop_null().to_pylist() if (w := _host_problem(h, bad_hosts))}  # each distinct host judged once
            if not why:
                continue
            rows = pa.array(np.flatnonzero(isin(host, pa.array(list(why), pa.large_string()))), pa.int64())
            for i, h, url in zip(rows.to_pylist(), pc.take(host, rows).to_pylist(), pc.take(t.column(fld.name), rows).to_pylist(), strict=True):
                yield Issue("url-host", f"host {h!r} {why[h]}", t.name, int(t.lines[i]), fld.name, str(url))


def _hosts_of(ctx: Context, table: str, name: str) -> pa.Array:
    """urls.hosts() of a URL field, once per run for the rules that share it."""
    return ctx.memo(("hosts", table, name), lambda: hosts(ctx.column(table, name)))


def _host_problem(host: str, bad_hosts: frozenset[str]) -> str | None:
    return _unreal(host) or ("is listed as a preview, test or CDN host in publishers.bad_hosts" if _on(host, bad_hosts) else None)


def _shown(value: object) -> str:
    return "<NA>" if value is None else str(value)  # a missing ID (a missing-value error, which a missing key finds) shows as pandas printed it


def _groups(columns: Sequence[pa.ChunkedArray | pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """(per row, the number of its group of rows equal in every column, a missing value equal to a missing one;
    per group, its first row), hashed in Arrow (schema.arrow_keys numbers groups in order of first appearance, so the
    rows where a new number appears are the groups' first rows, in order: no sort)."""
    group = group_ids(list(columns))
    return group, np.flatnonzero(firsts(group))


@rule("url-publisher-mismatch", needs={"sources": ("url", "publisher_id", "original_publisher_id"), "publishers": ("publisher_id", "domains")},
      shares="hosts")
def url_publisher_mismatch(ctx: Context) -> Iterator[Issue]:
    """A source's URL lies on its publisher's or original publisher's domains."""
    t = ctx.tables["sources"]
    pub_ids, pub_domains = (ctx.column("publishers", c).to_pylist() for c in ("publisher_id", "domains"))
    domains = {pid: _hosts(cell) for pid, cell in zip(pub_ids, pub_domains, strict=True)}
    host = _hosts_of(ctx, t.name, "url")
    triple = [host, t.column("publisher_id"), t.column("original_publisher_id")]
    group, firsts = _groups(triple)  # each distinct (host, publisher, original) judged once
    at = pa.array(firsts, pa.int64())
    wrong = np.zeros(len(firsts), dtype=bool)
    messages: dict[int, str] = {}
    for g, (h, pub, orig) in enumerate(zip(*(pc.take(c, at).to_pylist() for c in triple), strict=True)):
        if h is None or pub is None or pub not in domains:
            continue
        allowed = domains[pub] | (domains.get(orig, frozenset()) if orig is not None else frozenset())
        if not _on(h, allowed):
            wrong[g] = True
            messages[g] = f"host {h!r} is not a domain of publisher {pub} ({'; '.join(sorted(allowed)) or 'no domains listed'})"
    if not messages:
        return
    rows = np.flatnonzero(wrong[group])
    for i, url in zip(rows, pc.take(t.column("url"), pa.array(rows, pa.int64())).to_pylist(), strict=True):
        yield Issue("url-publisher-mismatch", messages[int(group[i])], t.name, int(t.lines[i]), "url", str(url))


def _early(ctx: Context, table: str, dates: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list, list]:
    """(rows of table whose source was published before dates, their sources, the publication dates)."""
    t = ctx.tables[table]
    published = lookup(ctx.column("sources", "published_date"), t.column("source_id"), ctx.column("sources", "source_id"))
    rows = np.flatnonzero(mask(pc.less(published, dates)))
    at = pa.array(rows, pa.int64())
    return rows, pc.take(t.column("source_id"), at).to_pylist(), pc.take(published, at).to_pylist()


@rule("source-before-event",
      needs={"sources": ("source_id", "published_date"), "events": ("event_id", "date_start"), "event_sources": ("event_id", "source_id")},
      uses={"statements": ("source_id", "date_start")})
def source_before_event(ctx: Context) -> Iterator[Issue]:
    """A source does not predate the event it is linked to, nor the statement it reports."""
    link = ctx.tables["event_sources"]
    began = lookup(ctx.column("events", "date_start"), link.column("event_id"), ctx.column("events", "event_id"))
    rows, sources, published = _early(ctx, "event_sources", began)
    at = pa.array(rows, pa.int64())
    for i, source, day, event, start in zip(rows, sources, published, pc.take(link.column("event_id"), at).to_pylist(),
                                            pc.take(began, at).to_pylist(), strict=True):
        yield Issue("source-before-event", f"source {_shown(source)} was published on {_day(day)}, before event {_shown(event)} began ({_day(start)})",
                    link.name, int(link.lines[i]), "source_id", _shown(source))
    if ctx.has("statements", "source_id", "date_start"):
        st = ctx.tables["statements"]
        rows, sources, published = _early(ctx, "statements", st.column("date_start"))
        for i, source, day in zip(rows, sources, published, strict=True):
            yield Issue("source-before-event", f"source {_shown(source)} was published on {_day(day)}, before the statement's date",
                        st.name, int(st.lines[i]), "source_id", _shown(source))


def _day(value: object) -> str:
    return value.date().isoformat() if isinstance(value, dt.datetime) else str(value)  # a timestamp shows its day, as a date does


def _repeats(keys: Sequence[pa.ChunkedArray | pa.Array], ids: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """(every row whose keys an earlier row has, the id of that first row); rows with a missing key never repeat."""
    complete = np.logical_and.reduce([mask(pc.is_valid(k)) for k in keys])
    group, first = _groups(keys)
    later = complete & (first[group] != np.arange(len(group)))
    rows = np.flatnonzero(later)
    return rows, [_shown(v) for v in pc.take(ids, pa.array(first[group[rows]], pa.int64())).to_pylist()]


@rule("duplicate-source", scope=TABLE, needs={"sources": ("source_id", "url", "title", "publisher_id", "original_publisher_id")})
def duplicate_source(ctx: Context) -> Iterator[Issue]:
    """One row per document: no two sources with the same URL or the same original story (same title)."""
    t = ctx.tables["sources"]
    urls, titles, ids = t.column("url"), t.column("title"), t.column("source_id")
    rows, firsts = _repeats([document_keys(urls)], ids)
    for i, first, url in zip(rows, firsts, pc.take(urls, pa.array(rows, pa.int64())).to_pylist(), strict=True):
        yield Issue("duplicate-source", f"same URL as {first}", t.name, int(t.lines[i]), "url", str(url))
    origin = original_publishers(ctx.tables)
    rows, firsts = _repeats([origin, title_keys(titles)], ids)
    at = pa.array(rows, pa.int64())
    for i, first, publisher, title in zip(rows, firsts, pc.take(origin, at).to_pylist(), pc.take(titles, at).to_pylist(), strict=True):
        yield Issue("duplicate-source", f"same story of {publisher} as {first} (same title)", t.name, int(t.lines[i]), "title", str(title))


@rule("publisher-duplicate", scope=TABLE, needs={"publishers": ("publisher_id", "name", "aliases", "domains")})
def publisher_duplicate(ctx: Context) -> Iterator[Issue]:
    """One row per outlet: no domain and no name or alias belongs to two publishers."""
    t = ctx.tables["publishers"]
    domains: dict[str, str] = {}
    names: dict[str, str] = {}
    columns = (t.column(c).to_pylist() for c in ("publisher_id", "name", "aliases", "domains"))
    for i, (pid, name, aliases, doms) in enumerate(zip(*columns, strict=True)):  # a small table, and the first owner wins: one pass
        line, owner = int(t.lines[i]), _shown(pid)
        for d in sorted(_hosts(doms)):
            if d in domains and domains[d] != owner:
                yield Issue("publisher-duplicate", f"domain {d!r} belongs to {domains[d]} too", t.name, line, "domains", d)
            domains.setdefault(d, owner)
        labels = {" ".join(str(name).casefold().split())} if name is not None else set()
        labels |= {" ".join(a.casefold().split()) for a in str(aliases).split(";") if a.strip()} if aliases is not None else set()
        for label in sorted(labels):
            if label in names and names[label] != owner:
                yield Issue("publisher-duplicate", f"name {label!r} belongs to {names[label]} too", t.name, line, "name", label)
            names.setdefault(label, owner)
