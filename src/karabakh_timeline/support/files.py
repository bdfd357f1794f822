"""Writing files canonically: JSON with indent 2 and unescaped UTF-8, atomic replacement, the UTF-8 BOM."""
from __future__ import annotations

import codecs
import json
import os
import tempfile
from pathlib import Path
from typing import Any

BOM = codecs.BOM_UTF8  # canonical files have none; the flat CSV for spreadsheets has one


def dumps(data: Any) -> str:
    """Canonical JSON: indent 2, UTF-8 characters unescaped, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace path with data in one step (a temporary file in the same folder, then os.replace)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
