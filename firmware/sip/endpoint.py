"""The process's one pjsua2 Endpoint: worker threads off, 8 kHz conference bridge clocked by the null device.

What this relies on (pjsua2 2.15.1, measured; see the project's pjsua2 notes):
* `uaConfig.threadCnt = 0` + `mainThreadOnly = True`: every SIP callback runs inside `poll()`
  on the thread that called `start()` (the owner); `libHandleEvents` releases the GIL.
* `setNullDev()` after `libStart()` gives the bridge a clock thread; `sndAutoCloseTime = -1`
  keeps it running when nothing is connected. `audioFramePtime` sets the bridge frame.
* Any other thread must `libRegisterThread` before touching pjsua2, or the process aborts.
* pjsua2 is a singleton and aborts at interpreter exit if a pjsua2 object outlives
  `libDestroy()`: `shutdown()` closes every media object adopted here, collects garbage,
  then destroys the library (also from an atexit hook if the caller forgot).
* `pjsua_call_get_max_count()` (exported by the wheel's C library) tells the real call limit.
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import glob
import logging
import os
import threading
import weakref
from typing import Any, Protocol

import pjsua2 as pj

from firmware.contracts.errors import SipError

log = logging.getLogger(__name__)

CLOCK_RATE = 8000
_WANTED_CALLS = 256          # asked for; pjsua clamps it to the compiled PJSUA_MAX_CALLS
_guard = threading.Lock()
_active: MediaEndpoint | None = None


class Closable(Protocol):
    def close(self) -> None: ...


def pj_error_text(exc: BaseException) -> str:
    """A one-line text for a pjsua2 `Error` (whose str() is empty) or any other exception."""
    info = getattr(exc, "info", None)
    if callable(info):
        try:
            return str(info()).strip().replace("\n", " ")
        except Exception:
            pass
    return f"{type(exc).__name__}: {exc}"


def native_library() -> ctypes.CDLL:
    """The wheel's compiled pjsua2 library (the same one Python loaded), for plain C calls."""
    pattern = os.path.join(os.path.dirname(os.path.abspath(pj.__file__)), "_pjsua2*.so")
    found = sorted(glob.glob(pattern))
    if not found:
        raise SipError(f"pjsua2 shared library not found ({pattern})")
    return ctypes.CDLL(found[0])


