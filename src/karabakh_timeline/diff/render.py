"""Rendering a diff result as text (terminal), markdown (pull requests, release notes) or JSON (stable, documented)."""
from __future__ import annotations

import json
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape

from karabakh_timeline.diff.inputs import Side
from karabakh_timeline.diff.kinds import Change
from karabakh_timeline.diff.result import DiffResult, TableDiff
from karabakh_timeline.diff.rows import RowRecord
from karabakh_timeline.support.files import dumps
from karabakh_timeline.support.text import display_path, plural

FORMATS = ("text", "markdown", "json")
MARKDOWN_LIMIT = 60_000  # characters: GitHub comments take 65,536, job summaries 1 MiB per step
_MARKDOWN_ISSUES = 20  # issues listed in markdown before "N more issues"
_SHOWN = 300  # characters of a value shown in text and markdown (JSON has it whole)


# --- JSON ------------------------------------------------------------------------------------


def _side(side: Side, version: str | None) -> dict[str, Any]:
    shown = display_path(side.descriptor) if side.kind in ("path", "working tree") else None
    return {"source": side.label, "kind": side.kind, "revision": side.revision, "descriptor": shown, "version": version}


def _change(c: Change) -> dict[str, Any]:
    return {"kind": c.kind, "level": c.level, "table": c.table, "field": c.field, "attribute": c.attribute, "old": c.old, "new": c.new, "message": c.message}


def _table(t: TableDiff) -> dict[str, Any]:
    return {"status": t.status, "key": list(t.key),
            "rows": {"old": t.old_rows, "new": t.new_rows, "added": t.rows_added, "removed": t.rows_removed, "changed": len(t.changed),
                     "unchanged": t.unchanged},
            "fields_changed": t.fields_changed, "schema": [_change(c) for c in t.schema], "note": t.note}


def to_json_dict(result: DiffResult) -> dict[str, Any]:
    """The documented JSON form of a diff: stable keys; rows in table order, then by key."""
    tables = result.tables.values()
    check = result.version_check()
    return {
        "old": _side(result.old, result.old_version),
        "new": _side(result.new, result.new_version),
        "differs": result.differs,
        "verdict": result.verdict,
        "reasons": result.verdict_reasons(),
        "version": {"old": check.old, "new": check.new, "bump": check.bump, "required": check.required, "sufficient": check.sufficient,
                    "message": check.message},
        "summary": result.summary(),
        "metadata": [_change(c) for c in result.metadata],
        "tables": {t.name: _table(t) for t in tables},
        "added": [{"table": r.table, "key": r.key, "values": r.values} for t in tables for r in t.added],
        "removed": [{"table": r.table, "key": r.key, "values": r.values} for t in tables for r in t.removed],
        "changed": [{"table": r.table, "key": r.key, "changes": [{"field": f, "old": o, "new": n} for f, o, n in r.changes]}
                    for t in tables for r in t.changed],
        "issues": [i.to_dict() for i in result.issues],
        "warnings": [i.to_dict() for i in result.warnings],
    }


def render_json(result: DiffResult, out: TextIO) -> None:
    """The diff as documented JSON (indent 2, UTF-8 unescaped)."""
    out.write(dumps(to_json_dict(result)))


def check_message(result: DiffResult) -> str:
    """What --check-version says: passed or failed, the bump needed and why (the reasons at the verdict's level)."""
    check = result.version_check()
    ok = check.sufficient and not result.errors
    lines = [f"version check {'passed' if ok else 'failed'}: {check.message}"]
    lines += [f"  {check.required}: {reason}" for reason in result.verdict_reasons()]
    if result.errors:
        counts = {c: sum(i.code == c for i in result.errors) for c in sorted({i.code for i in result.errors})}
        lines.append("  errors: " + ", ".join(f"{n} {c}" for c, n in counts.items()) + " (see the report)")
    return "\n".join(lines)


