"""Releasing: publish (checks and the build), its contents, exports, the offline page and its map, the joined event view, the changelog, serve.

Add an export in exports.py or formats.py (write_exports); the page, the flat CSV and GeoJSON read events through event_view;
Datasette metadata and full-text indexes in datasette.py, the serve command in serve.py; the page in page.py,
its map in page_map.py (outlines from templates/outlines.json, made by scripts/build_outlines.py).
"""
