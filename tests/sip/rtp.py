"""An RTP far end for the tests (RFC 3550 framing, G.711 A-law payload 8, RFC 4733 events): it
answers the media pbxd sends with a tone of its own, keeps what it received as linear audio and
decodes telephone-events into digits. SIPp does the signalling; this is only the media port."""

from __future__ import annotations

import socket
import struct
import threading
import time

import numpy as np

from firmware.dsp.g711 import Law, decode, encode
from firmware.dsp.levels import tone

EVENT_DIGITS = "0123456789*#ABCD"


class RtpPeer:
    def __init__(self, ip: str, port: int, *, tone_hz: float = 1000.0, level_dbm0: float = -10.0,
                 event_pt: int = 101) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, port))
        self.sock.settimeout(0.05)
        self.port = port
        self.tone_hz = tone_hz
        self.level = level_dbm0
        self.event_pt = event_pt
        self.remote: tuple[str, int] | None = None
        self.received: list[tuple[float, bytes]] = []     # (arrival, A-law payload)
        self.events: list[tuple[int, int, bool]] = []     # (timestamp, event, end bit)
        self.payload_types: set[int] = set()
        self.sending = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seq, ts, ssrc = 1, 0, 0x1234ABCD
        frame = 160
        second = tone(self.tone_hz, self.level, 8000)      # whole periods for whole-Hz tones: loops cleanly
        pos = 0
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
                samples = second[pos:pos + frame]
                pos = (pos + frame) % 8000
                header = struct.pack("!BBHII", 0x80, 8, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
                self.sock.sendto(header + encode(samples, Law.ALAW), self.remote)
                seq, ts, next_send = seq + 1, ts + frame, next_send + 0.02
            if self.remote is None:
                next_send = time.monotonic()

    def _packet(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 12:
            return
        self.remote = addr
        pt = data[1] & 0x7F
        ts = struct.unpack("!I", data[4:8])[0]
        self.payload_types.add(pt)
        payload = data[12 + 4 * (data[0] & 0x0F):]
        if pt == 8:
            self.received.append((time.monotonic(), payload))
        elif pt == self.event_pt and len(payload) >= 4:
            self.events.append((ts, payload[0], bool(payload[1] & 0x80)))

    def audio(self, seconds: float) -> np.ndarray:
        """The last `seconds` of received A-law audio as linear samples."""
        since = time.monotonic() - seconds
        chunks = [p for t, p in self.received if t >= since]
        return decode(b"".join(chunks), Law.ALAW) if chunks else np.zeros(0, dtype=np.int16)

    def digits(self) -> str:
        """RFC 4733 digits received (one per event, by its timestamp)."""
        seen: dict[int, int] = {}
        for ts, event, _end in self.events:
            seen.setdefault(ts, event)
        return "".join(EVENT_DIGITS[e] for _ts, e in sorted(seen.items()) if e < len(EVENT_DIGITS))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
