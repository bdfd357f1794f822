"""The issue vocabulary: the registry of issue codes, the Issue and Report records, the exit codes.

Every other stage speaks in these terms, so this package sits at the bottom and imports nothing
from the others (support aside).
"""
