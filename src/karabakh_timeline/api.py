"""The public API: load() the dataset as typed frames, validate() it, compile its schemas() for pandera.

``import karabakh_timeline as kt`` re-exports these; the CLI calls them too.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pandas as pd

from karabakh_timeline.read.cells import enum_message
from karabakh_timeline.read.timeline import InvalidDataError, Timeline
from karabakh_timeline.read.typed import read_typed
from karabakh_timeline.schema.descriptor import open_package
from karabakh_timeline.vocabulary.issues import Issue

if TYPE_CHECKING:
    import datetime as dt

    from karabakh_timeline.vocabulary.issues import Report


def load(path: str | os.PathLike[str] | None = None, *, errors: str = "raise") -> Timeline:
    """Load the package at path (default: ./datapackage.json, else the bundled data) as typed frames.

    Dates are datetime64, enums categorical with the schema's levels, integers Int64, numbers
    Float64, text string[pyarrow]. errors="raise" refuses data that cannot be typed faithfully;
    errors="coerce" turns such cells into missing values.
    """
    if errors not in ("raise", "coerce"):
        raise ValueError("errors must be 'raise' or 'coerce'")
    package = open_package(path)
    problems = list(package.issues)
    tables: dict[str, pd.DataFrame] = {}
    for name in package.resources:
        typed = read_typed(package, name)
        problems += typed.issues
        frame = typed.frame
        for f in typed.schema.fields:
            if f.enum is not None:
                text = frame[f.name]
                frame[f.name] = text.astype(f.pandas_dtype())
                lost = (text.notna() & frame[f.name].isna()).to_numpy()
                problems += [Issue("enum-value", enum_message(v, f), name, int(line), f.name, v)
                             for line, v in zip(typed.lines[lost], text[lost], strict=True)]
        tables[name] = frame
    if problems and errors == "raise":
        raise InvalidDataError(problems)
    return Timeline(package, tables)


def validate(path: str | os.PathLike[str] | None = None, *, today: dt.date | None = None) -> Report:
    """Validate the package at path (default: ./datapackage.json, else the bundled data); never raises on bad data."""
    from karabakh_timeline.check.validator import validate as run  # imported on first use: pandera is slow to import

    return run(path, today=today)


def schemas(references: Timeline | None = None) -> dict:
    """pandera DataFrameSchemas compiled from the Table Schemas, keyed by table name.

    Foreign keys within a table are always checked; pass a loaded Timeline (e.g. kt.load()) to
    check foreign keys into its tables too.
    """
    from karabakh_timeline.schema.pandera_compiler import compile_schema

    package = references.package if references is not None else open_package()
    frames = references.tables if references is not None else None
    return {name: compile_schema(r.schema, references=frames) for name, r in package.resources.items()}
