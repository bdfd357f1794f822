"""Rules on consistency within the data: fatality figures in order, speakers in office, no event related to itself."""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow.compute as pc

from karabakh_timeline.check.rules.compare import compare
from karabakh_timeline.check.rules.periods import outside_periods
from karabakh_timeline.check.rules.registry import TABLE, Context, issues_at, rule
from karabakh_timeline.support.arrow import isin
from karabakh_timeline.vocabulary.issues import Issue


@rule("fatalities-order", scope=TABLE, needs={"events": ("fatalities_low", "fatalities_best", "fatalities_high")})
def fatalities_order(ctx: Context) -> Iterator[Issue]:
    """fatalities_low <= fatalities_best <= fatalities_high where given."""
    t = ctx.tables["events"]
    low, best, high = t.column("fatalities_low"), t.column("fatalities_best"), t.column("fatalities_high")
    for field, bad in (("fatalities_best", pc.or_kleene(compare(pc.less, best, low), compare(pc.greater, best, high))),
                       ("fatalities_high", compare(pc.greater, low, high))):
        yield from issues_at(t, bad, "fatalities-order", field, lambda v: f"{v} breaks low <= best <= high")


@rule("role-period", needs={"statements": ("speaker_id", "date_start"), "actor_roles": ("actor_id", "date_start", "date_end")})
def role_period(ctx: Context) -> Iterator[Issue]:
    """A statement's speaker held some office on its date, when roles are recorded for the speaker."""
    t = ctx.tables["statements"]
    mask = outside_periods(t.column("speaker_id"), t.column("date_start"),
                           *(ctx.column("actor_roles", f) for f in ("actor_id", "date_start", "date_end")))
    yield from issues_at(t, mask, "role-period", "date_start", lambda v: f"on {v} the speaker held none of the offices recorded in actor_roles")


@rule("speaker-without-role", needs={"statements": ("speaker_id",), "actors": ("actor_id", "actor_type"), "actor_roles": ("actor_id",)})
def speaker_without_role(ctx: Context) -> Iterator[Issue]:
    """A person who makes a statement has at least one office recorded in actor_roles."""
    persons = pc.filter(ctx.column("actors", "actor_id"), pc.equal(ctx.column("actors", "actor_type"), "person"))
    speaker = ctx.column("statements", "speaker_id")
    mask = isin(speaker, persons) & ~isin(speaker, ctx.column("actor_roles", "actor_id"))
    yield from issues_at(ctx.tables["statements"], mask, "speaker-without-role", "speaker_id",
                         lambda v: f"speaker {v} is a person with no row in actor_roles")


@rule("self-relation", scope=TABLE, needs={"event_relations": ("event_id", "related_event_id")})
def self_relation(ctx: Context) -> Iterator[Issue]:
    """An event is not related to itself."""
    t = ctx.tables["event_relations"]
    yield from issues_at(t, compare(pc.equal, t.column("event_id"), t.column("related_event_id")), "self-relation", "related_event_id",
                         lambda v: f"event {v} is related to itself")
