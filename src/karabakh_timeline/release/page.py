"""index.html: one self-contained, offline page that shows the timeline (no CDN, no network).

The data travels as JSON in a <script type="application/json"> block with '<', '>' and '&' escaped;
the page's script builds the DOM with textContent only, and a Content-Security-Policy admits only
that script (by its hash), so no value from the data can ever run as code.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
from importlib import resources
from typing import Any

import pyarrow as pa

from karabakh_timeline.policy.trust import corroboration_of_arrow, describe

_TOKEN = re.compile(r"\{\{ (\w+) \}\}")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
CONTESTED = ("party_claim", "disputed")


def _template(name: str) -> str:
    return resources.files("karabakh_timeline").joinpath("templates", name).read_text(encoding="utf-8")


def label(value: str) -> str:
    """A human label for an enum value: negotiation_meeting -> Negotiation meeting."""
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


def _day(d: dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def when(start: dt.date, end: dt.date | None, precision: str, edtf: str = "") -> str:
    """A date as people read it, from its start, end and precision: 27 September – 10 November 2020."""
    month = f"{_MONTHS[start.month - 1]} {start.year}"
    if edtf.endswith("/.."):
        text = "from " + (_day(start) if precision == "day" else month if precision == "month" else str(start.year))
    elif precision == "year":
        text = str(start.year) if end is None or end.year == start.year else f"{start.year} – {end.year}"
    elif precision == "month":
        if end is None or (end.year, end.month) == (start.year, start.month):
            text = month
        elif end.year == start.year:
            text = f"{_MONTHS[start.month - 1]} – {_MONTHS[end.month - 1]} {end.year}"
        else:
            text = f"{month} – {_MONTHS[end.month - 1]} {end.year}"
    elif end is None or end == start:
        text = _day(start)
    elif end.year != start.year:
        text = f"{_day(start)} – {_day(end)}"
    elif end.month != start.month:
        text = f"{start.day} {_MONTHS[start.month - 1]} – {_day(end)}"
    else:
        text = f"{start.day}–{_day(end)}"
    if "~" in edtf or "%" in edtf:
        text = "about " + text
    if "?" in edtf:
        text += " (uncertain)"
    return text


def _rows(tables: dict[str, pa.Table], name: str) -> list[dict[str, Any]]:
    return tables[name].to_pylist() if name in tables else []


def _fatalities(event: dict[str, Any]) -> str:
    best, low, high = event.get("fatalities_best"), event.get("fatalities_low"), event.get("fatalities_high")
    parts = []
    if best is not None:
        parts.append(f"{best:,}")
    if low is not None or high is not None:
        span = f"{low:,}" if low is not None else "?"
        span += f"–{high:,}" if high is not None and high != low else ""
        parts.append(f"reported {span}" if parts else span)
    return " (".join(parts) + (")" if len(parts) == 2 else "")


def page_data(tables: dict[str, pa.Table], descriptor: dict[str, Any], roles: list[str]) -> dict[str, Any]:
    """Everything the page shows, as plain JSON: events in date order with actors, sources and statements."""
    places = {r["place_id"]: r for r in _rows(tables, "places")}
    actors = {r["actor_id"]: r for r in _rows(tables, "actors")}
    sources = {r["source_id"]: r for r in _rows(tables, "sources")}
    publishers = {r["publisher_id"]: r for r in _rows(tables, "publishers")}
    corr = corroboration_of_arrow(tables) if "publishers" in tables else None
    event_actors: dict[str, list[tuple[str, str]]] = {}
    for r in _rows(tables, "event_actors"):
        event_actors.setdefault(r["event_id"], []).append((r["role"], r["actor_id"]))
    event_sources: dict[str, list[str]] = {}
    for r in _rows(tables, "event_sources"):
        event_sources.setdefault(r["event_id"], []).append(r["source_id"])
    statements: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(_rows(tables, "statements"), key=lambda s: (s["date_start"], s["statement_id"])):
        if r.get("event_id"):
            statements.setdefault(r["event_id"], []).append(r)

    def source(source_id: str) -> dict[str, str]:
        s = sources.get(source_id, {})
        date = s.get("published_date")
        pub = (publishers.get(s.get("publisher_id")) or {}).get("name") or ""
        original = (publishers.get(s.get("original_publisher_id")) or {}).get("name") or ""
        return {"title": s.get("title") or source_id, "url": s.get("url") or "",
                "publisher": f"{pub} (from {original})" if original else pub, "date": _day(date) if date else ""}

    def actor_name(actor_id: str | None) -> str:
        return (actors.get(actor_id) or {}).get("name") or (actor_id or "")

    role_order = {role: i for i, role in enumerate(roles)}

    def by_role(pair: tuple[str, str]) -> tuple[int, str, str]:
        return role_order.get(pair[0], len(role_order)), actor_name(pair[1]).casefold(), pair[1]

    events = []
    for e in sorted(_rows(tables, "events"), key=lambda e: (e["date_start"], e["date_end"] or e["date_start"], e["event_id"])):
        key = e["event_id"]
        place = places.get(e.get("place_id")) or {}
        events.append({
            "id": key,
            "title": e["title"],
            "summary": e.get("summary") or "",
            "type": e["event_type"],
            "verification": e["verification"],
            "corroboration": describe(corr.loc[key]) if corr is not None else "",
            "when": when(e["date_start"], e.get("date_end"), e["date_precision"], e.get("date_edtf") or ""),
            "edtf": e.get("date_edtf") or "",
            "year": e["date_start"].year,
            "place": place.get("name") or "",
            "fatalities": _fatalities(e),
            "notes": e.get("notes") or "",
            "actors": [[role, a] for role, a in sorted(event_actors.get(key, []), key=by_role)],
            "sources": [source(s) for s in sorted(event_sources.get(key, []))],
            "statements": [{
                "id": s["statement_id"],
                "when": when(s["date_start"], s.get("date_end"), s["date_precision"], s.get("date_edtf") or ""),
                "speaker": actor_name(s["speaker_id"]),
                "behalf": actor_name(s["on_behalf_of_id"]) if s.get("on_behalf_of_id") not in (None, s["speaker_id"]) else "",
                "act": s["speech_act"],
                "kind": s["text_kind"],
                "text": s["text"],
                "source": source(s["source_id"]),
            } for s in statements.get(key, [])],
        })
    used = sorted({a for e in events for _, a in e["actors"]}, key=lambda a: (actor_name(a).casefold(), a))
    licence = next(iter(descriptor.get("licenses") or []), {})
    return {
        "title": descriptor.get("title") or descriptor.get("name") or "Timeline",
        "version": descriptor.get("version") or "",
        "created": (descriptor.get("created") or "")[:10],
        "licence": licence.get("name") or "",
        "types": [[t, label(t)] for t in _enum(tables, "events", "event_type")],
        "roles": [[r, label(r)] for r in roles],
        "verification": [[v, label(v)] for v in _enum(tables, "events", "verification")],
        "actors": {a: actor_name(a) for a in used},
        "counts": {"statements": sum(len(e["statements"]) for e in events), "sources": len(sources)},
        "events": events,
    }


def _enum(tables: dict[str, pa.Table], table: str, column: str) -> list[str]:
    if table not in tables:
        return []
    kind = tables[table].schema.field(column).type
    if pa.types.is_dictionary(kind):
        return [str(v) for v in tables[table].column(column).chunk(0).dictionary.to_pylist()] if tables[table].num_rows else []
    return sorted({str(v) for v in tables[table].column(column).to_pylist() if v is not None})


def embed_json(data: Any) -> str:
    """JSON safe inside a <script> element: '<', '>' and '&' escaped, so no value can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace {{ name }} tokens in one pass, so inserted text is never scanned for tokens again."""
    return _TOKEN.sub(lambda m: values[m.group(1)], template)


def render_page(tables: dict[str, pa.Table], descriptor: dict[str, Any], roles: list[str]) -> str:
    """The complete index.html for a release."""
    data = page_data(tables, descriptor, roles)
    script = _template("page.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    description = descriptor.get("description") or ""
    return _fill(_template("index.html"), {
        "title": html.escape(data["title"]),
        "version": html.escape(data["version"]),
        "description": html.escape(description),
        "csp": html.escape(csp, quote=False).replace("\"", "&quot;"),
        "css": _template("page.css"),
        "data": embed_json(data),
        "script": script,
    })
