"""Level and frequency measurement helpers (dBm0 per ITU-T G.100 / G.711 digital reference), numpy only.

Level convention, shared with spandsp (telephony.h DBM0_MAX_SINE_POWER): a full-scale sine
in 16-bit linear samples is +3.14 dBm0, so 0 dBm0 is a sine of RMS

    DBM0_RMS = 32767 / sqrt(2) * 10 ** (-3.14 / 20) = 16192.7 (int16 units).

That is the level the G.711 digital milliwatt decodes to (RMS 16016 for the mu-law sequence,
-0.1 dB) and the level spandsp's generators and detectors mean by "dBm0", so a tone made by
spandsp at -13 dBm0 measures -13.0 here. (The mu-law full-scale figure is +3.17 dBm0 and
A-law +3.14; the 0.03 dB difference is ignored.)
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 8000
DBM0_MAX_SINE_POWER = 3.14
DBM0_RMS = 32767.0 / math.sqrt(2.0) * 10.0 ** (-DBM0_MAX_SINE_POWER / 20.0)
MIN_DBM0 = -120.0  # what silence measures as (instead of -inf)


def _as_float(samples: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(samples, dtype=np.float64)


def rms_to_dbm0(rms: float) -> float:
    if rms <= 0.0:
        return MIN_DBM0
    return max(MIN_DBM0, 20.0 * math.log10(rms / DBM0_RMS))


def dbm0_to_rms(level_dbm0: float) -> float:
    return DBM0_RMS * 10.0 ** (level_dbm0 / 20.0)


def dbm0(samples: npt.ArrayLike) -> float:
    """RMS level of the whole block in dBm0 (MIN_DBM0 for digital silence or an empty block)."""
    x = _as_float(samples)
    if x.size == 0:
        return MIN_DBM0
    return rms_to_dbm0(float(np.sqrt(np.mean(x * x))))


def tone(freq_hz: float, dbm0: float, n: int, phase: float = 0.0) -> npt.NDArray[np.int16]:
    """`n` samples of a sine at `freq_hz` whose RMS is `dbm0` (clipped to int16)."""
    t = np.arange(n, dtype=np.float64) / SAMPLE_RATE
    amplitude = dbm0_to_rms(dbm0) * math.sqrt(2.0)
    x = amplitude * np.sin(2.0 * math.pi * freq_hz * t + phase)
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def silence(n: int) -> npt.NDArray[np.int16]:
    return np.zeros(n, dtype=np.int16)


def goertzel_dbm0(samples: npt.ArrayLike, freq_hz: float) -> float:
    """Level in dBm0 of the sine component at `freq_hz`: a Hann-windowed single-bin DFT
    (the generalised Goertzel), so neighbouring components leak little into the result."""
    x = _as_float(samples)
    if x.size < 2:
        return MIN_DBM0
    window = np.hanning(x.size)
    n = np.arange(x.size, dtype=np.float64)
    phasor = np.exp(-2j * math.pi * freq_hz * n / SAMPLE_RATE)
    amplitude = 2.0 * abs(complex(np.dot(x * window, phasor))) / float(window.sum())
    return rms_to_dbm0(amplitude / math.sqrt(2.0))


def spectrum_peaks(samples: npt.ArrayLike, count: int = 2, min_separation_hz: float = 40.0,
                   floor_db: float = 20.0) -> list[tuple[float, float]]:
    """Up to `count` strongest spectral peaks as (frequency Hz, dBm0), strongest first; peaks
    more than `floor_db` below the strongest are dropped. Frequencies are refined by
    parabolic interpolation on the log magnitude of a Hann-windowed, zero-padded FFT."""
    x = _as_float(samples)
    if x.size < 16 or not np.any(x):
        return []
    window = np.hanning(x.size)
    nfft = 1 << max(14, (x.size - 1).bit_length() + 2)
    mag = np.abs(np.fft.rfft((x - x.mean()) * window, nfft)) * 2.0 / float(window.sum())
    logmag = 20.0 * np.log10(mag + 1e-9)
    hz_per_bin = SAMPLE_RATE / nfft
    order = np.argsort(logmag[1:-1])[::-1] + 1
    peaks: list[tuple[float, float]] = []
    for k in order[: 4096].tolist():
        if logmag[k] < logmag[k - 1] or logmag[k] < logmag[k + 1]:
            continue
        if peaks and logmag[k] < logmag[order[0]] - floor_db:
            break
        a, b, c = float(logmag[k - 1]), float(logmag[k]), float(logmag[k + 1])
        denom = a - 2.0 * b + c
        delta = 0.5 * (a - c) / denom if denom != 0.0 else 0.0
        freq = (k + delta) * hz_per_bin
        if all(abs(freq - f) >= min_separation_hz for f, _ in peaks):
            peaks.append((freq, rms_to_dbm0(float(mag[k]) / math.sqrt(2.0))))
        if len(peaks) >= count:
            break
    return peaks


def dominant_frequency(samples: npt.ArrayLike) -> float:
    """Frequency in Hz of the strongest spectral component (0.0 for silence)."""
    peaks = spectrum_peaks(samples, count=1)
    return peaks[0][0] if peaks else 0.0
