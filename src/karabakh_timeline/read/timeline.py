"""The loaded dataset: one typed pandas DataFrame per table (what ``kt.load()`` returns)."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from karabakh_timeline.schema.descriptor import Package
from karabakh_timeline.vocabulary.issues import Issue


class InvalidDataError(ValueError):
    """load() met data it cannot type faithfully; .issues says where."""

    def __init__(self, issues: list[Issue]) -> None:
        first = issues[0]
        super().__init__(f"{len(issues)} problem(s) reading the package, first: {first.code} in {first.table} line {first.line}: {first.message}")
        self.issues = issues


class Timeline:
    """The loaded dataset: one pandas DataFrame per table, typed as the Table Schemas say.

    Access tables as attributes (``tl.events``) or by name (``tl["events"]``); both have a
    RangeIndex. ``tl.table(name, index=True)`` indexes a table by its primary key, and
    ``tl.event_view()`` joins events with their places, actors, sources and corroboration.

    >>> import karabakh_timeline as kt
    >>> tl = kt.load()
    >>> tl.names[:3]
    ['events', 'statements', 'actors']
    >>> str(tl.events["date_start"].dtype), str(tl.events["fatalities_best"].dtype)
    ('datetime64[s]', 'Int64')
    """

    def __init__(self, package: Package, tables: dict[str, pd.DataFrame],
                 joiner: Callable[[Timeline], pd.DataFrame] | None = None) -> None:
        self.package = package
        self.tables = tables
        self._joiner = joiner  # builds event_view(); given by api.load, which sits above the stage that joins

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"no table {name!r}; tables are {', '.join(tables)}")

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.tables))

    @property
    def names(self) -> list[str]:
        """The table names, in the descriptor's order."""
        return list(self.tables)

    def table(self, name: str, *, index: bool = False) -> pd.DataFrame:
        """A table's frame; with index=True, a copy indexed by its primary key (a MultiIndex for a composite key).

        >>> import karabakh_timeline as kt
        >>> tl = kt.load()
        >>> tl.table("events", index=True).index.name
        'event_id'
        >>> tl.table("event_actors", index=True).index.names
        FrozenList(['event_id', 'actor_id', 'role'])
        """
        if name not in self.tables:
            raise KeyError(f"no table {name!r}; tables are {', '.join(self.tables)}")
        frame = self.tables[name]
        key = list(self.package.resources[name].schema.primary_key)
        if not index or not key:
            return frame
        return frame.set_index(key, drop=True)

    def event_view(self) -> pd.DataFrame:
        """One row per event: its fields, its place's names in every language, actor names by role, sources and corroboration.

        The same joined view as the release's flat CSV and page (``release/event_view.py``).

        >>> import karabakh_timeline as kt
        >>> tl = kt.load()
        >>> view = tl.event_view()
        >>> len(view) == len(tl.events)
        True
        >>> [c for c in view.columns if c.startswith("place_name")]
        ['place_name', 'place_name_hy', 'place_name_az', 'place_name_ru']
        >>> str(view["source_count"].dtype)
        'Int64'
        """
        if self._joiner is None:
            raise TypeError("this Timeline was not made by karabakh_timeline.load(), which provides the joined view")
        return self._joiner(self)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(f)}" for n, f in self.tables.items())
        return f"<Timeline {self.package.version or ''} {sizes}>"
