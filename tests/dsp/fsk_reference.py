"""An independent 1200-baud FSK caller-ID modem in numpy (test reference, shares no code with spandsp).

Modulator: continuous-phase FSK, 1 start bit, 8 data bits LSB first, 1 stop bit, with a
channel-seizure (alternating bits) and mark preamble. Demodulator: analytic signal (FFT
Hilbert transform), instantaneous frequency, one-bit moving average, slicer at the centre
frequency, UART framing; bytes are grouped into bursts separated by idle mark.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FS = 8000
BAUD = 1200
BELL202 = (1200.0, 2200.0)   # (mark, space)
V23 = (1300.0, 2100.0)


def uart_bits(data: bytes, stop_bits: int = 1) -> list[int]:
    bits: list[int] = []
    for byte in data:
        bits += [0] + [(byte >> i) & 1 for i in range(8)] + [1] * stop_bits
    return bits


def modulate(bits: list[int], tones: tuple[float, float], amplitude: float = 6000.0) -> npt.NDArray[np.int16]:
    n = math.ceil(len(bits) * FS / BAUD)
    index = np.minimum((np.arange(n) * BAUD) // FS, len(bits) - 1)
    freq = np.where(np.asarray(bits)[index] == 1, tones[0], tones[1])
    phase = 2 * np.pi * np.cumsum(freq) / FS
    return np.rint(amplitude * np.sin(phase)).astype(np.int16)


def spill(message: bytes, tones: tuple[float, float], *, seizure_bits: int = 300, mark_bits: int = 180,
          amplitude: float = 6000.0) -> npt.NDArray[np.int16]:
    bits = [i & 1 for i in range(seizure_bits)] + [1] * mark_bits + uart_bits(message) + [1] * 10
    silence = np.zeros(800, np.int16)
    return np.concatenate([silence, modulate(bits, tones, amplitude), silence])


def instantaneous_frequency(x: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    sig = x.astype(np.float64)
    spectrum = np.fft.fft(sig)
    h = np.zeros(sig.size)
    h[0] = 1.0
    h[1:(sig.size + 1) // 2] = 2.0
    if sig.size % 2 == 0:
        h[sig.size // 2] = 1.0
    analytic = np.fft.ifft(spectrum * h)
    dphi = np.angle(analytic[1:] * np.conj(analytic[:-1]))
    freq = np.concatenate([[0.0], dphi * FS / (2 * np.pi)])
    width = round(FS / BAUD)
    return np.convolve(freq, np.ones(width) / width, mode="same")


def demodulate(x: npt.NDArray[np.int16], tones: tuple[float, float],
               min_level: float = 300.0) -> list[bytes]:
    """Bursts of UART bytes found in `x` (each burst = bytes with < 4 idle bits between)."""
    freq = instantaneous_frequency(x)
    centre = (tones[0] + tones[1]) / 2
    mark_is_low = tones[0] < tones[1]
    bit = (freq < centre) if mark_is_low else (freq > centre)
    power = np.convolve(x.astype(np.float64) ** 2, np.ones(16) / 16, mode="same")
    carrier = power > min_level ** 2
    spb = FS / BAUD
    bursts: list[bytearray] = []
    last_end = -1e9
    i = 1
    while i < len(x) - int(10 * spb):
        if carrier[i] and bit[i - 1] and not bit[i]:                 # falling edge: start bit
            samples = [round(i + (k + 0.5) * spb) for k in range(10)]
            frame = [bool(bit[s]) for s in samples]
            if not frame[0] and frame[9] and all(carrier[s] for s in samples):
                value = sum(1 << k for k in range(8) if frame[k + 1])
                if i - last_end > 4 * spb or not bursts:
                    bursts.append(bytearray())
                bursts[-1].append(value)
                last_end = i + 10 * spb
                i = round(i + 9.5 * spb)
                continue
        i += 1
    return [bytes(b) for b in bursts]


def checksum_ok(msg: bytes) -> bool:
    return len(msg) >= 3 and len(msg) == msg[1] + 3 and sum(msg) % 256 == 0


def parse_mdmf(msg: bytes) -> dict[int, bytes]:
    """Parameters of an MDMF message (type, length, [code, len, value]..., checksum)."""
    params: dict[int, bytes] = {}
    pos, end = 2, 2 + msg[1]
    while pos + 2 <= end:
        code, length = msg[pos], msg[pos + 1]
        params[code] = msg[pos + 2: pos + 2 + length]
        pos += 2 + length
    return params


def crc_itu16_residue(data: bytes) -> int:
    """CRC-16/ITU (reflected 0x8408, initial 0, no final xor) over data followed by its CRC."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc
