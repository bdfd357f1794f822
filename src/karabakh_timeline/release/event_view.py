"""The one joined view of events: each event with its place, actors by role, sources and publishers,
statements and corroboration, built once from the typed tables and shared by the page and the flat CSV.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from karabakh_timeline.policy.trust import corroboration_of_arrow, describe
from karabakh_timeline.schema.table_schema import TableSchema

Row = dict[str, Any]


def _rows(tables: Mapping[str, pa.Table], name: str) -> list[Row]:
    return tables[name].to_pylist() if name in tables else []


def enum_of(schemas: Mapping[str, TableSchema], table: str, field_name: str) -> list[str]:
    """A field's allowed values in the schema's order ([] when the table or field has none)."""
    schema = schemas.get(table)
    if schema is None or field_name not in schema.field_names:
        return []
    return [str(v) for v in schema.field(field_name).enum or []]


@dataclass
class EventView:
    """Lookups over the typed tables of a release, keyed by ID."""

    schemas: Mapping[str, TableSchema]
    events: list[Row]
    places: dict[str, Row] = field(default_factory=dict)
    actors: dict[str, Row] = field(default_factory=dict)
    sources: dict[str, Row] = field(default_factory=dict)
    publishers: dict[str, Row] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)  # event_actors.role's enum, in the schema's order
    event_actors: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # event -> [(role, actor)] in file order
    event_sources: dict[str, list[str]] = field(default_factory=dict)  # event -> source IDs in file order
    statements: dict[str, list[Row]] = field(default_factory=dict)  # event -> statements by date, then ID
    corroboration: pd.DataFrame | None = None  # policy.trust.corroboration, when the package has publishers
    event_place: dict[str, str | None] = field(default_factory=dict)  # event -> place_id
    unlinked: list[Row] = field(default_factory=list)  # statements about no event, by date, then ID

    @classmethod
    def build(cls, tables: Mapping[str, pa.Table], schemas: Mapping[str, TableSchema]) -> EventView:
        """Join the tables once."""
        view = cls(schemas, _rows(tables, "events"))
        view.places = {r["place_id"]: r for r in _rows(tables, "places")}
        view.actors = {r["actor_id"]: r for r in _rows(tables, "actors")}
        view.sources = {r["source_id"]: r for r in _rows(tables, "sources")}
        view.publishers = {r["publisher_id"]: r for r in _rows(tables, "publishers")}
        view.roles = enum_of(schemas, "event_actors", "role")
        view.event_place = {r["event_id"]: r.get("place_id") for r in view.events}
        for r in _rows(tables, "event_actors"):
            view.event_actors.setdefault(r["event_id"], []).append((r["role"], r["actor_id"]))
        for r in _rows(tables, "event_sources"):
            view.event_sources.setdefault(r["event_id"], []).append(r["source_id"])
        for r in sorted(_rows(tables, "statements"), key=lambda s: (s["date_start"], s["statement_id"])):
            if r.get("event_id"):
                view.statements.setdefault(r["event_id"], []).append(r)
            else:
                view.unlinked.append(r)
        view.corroboration = corroboration_of_arrow(tables) if "publishers" in tables else None
        return view

    def actor_name(self, actor_id: str | None) -> str:
        """The actor's name, or its ID when the actor is unknown."""
        return (self.actors.get(actor_id or "") or {}).get("name") or (actor_id or "")

    def place_name(self, place_id: str | None) -> str:
        """The place's name ('' when there is none)."""
        return (self.places.get(place_id or "") or {}).get("name") or ""

    def name_fields(self, table: str) -> list[str]:
        """A table's name fields in schema order: ``name`` and each side's form (``name_hy``, ``name_az``, ...)."""
        schema = self.schemas.get(table)
        return [n for n in schema.field_names if n == "name" or n.startswith("name_")] if schema else []

    def other_names(self, table: str, key: str | None) -> list[str]:
        """A place's or actor's names on each side (name_hy, name_az, ...), distinct, without the main name."""
        row = (self.places if table == "places" else self.actors).get(key or "") or {}
        names: list[str] = []
        for n in self.name_fields(table):
            value = row.get(n)
            if n != "name" and value and value != row.get("name") and value not in names:
                names.append(value)
        return names

    def joined_columns(self) -> list[str]:
        """The names of the columns joined() adds, in order."""
        trust = ["corroboration", "corroborating_publishers"] if self.corroboration is not None else []
        return ([f"place_{n}" for n in self.name_fields("places")] + [f"actors_{role}" for role in self.roles]
                + ["source_count", "source_urls"] + trust)

    def joined(self, event_id: str) -> dict[str, Any]:
        """The columns the view adds to an event: its place's names, actors by role, sources and corroboration.

        Names and URLs are joined with "; " (actors sorted by name, sources by ID), as in the flat CSV.
        """
        place = self.places.get(self.event_place.get(event_id) or "") or {}
        columns: dict[str, Any] = {f"place_{n}": place.get(n) or "" for n in self.name_fields("places")}
        for role in self.roles:
            columns[f"actors_{role}"] = "; ".join(sorted(self.actor_name(a) for a in self.actors_in(event_id, role)))
        sources = self.source_ids(event_id)
        columns["source_count"] = len(sources)
        columns["source_urls"] = "; ".join((self.sources.get(s) or {}).get("url") or s for s in sources)
        if self.corroboration is not None:
            columns["corroboration"] = self.corroborated(event_id)
            columns["corroborating_publishers"] = "; ".join(self.corroborating_names(event_id))
        return columns

    def publisher_name(self, publisher_id: str | None) -> str:
        """The publisher's name ('' when unknown)."""
        return (self.publishers.get(publisher_id or "") or {}).get("name") or ""

    def actors_in(self, event_id: str, role: str) -> list[str]:
        """The IDs of the event's actors in one role, in file order."""
        return [a for r, a in self.event_actors.get(event_id, []) if r == role]

    def source_ids(self, event_id: str) -> list[str]:
        """The event's source IDs, sorted."""
        return sorted(self.event_sources.get(event_id, []))

    def corroborated(self, event_id: str) -> str:
        """How the event's sources corroborate it, in words ('' without a publishers table)."""
        return describe(self.corroboration.loc[event_id]) if self.corroboration is not None else ""

    def corroborating_names(self, event_id: str) -> list[str]:
        """The counted original publishers' names."""
        return list(self.corroboration.loc[event_id, "names"]) if self.corroboration is not None else []


def event_frame(tables: Mapping[str, pd.DataFrame], schemas: Mapping[str, TableSchema]) -> pd.DataFrame:
    """The events frame (typed, as loaded) with the columns EventView.joined adds: names as string, source_count as Int64."""
    view = EventView.build({name: pa.Table.from_pandas(frame, preserve_index=False) for name, frame in tables.items()}, schemas)
    events = tables["events"].reset_index(drop=True)
    joined = [view.joined(key) for key in events["event_id"]]
    extra = pd.DataFrame({c: [row[c] for row in joined] for c in view.joined_columns()}, index=events.index)
    for column in extra.columns:
        extra[column] = extra[column].astype("Int64" if column == "source_count" else pd.StringDtype("pyarrow"))
        if column != "source_count":
            extra[column] = extra[column].mask(extra[column] == "")  # missing, as in the loaded frames
    return pd.concat([events, extra], axis=1)
