"""The loaded dataset: one typed pandas DataFrame per table (what ``kt.load()`` returns)."""
from __future__ import annotations

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

    Access tables as attributes (``tl.events``) or by name (``tl["events"]``).
    """

    def __init__(self, package: Package, tables: dict[str, pd.DataFrame]) -> None:
        self.package = package
        self.tables = tables

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"no table {name!r}; tables are {', '.join(tables)}")

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(f)}" for n, f in self.tables.items())
        return f"<Timeline {self.package.version or ''} {sizes}>"
