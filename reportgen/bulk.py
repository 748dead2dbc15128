"""Speed for stages that create millions of small objects at once."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while a build allocates its objects.

    Loading and viewing hundreds of records creates millions of small,
    acyclic objects; the collector's repeated scans of them cost more than
    the work itself (about half the time of loading and viewing, measured).
    Reference counting still frees everything; cycles are collected after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
