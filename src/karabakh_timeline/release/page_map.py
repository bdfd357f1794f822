"""The page's map of places: an inline SVG of country outlines with a point per place, sized by its events.

The outlines are Natural Earth's (public domain), clipped to the frame and simplified by
scripts/build_outlines.py into templates/outlines.json, a few kilobytes embedded in the page: no tile, no
file and no library is fetched when the page is viewed. The projection is equirectangular, with longitudes
scaled by the cosine of the frame's middle latitude so that shapes are not stretched. Places outside the
frame or without coordinates are listed beside the map instead, so that every place can be chosen.
"""
from __future__ import annotations

import html
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from karabakh_timeline.release.assets import template

WIDTH = 600.0  # SVG user units; the SVG scales to its box


@dataclass(frozen=True)
class Frame:
    """The map's frame in degrees, and its projection to SVG units."""

    west: float
    south: float
    east: float
    north: float

    @property
    def scale(self) -> float:
        return WIDTH / ((self.east - self.west) * math.cos(math.radians((self.south + self.north) / 2)))

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.scale

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """SVG coordinates of a longitude and latitude."""
        factor = math.cos(math.radians((self.south + self.north) / 2))
        return (lon - self.west) * factor * self.scale, (self.north - lat) * self.scale


def outlines() -> dict[str, Any]:
    """The embedded outlines asset: its source and licence, frame and countries."""
    return json.loads(template("outlines.json"))


def radius(events: int) -> float:
    """A point's radius in SVG units: its area grows with the number of events."""
    return round(2.2 + 1.7 * math.sqrt(events), 1)


def _path(frame: Frame, rings: Iterable[list[list[float]]]) -> str:
    parts = []
    for ring in rings:
        points = [frame.xy(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def place_counts(events: Iterable[dict[str, Any]]) -> Counter[str]:
    """How many events each place has."""
    return Counter(e["place_id"] for e in events if e.get("place_id"))


def render_map(places: dict[str, dict[str, Any]], counts: Counter[str], labelled: int = 4) -> str:
    """The map panel's HTML: the SVG (outlines, points, the busiest places named) and the list of places off the map."""
    asset = outlines()
    frame = Frame(*asset["frame"])
    esc = html.escape
    svg = [f'<svg id="map" class="map" viewBox="0 0 {WIDTH:.0f} {frame.height:.0f}" role="group" '
           f'aria-label="Map of places: choose a point to show only its events">',
           '<g class="map-countries">']
    for country in asset["countries"]:
        svg.append(f'<path class="country country-{esc(country["code"].lower())}" data-country="{esc(country["code"])}" '
                   f'd="{_path(frame, country["rings"])}"><title>{esc(country["name"])}</title></path>')
    on_map: list[str] = []
    elsewhere: list[str] = []
    for key in counts:
        place = places.get(key) or {}
        lon, lat = place.get("longitude"), place.get("latitude")
        (on_map if lon is not None and lat is not None and frame.contains(lon, lat) else elsewhere).append(key)
    svg.append('</g><g class="map-points">')
    # Biggest first, so that small points are drawn on top and stay clickable.
    on_map.sort(key=lambda k: (-counts[k], k))
    for key in on_map:
        place = places[key]
        x, y = frame.xy(place["longitude"], place["latitude"])
        name = esc(place.get("name") or key)
        words = f"{name}: {counts[key]:,} event{'s' if counts[key] != 1 else ''}"
        svg.append(f'<circle class="map-point" data-place="{esc(key)}" data-events="{counts[key]}" cx="{x:.1f}" cy="{y:.1f}" '
                   f'r="{radius(counts[key])}" tabindex="0" role="button" aria-label="{words}"><title>{words}</title></circle>')
    svg.append('</g><g class="map-labels" aria-hidden="true">')
    for country in asset["countries"]:
        if country["label"]:
            x, y = frame.xy(*country["label"])
            svg.append(f'<text class="country-label" x="{x:.0f}" y="{y:.0f}">{esc(country["name"])}</text>')
    svg.append('</g><g class="map-names" aria-hidden="true">')
    for key in on_map[:labelled]:
        place = places[key]
        x, y = frame.xy(place["longitude"], place["latitude"])
        svg.append(f'<text class="place-label" x="{x + radius(counts[key]) + 3:.0f}" y="{y + 4:.0f}">{esc(place.get("name") or key)}</text>')
    svg.append("</g></svg>")
    elsewhere.sort(key=lambda k: (-counts[k], (places.get(k) or {}).get("name") or k))
    buttons = "".join(f'<button type="button" class="place-chip" data-place="{esc(k)}">{esc((places.get(k) or {}).get("name") or k)}'
                      f' <span class="n">{counts[k]:,}</span></button>' for k in elsewhere)
    off = sum((counts[k] for k in elsewhere), 0)
    source = asset["source"]
    return ("".join(svg)
            + (f'<details class="elsewhere"><summary>Elsewhere or not located: {len(elsewhere):,} places, {off:,} events</summary>'
               f'<div class="chips">{buttons}</div></details>' if elsewhere else "")
            + f'<p class="map-credit">Outlines: {esc(source["name"].split(",")[0])} ({esc(source["licence"].split(";")[0])}). '
              f'{esc(source["note"])}</p>')
