"""The process's Arrow memory pool: one that gives freed memory back to the system.

pyarrow's default pool on Linux (mimalloc) keeps what a large table's reading freed for reuse, so
validating a million-event package peaked about 400 MiB above the data it holds; jemalloc hands
the pages back after a short decay (scripts/bench_scale.py shows the peak). Only the command line,
which owns its process, switches pools; a library user's process keeps its own.
"""
from __future__ import annotations

import os
import sys


def use_returning_pool() -> None:
    """Make jemalloc Arrow's default pool, unless ARROW_DEFAULT_MEMORY_POOL chooses one or pyarrow lacks it."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    ours = "pyarrow" not in sys.modules and "JE_ARROW_MALLOC_CONF" not in os.environ
    if ours:
        # Transparent huge pages for Arrow's large buffers where the system allows them (its madvise mode): a 2 MiB page
        # faults once where 512 small ones fault again each time memory handed back is used anew (1M events: 1.64M
        # page faults -> 0.76M, about 1 s less). jemalloc reads this when pyarrow loads it, and only then.
        os.environ["JE_ARROW_MALLOC_CONF"] = "thp:always"
    import pyarrow as pa

    if ours:
        del os.environ["JE_ARROW_MALLOC_CONF"]  # read already: child processes get the environment they were given

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(0)  # at once: a validation frees whole tables, rarely reused at that size
    except NotImplementedError:  # a build without jemalloc (e.g. Windows wheels): the default stays
        pass
