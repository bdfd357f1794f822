"""Dataset statistics for users and reviewers: sizes, coverage, sourcing and statement mix."""
from __future__ import annotations

from typing import Any

import pandas as pd

from karabakh_timeline.policy.trust import BASES, bases, corroboration
from karabakh_timeline.read.timeline import Timeline


def _counts(series: pd.Series) -> dict[str, int]:
    counts = series.value_counts(dropna=True)
    if isinstance(series.dtype, pd.CategoricalDtype):  # keep the schema's order, drop unused levels
        return {str(k): int(counts[k]) for k in series.cat.categories if counts.get(k, 0)}
    return {str(k): int(v) for k, v in sorted(counts.items())}


def compute_stats(tl: Timeline) -> dict[str, Any]:
    """Rows per table, events per year and type, sourcing shares, speech acts, unused actors."""
    events, links = tl.events, tl.event_sources
    n = len(events)
    per_event = links.groupby("event_id", observed=True)["source_id"].nunique()
    frames = {name: tl.tables[name] for name in ("events", "event_sources", "sources", "publishers")}
    frames = {name: f.astype({c: "string" for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)}) for name, f in frames.items()}
    corr = corroboration(frames)
    per_event_publishers = corr["originals"]
    corr = corr.assign(basis=bases(corr),
                       verification=events.set_index("event_id")["verification"].astype("string").reindex(corr.index))
    by_basis = {str(level): {b: int(((corr["verification"] == level) & (corr["basis"] == b)).sum()) for b in BASES}
                for level in events["verification"].cat.categories if (corr["verification"] == level).any()}
    ids = events["event_id"]

    def share(counts: pd.Series, minimum: int) -> float:
        return round(float(ids.map(counts).fillna(0).ge(minimum).mean()) if n else 0.0, 4)

    used = set(tl.event_actors["actor_id"]) | set(tl.statements["speaker_id"]) | set(tl.statements["on_behalf_of_id"].dropna())
    used |= set(tl.actors["parent_actor_id"].dropna()) | set(tl.actor_roles["organization_id"].dropna())
    unused = tl.actors.loc[~tl.actors["actor_id"].isin(used), ["actor_id", "name"]]
    years = events["date_start"].dt.year
    return {
        "version": tl.package.version,
        "rows": {name: len(frame) for name, frame in tl.tables.items()},
        "events": {
            "total": n,
            "first_date": events["date_start"].min().date().isoformat() if n else None,
            "last_date": events["date_start"].max().date().isoformat() if n else None,
            "by_year": {str(int(y)): int(c) for y, c in years.value_counts().sort_index().items()},
            "by_type": _counts(events["event_type"]),
            "by_verification": _counts(events["verification"]),
            "share_with_1_plus_sources": share(per_event, 1),
            "share_with_2_plus_sources": share(per_event, 2),
            "share_with_2_plus_publishers": share(per_event_publishers, 2),
            "corroboration_by_verification": by_basis,
        },
        "statements": {
            "total": len(tl.statements),
            "by_speech_act": _counts(tl.statements["speech_act"]),
            "by_text_kind": _counts(tl.statements["text_kind"]),
            "linked_to_an_event": int(tl.statements["event_id"].notna().sum()),
        },
        "actors_without_event_or_statement": [
            {"actor_id": a, "name": b} for a, b in zip(unused["actor_id"], unused["name"], strict=True)
        ],
    }


def render_markdown(stats: dict[str, Any]) -> str:
    """Stats as Markdown tables (README shows this)."""
    ev = stats["events"]
    lines = [(f"Version {stats['version']}: {ev['total']} events from {ev['first_date']} to {ev['last_date']}, "
              f"{stats['statements']['total']} statements."), "",
             "| table | rows |", "| --- | ---: |"]
    lines += [f"| {t} | {n:,} |" for t, n in stats["rows"].items()]
    lines += ["", "| sourcing | share of events |", "| --- | ---: |",
              f"| at least 1 source | {ev['share_with_1_plus_sources']:.1%} |",
              f"| at least 2 sources | {ev['share_with_2_plus_sources']:.1%} |",
              f"| at least 2 original publishers | {ev['share_with_2_plus_publishers']:.1%} |"]
    lines += ["", "Corroboration: events per verification level by where their counted original publishers sit "
              "(third-party = at least one publisher with side none; both sides = Armenian- and Azerbaijani-side "
              "publishers agree; none = only reference or aggregator sources).", "",
              "| verification | " + " | ".join(b.replace("_", " ") for b in BASES) + " |",
              "| --- | " + " | ".join("---:" for _ in BASES) + " |"]
    lines += [f"| {level} | " + " | ".join(f"{row[b]:,}" for b in BASES) + " |" for level, row in ev["corroboration_by_verification"].items()]
    for title, data in (("year", ev["by_year"]), ("event type", ev["by_type"]), ("verification", ev["by_verification"]),
                        ("speech act", stats["statements"]["by_speech_act"]), ("text kind", stats["statements"]["by_text_kind"])):
        lines += ["", f"| {title} | count |", "| --- | ---: |"] + [f"| {k} | {v:,} |" for k, v in data.items()]
    unused = stats["actors_without_event_or_statement"]
    lines += ["", "Actors without any event or statement: " + (", ".join(f"{a['name']} (`{a['actor_id']}`)" for a in unused) or "none") + "."]
    return "\n".join(lines) + "\n"


def render_text(stats: dict[str, Any]) -> str:
    """Stats as aligned plain text for a terminal."""
    ev = stats["events"]
    out = [(f"karabakh-timeline {stats['version']}: {ev['total']} events ({ev['first_date']} to {ev['last_date']}), "
            f"{stats['statements']['total']} statements")]

    def block(title: str, data: dict[str, Any]) -> None:
        out.append(f"\n{title}")
        width = max((len(k) for k in data), default=0)
        out.extend(f"  {k:<{width}}  {v:>8,}" if isinstance(v, int) else f"  {k:<{width}}  {v:>8}" for k, v in data.items())

    block("rows per table", stats["rows"])
    block("sourcing (share of events)", {"at least 1 source": f"{ev['share_with_1_plus_sources']:.1%}",
                                          "at least 2 sources": f"{ev['share_with_2_plus_sources']:.1%}",
                                          "at least 2 original publishers": f"{ev['share_with_2_plus_publishers']:.1%}"})
    block("events per year", ev["by_year"])
    block("events per type", ev["by_type"])
    block("events per verification", ev["by_verification"])
    for level, row in ev["corroboration_by_verification"].items():
        block(f"{level} events by corroboration", row)
    block("statements per speech act", stats["statements"]["by_speech_act"])
    block("statements per text kind", stats["statements"]["by_text_kind"])
    unused = stats["actors_without_event_or_statement"]
    out.append("\nactors without any event or statement: " + (", ".join(a["actor_id"] for a in unused) or "none"))
    return "\n".join(out) + "\n"
