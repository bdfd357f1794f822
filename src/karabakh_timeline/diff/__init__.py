"""Comparing two versions of the package: inputs (directory, zip, git revision), rows, schema and
metadata changes (each of a registered kind), the result with its semver verdict, and its rendering.
"""
