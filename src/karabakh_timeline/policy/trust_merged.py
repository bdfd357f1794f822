"""The trust model's corroboration by pandas merges: the reference that policy.trust.corroborate() is tested against.

Only the reference and its tests import this module (it imports pandas); the definitions live in
policy.trust.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from karabakh_timeline.policy.trust import _COLUMNS, ARMENIAN_SIDE, AZERBAIJANI_SIDE, COMPILING_KINDS, THIRD_PARTY, WEAK_KINDS


def origins_frame(sources: pd.DataFrame, publishers: pd.DataFrame) -> pd.DataFrame:
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


def _name(value: object) -> str:
    return "<NA>" if pd.isna(value) else str(value)  # a publisher without a name (a missing-value error) shows as pandas prints it


def corroboration_merged(tables: Mapping[str, pd.DataFrame], named: Callable[[pd.DataFrame], np.ndarray] | None = None) -> pd.DataFrame:
    """corroboration() by pandas merges of the key columns: the reference (a frame indexed by event_id, columns as corroborate() gives)."""
    events = tables["events"][["event_id", "date_start"]].dropna(subset=["event_id"]).drop_duplicates("event_id")
    origins = origins_frame(tables["sources"], tables["publishers"])
    links = tables["event_sources"][["event_id", "source_id"]].dropna()
    linked = links.merge(origins, on="source_id", how="inner").merge(events, on="event_id", how="inner")
    weak_only = linked.groupby("event_id")["weak"].all()
    after = linked["published_date"].isna() | (linked["published_date"] >= linked["date_start"])
    counts = linked[after & linked["kind"].notna() & ~linked["kind"].isin(COMPILING_KINDS)]
    counted = counts.drop_duplicates(["event_id", "original"]).copy()
    counted["is_third"] = (counted["side"] == THIRD_PARTY).fillna(False).astype(bool)  # a missing side is not third-party, whatever the dtype
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
