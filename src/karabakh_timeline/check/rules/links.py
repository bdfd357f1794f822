"""Rules on links between tables: every event sourced and with actors, retired IDs never reused."""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.check.rules.registry import Context, issues_at, rule
from karabakh_timeline.policy.retirement import TABLE as RETIRED
from karabakh_timeline.policy.retirement import id_tables, retired_by_table, retired_for
from karabakh_timeline.support.arrow import isin, mask
from karabakh_timeline.vocabulary.issues import Issue


def _unreferenced(ctx: Context, table: str, key: str, link: str, code: str, message: str) -> Iterator[Issue]:
    t = ctx.tables[table]
    ids = t.column(key)
    missing = mask(pc.is_valid(ids)) & ~isin(ids, ctx.column(link, key))
    yield from issues_at(t, missing, code, key, lambda v: message.format(v))


@rule("event-unsourced", needs={"events": ("event_id",), "event_sources": ("event_id",)})
def event_unsourced(ctx: Context) -> Iterator[Issue]:
    """Every event has at least one source."""
    yield from _unreferenced(ctx, "events", "event_id", "event_sources", "event-unsourced", "event {} has no row in event_sources")


@rule("event-without-actor", needs={"events": ("event_id",), "event_actors": ("event_id",)})
def event_without_actor(ctx: Context) -> Iterator[Issue]:
    """Every event has at least one actor."""
    yield from _unreferenced(ctx, "events", "event_id", "event_actors", "event-without-actor", "event {} has no row in event_actors")


@rule("retired-id-reused", needs={RETIRED: ("id",)}, reads=lambda schema: (*schema.primary_key, "table"))  # every ID table's key; retired_ids.table
def retired_id_reused(ctx: Context) -> Iterator[Issue]:
    """A retired ID never appears again as the primary key of an ID table (policy.retirement)."""
    t_retired = ctx.tables[RETIRED]
    has_table = "table" in t_retired.schema.field_names
    retired = retired_by_table(t_retired.column("id").to_pylist(), t_retired.column("table").to_pylist() if has_table else None)
    for t in ctx.tables.values():
        if not t.readable or t.name not in id_tables(t_retired.schema) or len(t.schema.primary_key) != 1:
            continue
        key = t.schema.primary_key[0]
        ids = retired_for(retired, t.name)
        if ids:
            yield from issues_at(t, isin(t.column(key), pa.array(sorted(ids), pa.large_string())), "retired-id-reused", key,
                                 lambda v: f"{v} is listed in retired_ids and may not be used again")
