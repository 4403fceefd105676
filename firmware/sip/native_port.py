"""ctypes binding of the analog ports' pjmedia port in C (`native/analog_port.c`), and its life on
pjsua's conference bridge (pjsua-lib `pjsua_conf_add_port`/`pjsua_conf_remove_port`, pjmedia/port.h
group-lock ownership).

The C file mirrors pjmedia's structs; `native_status()` checks the mirror once per endpoint
against a port pjmedia made itself (`pjmedia_null_port_create`) and says why the native port
cannot be used (no compiled module, another pjproject layout), so pbxd falls back to its Python
ports with a warning instead of handing pjmedia a wrong struct.

Life of a registration (`Registration`): `ap_reg_new` -> `pjmedia_port_info_init` ->
`pjmedia_port_init_grp_lock` (our reference) -> `pjsua_conf_add_port` (the bridge's reference).
Leaving: `pjsua_conf_remove_port` (queued; the bridge drops its reference at its next tick) and
`pjmedia_port_destroy` (ours). When the last reference goes pjmedia calls the port's
`on_destroy`, which only sets a flag; the owner thread frees the memory and the pool later
(`Graveyard.collect`), so the clock thread never touches freed memory.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from firmware.contracts.errors import SipError
from firmware.sip.endpoint import MediaEndpoint, native_library

log = logging.getLogger(__name__)

Samples = npt.NDArray[np.int16]
_SIGNATURE = 0x50424150          # "PBAP": shows in pjmedia's logs as the port's signature
STATE_GRACE_S = 2.0              # a closed port's state outlives the port thread's last call by this


_COUNTERS = ("frames_requested", "frames_delivered", "frames_late", "frames_received", "in_overruns", "in_trimmed",
             "out_overruns", "out_underruns", "out_trimmed")


class _Stats(ctypes.Structure):
    """`ap_stats` of analog_port.c."""
    _fields_ = [
        *((name, ctypes.c_uint64) for name in _COUNTERS),
        *((name, ctypes.c_int64) for name in ("in_level", "out_level", "in_target", "out_target")),
        ("max_tick_gap_s", ctypes.c_double), ("connected", ctypes.c_int64)]


@dataclass(frozen=True)
class NativeStats:
    frames_requested: int
    frames_delivered: int
    frames_late: int
    frames_received: int
    in_overruns: int
    in_trimmed: int
    out_overruns: int
    out_underruns: int
    out_trimmed: int
    in_level: int
    out_level: int
    in_target: int              # standing fill the rings hold now (their latency, samples)
    out_target: int
    max_tick_gap_s: float
    connected: bool


class _Lib:
    """Our compiled module and pjsua2's library, with argument types declared once."""

    def __init__(self, path: str) -> None:
        c = ctypes.CDLL(path)
        vp, i, d = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
        i16p = ctypes.POINTER(ctypes.c_int16)
        ours: tuple[tuple[str, Any, list[Any]], ...] = (
                ("ap_new", vp, [i, i, i, i, i, d]), ("ap_free", None, [vp]),
                ("ap_reg_new", vp, [vp]), ("ap_reg_free", None, [vp]), ("ap_reg_destroyed", i, [vp]),
                ("ap_from_line", None, [vp, i16p, i]), ("ap_to_line", i, [vp, i16p, i]),
                ("ap_detached", None, [vp]), ("ap_session_start", None, [vp]), ("ap_reset_counters", None, [vp]),
                ("ap_stats_get", None, [vp, ctypes.POINTER(_Stats)]),
                ("ap_check_layout", i, [vp, ctypes.c_uint, ctypes.c_uint]), ("ap_reg_size", ctypes.c_size_t, []))
        for name, res, args in ours:
            fn = getattr(c, name)
            fn.restype, fn.argtypes = res, args
        self.c = c
        p = native_library()
        theirs: tuple[tuple[str, Any, list[Any]], ...] = (
                ("pjsua_pool_create", vp, [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t]),
                ("pj_pool_release", None, [vp]),
                ("pjmedia_null_port_create", i, [vp, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint,
                                                 ctypes.POINTER(vp)]),
                ("pjmedia_port_info_init", i, [vp, vp, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint,
                                               ctypes.c_uint]),
                ("pjmedia_port_init_grp_lock", i, [vp, vp, vp]),
                ("pjmedia_port_destroy", i, [vp]),
                ("pjsua_conf_add_port", i, [vp, vp, ctypes.POINTER(i)]),
                ("pjsua_conf_remove_port", i, [i]))
        for name, res, args in theirs:
            fn = getattr(p, name)
            fn.restype, fn.argtypes = res, args
        self.pj = p


class _PjStr(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_char_p), ("slen", ctypes.c_ssize_t)]


_lib: _Lib | None = None
_status: dict[int, str | None] = {}


