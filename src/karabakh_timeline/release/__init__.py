"""Releasing: publish (checks and the build), its contents, exports, the offline page, the joined event view, the changelog, serve.

Add an export in exports.py or formats.py (write_exports); the page, the flat CSV and GeoJSON read events through event_view;
Datasette metadata and full-text indexes in datasette.py, the serve command in serve.py.
"""
