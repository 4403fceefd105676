"""Sources and sinks on the bridge: call-progress tones (spandsp), WAV prompts and WAV recorders.

pjmedia behaviour relied on: the bridge pulls a source only while something listens to it,
so a tone's cadence and a prompt start when the first listener is connected; pjsua2's
`AudioMediaPlayer.onEof2` comes from pjmedia's event thread (we only set a flag there); a
WAV recorder's file is finalised (RIFF sizes written) when its port is destroyed, which
happens on the bridge tick after the recorder object is deleted (removal is asynchronous):
until then the RIFF length field is still zero, and that is how `WavRecorder` knows.
"""

from __future__ import annotations

import logging
import os
import struct
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pjsua2 as pj

from firmware.contracts.errors import SipError
from firmware.contracts.tones import ToneSpec
from firmware.sip.endpoint import MediaEndpoint, pj_error_text
from firmware.sip.frames import FrameWriter
from firmware.sip.mediaport import CallbackPort, create_port, destroy_now, ignore_frame

log = logging.getLogger(__name__)


class ToneSource(Protocol):
    @property
    def done(self) -> bool: ...

    def generate(self, n: int) -> npt.NDArray[np.int16]: ...


def _spandsp_tone(spec: ToneSpec) -> ToneSource:
    from firmware.dsp.tones import ToneGenerator
    return ToneGenerator(spec)


class TonePlayer:
    """A bridge port that plays one ToneSpec at a time (a `MediaNode`); owner thread only.

    The generator runs on the bridge clock thread; `play`/`stop` just swap the reference
    (generators free their spandsp state when the last reference goes). The port is on the
    bridge only while something listens (made by `audio_media()`, dropped by `bridge_idle()`):
    an idle port still costs a Python call per bridge tick.
    """

    def __init__(self, endpoint: MediaEndpoint, name: str = "tone", *,
                 generator: Callable[[ToneSpec], ToneSource] = _spandsp_tone) -> None:
        self.name = name
        self.spec: ToneSpec | None = None
        self._make = generator
        self._n = endpoint.frame_samples
        self._gen: ToneSource | None = None
        self._writer = FrameWriter(self._n)
        self._endpoint = endpoint
        self._closed = False
        self._port: CallbackPort | None = None
        endpoint.adopt(self)

    def play(self, spec: ToneSpec) -> None:
        """Start `spec` from its first segment (replacing whatever was playing)."""
        self._gen = self._make(spec)
        self.spec = spec

    def stop(self) -> None:
        self._gen = None
        self.spec = None

    @property
    def playing(self) -> bool:
        gen = self._gen
        return gen is not None and not gen.done

    def _on_requested(self, frame: Any) -> None:
        gen = self._gen
        if gen is None or gen.done:
            return                      # (the frame stays of type NONE)
        self._writer.samples[:] = gen.generate(self._n)
        self._writer.commit(frame)

    def audio_media(self) -> Any:
        if self._closed:
            raise SipError(f"tone player {self.name} is closed")
        if self._port is None:
            self._port = create_port(self._endpoint, self.name, self._on_requested, ignore_frame)
        return self._port

    @property
    def on_bridge(self) -> bool:
        return self._port is not None

    def bridge_idle(self) -> None:
        """Nothing listens any more: leave the bridge (owner thread)."""
        port, self._port = self._port, None
        if port is not None:
            port.destroy()

    def close(self) -> None:
        self._gen = None
        self._closed = True
        self.bridge_idle()
        self._writer.release()


def _ignore_eof() -> None:
    pass


class _Player(pj.AudioMediaPlayer):
    _on_eof: Callable[[], None] = staticmethod(_ignore_eof)

    def __init__(self, on_eof: Callable[[], None]) -> None:
        super().__init__()
        self._on_eof = on_eof

    def onEof2(self) -> None:
        try:
            self._on_eof()
        except Exception:   # never let an exception cross back into pjmedia's thread
            log.exception("onEof2 handler failed")


class WavPlayer:
    """Plays a WAV file onto the bridge, looping or once (a `MediaNode`); owner thread only."""

    def __init__(self, endpoint: MediaEndpoint, path: str | os.PathLike[str], *, loop: bool = False,
                 name: str | None = None) -> None:
        endpoint.check_thread()
        self.path = os.fspath(path)
        self.name = name or f"play:{os.path.basename(self.path)}"
        self.loop = loop
        self.eof_count = 0
        self._player: _Player | None = _Player(self._eof)
        try:
            self._player.createPlayer(self.path, 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        except pj.Error as exc:
            self._player = None
            raise SipError(f"cannot play {self.path}: {pj_error_text(exc)}") from exc
        endpoint.adopt(self)

    def _eof(self) -> None:
        self.eof_count += 1

    @property
    def done(self) -> bool:
        """A play-once file reached its end (never true for a looping player)."""
        return not self.loop and self.eof_count > 0

    def audio_media(self) -> Any:
        if self._player is None:
            raise SipError(f"player {self.name} is closed")
        return self._player

    def close(self) -> None:
        player, self._player = self._player, None
        if player is not None:
            player._on_eof = _ignore_eof
            destroy_now(player, pj.AudioMediaPlayer)


class WavRecorder:
    """Records what the bridge sends to it into a 16-bit WAV (a `MediaNode`); owner thread only."""

    def __init__(self, endpoint: MediaEndpoint, path: str | os.PathLike[str], *,
                 name: str | None = None) -> None:
        endpoint.check_thread()
        self._endpoint = endpoint
        self.path = os.fspath(path)
        self.name = name or f"rec:{os.path.basename(self.path)}"
        self._rec: Any = pj.AudioMediaRecorder()
        try:
            self._rec.createRecorder(self.path)
        except pj.Error as exc:
            self._rec = None
            raise SipError(f"cannot record to {self.path}: {pj_error_text(exc)}") from exc
        endpoint.adopt(self)

    def audio_media(self) -> Any:
        if self._rec is None:
            raise SipError(f"recorder {self.name} is stopped")
        return self._rec

    def stop(self) -> None:
        """Detach from the bridge; the file is complete once `finished` (about one tick later)."""
        self._rec = None

    close = stop

    @property
    def finished(self) -> bool:
        """The recorder is stopped and pjmedia has written the final RIFF sizes."""
        return self._rec is None and _riff_length(self.path) > 0

    def wait_finished(self, timeout_s: float = 2.0, *, poll_ms: int = 10) -> bool:
        """Stop (if needed) and pump the endpoint until the file is complete (owner thread)."""
        self.stop()
        deadline = time.monotonic() + timeout_s
        while not self.finished:
            if time.monotonic() > deadline:
                return False
            if self._endpoint.is_owner_thread():
                self._endpoint.poll(poll_ms)
            else:
                time.sleep(poll_ms / 1000.0)
        return True


def _riff_length(path: str) -> int:
    """The RIFF chunk length field of a WAV file (0 while pjmedia is still writing it)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return 0
    if len(head) < 8 or head[:4] != b"RIFF":
        return 0
    return int(struct.unpack("<I", head[4:8])[0])