def _module_path() -> str | None:
    spec = importlib.util.find_spec("firmware.sip._analog_port")
    return spec.origin if spec is not None else None


def native_status(endpoint: MediaEndpoint) -> str | None:
    """None when the native port can be used with this (started) endpoint, else why not."""
    key = id(endpoint)
    if key not in _status:
        _status[key] = _check(endpoint)
        if _status[key] is not None:
            log.warning("analog ports use Python callbacks on the bridge clock (about 2 %% of a core per "
                        "connected port more): %s", _status[key])
    return _status[key]


def _check(endpoint: MediaEndpoint) -> str | None:
    global _lib
    path = _module_path()
    if path is None:
        return "the compiled module firmware.sip._analog_port is not installed"
    try:
        if _lib is None:
            _lib = _Lib(path)
    except (OSError, AttributeError) as exc:
        return f"cannot load {path}: {exc}"
    try:
        bad = check_layout(endpoint)
    except SipError as exc:
        return str(exc)
    if bad:
        return f"pjmedia's port layout differs from the mirror in analog_port.c (check {bad} failed)"
    return None


def check_layout(endpoint: MediaEndpoint, clock_rate: int | None = None) -> int:
    """0 if a pjmedia null port made for the bridge's format reads, through analog_port.c's mirror,
    as a mono 16-bit port at `clock_rate` (default: the bridge's), else the failed check's number."""
    lib = _the_lib()
    endpoint.check_thread()
    pool = lib.pj.pjsua_pool_create(b"apcheck", 512, 512)
    if not pool:
        raise SipError("no pjlib pool for the layout check")
    try:
        port = ctypes.c_void_p()
        rc = lib.pj.pjmedia_null_port_create(pool, endpoint.clock_rate, 1, endpoint.frame_samples, 16,
                                             ctypes.byref(port))
        if rc != 0 or not port.value:
            raise SipError(f"pjmedia_null_port_create failed ({rc})")
        try:
            return int(lib.c.ap_check_layout(port, clock_rate or endpoint.clock_rate, endpoint.frame_samples))
        finally:
            lib.pj.pjmedia_port_destroy(port)
    finally:
        lib.pj.pj_pool_release(pool)


def _the_lib() -> _Lib:
    if _lib is None:
        raise SipError("native analog port used before native_status() said it is usable")
    return _lib


def slot_media(endpoint: MediaEndpoint, slot: int) -> Any:
    """The pjsua2 AudioMedia of bridge slot `slot` (for startTransmit/stopTransmit)."""
    for media in endpoint.lib.mediaEnumPorts2():
        if media.getPortId() == slot:
            return media
    raise SipError(f"bridge slot {slot} not found")


class Graveyard:
    """Registrations and states waiting until pjmedia and the port thread are done with them
    (owner thread). After the endpoint's shutdown nothing is released: libDestroy frees the pools."""

    def __init__(self) -> None:
        self._regs: list[tuple[int, int]] = []          # (ap_reg*, pool*)
        self._states: list[tuple[int, float]] = []      # (ap_port*, closed at)
        self.ended = False

    def bury_reg(self, reg: int, pool: int) -> None:
        self._regs.append((reg, pool))
        self.collect()

    def bury_state(self, state: int) -> None:
        self._states.append((state, time.monotonic()))
        self.collect()

    def collect(self) -> None:
        if self.ended:
            return
        lib = _the_lib()
        keep = []
        for reg, pool in self._regs:
            if lib.c.ap_reg_destroyed(reg):
                lib.c.ap_reg_free(reg)
                lib.pj.pj_pool_release(pool)
            else:
                keep.append((reg, pool))
        self._regs = keep
        now = time.monotonic()
        if not self._regs:     # a state is freed only when no registration may still point at it
            for state, _ in [s for s in self._states if now - s[1] >= STATE_GRACE_S]:
                lib.c.ap_free(state)
            self._states = [s for s in self._states if now - s[1] < STATE_GRACE_S]

    @property
    def pending(self) -> int:
        return len(self._regs) + len(self._states)

    def close(self) -> None:
        """The endpoint is shutting down (called through `MediaEndpoint.adopt`)."""
        self.ended = True


_graveyards: dict[int, Graveyard] = {}


def graveyard(endpoint: MediaEndpoint) -> Graveyard:
    yard = _graveyards.get(id(endpoint))
    if yard is None or yard.ended:
        yard = _graveyards[id(endpoint)] = Graveyard()
        endpoint.adopt(yard)
    return yard


