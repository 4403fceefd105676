"""ctypes binding to the spandsp 0.0.6 C library (libspandsp.so.2): one load, typed prototypes.

Only the functions the DSP layer uses are declared. Every state is allocated by spandsp
itself (a NULL first argument to *_init) and released with the matching *_free through
`Handle`. Callback thunks (CFUNCTYPE objects) must stay referenced while C may call them;
the wrappers in this package store them on the owning object next to the state handle.

Quirks of Debian's libspandsp2 0.0.6 that this layer works around are noted where they
matter (see `quiet_c_stdout` and the modules using it).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from firmware.contracts.errors import DspError

LIBRARY = "libspandsp.so.2"

c_int16_p = ctypes.POINTER(ctypes.c_int16)
c_uint8_p = ctypes.POINTER(ctypes.c_uint8)

# Callback prototypes (spandsp typedefs).
DIGITS_RX_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int)
TONE_REPORT_FUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int)
PUT_MSG_FUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, c_uint8_p, ctypes.c_int)
TONE_SEGMENT_FUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int)

# adsi.h standards
ADSI_STANDARD_CLASS = 1
ADSI_STANDARD_CLIP = 2
ADSI_STANDARD_JCLIP = 4
ADSI_STANDARD_CLIP_DTMF = 5

# g711.h modes
G711_ALAW = 0
G711_ULAW = 1

# echo.h adaption-mode bits
ECHO_CAN_USE_ADAPTION = 0x01
ECHO_CAN_USE_NLP = 0x02
ECHO_CAN_USE_CNG = 0x04
ECHO_CAN_USE_CLIP = 0x08
ECHO_CAN_USE_TX_HPF = 0x20
ECHO_CAN_USE_RX_HPF = 0x40

_vp = ctypes.c_void_p
_int = ctypes.c_int

# name: (restype, argtypes)
_PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    # DTMF (dtmf.h)
    "dtmf_rx_init": (_vp, [_vp, DIGITS_RX_CALLBACK, _vp]),
    "dtmf_rx_parms": (None, [_vp, _int, _int, _int, _int]),
    "dtmf_rx": (_int, [_vp, c_int16_p, _int]),
    "dtmf_rx_status": (_int, [_vp]),
    "dtmf_rx_free": (_int, [_vp]),
    "dtmf_tx_init": (_vp, [_vp]),
    "dtmf_tx_put": (_int, [_vp, ctypes.c_char_p, _int]),
    "dtmf_tx_set_level": (None, [_vp, _int, _int]),
    "dtmf_tx_set_timing": (None, [_vp, _int, _int]),
    "dtmf_tx": (_int, [_vp, c_int16_p, _int]),
    "dtmf_tx_free": (_int, [_vp]),
    # ADSI / caller ID (adsi.h)
    "adsi_tx_init": (_vp, [_vp, _int]),
    "adsi_tx_set_preamble": (None, [_vp, _int, _int, _int, _int]),
    "adsi_tx_put_message": (_int, [_vp, c_uint8_p, _int]),
    "adsi_tx": (_int, [_vp, c_int16_p, _int]),
    "adsi_tx_free": (_int, [_vp]),
    "adsi_rx_init": (_vp, [_vp, _int, PUT_MSG_FUNC, _vp]),
    "adsi_rx": (_int, [_vp, c_int16_p, _int]),
    "adsi_rx_free": (_int, [_vp]),
    "adsi_add_field": (_int, [_vp, c_uint8_p, _int, ctypes.c_uint8, c_uint8_p, _int]),
    "adsi_next_field": (_int, [_vp, c_uint8_p, _int, _int, c_uint8_p,
                               ctypes.POINTER(c_uint8_p), ctypes.POINTER(_int)]),
    # tone generation (tone_generate.h)
    "tone_gen_descriptor_init": (_vp, [_vp, _int, _int, _int, _int, _int, _int, _int, _int, _int]),
    "tone_gen_descriptor_free": (None, [_vp]),
    "tone_gen_init": (_vp, [_vp, _vp]),
    "tone_gen": (_int, [_vp, c_int16_p, _int]),
    "tone_gen_free": (_int, [_vp]),
    # supervisory tone detection (super_tone_rx.h)
    "super_tone_rx_make_descriptor": (_vp, [_vp]),
    "super_tone_rx_free_descriptor": (_int, [_vp]),
    "super_tone_rx_add_tone": (_int, [_vp]),
    "super_tone_rx_add_element": (_int, [_vp, _int, _int, _int, _int, _int]),
    "super_tone_rx_init": (_vp, [_vp, _vp, TONE_REPORT_FUNC, _vp]),
    "super_tone_rx_segment_callback": (None, [_vp, TONE_SEGMENT_FUNC]),
    "super_tone_rx": (_int, [_vp, c_int16_p, _int]),
    "super_tone_rx_free": (_int, [_vp]),
    # G.711 (g711.h), used to cross-check our lookup tables
    "g711_init": (_vp, [_vp, _int]),
    "g711_encode": (_int, [_vp, c_uint8_p, c_int16_p, _int]),
    "g711_decode": (_int, [_vp, c_int16_p, c_uint8_p, _int]),
    "g711_free": (_int, [_vp]),
    # echo cancellation (echo.h)
    "echo_can_init": (_vp, [_int, _int]),
    "echo_can_update": (ctypes.c_int16, [_vp, ctypes.c_int16, ctypes.c_int16]),
    "echo_can_flush": (None, [_vp]),
    "echo_can_adaption_mode": (None, [_vp, _int]),
    "echo_can_free": (_int, [_vp]),
}

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None


def lib() -> ctypes.CDLL:
    """The loaded library with every prototype declared; raises `DspError` if unavailable."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            _lib = _load()
    return _lib


