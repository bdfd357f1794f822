"""CHANGELOG.md for releases: each release's section generated from the diff against the previous one.

A section gives the rows per table and what was added, corrected and removed, then the schema and
metadata changes; the first release says "Initial release" with its counts. Earlier sections come
from the repository's CHANGELOG.md, so the file lists every release.

A hand-written ``## Unreleased`` section at the top of the repository's CHANGELOG.md is the
narrative for users: publish moves its text to the top of the new version's section (and into
the tag's message), above the generated tables, and the Unreleased section is gone afterwards.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from karabakh_timeline.policy.versioning import SECTION, parse_version

CHANGELOG_HEADER = """# Changelog

Every release of the data package, newest first. Versions follow semantic versioning as the
Frictionless "Data Package Version" recipe applies it to data: a major release can break what
worked with the previous one (a field, table or allowed value removed, a constraint tightened), a
minor release adds (rows, fields, tables, allowed values), a patch release corrects values.
"""
UNRELEASED = re.compile(r"^## Unreleased[^\n]*\n(.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)
_GENERATED = ("Initial release.", "Compared with ")  # the first line publish writes under a version's heading
_LISTED = 30  # rows listed per table and kind; the rest are counted
_SHORT = 80  # values up to this length are shown old -> new; longer ones are "revised"


def _inline(value: Any, limit: int = 120) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _row_label(key: dict[str, Any], values: dict[str, Any]) -> str:
    ident = ", ".join(str(v) for v in key.values())
    label = next((values[f] for f in ("title", "name", "text", "url") if values.get(f)), "")
    when = values.get("date_start")
    return f"`{ident}`" + (f" ({when})" if when else "") + (f": {_inline(label)}" if label else "")


def _listed(items: list[str]) -> list[str]:
    shown = [f"- {item}" for item in items[:_LISTED]]
    return shown + ([f"- … and {len(items) - _LISTED:,} more"] if len(items) > _LISTED else [])


def changelog_section(version: str, date: dt.date, rows: dict[str, int], diff: Any = None, previous: str | None = None) -> str:
    """One release's section: counts per table; with a diff, what was added, corrected, removed and what changed in the schemas."""
    lines = [f"## {version} — {date.isoformat()}", ""]
    if diff is None:
        lines += ["Initial release.", "", "| table | rows |", "| --- | ---: |"] + [f"| {name} | {n:,} |" for name, n in rows.items()]
        return "\n".join(lines) + "\n"
    verdict = diff.verdict
    lines += [f"Compared with {previous}: " + (f"a {verdict} release." if verdict != "none" else "no changes to the data or schemas."), "",
              "| table | rows | added | removed | changed |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, t in diff.tables.items():
        now = rows.get(name, t.new_rows if t.new_rows is not None else 0) if t.status != "removed" else 0
        lines.append(f"| {name}{' (new)' if t.status == 'added' else ' (removed)' if t.status == 'removed' else ''} | {now:,} | "
                     f"{t.rows_added:,} | {t.rows_removed:,} | {len(t.changed):,} |")
    parts: dict[str, list[str]] = {"Added": [], "Corrected": [], "Removed": []}
    for t in diff.tables.values():
        if t.status in ("added", "removed"):
            continue
        parts["Added"] += [f"{t.name} {_row_label(r.key, r.values)}" for r in t.added]
        parts["Removed"] += [f"{t.name} {_row_label(r.key, r.values)}" for r in t.removed]
        for change in t.changed:
            what = [f"{f} {_inline(o)} → {_inline(n)}" if len(str(o)) <= _SHORT and len(str(n)) <= _SHORT else f"{f} revised"
                    for f, o, n in change.changes]
            parts["Corrected"].append(f"{t.name} `{', '.join(str(v) for v in change.key.values())}`: {'; '.join(what)}")
    schema = [c.message for c in diff.metadata if c.attribute != "version"]
    schema += [f"{t.name}: {c.message}" for t in diff.tables.values() for c in t.schema]
    for title, items in [*parts.items(), ("Schema and metadata", schema)]:
        if items:
            lines += ["", f"### {title}", ""] + _listed(items)
    return "\n".join(lines) + "\n"


def changelog(section: str, version: str, existing: str = "") -> str:
    """The whole CHANGELOG.md: this release's section, then the sections of earlier versions from existing."""
    current = parse_version(version)
    found = list(SECTION.finditer(existing))
    older = []
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(existing)
        number = tuple(map(int, match.groups()))
        if current is None or number < current:  # a rebuild replaces its own section; later releases are not part of this one
            older.append((number, existing[match.start():end].strip("\n") + "\n"))
    return "\n".join([CHANGELOG_HEADER, section, *(text for _, text in sorted(older, reverse=True))])


def unreleased(existing: str) -> str:
    """The text of the hand-written "## Unreleased" section ('' when there is none or it is empty)."""
    found = UNRELEASED.search(existing)
    return found.group(1).strip() if found else ""


def _narrative_of(existing: str, version: str) -> str:
    """The narrative already in this version's section (a rebuild keeps it once the Unreleased section is gone)."""
    found = re.search(rf"^## {re.escape(version)} — [^\n]*\n(.*?)(?=^## |\Z)", existing, re.MULTILINE | re.DOTALL)
    if not found:
        return ""
    lines = found.group(1).strip("\n").splitlines()
    generated = next((i for i, line in enumerate(lines) if line.startswith(_GENERATED)), len(lines))
    return "\n".join(lines[:generated]).strip()


def with_narrative(section: str, version: str, existing: str) -> str:
    """The section with the Unreleased narrative (or, on a rebuild, this version's earlier one) under its heading."""
    narrative = unreleased(existing) or _narrative_of(existing, version)
    if not narrative:
        return section
    heading, _, rest = section.partition("\n\n")
    return f"{heading}\n\n{narrative}\n\n{rest}"
