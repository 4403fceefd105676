"""ProSLIC audio path between PCM highway and two-wire line, with the Si3210 DTMF decoder (facts 0, 1.1).

RX (highway -> line): the slot selected by the RX start count (DR4/DR5, PCLK cycles / 8) is
expanded (DR1 bits 4:3: µ-law or A-law), scaled by the receive digital gain (IR26 on the
Si3210, 0x4000 = unity) and the DR9 analog gain, and reaches the set only when the line
state passes audio: Active/Reverse Active with the loop closed, or (Reverse) OHT.
TX (line -> highway): the set's audio, scaled by the transmit gain, is companded into the
slot selected by the TX start count when the loop is closed in Active/Reverse Active, else
silence codes; the stream stays continuous while PCM is enabled (DR1 bit 5). DR8 loopback
sends RX straight back to TX and cuts the line. The Si3210's decoder listens to the set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si321x_regs import LF_LOOP_SENSING, LF_OHT_STATES, LF_TALK
from firmware.dsp import g711
from firmware.dsp.dtmf import DtmfReceiver

Samples = npt.NDArray[np.int16]
UNITY_GAIN = 0x4000
ANALOG_STEP = 10.0 ** (3.5 / 20.0)  # DR9: +/-3.5 dB steps


@dataclass(frozen=True)
class AudioSettings:
    """A snapshot of the registers and line state the audio path depends on."""

    enabled: bool        # DR1 bit 5 (and the chip out of reset)
    mulaw: bool          # DR1 bits 4:3 == 01
    tx_count: int        # DR2/DR3, PCLK cycles
    rx_count: int        # DR4/DR5
    loopback: bool       # DR8 != 0
    rx_gain: int         # receive digital gain (indirect)
    tx_gain: int         # transmit digital gain (indirect)
    analog_gain: int     # DR9
    linefeed: int        # DR64 LFS
    loop_closed: bool    # the set's hook switch / loop, raw

    @property
    def law(self) -> g711.Law:
        return g711.Law.MULAW if self.mulaw else g711.Law.ALAW

    def rx_scale(self) -> float:
        return self.rx_gain / UNITY_GAIN * _analog(self.analog_gain & 0x02, self.analog_gain & 0x01)

    def tx_scale(self) -> float:
        return self.tx_gain / UNITY_GAIN * _analog(self.analog_gain & 0x08, self.analog_gain & 0x04)

    def to_set(self) -> bool:
        return (self.linefeed in LF_TALK and self.loop_closed) or self.linefeed in LF_OHT_STATES

    def from_set(self) -> bool:
        return self.linefeed in LF_TALK and self.loop_closed


def _analog(up: int, down: int) -> float:
    return (ANALOG_STEP if up else 1.0) / (ANALOG_STEP if down else 1.0)


def _scale(samples: Samples, factor: float) -> Samples:
    if factor == 1.0:
        return samples.astype(np.int16, copy=False)
    return np.clip(np.rint(samples * factor), -32768, 32767).astype(np.int16)


class AudioPath:
    def __init__(self, highway: VirtualPcmHighway, *, decode_dtmf: bool) -> None:
        self._highway = highway
        self._decode_dtmf = decode_dtmf
        self._receiver: DtmfReceiver | None = None
        self._loopback: Samples | None = None
        self.dtmf_present = False

    def reset(self) -> None:
        self._loopback = None
        self.dtmf_present = False
        if self._receiver is not None:
            self._receiver.close()
        if self._decode_dtmf:
            self._receiver = DtmfReceiver()

    def _slot(self, count: int) -> int | None:
        slot = count // 8  # an unaligned start count is taken as the slot it starts in
        return slot if slot < self._highway.slots else None

    def to_line(self, n: int, s: AudioSettings) -> Samples:
        """The block the chip drives onto the line (also consumes the RX slot while PCM runs)."""
        self._loopback = None
        slot = self._slot(s.rx_count)
        if not s.enabled or slot is None:
            return np.zeros(n, np.int16)
        law = s.law
        pcm = _scale(g711.decode(self._highway.chip_receive(slot, n, g711.silence_byte(law)), law),
                     s.rx_scale())
        if s.loopback:
            self._loopback = pcm
            return np.zeros(n, np.int16)
        return pcm if s.to_set() else np.zeros(n, np.int16)

    def idle(self, n: int, *, enabled: bool, law: g711.Law, tx_count: int, rx_count: int) -> None:
        """`to_line` + `from_line` for a block that is silence both ways (no loopback, loop open, a line
        state that passes no audio to the set): the RX slot is consumed, the TX slot gets silence codes."""
        self._loopback = None
        self.dtmf_present = False
        if not enabled:
            return
        silence = g711.silence_byte(law)
        rx = self._slot(rx_count)
        if rx is not None:
            self._highway.chip_receive(rx, n, silence)
        tx = self._slot(tx_count)
        if tx is not None:
            self._highway.chip_transmit(tx, bytes([silence]) * n)

    def from_line(self, block: Samples, s: AudioSettings) -> str:
        """Take the set's audio; returns the DTMF digits the decoder newly recognised."""
        block = np.asarray(block, dtype=np.int16)
        digits = self._decode(block, s)
        slot = self._slot(s.tx_count)
        if s.enabled and slot is not None:
            self._highway.chip_transmit(slot, g711.encode(self._tx_samples(block, s), s.law))
        return digits

    def _tx_samples(self, block: Samples, s: AudioSettings) -> Samples:
        n = len(block)
        if s.loopback:
            looped = self._loopback if self._loopback is not None else np.zeros(0, np.int16)
            out = np.zeros(n, np.int16)
            out[: min(n, len(looped))] = looped[:n]
            return out
        if s.from_set():
            return _scale(block, s.tx_scale())
        return np.zeros(n, np.int16)

    def _decode(self, block: Samples, s: AudioSettings) -> str:
        if self._receiver is None:
            return ""
        if not (s.loop_closed and s.linefeed in LF_LOOP_SENSING):
            self.dtmf_present = False
            return ""
        digits = self._receiver.feed(block)
        self.dtmf_present = self._receiver.current_digit is not None
        return digits
