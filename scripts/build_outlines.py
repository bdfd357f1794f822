"""Build the page map's country outlines (src/karabakh_timeline/templates/outlines.json) from Natural Earth.

The source is Natural Earth's 1:50m Admin 0 countries (public domain), as redistributed in the npm package
world-atlas 2.0.2 (TopoJSON, ISC licence). It is read with GDAL's TopoJSON driver (pyogrio), clipped to the
map's frame and simplified with shapely, and written as rounded longitude/latitude rings: a few kilobytes
that the release page embeds, so the page never fetches a tile or a file.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz      # the package, from the npm registry
    pip install pyogrio shapely
    python scripts/build_outlines.py package/countries-50m.json

Only maintainers run this (the output is committed); the page itself needs none of these tools.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pycountry
import pyogrio.raw
import shapely

OUT = Path(__file__).resolve().parents[1] / "src" / "karabakh_timeline" / "templates" / "outlines.json"
FRAME = (43.2, 38.2, 50.6, 42.2)  # west, south, east, north: Armenia, Azerbaijan and Tbilisi, with a margin
LABELLED = 0.6  # square degrees: countries with less inside the frame are drawn but not named
TOLERANCE = 0.02  # degrees (about 2 km): invisible at the page's scale
SOURCE = {
    "name": "Natural Earth 1:50m Admin 0 countries, version 4.1.0, via world-atlas 2.0.2 (countries-50m.json)",
    "licence": "Natural Earth: public domain; world-atlas packaging: ISC",
    "url": "https://www.naturalearthdata.com/",
    "note": "Boundaries as Natural Earth draws them by default; the page shows them for orientation only.",
}


def rings(geometry: shapely.Geometry) -> list[list[list[float]]]:
    """The exterior and interior rings of a (multi)polygon as [[lon, lat], ...], rounded to 0.01 degree."""
    out = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            points = [[round(x, 2), round(y, 2)] for x, y in ring.coords]
            if len(points) >= 4:
                out.append(points)
    return out


def build(topojson: Path) -> dict[str, object]:
    """The outlines of every country that reaches into the frame, clipped and simplified."""
    _meta, _fids, wkb, fields = pyogrio.raw.read(topojson, layer="countries")
    numeric, names = fields
    frame = shapely.box(*FRAME)
    countries = []
    for geometry, code, name in zip(shapely.from_wkb(wkb), numeric, names, strict=True):
        if geometry is None or not geometry.intersects(frame):
            continue
        clipped = shapely.clip_by_rect(geometry, *FRAME).simplify(TOLERANCE, preserve_topology=True)
        country = pycountry.countries.get(numeric=str(code))
        label = clipped.representative_point()
        countries.append({"code": country.alpha_3 if country else str(code), "name": str(name),
                          "label": [round(label.x, 2), round(label.y, 2)] if clipped.area >= LABELLED else None, "rings": rings(clipped)})
    countries.sort(key=lambda c: str(c["code"]))
    return {"source": SOURCE, "frame": list(FRAME), "tolerance": TOLERANCE, "countries": countries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topojson", type=Path, help="world-atlas's countries-50m.json")
    args = parser.parse_args()
    OUT.write_text(json.dumps(build(args.topojson), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