# --- shared wording --------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A value as a reader sees it: strings quoted, missing as 'empty', long text cut."""
    if value is None:
        return "empty"
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (str, list, dict)) else str(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + f"… ({len(text):,} characters)"


def _key(key: dict[str, Any]) -> str:
    return ", ".join(str(v) for v in key.values())


def _row(r: RowRecord) -> str:
    """An added or removed row: its key, or, without one (an unkeyed table, an empty key), its whole row."""
    if not r.whole:
        return _key(r.key)
    cells = {**r.key, **r.values}
    text = ", ".join("" if v is None else str(v) for v in cells.values())
    return text if len(text) <= _SHOWN else text[:_SHOWN] + f"… ({len(text):,} characters)"


def _describe(side: Side, version: str | None) -> str:
    where = {"git": f"git {(side.revision or '')[:12]}", "zip": "zip", "path": display_path(side.descriptor),
             "working tree": display_path(side.descriptor)}[side.kind]
    label = side.label if side.kind != "path" else ""
    return " ".join(p for p in (label, f"({where}, version {version or '?'})") if p)


def _counts(t: TableDiff) -> list[str]:
    if t.status == "unreadable":
        return ["not compared: unreadable"]
    if t.status in ("added", "removed"):
        rows = t.new_rows if t.status == "added" else t.old_rows
        return [f"table {t.status}", f"{rows or 0:,} rows"]
    parts = [f"{n:,} {what}" for n, what in ((t.rows_added, "added"), (t.rows_removed, "removed"), (len(t.changed), "changed")) if n]
    if t.schema:
        parts.append(plural(len(t.schema), "schema change"))
    return parts or ["no changes"]


# --- text ------------------------------------------------------------------------------------


_COLOURS = {"major": "red", "minor": "yellow", "patch": "cyan", "none": "dim"}


def render_text(result: DiffResult, out: TextIO) -> None:
    """Summary first (sides, verdict, version check, counts per table), then each table's changes; colours only on a terminal."""
    console = Console(file=out, highlight=False, soft_wrap=True)
    say = console.print
    say(f"OLD {escape(_describe(result.old, result.old_version))}")
    say(f"NEW {escape(_describe(result.new, result.new_version))}")
    if not result.differs:
        say("[green]no differences[/green]")
    verdict = result.verdict
    say(f"verdict: [bold {_COLOURS[verdict]}]{verdict}[/]")
    for reason in result.verdict_reasons():
        say(f"  {escape(reason)}")
    check = result.version_check()
    say(f"[{'green' if check.sufficient else 'red'}]{escape(check.message)}[/]")
    if result.errors:
        say(f"[red]{plural(len(result.errors), 'error')}[/red]: "
            + ", ".join(f"{sum(i.code == c for i in result.errors)} {c}" for c in sorted({i.code for i in result.errors})))
    width = max([len(n) for n in result.tables] + [5])
    say("")
    say(f"{'table':<{width}}  {'added':>8}  {'removed':>8}  {'changed':>8}  {'unchanged':>9}  schema")
    for t in result.tables.values():
        say(f"{escape(t.name):<{width}}  {t.rows_added:>8,}  {t.rows_removed:>8,}  {len(t.changed):>8,}  {t.unchanged:>9,}  "
            + (escape(t.status) if t.status in ("added", "removed", "unreadable") else str(len(t.schema))))
    if result.metadata:
        say("\n[bold]package[/bold]")
        for c in result.metadata:
            say(f"  [{_COLOURS[c.level]}]{c.level:<5}[/]  {escape(c.attribute or '')}: {escape(_show(c.old))} -> {escape(_show(c.new))}")
    for t in result.tables.values():
        if t.status == "unchanged" and not t.note:
            continue
        say(f"\n[bold]{escape(t.name)}[/bold]  ({escape(', '.join(_counts(t)))}; key {escape(', '.join(t.key) or '-')})")
        if t.note:
            say(f"  {escape(t.note)}")
        for c in t.schema:
            say(f"  [{_COLOURS[c.level]}]{c.level:<5}[/]  {escape(c.message)}")
        for r in t.added:
            say(f"  [green]+ {escape(_row(r))}[/green]")
        for r in t.removed:
            say(f"  [red]- {escape(_row(r))}[/red]")
        for row in t.changed:
            say(f"  [yellow]~ {escape(_key(row.key))}[/yellow]")
            for f, o, n in row.changes:
                say(f"      {escape(f)}: {escape(_show(o))} -> {escape(_show(n))}")
    for title, issues in (("issues", result.issues), ("warnings", result.warnings)):
        if issues:
            say(f"\n[bold]{title}[/bold]")
            for i in issues:
                colour = "red" if i.severity == "error" else "yellow"
                where = " ".join(str(p) for p in (i.table, f"line {i.line}" if i.line else None, i.field) if p)
                say(f"  [{colour}]{i.severity}[/]  {i.code}  {escape(where)}: {escape(i.message)}")


# --- markdown --------------------------------------------------------------------------------


def _md(value: Any, raw: bool = False) -> str:
    """Text safe in markdown and inside a table cell: no HTML, line breaks as <br>, markup characters escaped.

    raw strings are shown as they are; anything else as _show() does (strings quoted, missing as 'empty').
    """
    text = value if raw and isinstance(value, str) else _show(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "").replace("\n", "<br>")
    for char in "\\`*_[]|~#":
        text = text.replace(char, "\\" + char)
    return text


def render_markdown(result: DiffResult, out: TextIO, limit: int = MARKDOWN_LIMIT) -> None:
    """A summary table of all tables, then each table's details in a <details> block; cut at about limit characters."""
    head = [f"## Data changes: {_md(_describe(result.old, result.old_version), True)} → {_md(_describe(result.new, result.new_version), True)}", ""]
    verdict = result.verdict
    reasons = "; ".join(result.verdict_reasons())
    head.append(f"**Verdict: {verdict}**" + (f" — {_md(reasons, True)}" if reasons else (" — no differences" if not result.differs else "")))
    head += ["", f"**Version:** {_md(result.version_check().message, True)}", ""]
    if result.errors:
        head.append(f"**{plural(len(result.errors), 'error')}:**")
        head.append("")
        for i in result.errors[:_MARKDOWN_ISSUES]:
            head.append(f"- `{i.code}` {_md(i.table or '', True)} {_md(i.value or '', True)}: {_md(i.message, True)}")
        if len(result.errors) > _MARKDOWN_ISSUES:
            head.append(f"- … {len(result.errors) - _MARKDOWN_ISSUES:,} more issues (see `--format json`)")
        head.append("")
    head += ["| table | status | added | removed | changed | unchanged | schema changes |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for t in result.tables.values():
        head.append(f"| {_md(t.name, True)} | {t.status} | {t.rows_added:,} | {t.rows_removed:,} | {len(t.changed):,} | {t.unchanged:,} | {len(t.schema):,} |")
    head.append("")
    if result.metadata:
        head += ["| package property | old | new | bump |", "| --- | --- | --- | --- |"]
        head += [f"| {_md(c.attribute or '', True)} | {_md(c.old)} | {_md(c.new)} | {c.level} |" for c in result.metadata]
        head.append("")
    text = "\n".join(head) + "\n"
    budget = limit - len(text) - 400  # room for closing tags and the "more changes" line
    blocks: list[str] = []
    hidden = 0
    for t in result.tables.values():
        if t.status == "unchanged" and not t.note:
            continue
        units = _details_units(t)
        opening = f"<details><summary><b>{_md(t.name, True)}</b>: {_md(', '.join(_counts(t)), True)}</summary>\n"
        if hidden or budget < len(opening) + 20:
            hidden += sum(1 for u in units if u[1])
            continue
        budget -= len(opening) + len("\n</details>\n")
        lines = [opening]
        for line, counted in units:
            if hidden or len(line) + 1 > budget:
                hidden += counted
                continue
            lines.append(line)
            budget -= len(line) + 1
        blocks.append("\n".join(lines) + "\n\n</details>\n")
    text += "\n".join(blocks)
    if hidden:
        text += f"\n**… {hidden:,} more changes not shown** (the comment would be too long); run `karabakh-timeline diff --format json` for all of them.\n"
    out.write(text)


def _details_units(t: TableDiff) -> list[tuple[str, int]]:
    """The lines of a table's details, each with the number of changes it shows (0 for headings)."""
    units: list[tuple[str, int]] = []
    if t.note:
        units.append((f"\n{_md(t.note, True)}\n", 0))
    if t.schema:
        units += [("\n| schema change | bump |\n| --- | --- |", 0)] + [(f"| {_md(c.message, True)} | {c.level} |", 1) for c in t.schema]
    for title, rows in (("Added", t.added), ("Removed", t.removed)):
        if rows:
            units += [(f"\n{title} rows ({len(rows):,}):\n", 0)] + [(f"- {_md(_row(r), True)}", 1) for r in rows]
    if t.changed:
        units.append(("\n| key | field | old | new |\n| --- | --- | --- | --- |", 0))
        for r in t.changed:
            for n, (f, old, new) in enumerate(r.changes):
                key = _md(_key(r.key), True) if n == 0 else ""
                units.append((f"| {key} | {_md(f, True)} | {_md(old)} | {_md(new)} |", 1))
    return units


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def render_diff(result: DiffResult, fmt: str, out: TextIO) -> None:
    """Render a diff result in format fmt (one of FORMATS) to out."""
    RENDERERS[fmt](result, out)
