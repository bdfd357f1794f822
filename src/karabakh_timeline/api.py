"""The public API: load() the dataset as typed frames, validate() it, compile its schemas() for pandera.

``import karabakh_timeline as kt`` re-exports these; the CLI calls them too.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from karabakh_timeline.diff.inputs import _from_zip as extract_zip
from karabakh_timeline.policy.profile import active_profile, keep
from karabakh_timeline.read.cells import enum_message
from karabakh_timeline.read.timeline import InvalidDataError, Timeline
from karabakh_timeline.read.typed import read_typed
from karabakh_timeline.release.event_view import event_frame
from karabakh_timeline.schema.descriptor import Package, bundled_descriptor, open_package
from karabakh_timeline.vocabulary.issues import Issue

if TYPE_CHECKING:
    import datetime as dt

    from karabakh_timeline.vocabulary.issues import Report


def _is_zip(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return p.is_file() and (p.suffix.lower() == ".zip" or zipfile.is_zipfile(p))


def _event_view(timeline: Timeline) -> pd.DataFrame:
    return event_frame(timeline.tables, {name: r.schema for name, r in timeline.package.resources.items()})


def load(path: str | os.PathLike[str] | None = None, *, errors: str = "raise") -> Timeline:
    """Load the dataset as typed frames: the bundled data, or the package at path (a directory, its datapackage.json, or a release zip).

    Without a path this is always the data shipped with the package, wherever it runs. Dates are
    datetime64, enums categorical with the schema's levels, integers Int64, numbers Float64, text
    string[pyarrow]. errors="raise" refuses data that cannot be typed faithfully;
    errors="coerce" turns such cells into missing values. A zip is read into memory and its
    extracted copy removed.

    >>> import karabakh_timeline as kt
    >>> tl = kt.load()
    >>> tl.package.version == kt.load(tl.package.descriptor_path).package.version
    True
    >>> tl.events.index
    RangeIndex(start=0, stop=..., step=1)
    """
    if errors not in ("raise", "coerce"):
        raise ValueError("errors must be 'raise' or 'coerce'")
    if path is not None and _is_zip(path):
        with tempfile.TemporaryDirectory(prefix="karabakh-timeline-load-") as scratch:
            return _load(open_package(extract_zip(Path(path), Path(scratch))), errors)
    return _load(open_package(bundled_descriptor() if path is None else path), errors)


def _load(package: Package, errors: str) -> Timeline:
    profile, problems = active_profile(package.descriptor)
    problems += package.issues
    tables: dict[str, pd.DataFrame] = {}
    for name in package.resources:
        typed = read_typed(package, name)
        problems += typed.issues
        frame = typed.frame
        for f in typed.schema.fields:
            if f.allowed is not None and f.type == "string":  # an enum or v2 categories: a categorical column
                text, dtype = frame[f.name], f.pandas_dtype()
                lost = (text.notna() & ~text.isin(list(dtype.categories))).to_numpy(dtype=bool)
                frame[f.name] = text.where(~lost).astype(dtype)  # a value outside the categories is reported, then NA
                problems += [Issue("enum-value", enum_message(v, f), name, int(line), f.name, v)
                             for line, v in zip(typed.lines[lost], text[lost], strict=True)]
        tables[name] = frame
    problems = keep(problems, profile)  # a CRLF file or a BOM is the timeline's rule, not a reason to refuse another package
    if problems and errors == "raise":
        raise InvalidDataError(problems)
    return Timeline(package, tables, joiner=_event_view)


def validate(path: str | os.PathLike[str] | None = None, *, today: dt.date | None = None, profile: str | None = None) -> Report:
    """Validate the package at path (default: the bundled data); never raises on bad data.

    profile ("timeline" or "none") overrides the validationProfile the descriptor declares.

    >>> import karabakh_timeline as kt
    >>> report = kt.validate()
    >>> report.errors
    []
    """
    from karabakh_timeline.check.validator import validate as run  # imported on first use: pandera is slow to import

    return run(bundled_descriptor() if path is None else path, today=today, profile=profile)


def schemas(references: Timeline | None = None) -> dict:
    """pandera DataFrameSchemas compiled from the Table Schemas, keyed by table name.

    Foreign keys within a table are always checked; pass a loaded Timeline (e.g. kt.load()) to
    check foreign keys into its tables too.

    >>> import karabakh_timeline as kt
    >>> tl = kt.load()
    >>> checked = kt.schemas(tl)["events"].validate(tl.events, lazy=True)
    >>> len(checked) == len(tl.events)
    True
    """
    from karabakh_timeline.schema.pandera_compiler import compile_schema

    package = references.package if references is not None else open_package(bundled_descriptor())
    frames = references.tables if references is not None else None
    return {name: compile_schema(r.schema, references=frames) for name, r in package.resources.items()}