class NativePort:
    """One analog port's rings and bridge callbacks in C; put on and taken off the bridge here.

    Threads: construction, `attach`, `detach`, `close`, `stats`, `reset_counters` on the owner
    thread; `from_line`/`to_line` on the port thread (they take only the port's C mutex)."""

    def __init__(self, endpoint: MediaEndpoint, name: str, *, jitter_frames: int, max_jitter_frames: int,
                 capacity_frames: int, trim_window: int, idle_s: float) -> None:
        if native_status(endpoint) is not None:
            raise SipError(f"native analog port unavailable: {native_status(endpoint)}")
        self._lib = _the_lib()
        self._endpoint = endpoint
        self.name = name
        self.frame_samples = endpoint.frame_samples
        state = self._lib.c.ap_new(self.frame_samples, jitter_frames, max_jitter_frames, capacity_frames,
                                   trim_window, idle_s)
        if not state:
            raise SipError(f"media port {name}: out of memory")
        self._state: int = state
        self._yard = graveyard(endpoint)
        self._reg: int | None = None
        self._pool: int | None = None
        self._slot: int | None = None
        self._media: Any = None
        self._name_bytes = name.encode()[:60]
        self._name = _PjStr(self._name_bytes, len(self._name_bytes))
        self._silence: Samples = np.zeros(self.frame_samples, dtype=np.int16)
        self._i16 = ctypes.POINTER(ctypes.c_int16)

    # --- owner thread ------------------------------------------------------------------------
    def attach(self) -> Any:
        """Put the port on the bridge; returns the slot's AudioMedia."""
        self._endpoint.check_thread()
        if self._media is not None:
            return self._media
        lib = self._lib
        self._yard.collect()
        lib.c.ap_session_start(self._state)
        pool = lib.pj.pjsua_pool_create(b"aport", 512, 512)
        reg = lib.c.ap_reg_new(self._state)
        if not pool or not reg:
            raise SipError(f"media port {self.name}: out of memory")
        rc = lib.pj.pjmedia_port_info_init(reg, ctypes.addressof(self._name), _SIGNATURE, self._endpoint.clock_rate,
                                           1, 16, self.frame_samples)
        if rc == 0:
            rc = lib.pj.pjmedia_port_init_grp_lock(reg, pool, None)
        if rc != 0:
            lib.c.ap_reg_free(reg)
            lib.pj.pj_pool_release(pool)
            raise SipError(f"media port {self.name}: pjmedia refused the port ({rc})")
        slot = ctypes.c_int(-1)
        rc = lib.pj.pjsua_conf_add_port(pool, reg, ctypes.byref(slot))
        if rc != 0:
            lib.pj.pjmedia_port_destroy(reg)        # our reference: on_destroy runs now
            self._yard.bury_reg(reg, pool)
            raise SipError(f"cannot add media port {self.name!r} to the bridge ({rc})")
        self._reg, self._pool, self._slot = reg, pool, slot.value
        try:
            self._media = slot_media(self._endpoint, slot.value)
        except SipError:
            self.detach()
            raise
        return self._media

    def detach(self) -> None:
        """Take the port off the bridge (its connections go with it)."""
        reg, pool, slot = self._reg, self._pool, self._slot
        self._reg = self._pool = self._slot = self._media = None
        if reg is None or pool is None or slot is None:
            return
        lib = self._lib
        if not self._yard.ended:
            lib.pj.pjsua_conf_remove_port(slot)
            lib.pj.pjmedia_port_destroy(reg)
            self._yard.bury_reg(reg, pool)
        lib.c.ap_detached(self._state)

    def close(self) -> None:
        self.detach()
        if not self._yard.ended:
            self._yard.bury_state(self._state)

    @property
    def on_bridge(self) -> bool:
        return self._media is not None

    @property
    def slot(self) -> int | None:
        return self._slot

    def stats(self) -> NativeStats:
        s = _Stats()
        self._lib.c.ap_stats_get(self._state, ctypes.byref(s))
        return NativeStats(s.frames_requested, s.frames_delivered, s.frames_late, s.frames_received, s.in_overruns,
                           s.in_trimmed, s.out_overruns, s.out_underruns, s.out_trimmed, s.in_level, s.out_level,
                           s.in_target, s.out_target, s.max_tick_gap_s, bool(s.connected))

    def reset_counters(self) -> None:
        self._lib.c.ap_reset_counters(self._state)

    # --- port thread -------------------------------------------------------------------------
    def from_line(self, samples: npt.NDArray[np.int16]) -> None:
        block = np.ascontiguousarray(samples, dtype=np.int16)
        self._lib.c.ap_from_line(self._state, block.ctypes.data_as(self._i16), int(block.shape[0]))

    def to_line(self, n: int) -> Samples | None:
        out: Samples = np.empty(n, dtype=np.int16)
        got = self._lib.c.ap_to_line(self._state, out.ctypes.data_as(self._i16), n)
        return None if got == 0 else out

    def connected(self) -> bool:
        return self.stats().connected

