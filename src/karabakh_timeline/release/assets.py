"""The release's templates (karabakh_timeline/templates/) and how their {{ tokens }} are filled."""
from __future__ import annotations

import re
from importlib import resources

PRODUCT = "karabakh-timeline"
_TOKEN = re.compile(r"\{\{ (\w+) \}\}")


def template(name: str) -> str:
    """The text of a template file shipped with the package."""
    return resources.files("karabakh_timeline").joinpath("templates", name).read_text(encoding="utf-8")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {{ name }} tokens in one pass, so inserted text is never scanned for tokens again."""
    return _TOKEN.sub(lambda m: values[m.group(1)], text)
