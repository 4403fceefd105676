"""The bridge clock thread keeps one Python thread state across media-port callbacks (firmware.sip.threadstate).

Without the pin, every callback on pjmedia's clock thread ran in a brand-new thread state
(created and torn down by SWIG's director around each call, with an mmap/munmap each time).
A `threading.local` lives in the thread state, so it shows the difference: pinned, a value
set in one tick is still there in the next.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from firmware.sip.endpoint import MediaEndpoint
from firmware.sip.mediaport import create_port, ignore_frame
from firmware.sip.threadstate import pinned_threads


def test_clock_thread_state_survives_between_ticks(endpoint: MediaEndpoint) -> None:
    local = threading.local()
    seen: list[tuple[int, int]] = []

    def on_received(frame: Any) -> None:
        local.ticks = getattr(local, "ticks", 0) + 1
        seen.append((threading.get_ident(), local.ticks))

    port = create_port(endpoint, "pin-probe", ignore_frame, on_received)
    try:
        deadline = time.monotonic() + 5.0
        while len(seen) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        port.destroy()
    assert len(seen) >= 20, f"the bridge called the port only {len(seen)} times"
    assert len({ident for ident, _ in seen}) == 1, "callbacks came from more than one thread"
    # the thread-local count keeps rising: the state (and everything in it) is reused
    counts = [n for _, n in seen]
    assert counts[:20] == list(range(counts[0], counts[0] + 20)), counts[:20]
    assert pinned_threads() >= 1
