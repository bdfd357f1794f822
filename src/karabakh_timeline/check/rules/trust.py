"""Rules of the trust model: verification labels, weak and duplicate sources, URL hosts, verbatim quotes.

The definitions (original publisher, corroboration, weak source) live in ``trust``; these rules
only compare the data's labels with them.
"""
from __future__ import annotations

import ipaddress
import threading
import weakref
from collections.abc import Callable, Iterator
from functools import lru_cache

import numpy as np
import pandas as pd

from karabakh_timeline.check.rules.registry import TABLE, Context, issues_at, rule
from karabakh_timeline.check.rules.urls import document_keys, hosts, title_keys
from karabakh_timeline.policy.trust import (
    CONFIRMED,
    CONTESTING_ACTS,
    CORROBORATION_FIELDS,
    DISPUTE_WORDS,
    DISPUTED,
    UNDERSTATED_IF_CORROBORATED,
    corroboration,
    source_origins,
)
from karabakh_timeline.support.arrow import first_rows, isin, lookup, unique_ids
from karabakh_timeline.vocabulary.issues import Issue

# The verification rules compare an event's label with its corroboration (policy.trust).
_VERIFICATION_NEEDS = {**CORROBORATION_FIELDS, "events": (*CORROBORATION_FIELDS["events"], "verification")}


_MEMO_LOCK = threading.Lock()
_MEMO: list[tuple[weakref.ref[Context], pd.DataFrame]] = []  # the last run's corroboration, shared by its three rules


