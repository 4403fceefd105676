"""A G.722 RTP far end for the tests (RFC 3551 4.5.2: payload type 9, an 8000 Hz RTP clock for
16 kHz audio), coded by spandsp's G.722 (libspandsp.so.2, as in baresip, Asterisk and FreeSWITCH):
it answers the media pbxd sends with a tone of its own and keeps what it received as 16 kHz linear
audio. The test chooses the tone and level in dBm0 as for G.711 (firmware.dsp.levels), so a level
measured here compares with one measured on a G.711 call."""

from __future__ import annotations

import ctypes
import math
import struct
import time

import numpy as np

from firmware.dsp.levels import dbm0_to_rms
from tests.sip.rtp import RtpPeer

RATE = 16000
FRAME = 320                      # 20 ms at 16 kHz: 160 bytes of G.722, timestamp step 160
G722_PT = 9

_lib = ctypes.CDLL("libspandsp.so.2")
_vp = ctypes.c_void_p
_i16p = ctypes.POINTER(ctypes.c_int16)
_u8p = ctypes.POINTER(ctypes.c_uint8)
for _name, _res, _args in (
        ("g722_encode_init", _vp, [_vp, ctypes.c_int, ctypes.c_int]),
        ("g722_encode", ctypes.c_int, [_vp, _u8p, _i16p, ctypes.c_int]),
        ("g722_encode_free", ctypes.c_int, [_vp]),
        ("g722_decode_init", _vp, [_vp, ctypes.c_int, ctypes.c_int]),
        ("g722_decode", ctypes.c_int, [_vp, _i16p, _u8p, ctypes.c_int]),
        ("g722_decode_free", ctypes.c_int, [_vp])):
    getattr(_lib, _name).restype = _res
    getattr(_lib, _name).argtypes = _args


def wideband_tone(freq_hz: float, level_dbm0: float, n: int) -> np.ndarray:
    t = np.arange(n, dtype=np.float64) / RATE
    x = dbm0_to_rms(level_dbm0) * math.sqrt(2.0) * np.sin(2.0 * math.pi * freq_hz * t)
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


class G722Peer(RtpPeer):
    """RtpPeer's socket, latching and packet bookkeeping with G.722 audio (no RFC 4733 sending)."""

    def __init__(self, ip: str, port: int, *, tone_hz: float = 1000.0, level_dbm0: float = -10.0) -> None:
        self._enc = _lib.g722_encode_init(None, 64000, 0)
        super().__init__(ip, port, tone_hz=tone_hz, level_dbm0=level_dbm0, payload_type=G722_PT)

    def _run(self) -> None:
        seq, ts, ssrc = 1, 0, 0x5678ABCD
        second = wideband_tone(self.tone_hz, self.level, RATE)
        pos = 0
        out = (ctypes.c_uint8 * (FRAME // 2))()
        next_send = time.monotonic()
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(2048)
                self._packet(data, addr)
            except TimeoutError:
                pass
            except OSError:
                return
            now = time.monotonic()
            while self.remote is not None and self.sending and now >= next_send:
                samples = np.ascontiguousarray(second[pos:pos + FRAME] * (0 if self.muted else 1), dtype=np.int16)
                pos = (pos + FRAME) % RATE
                n = _lib.g722_encode(self._enc, out, samples.ctypes.data_as(_i16p), FRAME)
                header = struct.pack("!BBHII", 0x80, G722_PT, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
                self.sock.sendto(header + bytes(out[:n]), self.remote)
                seq, ts, next_send = seq + 1, ts + FRAME // 2, next_send + 0.02
            if self.remote is None:
                next_send = time.monotonic()

    def audio(self, seconds: float) -> np.ndarray:
        """The last `seconds` of received G.722 audio as 16 kHz linear samples: everything received
        decoded by one decoder from the call's first packet (ADPCM adapts as it goes, as in a phone),
        then the samples of the packets that arrived in the window."""
        packets = list(self.received)
        recent = sum(1 for t, _ in packets if t >= time.monotonic() - seconds)
        data = b"".join(p for _, p in packets)
        if not recent or not data:
            return np.zeros(0, dtype=np.int16)
        dec = _lib.g722_decode_init(None, 64000, 0)
        try:
            pcm = np.zeros(len(data) * 2, dtype=np.int16)
            src = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
            n = _lib.g722_decode(dec, pcm.ctypes.data_as(_i16p), src, len(data))
        finally:
            _lib.g722_decode_free(dec)
        return pcm[:n][-recent * FRAME:]

    def close(self) -> None:
        super().close()
        if self._enc:
            _lib.g722_encode_free(self._enc)
        self._enc = None