def _load() -> ctypes.CDLL:
    try:
        cdll = ctypes.CDLL(LIBRARY)
    except OSError as exc:
        raise DspError(f"cannot load {LIBRARY} (install Debian package libspandsp2): {exc}") from exc
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError as exc:
            raise DspError(f"{LIBRARY} lacks {name}(): need spandsp 0.0.6") from exc
        fn.restype = restype
        fn.argtypes = argtypes
    return cdll


class Handle:
    """Owns one spandsp state pointer and frees it exactly once with `free_fn`."""

    def __init__(self, ptr: int | None, free_fn: Callable[[int], object], what: str) -> None:
        if not ptr:
            raise DspError(f"spandsp refused to create {what}")
        self._ptr: int | None = ptr
        self._free_fn = free_fn
        self.what = what

    @property
    def ptr(self) -> int:
        if self._ptr is None:
            raise DspError(f"{self.what} used after close()")
        return self._ptr

    def close(self) -> None:
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._free_fn(ptr)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass


def int16_ptr(buf: Any) -> Any:
    """Pointer to the data of a C-contiguous numpy int16 array."""
    return buf.ctypes.data_as(c_int16_p)


# --- C stdio guard ------------------------------------------------------------------------
# Debian's libspandsp2 0.0.6 was built from a development snapshot whose echo_can_update()
# still contains debug printf() calls (two to three lines per sample: "echo is %d",
# "Narrowband score ..."). They go to C `stdout`, which the library looks up at call time,
# so we point libc's `stdout` at a buffered /dev/null FILE while the canceller runs.

_libc: ctypes.CDLL | None = None
_devnull_file: int | None = None
_stdio_lock = threading.RLock()


def _libc_handles() -> tuple[ctypes.CDLL, int]:
    global _libc, _devnull_file
    if _libc is None or _devnull_file is None:
        libc = ctypes.CDLL(None)
        libc.fopen.restype = ctypes.c_void_p
        libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        libc.fflush.argtypes = [ctypes.c_void_p]
        libc.fflush.restype = ctypes.c_int
        handle = libc.fopen(b"/dev/null", b"w")
        if not handle:
            raise DspError("cannot open /dev/null for spandsp debug output")
        _libc, _devnull_file = libc, handle
    return _libc, _devnull_file


@contextmanager
def quiet_c_stdout() -> Iterator[None]:
    """Send C-level stdout to /dev/null for the duration of the block (Python's own
    `sys.stdout` writes to fd 1 directly and is not affected)."""
    with _stdio_lock:
        libc, devnull = _libc_handles()
        stdout_var = ctypes.c_void_p.in_dll(libc, "stdout")
        saved = stdout_var.value
        libc.fflush(saved)
        stdout_var.value = devnull
        try:
            yield
        finally:
            stdout_var.value = saved
