"""Fewer cyclic-GC passes while a sync runs.

A full sync allocates a few dicts per record (parsed pages, normalized records, rows to
write) that reference counting frees on its own; with the default threshold (700) CPython
also starts a generation-0 pass every few records and, every hundred of those, a full pass
over everything alive (SQLAlchemy's metadata, the SDKs' modules). Measured on a 9,900-record
Stripe sync: 323 -> 274 ms CPU per 1,000 records with a threshold of 50,000 (bench/PROFILE.md).
Cycles are still collected, only in larger batches.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

SYNC_THRESHOLD = 50_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextlib.contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Raise the generation-0 threshold for the block; the last block to end restores it
    (syncs of several threads overlap, and the setting is the process's)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(SYNC_THRESHOLD, _saved[0]), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
