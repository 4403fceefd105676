"""Keep a Python thread state alive on foreign (pjmedia) threads that call into Python 100 times a second.

SWIG's directors enter Python with `PyGILState_Ensure` and leave with `PyGILState_Release`
(CPython C-API, "Non-Python created threads"). On a thread Python did not create - pjmedia's
conference-bridge clock - the state is created on entry and destroyed on exit *every time*:
in CPython 3.11 that maps and unmaps the state's frame stack each call, so each 10 ms tick
paid for an mmap, page faults, an munmap and the TLB shoot-down IPIs it sends to every other
core (perf: ~60 % of the clock thread in the kernel). One extra, never-released
`PyGILState_Ensure` on that thread keeps its counter above zero, so the same state is reused:
later Releases only drop the GIL.

`pin_current_thread()` is cheap to call on every callback: after the first call per thread it
is a set lookup. Pinned states are never released; the process ends with them (like daemon
threads). Never call it from a Python-created thread (they have their own state already; the
extra Ensure would be harmless but pointless).
"""

from __future__ import annotations

import ctypes
import threading

_ensure = ctypes.pythonapi.PyGILState_Ensure
_ensure.restype = ctypes.c_int
_ensure.argtypes = []

_pinned: set[int] = set()
_lock = threading.Lock()


def pin_current_thread() -> bool:
    """Pin the calling thread's Python state (once per thread); True if this call pinned it."""
    ident = threading.get_ident()
    if ident in _pinned:
        return False
    with _lock:
        if ident in _pinned:
            return False
        _ensure()       # PyDLL call: the GIL stays held; only the state's counter goes up
        _pinned.add(ident)
    return True


def pinned_threads() -> int:
    """How many foreign threads have a pinned state (for status and tests)."""
    return len(_pinned)
