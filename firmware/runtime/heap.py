"""Python's cyclic garbage collector kept off the 10 ms audio path (CPython `gc.freeze`, 3.7+).

A full (generation 2) collection walks every tracked object with the GIL held. In a running pbxd
that is about 100 000 objects, nearly all made at start-up and alive until it stops (config, dial
plan, drivers, the bridge's Python side, the web page): measured 33-68 ms per full collection on the
bench machine. The port thread is Python, so each one stalled every port for several 10 ms frames,
the bridge (which runs in C) found the rings empty, and the rings raised their latency to ride it out
(mouth-to-ear latency doubled for the next tens of seconds). Frozen objects are left out of every
collection (reference counting still frees them), so a full collection only walks what was made
since: 8-9 ms measured.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_objects() -> int:
    """Collect once, then move every object alive now out of the collector's way; returns how many."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("%d start-up objects frozen out of the garbage collector", frozen)
    return frozen


def release_startup_objects() -> None:
    """Undo `freeze_startup_objects` (at stop: in a process that starts daemons again, e.g. the tests,
    what the stopped daemon left behind must be collectable)."""
    gc.unfreeze()