def _reported(events: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    """The events whose corroboration a verification rule prints (the only ones whose publishers are named)."""

    def named(corr: pd.DataFrame) -> np.ndarray:
        label = pd.Series(events["verification"].array.take(first_rows(pd.Series(corr.index, dtype="string"), events["event_id"]), allow_fill=True))
        confirmed = (label == CONFIRMED).fillna(False).to_numpy(dtype=bool)
        low = label.isin(list(UNDERSTATED_IF_CORROBORATED)).to_numpy(dtype=bool)
        independent = corr["independent"].to_numpy(dtype=bool)
        return (confirmed & ~independent) | (low & independent)

    return named


def _event_rows(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events and their corroboration in row order, computed once per validation run (the rules run side by side)."""
    events = ctx.frame("events")
    with _MEMO_LOCK:
        if _MEMO and _MEMO[0][0]() is ctx:
            return events, _MEMO[0][1]
        corr = corroboration({name: ctx.frame(name) for name in CORROBORATION_FIELDS}, named=_reported(events))
        if not unique_ids(events["event_id"]):  # else corr is in row order already (one row per event, in first-occurrence order)
            corr = corr.reindex(events["event_id"].to_numpy())
        _MEMO[:] = [(weakref.ref(ctx), corr)]  # a weak reference: the tables are not kept alive after the run
        return events, corr


def _summary(row: pd.Series) -> str:
    names = ", ".join(row["names"]) or "none"
    return (f"{row['originals']} counted original publisher(s) ({names}): {row['third_party']} third-party, "
            f"{row['armenian_side']} Armenian-side, {row['azerbaijani_side']} Azerbaijani-side")


@rule("verification-unsupported", needs=_VERIFICATION_NEEDS)
def verification_unsupported(ctx: Context) -> Iterator[Issue]:
    """A confirmed event needs independent corroboration (trust.corroboration)."""
    t = ctx.tables["events"]
    events, corr = _event_rows(ctx)
    bad = (events["verification"] == CONFIRMED).fillna(False).to_numpy(dtype=bool) & ~corr["independent"].fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(bad):
        row = corr.iloc[i]
        yield Issue("verification-unsupported",
                    f"confirmed without independent corroboration: {_summary(row)}; needs two, one third-party or one from each side",
                    t.name, int(t.lines[i]), "verification", CONFIRMED)


@rule("verification-understated", needs=_VERIFICATION_NEEDS)
def verification_understated(ctx: Context) -> Iterator[Issue]:
    """single_source or party_claim where the sources already corroborate the event independently."""
    t = ctx.tables["events"]
    events, corr = _event_rows(ctx)
    low = events["verification"].isin(list(UNDERSTATED_IF_CORROBORATED)).to_numpy(dtype=bool)
    bad = low & corr["independent"].fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(bad):
        value = str(events["verification"].iat[i])
        yield Issue("verification-understated", f"{value} although the sources corroborate it independently: {_summary(corr.iloc[i])}",
                    t.name, int(t.lines[i]), "verification", value)


@rule("dispute-unrecorded", needs={"events": ("event_id", "verification", "notes"), "statements": ("event_id", "speech_act")})
def dispute_unrecorded(ctx: Context) -> Iterator[Issue]:
    """A disputed event links a contesting statement or says in its notes who disputes what."""
    t = ctx.tables["events"]
    events = t.frame
    said = ctx.tables["statements"].frame
    contested = said.loc[said["speech_act"].isin(list(CONTESTING_ACTS)), "event_id"]
    noted = events["notes"].str.contains(DISPUTE_WORDS, regex=True).fillna(False).to_numpy(dtype=bool)
    bad = (events["verification"] == DISPUTED).fillna(False).to_numpy(dtype=bool) & ~isin(events["event_id"], contested) & ~noted
    yield from issues_at(t, bad, "dispute-unrecorded", "verification",
                       lambda v: "disputed, but no linked statement contests it (deny, reject, accuse, claim) and the notes do not say who disputes what")


@rule("source-weak-only", needs=_VERIFICATION_NEEDS, uses={"statements": ("source_id",)})
def source_weak_only(ctx: Context) -> Iterator[Issue]:
    """Events and statements rest on at least one source that is not an aggregator or blog of unknown original."""
    t = ctx.tables["events"]
    events, corr = _event_rows(ctx)
    yield from issues_at(t, corr["weak_only"].fillna(False).to_numpy(dtype=bool), "source-weak-only", "event_id",
                       lambda v: f"event {v} rests only on aggregator or blog sources with no known original publisher")
    if ctx.has("statements", "source_id"):
        origins = source_origins(ctx.tables["sources"].frame, ctx.tables["publishers"].frame)
        weak = set(origins.loc[origins["weak"], "source_id"])
        st = ctx.tables["statements"]
        yield from issues_at(st, st.frame["source_id"].isin(weak).to_numpy(dtype=bool), "source-weak-only", "source_id",
                           lambda v: f"source {v} is an aggregator or blog copy with no known original publisher")


@lru_cache(maxsize=1024)
def _language(tag: str) -> str:
    import langcodes

    try:
        return str(langcodes.Language.get(tag).language or tag).lower()
    except (ValueError, LookupError):
        return tag.lower()


@rule("verbatim-language", scope=TABLE, needs={"statements": ("text_kind", "language", "original_language")})
def verbatim_language(ctx: Context) -> Iterator[Issue]:
    """A verbatim text is in the language its words were said in."""
    t = ctx.tables["statements"]
    f = t.frame
    language, original_language = f["language"], f["original_language"]
    for i in np.flatnonzero((f["text_kind"] == "verbatim").fillna(False).to_numpy(dtype=bool)):
        lang, original = language.iat[i], original_language.iat[i]
        if pd.isna(original):
            yield Issue("verbatim-language", "verbatim, but original_language is empty: say in which language the words were said",
                        t.name, int(t.lines[i]), "original_language", None)
        elif pd.isna(lang) or _language(str(lang)) != _language(str(original)):
            said_in = lang if not pd.isna(lang) else "an unknown language"
            yield Issue("verbatim-language", f"verbatim in {said_in}, but the words were said in {original}: a rendering is a translation",
                        t.name, int(t.lines[i]), "text_kind", "verbatim")


def _hosts(cell: object) -> frozenset[str]:
    return frozenset(h.strip().lower() for h in str(cell).split(";") if h.strip()) if not pd.isna(cell) else frozenset()


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


@rule("url-host", uses={"publishers": ("bad_hosts",)}, reads=lambda schema: [f.name for f in schema.fields if f.format == "uri"])
def url_host(ctx: Context) -> Iterator[Issue]:
    """URL hosts are real publishing addresses (not a trailing-dot host, an IP, or a listed preview/test/CDN host)."""
    listed: set[str] = set()
    if ctx.has("publishers", "bad_hosts"):
        for cell in ctx.tables["publishers"].frame["bad_hosts"].dropna():
            listed |= _hosts(cell)
    bad_hosts = frozenset(listed)
    for t in ctx.tables.values():
        for fld in t.schema.fields:
            if fld.format != "uri" or fld.name not in t.frame.columns:
                continue
            host = hosts(t.frame[fld.name])
            why = {h: w for h in host.dropna().unique() if (w := _host_problem(h, bad_hosts))}  # each distinct host judged once
            if not why:
                continue
            urls = t.frame[fld.name]
            for i in np.flatnonzero(host.isin(list(why)).fillna(False).to_numpy(dtype=bool)):
                yield Issue("url-host", f"host {host.iat[i]!r} {why[host.iat[i]]}", t.name, int(t.lines[i]), fld.name, str(urls.iat[i]))


def _host_problem(host: str, bad_hosts: frozenset[str]) -> str | None:
    return _unreal(host) or ("is listed as a preview, test or CDN host in publishers.bad_hosts" if _on(host, bad_hosts) else None)


@rule("url-publisher-mismatch", needs={"sources": ("url", "publisher_id", "original_publisher_id"), "publishers": ("publisher_id", "domains")})
def url_publisher_mismatch(ctx: Context) -> Iterator[Issue]:
    """A source's URL lies on its publisher's or original publisher's domains."""
    t = ctx.tables["sources"]
    pubs = ctx.tables["publishers"].frame
    domains = {pid: _hosts(cell) for pid, cell in zip(pubs["publisher_id"], pubs["domains"], strict=True)}
    f = t.frame
    host = hosts(f["url"])
    triples = pd.DataFrame({"host": host, "pub": f["publisher_id"], "orig": f["original_publisher_id"]})
    group = triples.groupby(["host", "pub", "orig"], dropna=False, sort=False).ngroup().to_numpy()
    _, firsts = np.unique(group, return_index=True)  # each distinct (host, publisher, original) judged once
    wrong: dict[int, str] = {}
    publisher, original = f["publisher_id"], f["original_publisher_id"]
    for i in firsts:
        h, pub, orig = host.iat[i], publisher.iat[i], original.iat[i]
        if pd.isna(h) or pd.isna(pub) or pub not in domains:
            continue
        allowed = domains[pub] | (domains.get(orig, frozenset()) if not pd.isna(orig) else frozenset())
        if not _on(h, allowed):
            wrong[int(group[i])] = f"host {h!r} is not a domain of publisher {pub} ({'; '.join(sorted(allowed)) or 'no domains listed'})"
    if not wrong:
        return
    urls = f["url"]
    for i in np.flatnonzero(np.isin(group, list(wrong))):
        yield Issue("url-publisher-mismatch", wrong[int(group[i])], t.name, int(t.lines[i]), "url", str(urls.iat[i]))


@rule("source-before-event",
      needs={"sources": ("source_id", "published_date"), "events": ("event_id", "date_start"), "event_sources": ("event_id", "source_id")},
      uses={"statements": ("source_id", "date_start")})
def source_before_event(ctx: Context) -> Iterator[Issue]:
    """A source does not predate the event it is linked to, nor the statement it reports."""
    sources, events = ctx.tables["sources"].frame, ctx.tables["events"].frame
    link = ctx.tables["event_sources"]
    src_dates = lookup(sources["published_date"], link.frame["source_id"], sources["source_id"])
    evt_dates = lookup(events["date_start"], link.frame["event_id"], events["event_id"])
    early = pd.Series(src_dates < evt_dates).fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(early):
        source, event = link.frame["source_id"].iat[i], link.frame["event_id"].iat[i]
        yield Issue("source-before-event",
                    f"source {source} was published on {pd.Timestamp(src_dates[i]).date()}, before event {event} began ({pd.Timestamp(evt_dates[i]).date()})",
                    link.name, int(link.lines[i]), "source_id", str(source))
    if ctx.has("statements", "source_id", "date_start"):
        st = ctx.tables["statements"]
        said = lookup(sources["published_date"], st.frame["source_id"], sources["source_id"])
        early = pd.Series(said < st.frame["date_start"].to_numpy()).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(early):
            source = st.frame["source_id"].iat[i]
            yield Issue("source-before-event", f"source {source} was published on {pd.Timestamp(said[i]).date()}, before the statement's date",
                        st.name, int(st.lines[i]), "source_id", str(source))


def _repeats(keys: pd.DataFrame, ids: pd.Series) -> Iterator[tuple[int, str]]:
    """(row, id of the first row with the same keys) for every later row; rows with a missing key never repeat."""
    complete = keys.notna().all(axis=1).to_numpy(dtype=bool)
    later = complete & keys.duplicated(keep="first").to_numpy(dtype=bool)
    if not later.any():
        return
    group = keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup().to_numpy()
    first: dict[int, str] = {}
    for i in np.flatnonzero(complete & ~later & np.isin(group, group[later])):
        first[int(group[i])] = str(ids.iat[i])
    for i in np.flatnonzero(later):
        yield int(i), first[int(group[i])]


@rule("duplicate-source", scope=TABLE, needs={"sources": ("source_id", "url", "title", "publisher_id", "original_publisher_id")})
def duplicate_source(ctx: Context) -> Iterator[Issue]:
    """One row per document: no two sources with the same URL or the same original story (same title)."""
    t = ctx.tables["sources"]
    f = t.frame
    urls, titles, ids = f["url"], f["title"], f["source_id"]
    for i, first in _repeats(pd.DataFrame({"key": document_keys(urls)}), ids):
        yield Issue("duplicate-source", f"same URL as {first}", t.name, int(t.lines[i]), "url", str(urls.iat[i]))
    origin = f["original_publisher_id"].fillna(f["publisher_id"])
    for i, first in _repeats(pd.DataFrame({"origin": origin, "title": title_keys(titles)}), ids):
        yield Issue("duplicate-source", f"same story of {origin.iat[i]} as {first} (same title)", t.name, int(t.lines[i]), "title", str(titles.iat[i]))


@rule("publisher-duplicate", scope=TABLE, needs={"publishers": ("publisher_id", "name", "aliases", "domains")})
def publisher_duplicate(ctx: Context) -> Iterator[Issue]:
    """One row per outlet: no domain and no name or alias belongs to two publishers."""
    t = ctx.tables["publishers"]
    f = t.frame
    domains: dict[str, str] = {}
    names: dict[str, str] = {}
    for i, (pid, name, aliases, doms) in enumerate(zip(f["publisher_id"], f["name"], f["aliases"], f["domains"], strict=True)):
        line = int(t.lines[i])
        for d in sorted(_hosts(doms)):
            if d in domains and domains[d] != pid:
                yield Issue("publisher-duplicate", f"domain {d!r} belongs to {domains[d]} too", t.name, line, "domains", d)
            domains.setdefault(d, str(pid))
        labels = {" ".join(str(name).casefold().split())} if not pd.isna(name) else set()
        labels |= {" ".join(a.casefold().split()) for a in str(aliases).split(";") if a.strip()} if not pd.isna(aliases) else set()
        for label in sorted(labels):
            if label in names and names[label] != pid:
                yield Issue("publisher-duplicate", f"name {label!r} belongs to {names[label]} too", t.name, line, "name", label)
            names.setdefault(label, str(pid))
