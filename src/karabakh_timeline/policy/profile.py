"""The validation profile: which rules a package gets beyond the specifications.

Every package gets the spec checks (Data Package, Table Schema, CSV Dialect). The timeline's house
rules (canonical bytes, unsafe text, country and language codes, EDTF, the timeline and trust
rules, future dates, URL schemes) run only for a package that declares them in its descriptor:

    "validationProfile": "timeline"

A custom top-level property (the Data Package spec allows them; other tools ignore it), camelCase
like the spec's own. ``--profile timeline|none`` overrides what the descriptor says.
"""
from __future__ import annotations

from typing import Any

from karabakh_timeline.vocabulary.codes import PROFILES, TIMELINE, in_profile
from karabakh_timeline.vocabulary.issues import Issue

PROFILE_KEY = "validationProfile"
NONE = "none"


def declared_profile(descriptor: dict[str, Any]) -> tuple[str, list[Issue]]:
    """The profile a descriptor declares (NONE when it declares none), with a package-invalid issue for an unknown value."""
    value = descriptor.get(PROFILE_KEY, NONE)
    if value in PROFILES:
        return str(value), []
    issue = Issue("package-invalid", f"{PROFILE_KEY} must be one of {', '.join(map(repr, PROFILES))}, got {value!r:.80}; "
                  "only the spec checks ran", value=repr(value)[:80])
    return NONE, [issue]


def active_profile(descriptor: dict[str, Any], override: str | None = None) -> tuple[str, list[Issue]]:
    """The profile to apply: override when given (from --profile), else the descriptor's."""
    if override is not None:
        if override not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {override!r}")
        return override, []
    return declared_profile(descriptor)


def keep(issues: list[Issue], profile: str) -> list[Issue]:
    """The issues whose code is reported under profile."""
    return issues if profile == TIMELINE else [i for i in issues if in_profile(i.code, profile)]


__all__ = ["NONE", "PROFILE_KEY", "TIMELINE", "active_profile", "declared_profile", "keep"]
