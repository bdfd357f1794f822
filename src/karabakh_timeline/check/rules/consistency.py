"""Rules on consistency within the data: fatality figures in order, speakers in office, no event related to itself."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from karabakh_timeline.check.rules.registry import TABLE, Context, issues_at, rule
from karabakh_timeline.support.arrow import isin
from karabakh_timeline.vocabulary.issues import Issue


@rule("fatalities-order", scope=TABLE, needs={"events": ("fatalities_low", "fatalities_best", "fatalities_high")})
def fatalities_order(ctx: Context) -> Iterator[Issue]:
    """fatalities_low <= fatalities_best <= fatalities_high where given."""
    t = ctx.tables["events"]
    f = t.frame
    low, best, high = f["fatalities_low"], f["fatalities_best"], f["fatalities_high"]
    for field, bad in (("fatalities_best", (best < low) | (best > high)), ("fatalities_high", low > high)):
        yield from issues_at(t, bad.fillna(False), "fatalities-order", field, lambda v: f"{v} breaks low <= best <= high")


@rule("role-period", needs={"statements": ("speaker_id", "date_start"), "actor_roles": ("actor_id", "date_start", "date_end")})
def role_period(ctx: Context) -> Iterator[Issue]:
    """A statement's speaker held some office on its date, when roles are recorded for the speaker."""
    t = ctx.tables["statements"]
    roles = ctx.tables["actor_roles"].frame[["actor_id", "date_start", "date_end"]].dropna(subset=["actor_id", "date_start"])
    said = t.frame[["speaker_id", "date_start"]].reset_index(names="row").dropna()
    pairs = said.merge(roles, left_on="speaker_id", right_on="actor_id", suffixes=("", "_role"))
    inside = (pairs["date_start"] >= pairs["date_start_role"]) & (pairs["date_end"].isna() | (pairs["date_start"] <= pairs["date_end"]))
    has_role = set(pairs["row"])
    covered = set(pairs.loc[inside.to_numpy(dtype=bool), "row"])
    mask = np.zeros(len(t.frame), dtype=bool)
    mask[sorted(has_role - covered)] = True
    yield from issues_at(t, mask, "role-period", "date_start", lambda v: f"on {v} the speaker held none of the offices recorded in actor_roles")


@rule("speaker-without-role", needs={"statements": ("speaker_id",), "actors": ("actor_id", "actor_type"), "actor_roles": ("actor_id",)})
def speaker_without_role(ctx: Context) -> Iterator[Issue]:
    """A person who makes a statement has at least one office recorded in actor_roles."""
    actors = ctx.tables["actors"].frame
    persons = actors.loc[actors["actor_type"] == "person", "actor_id"]
    t = ctx.tables["statements"]
    mask = isin(t.frame["speaker_id"], persons) & ~isin(t.frame["speaker_id"], ctx.tables["actor_roles"].frame["actor_id"])
    yield from issues_at(t, mask, "speaker-without-role", "speaker_id", lambda v: f"speaker {v} is a person with no row in actor_roles")


@rule("self-relation", scope=TABLE, needs={"event_relations": ("event_id", "related_event_id")})
def self_relation(ctx: Context) -> Iterator[Issue]:
    """An event is not related to itself."""
    t = ctx.tables["event_relations"]
    bad = (t.frame["event_id"] == t.frame["related_event_id"]).fillna(False)
    yield from issues_at(t, bad, "self-relation", "related_event_id", lambda v: f"event {v} is related to itself")
