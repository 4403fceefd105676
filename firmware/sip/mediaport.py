"""Shared plumbing for our custom pjsua2 media ports: a director subclass of `AudioMediaPort`.

pjmedia's conference bridge calls `onFrameRequested` only for ports that have listeners and
`onFrameReceived` on every tick (with `PJMEDIA_FRAME_TYPE_NONE` when nothing transmits to
the port), both on the bridge clock thread with the GIL held. pjsua2 prints and swallows
exceptions raised there, so the forwarding methods here log them (rate-limited) and count
them. Since pjsua2 2.15 a deleted `AudioMediaPort` is detached from its callbacks under the
port's group lock and removed from the bridge asynchronously; deleting it is safe while the
clock runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from firmware.contracts.errors import SipError
from firmware.sip.endpoint import MediaEndpoint, pj_error_text
from firmware.sip.threadstate import pin_current_thread

log = logging.getLogger(__name__)

FrameCallback = Callable[[Any], None]


def ignore_frame(frame: Any) -> None:
    """A callback that does nothing (a requested frame then stays of type NONE)."""


class CallbackPort(pj.AudioMediaPort):
    """An AudioMediaPort whose two callbacks forward to plain Python callables.

    Class-level fallbacks keep the callbacks harmless even while the instance is being torn
    down; `destroy()` deletes the C++ port while this Python object is still intact.
    """

    _on_requested: FrameCallback = staticmethod(ignore_frame)
    _on_received: FrameCallback = staticmethod(ignore_frame)
    errors = 0

    def __init__(self, name: str, on_requested: FrameCallback, on_received: FrameCallback) -> None:
        super().__init__()
        self.port_name = name
        self._on_requested = on_requested
        self._on_received = on_received
        self.errors = 0

    def onFrameRequested(self, frame: Any) -> None:
        pin_current_thread()
        try:
            self._on_requested(frame)
        except Exception as exc:
            self._failed("onFrameRequested", exc)

    def onFrameReceived(self, frame: Any) -> None:
        pin_current_thread()
        try:
            self._on_received(frame)
        except Exception as exc:
            self._failed("onFrameReceived", exc)

    def destroy(self) -> None:
        """Stop forwarding and delete the C++ port now (owner thread). pjsua2 detaches the
        callbacks under the port's lock and the bridge drops the port at its next tick."""
        self._on_requested = self._on_received = ignore_frame
        destroy_now(self, pj.AudioMediaPort)

    def _failed(self, where: str, exc: Exception) -> None:
        self.errors += 1
        if self.errors <= 5 or self.errors % 1000 == 0:
            log.error("media port %s: %s raised (%d so far): %s", self.port_name, where, self.errors,
                      pj_error_text(exc), exc_info=self.errors <= 5)


def create_port(endpoint: MediaEndpoint, name: str, on_requested: FrameCallback,
                on_received: FrameCallback) -> CallbackPort:
    """A CallbackPort in the bridge's format, registered on the bridge (owner/registered thread)."""
    endpoint.check_thread()
    port = CallbackPort(name, on_requested, on_received)
    try:
        port.createPort(name, endpoint.audio_format())
    except pj.Error as exc:
        raise SipError(f"cannot add media port {name!r} to the bridge: {pj_error_text(exc)}") from exc
    return port


def destroy_now(obj: Any, cls: Any) -> None:
    """Delete a SWIG director's C++ object while its Python side is intact.

    Left to garbage collection, CPython clears the instance's attributes before SWIG deletes
    the C++ object, and pjmedia may call back into the half-cleared object meanwhile (seen as
    AttributeErrors and a crash at shutdown). SWIG's delete wrapper disowns the pointer, so
    the later Python deallocation does not delete it again.
    """
    cls.__swig_destroy__(obj)
