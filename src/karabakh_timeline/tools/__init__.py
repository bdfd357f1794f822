"""Tools for contributors: canonical formatting (format), the next free ID (next_id) and dataset statistics (stats)."""
