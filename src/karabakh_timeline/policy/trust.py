"""The trust model: which sources are independent of each other, and what corroborates an event.

One home for the definitions that the verification rules, ``stats``, the flat CSV and the page
share (README, "Trust model"):

- a source counts under its *original* publisher: ``original_publisher_id`` when the document
  reprints, relays or translates another publisher's story, else ``publisher_id``;
- publishers of a *compiling* kind (reference works, aggregators, blogs) never corroborate;
- a source published before the event starts does not corroborate it;
- an event is *independently corroborated* when at least two distinct original publishers count
  and at least one of them is third-party (side ``none``), or at least one sits on each side of
  the conflict (Armenian side = ``armenia`` or ``nagorno_karabakh``; Azerbaijani side = ``azerbaijan``);
- a source is *weak* when its original publisher is an aggregator or a blog (a mirror of an
  unknown original); an event or statement resting on weak sources only is not sourced.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from karabakh_timeline.support.arrow import first_rows, unique_ids

COMPILING_KINDS = frozenset({"reference", "aggregator", "blog"})  # compile others' reports: never corroborate
WEAK_KINDS = frozenset({"aggregator", "blog"})  # without a known original, not a source at all
ARMENIAN_SIDE = frozenset({"armenia", "nagorno_karabakh"})
AZERBAIJANI_SIDE = frozenset({"azerbaijan"})
THIRD_PARTY = "none"
# Verification levels (events.verification) that the rules and the page treat specially.
CONFIRMED = "confirmed"  # needs independent corroboration (verification-unsupported); the page shows no badge for it
UNDERSTATED_IF_CORROBORATED = ("single_source", "party_claim")  # verification-understated when independently corroborated
DISPUTED = "disputed"  # needs a contesting statement or a note (dispute-unrecorded)
CONTESTED_VERIFICATIONS = (DISPUTED, "party_claim")  # verification levels the page marks as contested
PARAPHRASE = "paraphrase"  # the text_kind that is not the speaker's words (verbatim and translation are quoted)
CONTESTING_ACTS = frozenset({"deny", "reject", "accuse", "claim"})  # speech acts that dispute an event
# Words by which an event's notes say who disputes what (dispute-unrecorded).
DISPUTE_WORDS = r"(?i)\b(?:disput|contest|den(?:y|ies|ied)|reject|claim|accus|contradict)"

# The tables and fields corroboration() reads (the verification rules declare these as their needs).
CORROBORATION_FIELDS: dict[str, tuple[str, ...]] = {
    "events": ("event_id", "date_start"),
    "event_sources": ("event_id", "source_id"),
    "sources": ("source_id", "publisher_id", "original_publisher_id", "published_date"),
    "publishers": ("publisher_id", "name", "kind", "side"),
}

_COLUMNS = ["originals", "third_party", "armenian_side", "azerbaijani_side", "independent", "weak_only", "names"]


def source_origins(sources: pd.DataFrame, publishers: pd.DataFrame) -> pd.DataFrame:
    """Per source: its original publisher's id, name, kind and side, and whether it is weak.

    Indexed like ``sources``; a publisher id missing from ``publishers`` (a foreign-key error,
    reported elsewhere) gives missing name, kind and side.
    """
    original = sources["original_publisher_id"].fillna(sources["publisher_id"]).astype("string")
    pub = publishers.set_index("publisher_id")[["name", "kind", "side"]].astype("string")
    pub = pub[~pub.index.duplicated()]
    joined = pub.reindex(original.to_numpy())
    out = pd.DataFrame({
        "source_id": sources["source_id"].astype("string").to_numpy(),
        "original": original.to_numpy(),
        "name": joined["name"].to_numpy(),
        "kind": joined["kind"].to_numpy(),
        "side": joined["side"].to_numpy(),
        "published_date": sources["published_date"].to_numpy(),
    }, index=sources.index)
    out["weak"] = out["kind"].isin(WEAK_KINDS).to_numpy(dtype=bool)
    return out


def corroboration(tables: Mapping[str, pd.DataFrame], named: Callable[[pd.DataFrame], np.ndarray] | None = None) -> pd.DataFrame:
    """Per event (indexed by event_id, every event present): how its sources corroborate it.

    Columns: ``originals`` (distinct original publishers that count), ``third_party``,
    ``armenian_side``, ``azerbaijani_side`` (how many of them on each side), ``independent``
    (the definition above), ``weak_only`` (every linked source is weak; False without sources)
    and ``names`` (the counted publishers' names, third-party first, then by name).

    named, given the frame without names, picks the events whose names are wanted (the rest get
    none): the rules name only the events they report, which saves a tuple per event.
    """
    coded = _coded(tables, named)
    return coded if coded is not None else corroboration_merged(tables, named)


def _coded(tables: Mapping[str, pd.DataFrame], named: Callable[[pd.DataFrame], np.ndarray] | None) -> pd.DataFrame | None:
    """corroboration() on row numbers instead of pandas merges of string keys (ten times faster on a large package).

    Only for tables whose keys are unique and present (every valid package; else None, and the
    merges, the reference path, decide): then a link's source and event are one row each, and a
    counted original publisher is one publishers row. tests/test_trust.py compares both paths.
    """
    events, sources, publishers, links = (tables[n] for n in ("events", "sources", "publishers", "event_sources"))
    dates = (events["date_start"], sources["published_date"])
    if not all(unique_ids(c) for c in (events["event_id"], sources["source_id"], publishers["publisher_id"])) or not all(
            pd.api.types.is_datetime64_dtype(d) and not isinstance(d.dtype, pd.DatetimeTZDtype) for d in dates):
        return None
    n = len(events)
    event, source = first_rows(links["event_id"], events["event_id"]), first_rows(links["source_id"], sources["source_id"])
    keep = (event >= 0) & (source >= 0)
    event, source = event[keep], source[keep]
    origin = first_rows(sources["original_publisher_id"].fillna(sources["publisher_id"]), publishers["publisher_id"])[source]
    kind, side = (publishers[c].astype("string") for c in ("kind", "side"))
    known = origin >= 0
    at = np.where(known, origin, 0)

    def per_origin(flags: np.ndarray) -> np.ndarray:  # a publisher attribute per link row, False without a publisher
        return known & flags[at] if len(flags) else np.zeros(len(origin), dtype=bool)

    weak = per_origin(kind.isin(WEAK_KINDS).to_numpy(dtype=bool))
    published, start = sources["published_date"].to_numpy()[source], events["date_start"].to_numpy()[event]
    counts = (np.isnat(published) | (published >= start)) & per_origin((kind.notna() & ~kind.isin(COMPILING_KINDS)).to_numpy(dtype=bool))
    rows = np.flatnonzero(counts)
    _, first = np.unique(event[rows].astype(np.int64) * max(len(publishers), 1) + origin[rows], return_index=True)
    rows = rows[np.sort(first)]  # one row per (event, original publisher), the first in link order
    ev, org = event[rows], origin[rows]
    side_third = (side == THIRD_PARTY).to_numpy(dtype=bool, na_value=False)

    def tally(flags: np.ndarray) -> np.ndarray:
        return np.bincount(ev[flags[org]], minlength=n) if len(flags) else np.zeros(n, dtype=np.int64)

    result = pd.DataFrame({
        "originals": np.bincount(ev, minlength=n),
        "third_party": tally(side_third),
        "armenian_side": tally(side.isin(ARMENIAN_SIDE).to_numpy(dtype=bool)),
        "azerbaijani_side": tally(side.isin(AZERBAIJANI_SIDE).to_numpy(dtype=bool)),
    }, index=pd.Index(events["event_id"].to_numpy(), name="event_id")).astype(int)
    result["independent"] = (result["originals"] >= 2) & (
        (result["third_party"] >= 1) | ((result["armenian_side"] >= 1) & (result["azerbaijani_side"] >= 1)))
    result["weak_only"] = (np.bincount(event, minlength=n) > 0) & ~(np.bincount(event[~weak], minlength=n) > 0)
    wanted = np.ones(n, dtype=bool) if named is None else np.asarray(named(result), dtype=bool)
    picked = wanted[ev]
    ev, org = ev[picked], org[picked]
    # The reference sorts by third-party first (side missing last), then by name (missing last), stably.
    names = publishers["name"].astype("string")
    third_rank = np.where(side.isna().to_numpy(), 2, np.where(side_third, 0, 1))
    present = names.notna().to_numpy()
    texts = np.array([_name(v) for v in names.to_numpy()], dtype=object)
    name_rank = np.full(len(names), len(names), dtype=np.int64)
    if present.any():
        name_rank[present] = np.unique(texts[present], return_inverse=True)[1]
    order = np.lexsort((name_rank[org], third_rank[org], ev)) if len(ev) else np.zeros(0, dtype=np.int64)
    ev, org = ev[order], org[order]
    bounds = np.flatnonzero(np.r_[True, ev[1:] != ev[:-1], True]) if len(ev) else np.zeros(1, dtype=np.int64)
    listed: list[tuple[str, ...]] = [()] * n
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        listed[ev[a]] = tuple(texts[org[a:b]])
    result["names"] = listed
    return result[_COLUMNS]


def _name(value: object) -> str:
    return "<NA>" if pd.isna(value) else str(value)  # a publisher without a name (a missing-value error) shows as pandas prints it


def corroboration_merged(tables: Mapping[str, pd.DataFrame], named: Callable[[pd.DataFrame], np.ndarray] | None = None) -> pd.DataFrame:
    """corroboration() by pandas merges of the key columns: the reference path, and the path for tables with repeated or missing keys."""
    events = tables["events"][["event_id", "date_start"]].dropna(subset=["event_id"]).drop_duplicates("event_id")
    origins = source_origins(tables["sources"], tables["publishers"])
    links = tables["event_sources"][["event_id", "source_id"]].dropna()
    linked = links.merge(origins, on="source_id", how="inner").merge(events, on="event_id", how="inner")
    weak_only = linked.groupby("event_id")["weak"].all()
    after = linked["published_date"].isna() | (linked["published_date"] >= linked["date_start"])
    counts = linked[after & linked["kind"].notna() & ~linked["kind"].isin(COMPILING_KINDS)]
    counted = counts.drop_duplicates(["event_id", "original"]).copy()
    counted["is_third"] = counted["side"] == THIRD_PARTY
    counted["is_arm"] = counted["side"].isin(ARMENIAN_SIDE)
    counted["is_aze"] = counted["side"].isin(AZERBAIJANI_SIDE)
    counted = counted.sort_values(["event_id", "is_third", "name"], ascending=[True, False, True], kind="stable")
    grouped = counted.groupby("event_id", sort=True)
    result = pd.DataFrame({
        "originals": grouped["original"].nunique(),
        "third_party": grouped["is_third"].sum(),
        "armenian_side": grouped["is_arm"].sum(),
        "azerbaijani_side": grouped["is_aze"].sum(),
    })
    result = result.reindex(events["event_id"].to_numpy())
    for col in ("originals", "third_party", "armenian_side", "azerbaijani_side"):
        result[col] = result[col].fillna(0).astype(int)
    result["independent"] = (result["originals"] >= 2) & (
        (result["third_party"] >= 1) | ((result["armenian_side"] >= 1) & (result["azerbaijani_side"] >= 1)))
    result["weak_only"] = weak_only.reindex(result.index).fillna(False).astype(bool)
    result.index.name = "event_id"
    wanted = None if named is None else np.asarray(named(result), dtype=bool)
    if wanted is not None:
        counted = counted[counted["event_id"].isin(result.index[wanted]).to_numpy(dtype=bool)]
    # Names per event without a Python call per group: counted is sorted by event, so each event's
    # names are one contiguous run of the name column.
    ids = counted["event_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.zeros(0, dtype=int)
    names = [_name(v) for v in counted["name"].to_numpy()]
    bounds = [*starts[1:], len(names)] if len(starts) else []
    by_event = {ids[a]: tuple(names[a:b]) for a, b in zip(starts, bounds, strict=True)}
    if wanted is None:
        result["names"] = [by_event.get(e, ()) for e in result.index]
    else:
        named_list: list[tuple[str, ...]] = [()] * len(result)
        for pos in np.flatnonzero(wanted):
            named_list[pos] = by_event.get(result.index[pos], ())
        result["names"] = named_list
    return result[_COLUMNS]


BASES = ("third_party", "both_sides", "armenian_side", "azerbaijani_side", "none")  # what bases() gives each event, strongest first


def bases(corr: pd.DataFrame) -> pd.Series:
    """Per event of a corroboration() frame, where its counted sources sit, strongest first: one of BASES."""
    third, arm, aze = (corr[c].to_numpy() > 0 for c in ("third_party", "armenian_side", "azerbaijani_side"))
    choice = np.select([third, arm & aze, arm, aze], list(BASES[:4]), default=BASES[4])
    return pd.Series(choice, index=corr.index, dtype="string")


def describe(row: pd.Series) -> str:
    """One line for readers: e.g. 'independently corroborated by 3 publishers, incl. Reuters and AP'."""
    n = int(row["originals"])
    names = list(row["names"])
    if n == 0:
        return "no corroborating publisher (reference or aggregator sources only)"
    shown = " and ".join(names[:2]) if len(names) <= 2 else f"{names[0]}, {names[1]} and {len(names) - 2} more"
    lead = "independently corroborated by" if row["independent"] else "reported by"
    return f"{lead} {n} publisher{'s' if n != 1 else ''}, incl. {shown}" if n > 2 else f"{lead} {shown}"


def corroboration_of_arrow(tables: Mapping[str, object]) -> pd.DataFrame:
    """corroboration() for typed Arrow tables (the release's exports and page)."""
    frames = {}
    for name, cols in CORROBORATION_FIELDS.items():
        frame = tables[name].select(list(cols)).to_pandas(date_as_object=False)  # type: ignore[attr-defined]
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.CategoricalDtype):
                frame[col] = frame[col].astype("string")
        frames[name] = frame
    return corroboration(frames)


__all__ = [
    "ARMENIAN_SIDE", "AZERBAIJANI_SIDE", "BASES", "COMPILING_KINDS", "CONFIRMED", "CONTESTED_VERIFICATIONS", "CONTESTING_ACTS", "CORROBORATION_FIELDS",
    "DISPUTED", "PARAPHRASE", "THIRD_PARTY", "UNDERSTATED_IF_CORROBORATED", "WEAK_KINDS",
    "bases", "corroboration", "corroboration_of_arrow", "describe", "source_origins",
]
