"""A validate process without pandas: pyarrow is told pandas is absent before its first conversion.

pyarrow imports pandas (when it is installed) on its first conversion of Python values to Arrow
(pa.array, pa.scalar, a literal passed to a compute function), to recognise pandas objects. That
import alone costs about 0.35 s, most of the command's start-up, and validation passes pyarrow no
pandas object. Only the command line, which owns its process, calls this (as it switches the memory
pool); tests/test_startup.py checks what a validate process imports and that its report is the
one an ordinary process with pandas gives.
"""
from __future__ import annotations

import importlib.abc
import sys


def arrow_without_pandas() -> None:
    """Make pyarrow's pandas shim find no pandas, unless pandas is imported already (then nothing changes).

    Only the shim's check on conversions is skipped: ``import pandas`` still works afterwards, and
    so does Table.to_pandas (it imports pandas when called).
    """
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    sys.meta_path.insert(0, _NO_PANDAS)  # while there, `import pandas` raises ModuleNotFoundError
    try:
        pa.array([0])  # pyarrow's shim tries the import now, once, and remembers that it failed
    finally:
        sys.meta_path.remove(_NO_PANDAS)


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (left out of this validate process)", name=name)
        return None


_NO_PANDAS = _NoPandas()
