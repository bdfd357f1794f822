"""Canonical CSV: schema column order, rows sorted by primary key, UTF-8 without BOM, LF, minimal
quoting, Unicode NFC. Formatting never changes a value in any other way and never drops a row or
a column; formatting twice changes nothing.
"""
from __future__ import annotations

import csv
import io
import os
import unicodedata
from dataclasses import dataclass, field

from karabakh_timeline.read.csv_file import read_records
from karabakh_timeline.schema.descriptor import Resource, open_package, writable
from karabakh_timeline.schema.table_schema import TableSchema
from karabakh_timeline.schema.types import type_info
from karabakh_timeline.support.files import BOM, Fingerprint, fingerprint, read_once, replace_if_unchanged
from karabakh_timeline.support.progress import task
from karabakh_timeline.vocabulary.issues import Issue


@dataclass
class FormatResult:
    """What formatting found: files that change (or would), and files it refused to touch."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[Issue] = field(default_factory=list)
    written_before_refusal: bool = False  # a file changed in the instant before its replacement; the others were written


def _sort_key(schema: TableSchema, positions: list[int]):
    numeric = [type_info(schema.field(name).type).numeric for name in schema.primary_key]

    def key(row: list[str]) -> tuple:
        parts = []
        for is_number, i in zip(numeric, positions, strict=True):
            value = row[i]
            if is_number:
                try:
                    parts.append((0, float(value), ""))
                    continue
                except ValueError:
                    pass
            parts.append((1, 0.0, value))
        return tuple(parts)

    return key


def _header_issues(name: str, header: list[str], schema: TableSchema) -> list[Issue]:
    """A header that format cannot put in order without guessing: a column twice, or a schema field missing (renamed?)."""
    issues = [Issue("duplicate-header", f"column {n!r} appears twice in the header; format cannot order it", name, 1, n)
              for i, n in enumerate(header) if n in header[:i]]
    issues += [Issue("missing-column", f"field {n!r} of the schema has no column in the header; format would move the unknown "
                     "columns to the end, so it refuses", name, 1, n) for n in schema.field_names if n not in header]
    return issues


def canonical_bytes(resource: Resource, data: bytes) -> tuple[bytes | None, list[Issue]]:
    """The canonical form of one CSV file's bytes, or None and the reasons it cannot be parsed."""
    name = resource.name
    data = data.removeprefix(BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [Issue("encoding-error", f"byte 0x{data[exc.start]:02x} is not valid UTF-8; fix the encoding first", name, line)]
    records, issues = read_records(name, text)
    rows = [[unicodedata.normalize("NFC", value) for value in record] for _, record in records]
    if issues:
        return None, issues
    if not rows:
        return b"", []
    header, body = rows[0], list(rows[1:])
    blank = [i for i, r in enumerate(body) if not r]  # a blank line: kept as an all-empty row
    for i in blank:
        body[i] = [""] * len(header)
    schema = resource.schema
    broken = _header_issues(name, header, schema)
    if broken:
        return None, broken
    order = [header.index(n) for n in schema.field_names if n in header]
    order += [i for i, n in enumerate(header) if i not in order]  # columns the schema lacks stay, at the end
    header = [header[i] for i in order]
    body = [[r[i] for i in order] for r in body]
    if all(k in header for k in schema.primary_key) and schema.primary_key:
        body.sort(key=_sort_key(schema, [header.index(k) for k in schema.primary_key]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode("utf-8"), []


def _link_issue(resource: Resource) -> Issue | None:
    """Refuse to replace a symlink or a hard-linked file: replacing would cut the link silently."""
    if resource.path.is_symlink():
        return Issue("file-linked", f"{resource.relpath} is a symlink; format would replace the link by a copy, so it refuses",
                     resource.name, value=resource.relpath)
    if resource.path.stat().st_nlink > 1:
        return Issue("file-linked", f"{resource.relpath} has other hard links; format would break them, so it refuses",
                     resource.name, value=resource.relpath)
    return None


def _changed_issue(resource: Resource) -> Issue:
    return Issue("file-changed", f"{resource.relpath} changed on disk while format ran; run format again", resource.name,
                 value=resource.relpath)


def format_package(path: str | os.PathLike[str] | None = None, *, check: bool = False) -> FormatResult:
    """Rewrite every resource's CSV canonically (or, with check, only report what would change).

    Files are written only when every file parsed; each is replaced atomically, and only if it is still
    what was read (size, mtime and hash): an edit saved meanwhile is never lost.
    """
    package = open_package(path) if check else open_package(writable(path))
    result = FormatResult(refused=list(package.issues))
    pending: list[tuple[Resource, bytes, Fingerprint]] = []
    bar = task("Checking the format" if check else "Formatting", len(package.resources))
    for resource in package.resources.values():
        bar.advance(resource.name)
        if not resource.plain:  # inline, compressed, another encoding or dialect: canonical CSV would change what the descriptor says
            result.refused.append(Issue("unsupported-feature", f"{resource.name}: format rewrites plain UTF-8 CSV files only (this resource "
                                        "is inline, compressed, in another encoding or dialect)", resource.name, value=resource.relpath))
            continue
        try:
            data, seen = read_once(resource.path)
        except OSError as exc:
            result.refused.append(Issue("file-unreadable", f"cannot read {resource.relpath}: {exc.strerror}", resource.name))
            continue
        new, issues = canonical_bytes(resource, data)
        if issues:
            result.refused += issues
            continue
        listed = result.changed if new != data else result.unchanged
        listed.append(resource.relpath)
        if new is not None and new != data:
            link = None if check else _link_issue(resource)
            if link is not None:
                result.refused.append(link)
            pending.append((resource, new, seen))
    if check or result.refused:
        return result
    result.refused += [_changed_issue(r) for r, _, seen in pending if fingerprint(r.path) != seen]
    if result.refused:
        return result
    for resource, data, seen in pending:
        if not replace_if_unchanged(resource.path, data, seen, resource.path.stat().st_mode & 0o777):
            result.refused.append(_changed_issue(resource))
            result.changed.remove(resource.relpath)
            result.written_before_refusal = True
    return result
