"""An RTP far end for the tests (RFC 3550 framing, G.711 A-law payload 8 or u-law payload 0 as in
RFC 3551, RFC 4733 events): it answers the media pbxd sends with a tone of its own (or silence),
keeps what it received as linear audio, decodes telephone-events into digits and sends digits as
telephone-events of its own. SIPp does the signalling; this is only the media port."""

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
                 event_pt: int = 101, payload_type: int = 8) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, port))
        self.sock.settimeout(0.05)
        self.port = port
        self.tone_hz = tone_hz
        self.level = level_dbm0
        self.event_pt = event_pt
        self.payload_type = payload_type                  # 8 PCMA or 0 PCMU, sent and kept
        self.law = Law.MULAW if payload_type == 0 else Law.ALAW
        self.muted = False                                # send silence instead of the tone
        self._outgoing: list[tuple[int, int, int]] = []   # telephone-events to send: (event, ms, payload type)
        self._lock = threading.Lock()
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
                with self._lock:
                    event = self._outgoing.pop(0) if self._outgoing else None
                if event is not None:
                    seq = self._send_event(seq, ts, ssrc, *event)
                    ts += event[1] * 8
                    next_send = time.monotonic()
                    break
                samples = second[pos:pos + frame] * (0 if self.muted else 1)
                pos = (pos + frame) % 8000
                header = struct.pack("!BBHII", 0x80, self.payload_type, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
                self.sock.sendto(header + encode(samples, self.law), self.remote)
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
        if pt == self.payload_type:
            self.received.append((time.monotonic(), payload))
        elif pt == self.event_pt and len(payload) >= 4:
            self.events.append((ts, payload[0], bool(payload[1] & 0x80)))

    def audio(self, seconds: float) -> np.ndarray:
        """The last `seconds` of received G.711 audio as linear samples."""
        since = time.monotonic() - seconds
        chunks = [p for t, p in self.received if t >= since]
        return decode(b"".join(chunks), self.law) if chunks else np.zeros(0, dtype=np.int16)

    def send_digit(self, digit: str, duration_ms: int = 100, payload_type: int | None = None) -> None:
        """Send `digit` as an RFC 4733 telephone-event (instead of the audio while it lasts), with the
        payload type the receiver's SDP gave telephone-event (RFC 3264 5.1), event_pt if not given."""
        with self._lock:
            self._outgoing.append((EVENT_DIGITS.index(digit), duration_ms,
                                   self.event_pt if payload_type is None else payload_type))

    def _send_event(self, seq: int, ts: int, ssrc: int, event: int, duration_ms: int, pt: int) -> int:
        """One event as RFC 4733 2.5 describes it: a packet every 20 ms with the same timestamp and a
        growing duration, the first with the marker bit, the last three with the end bit."""
        assert self.remote is not None
        total = duration_ms * 8
        steps = list(range(160, total, 160)) + [total] * 3
        for i, duration in enumerate(steps):
            end = 0x80 if duration == total and i >= len(steps) - 3 else 0
            header = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0) | pt, seq & 0xFFFF,
                                 ts & 0xFFFFFFFF, ssrc)
            self.sock.sendto(header + struct.pack("!BBH", event, end | 10, duration), self.remote)
            seq += 1
            time.sleep(0.02)
        return seq

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
