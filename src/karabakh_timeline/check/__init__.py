"""Checking: the validator (one pass, one report), the timeline rules by theme (rules/), and the report's rendering.

Add a rule in rules/<theme>.py with @rule(code, needs=...) and register its code in vocabulary/codes.py.
"""
