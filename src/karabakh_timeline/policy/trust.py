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
    names = [str(v) for v in counted["name"].to_numpy()]
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
