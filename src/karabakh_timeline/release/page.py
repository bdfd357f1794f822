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
from typing import Any

from karabakh_timeline.policy.trust import CONFIRMED, CONTESTED_VERIFICATIONS, PARAPHRASE
from karabakh_timeline.release.assets import fill, template
from karabakh_timeline.release.event_view import EventView, enum_of
from karabakh_timeline.release.page_map import place_counts, render_map

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


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


def enum_descriptions(description: str, values: list[str]) -> dict[str, str]:
    """What a field's description says of each enum value, written as "value (what it means)"."""
    out = {}
    for value in values:
        found = re.search(rf"(?<![\w]){re.escape(value)} \(([^)]*)\)", description)
        out[value] = found.group(1) if found else ""
    return out


def _choices(view: EventView, table: str, name: str) -> list[list[str]]:
    """[value, label, description] for each allowed value of a field, from its schema."""
    values = enum_of(view.schemas, table, name)
    schema = view.schemas.get(table)
    described = enum_descriptions(schema.field(name).description if schema and values else "", values)
    return [[v, label(v), described[v]] for v in values]


def page_data(view: EventView, descriptor: dict[str, Any]) -> dict[str, Any]:
    """Everything the page shows, as plain JSON: events in date order with actors, sources and statements,
    and the enums with their labels and descriptions from the schemas (the script restates none of them)."""

    def source(source_id: str) -> dict[str, str]:
        s = view.sources.get(source_id, {})
        date = s.get("published_date")
        pub, original = view.publisher_name(s.get("publisher_id")), view.publisher_name(s.get("original_publisher_id"))
        return {"title": s.get("title") or source_id, "url": s.get("url") or "",
                "publisher": f"{pub} (from {original})" if original else pub, "date": _day(date) if date else ""}

    role_order = {role: i for i, role in enumerate(view.roles)}

    def by_role(pair: tuple[str, str]) -> tuple[int, str, str]:
        return role_order.get(pair[0], len(role_order)), view.actor_name(pair[1]).casefold(), pair[1]

    def statement(s: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": s["statement_id"],
            "when": when(s["date_start"], s.get("date_end"), s["date_precision"], s.get("date_edtf") or ""),
            "speaker": view.actor_name(s["speaker_id"]),
            "behalf": view.actor_name(s["on_behalf_of_id"]) if s.get("on_behalf_of_id") not in (None, s["speaker_id"]) else "",
            "act": s["speech_act"],
            "kind": s["text_kind"],
            "quoted": s["text_kind"] != PARAPHRASE,
            "text": s["text"],
            "source": source(s["source_id"]),
        }

    events = []
    for e in sorted(view.events, key=lambda e: (e["date_start"], e["date_end"] or e["date_start"], e["event_id"])):
        key = e["event_id"]
        events.append({
            "id": key,
            "title": e["title"],
            "summary": e.get("summary") or "",
            "type": e["event_type"],
            "verification": e["verification"],
            "corroboration": view.corroborated(key),
            "when": when(e["date_start"], e.get("date_end"), e["date_precision"], e.get("date_edtf") or ""),
            "edtf": e.get("date_edtf") or "",
            "year": e["date_start"].year,
            "month": f"{e['date_start'].year:04d}-{e['date_start'].month:02d}",
            "placeId": e.get("place_id") or "",
            "place": view.place_name(e.get("place_id")),
            "placeNames": view.other_names("places", e.get("place_id")),
            "fatalities": _fatalities(e),
            "notes": e.get("notes") or "",
            "actors": [[role, a] for role, a in sorted(view.event_actors.get(key, []), key=by_role)],
            "sources": [source(s) for s in view.source_ids(key)],
            "statements": [statement(s) for s in view.statements.get(key, [])],
        })
    used = sorted({a for e in events for _, a in e["actors"]}, key=lambda a: (view.actor_name(a).casefold(), a))
    licence: dict[str, Any] = next(iter(descriptor.get("licenses") or []), {})
    return {
        "title": descriptor.get("title") or descriptor.get("name") or "Timeline",
        "version": descriptor.get("version") or "",
        "created": (descriptor.get("created") or "")[:10],
        "licence": licence.get("name") or "",
        "types": [c[:2] for c in _choices(view, "events", "event_type")],
        "roles": [[r, label(r)] for r in view.roles],
        "verification": _choices(view, "events", "verification"),
        "contested": [v for v in CONTESTED_VERIFICATIONS if v in enum_of(view.schemas, "events", "verification")],
        "badged": [v for v in enum_of(view.schemas, "events", "verification") if v != CONFIRMED],
        "kinds": _choices(view, "statements", "text_kind"),
        "actors": {a: view.actor_name(a) for a in used},
        "actorNames": {a: names for a in used if (names := view.other_names("actors", a))},
        "places": {p: view.place_name(p) or p for p in sorted({e["placeId"] for e in events if e["placeId"]})},
        "counts": {"statements": sum(len(e["statements"]) for e in events) + len(view.unlinked), "sources": len(view.sources)},
        "events": events,
        "unlinked": [statement(s) for s in view.unlinked],
    }


def embed_json(data: Any) -> str:
    """JSON safe inside a <script> element: '<', '>' and '&' escaped, so no value can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(view: EventView, descriptor: dict[str, Any]) -> str:
    """The complete index.html for a release."""
    data = page_data(view, descriptor)
    script = template("page.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    description = descriptor.get("description") or ""
    return fill(template("index.html"), {
        "title": html.escape(data["title"]),
        "version": html.escape(data["version"]),
        "description": html.escape(description),
        "csp": html.escape(csp, quote=False).replace("\"", "&quot;"),
        "css": template("page.css"),
        "data": embed_json(data),
        "script": script,
        "fallback": fallback(data),
        "map": render_map(view.places, place_counts(view.events)),
    })


def fallback(data: dict[str, Any]) -> str:
    """The list as plain HTML, for a browser without JavaScript: each event's date, title, place and summary, by year."""
    parts = ['<p class="noscript-note">JavaScript is off: here is the plain list. Filters, search and sources need JavaScript; '
             'the same data is in data/*.csv and exports/ next to this file.</p>']
    year = None
    for e in data["events"]:
        if e["year"] != year:
            if year is not None:
                parts.append("</ol>")
            year = e["year"]
            parts.append(f'<h2 class="year-heading">{year}</h2><ol class="plain-list">')
        place = " · ".join([e["place"], *e["placeNames"]]) if e["place"] else ""
        parts.append(f'<li id="plain-{html.escape(e["id"])}"><p class="event-meta">{html.escape(e["when"])}'
                     + (f" · {html.escape(place)}" if place else "") + f'</p><h3 class="event-title">{html.escape(e["title"])}</h3>'
                     f'<p class="summary">{html.escape(e["summary"])}</p></li>')
    if year is not None:
        parts.append("</ol>")
    return "\n".join(parts)
