"""Fast moves of 16-bit PCM in and out of pjsua2 `MediaFrame.buf` (a SWIG `std::vector<uint8>`).

pjsua2 hands Python a `ByteVector` with no buffer protocol: `bytes(frame.buf)` walks it element
by element (~150-300 µs per 20 ms frame) and `ByteVector(data)` builds one the same way. The
fast idioms used here rely on libstdc++'s vector layout (three pointers: begin, end, end of
storage) behind the SWIG object's `this` address:

* reading: take begin/end from that layout and view the bytes with ctypes (no element walk);
* writing: keep one prebuilt ByteVector per port whose storage is viewed as a numpy int16
  array; fill the array, then assign the vector to `frame.buf` (one C++ vector copy).

Every SWIG accessor of this wheel, even `frame.type`, releases the GIL and takes it back
(`PyEval_SaveThread`/`RestoreThread` around the C++ call). On the bridge clock thread that is
a GIL hand-off each time: while the port thread runs Python, each one waits for it. So the
fast callbacks read and write pjsua2's `MediaFrame` struct (type, then the vector: offsets
checked at start-up) through its address and make at most one accessor call per frame
(assigning the outgoing vector).

`fast_path_ok()` checks both idioms once per process against the slow, layout-free ones and
falls back to those (logging why) if the check fails, so a different C++ runtime degrades to
slower but correct audio instead of garbage.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pjsua2 as pj

log = logging.getLogger(__name__)

FRAME_TYPE_NONE = int(pj.PJMEDIA_FRAME_TYPE_NONE)
FRAME_TYPE_AUDIO = int(pj.PJMEDIA_FRAME_TYPE_AUDIO)

_Pointers = ctypes.c_void_p * 2
_check_lock = threading.Lock()
_fast: bool | None = None
_buf_offset = 8         # of MediaFrame.buf behind MediaFrame.type (checked by the self-check)


def _vector_span(vec: Any) -> tuple[int, int]:
    """(data address, byte length) of a SWIG std::vector<uint8> proxy, read from its layout."""
    begin, end = _Pointers.from_address(int(vec.this))
    if begin is None or end is None:
        return 0, 0
    return int(begin), int(end) - int(begin)


_array_types: dict[int, Any] = {}


def _int16_view(address: int, nbytes: int) -> npt.NDArray[np.int16]:
    if nbytes <= 0:
        return np.zeros(0, dtype=np.int16)
    kind = _array_types.get(nbytes)
    if kind is None:            # one ctypes array type per frame size, made once
        kind = _array_types.setdefault(nbytes, ctypes.c_char * nbytes)
    return np.frombuffer(kind.from_address(address), dtype=np.int16)


def _self_check() -> tuple[bool, str]:
    global _buf_offset
    pattern = (np.arange(160, dtype=np.int32) * 409 - 32000).astype(np.int16)
    frame = pj.MediaFrame()
    frame.buf = pj.ByteVector(pattern.tobytes())
    if bytes(read_fast(frame)) != bytes(frame.buf):
        return False, "reading frame.buf through the vector layout gave different bytes"
    _buf_offset = int(frame.buf.this) - int(frame.this)
    if not 0 < _buf_offset <= 16:
        return False, f"MediaFrame.buf at an unexpected offset ({_buf_offset})"
    frame.type = FRAME_TYPE_AUDIO
    audio = read_typed(frame)
    frame.type = FRAME_TYPE_NONE
    if audio is None or bytes(audio) != bytes(frame.buf) or read_typed(frame) is not None:
        return False, "MediaFrame.type is not where the typed read looks"
    _frame_type(frame).value = FRAME_TYPE_AUDIO
    if frame.type != FRAME_TYPE_AUDIO:
        return False, "writing MediaFrame.type through its address did not change it"
    out = FrameWriter(160, fast=True)
    out.samples[:] = pattern[::-1]
    target = pj.MediaFrame()
    out.commit(target)
    if bytes(target.buf) != pattern[::-1].tobytes():
        return False, "writing through a prebuilt vector's storage gave different bytes"
    return True, "ok"


def fast_path_ok() -> bool:
    """Whether the layout-based idioms work in this process (checked once, result cached)."""
    global _fast
    with _check_lock:
        if _fast is None:
            try:
                _fast, why = _self_check()
            except Exception as exc:  # any surprise in the layout: use the slow path
                _fast, why = False, f"{type(exc).__name__}: {exc}"
            if _fast:
                log.debug("pjsua2 frame fast path verified")
            else:
                log.warning("pjsua2 frame fast path disabled (%s); using the slow path", why)
        return _fast


def read_fast(frame: Any) -> npt.NDArray[np.int16]:
    """int16 view of `frame.buf` without copying; valid only inside the callback."""
    address, nbytes = _vector_span(frame.buf)
    return _int16_view(address, nbytes)


def read_slow(frame: Any) -> npt.NDArray[np.int16]:
    return np.frombuffer(bytes(frame.buf), dtype=np.int16)


def _frame_type(frame: Any) -> ctypes.c_int:
    return ctypes.c_int.from_address(int(frame.this))


def read_typed(frame: Any) -> npt.NDArray[np.int16] | None:
    """int16 view of an audio frame's samples, None for any other frame type (no accessor call:
    type and vector read from the struct; valid only inside the callback)."""
    address = int(frame.this)
    if ctypes.c_int.from_address(address).value != FRAME_TYPE_AUDIO:
        return None
    begin, end = _Pointers.from_address(address + _buf_offset)
    if begin is None or end is None:
        return np.zeros(0, dtype=np.int16)
    return _int16_view(int(begin), int(end) - int(begin))


def read_typed_slow(frame: Any) -> npt.NDArray[np.int16] | None:
    return read_slow(frame) if frame.type == FRAME_TYPE_AUDIO else None


def typed_reader() -> Callable[[Any], npt.NDArray[np.int16] | None]:
    """`read_typed` if the self-check passed, else `read_typed_slow`."""
    return read_typed if fast_path_ok() else read_typed_slow


def frame_reader() -> Callable[[Any], npt.NDArray[np.int16]]:
    """`read_fast` if the self-check passed, else `read_slow` (call once, keep the result)."""
    return read_fast if fast_path_ok() else read_slow


class FrameWriter:
    """A reusable outgoing frame: fill `samples`, then `commit(frame)` in `onFrameRequested`."""

    def __init__(self, nsamples: int, *, fast: bool | None = None) -> None:
        self.fast = fast_path_ok() if fast is None else fast
        self._vec = pj.ByteVector(bytes(2 * nsamples))
        if self.fast:
            address, nbytes = _vector_span(self._vec)
            self.samples: npt.NDArray[np.int16] = _int16_view(address, nbytes)
        else:
            self.samples = np.zeros(nsamples, dtype=np.int16)

    def commit(self, frame: Any) -> None:
        """Mark `frame` as audio and copy `samples` into it."""
        if self.fast:
            ctypes.c_int.from_address(int(frame.this)).value = FRAME_TYPE_AUDIO
            frame.buf = self._vec
        else:
            frame.type = FRAME_TYPE_AUDIO
            frame.buf = pj.ByteVector(self.samples.tobytes())

    def release(self) -> None:
        """Drop the pjsua2 vector (before the library is destroyed)."""
        self.samples = np.zeros(0, dtype=np.int16)
        self._vec = None