class MediaEndpoint:
    """Owns the pjsua2 Endpoint; create one per process, `start()` it on the owner thread."""

    def __init__(self, *, ptime_ms: int = 10, max_media_ports: int = 512, log_level: int = 1,
                 sip_port: int | None = None) -> None:
        if ptime_ms not in (5, 10, 20, 30, 40):
            raise ValueError(f"unsupported bridge ptime {ptime_ms} ms")
        self.ptime_ms = ptime_ms
        self.clock_rate = CLOCK_RATE
        self.frame_samples = CLOCK_RATE * ptime_ms // 1000
        self.max_media_ports = max_media_ports
        self.log_level = log_level
        self.sip_port = sip_port
        self.transport_ids: list[int] = []
        self._ep: Any = None
        self._owner: int | None = None
        self._max_calls = 0
        self._objects: weakref.WeakSet[Any] = weakref.WeakSet()

    # --- life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Create, configure and start pjsua2; the calling thread becomes the owner thread."""
        global _active
        with _guard:
            if _active is not None:
                raise SipError("a pjsua2 endpoint is already running in this process")
            _active = self
        try:
            self._start()
        except BaseException:
            self._destroy_quietly()
            raise
        atexit.register(self._at_exit)

    def _start(self) -> None:
        lib = native_library()
        lib.pj_log_set_level(ctypes.c_int(self.log_level))   # quiet the lines libCreate logs
        lib.pjsua_call_get_max_count.restype = ctypes.c_uint
        self._ep = pj.Endpoint()
        self._owner = threading.get_ident()
        try:
            self._ep.libCreate()
            self._ep.libInit(self._config())
            self._add_transports()
            self._ep.libStart()
            self._ep.audDevManager().setNullDev()
        except pj.Error as exc:
            raise SipError(f"pjsua2 start failed: {pj_error_text(exc)}") from exc
        self._max_calls = int(lib.pjsua_call_get_max_count())
        log.info("pjsua2 started: bridge %d Hz, %d ms frames, %d media ports, %d calls max",
                 self.clock_rate, self.ptime_ms, self._ep.mediaMaxPorts(), self._max_calls)

    def _config(self) -> Any:
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = _WANTED_CALLS
        cfg.uaConfig.userAgent = "pbx"    # no library name and version in Server/User-Agent
        med = cfg.medConfig
        med.threadCnt = 1
        med.clockRate = CLOCK_RATE
        med.sndClockRate = CLOCK_RATE
        med.channelCount = 1
        med.audioFramePtime = self.ptime_ms
        med.sndAutoCloseTime = -1
        med.maxMediaPorts = self.max_media_ports
        med.ecTailLen = 0                 # echo cancelling is done per analog port, not here
        cfg.logConfig.level = self.log_level
        cfg.logConfig.consoleLevel = self.log_level
        return cfg

    def _add_transports(self) -> None:
        if self.sip_port is None:
            return
        for kind in (pj.PJSIP_TRANSPORT_UDP, pj.PJSIP_TRANSPORT_TCP):
            tcfg = pj.TransportConfig()
            tcfg.port = self.sip_port
            tcfg.boundAddress = "127.0.0.1"
            tcfg.publicAddress = "127.0.0.1"
            self.transport_ids.append(int(self._ep.transportCreate(kind, tcfg)))

    @property
    def started(self) -> bool:
        return self._ep is not None

    @property
    def max_calls(self) -> int:
        """Simultaneous SIP calls the compiled library allows (4 on the PyPI wheel)."""
        return self._max_calls

    @property
    def lib(self) -> Any:
        """The pjsua2 Endpoint, for the SIP layer (owner thread only)."""
        self.check_thread()
        return self._ep

    def media_ports(self) -> tuple[int, int]:
        """(ports in use, maximum) on the conference bridge."""
        self.check_thread()
        return int(self._ep.mediaActivePorts()), int(self._ep.mediaMaxPorts())

    def audio_format(self) -> Any:
        """MediaFormatAudio of the bridge: 8000 Hz, mono, 16 bit, the bridge ptime."""
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, self.clock_rate, 1, self.ptime_ms * 1000, 16)
        return fmt

    # --- threads -----------------------------------------------------------------------------
    def poll(self, timeout_ms: int) -> None:
        """Run pending SIP work and timers for up to `timeout_ms` (owner thread only)."""
        if self._ep is None:
            raise SipError("endpoint not started")
        if threading.get_ident() != self._owner:
            raise SipError("MediaEndpoint.poll() called outside the owner thread")
        self._ep.libHandleEvents(int(timeout_ms))

    def register_thread(self, name: str) -> None:
        """Make the calling thread known to pjlib (required before any pjsua2 call on it)."""
        if self._ep is None:
            raise SipError("endpoint not started")
        if not self._ep.libIsThreadRegistered():
            self._ep.libRegisterThread(name)

    def check_thread(self) -> None:
        """Raise SipError (instead of letting pjlib abort) on an unregistered or stopped endpoint."""
        if self._ep is None:
            raise SipError("endpoint not started")
        if not self._ep.libIsThreadRegistered():
            raise SipError(f"thread {threading.current_thread().name!r} is not registered with pjsua2")

    def is_owner_thread(self) -> bool:
        return threading.get_ident() == self._owner

    # --- objects and shutdown ----------------------------------------------------------------
    def adopt(self, obj: Closable) -> None:
        """Track a media object so that `shutdown()` closes it before the library goes."""
        self._objects.add(obj)

    def shutdown(self) -> None:
        """Close every adopted media object, drop references, collect, then libDestroy."""
        global _active
        if self._ep is None:
            return
        self.register_thread("shutdown")
        for obj in list(self._objects):
            try:
                obj.close()
            except Exception as exc:
                log.warning("closing %r at shutdown failed: %s", obj, pj_error_text(exc))
        self._objects = weakref.WeakSet()
        self._destroy_quietly()
        with _guard:
            if _active is self:
                _active = None
        atexit.unregister(self._at_exit)

    def _destroy_quietly(self) -> None:
        global _active
        gc.collect()
        ep, self._ep = self._ep, None
        if ep is not None:
            try:
                ep.libDestroy()
            except Exception as exc:
                log.warning("libDestroy failed: %s", pj_error_text(exc))
            del ep
        gc.collect()
        with _guard:
            if _active is self:
                _active = None

    def _at_exit(self) -> None:
        if self._ep is not None:
            log.warning("pjsua2 endpoint was not shut down; shutting down at exit")
            self.shutdown()

    def __enter__(self) -> MediaEndpoint:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
