"""Releasing: publish (checks and the build), its contents, exports, the offline page, the joined event view, the changelog.

Add an export in exports.py (write_exports); the page and the flat CSV read events through event_view.
"""
