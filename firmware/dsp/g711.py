"""ITU-T G.711 mu-law / A-law companding with precomputed numpy lookup tables (media path).

Linear samples are 16-bit (the 14-bit mu-law / 13-bit A-law ranges scaled up, as spandsp
and most telephony software use them). Encoding is one table lookup per sample in a
65536-entry table indexed by the sample's bit pattern; decoding a 256-entry table. The
tables follow the reference algorithm (same code points as spandsp's g711.h, which the
tests cross-check against spandsp's g711_encode/g711_decode).
"""

from __future__ import annotations

import enum

import numpy as np
import numpy.typing as npt

_ULAW_BIAS = 0x84
_ALAW_AMI_MASK = 0x55


class Law(enum.Enum):
    MULAW = "mulaw"
    ALAW = "alaw"


def _top_bit(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Index of the highest set bit of positive integers."""
    out = np.zeros(values.shape, dtype=np.int64)
    v = values.copy()
    for shift in (16, 8, 4, 2, 1):
        big = v >= (1 << shift)
        out[big] += shift
        v[big] >>= shift
    return out


def _mulaw_encode_table() -> npt.NDArray[np.uint8]:
    linear = np.arange(-32768, 32768, dtype=np.int64)
    positive = linear >= 0
    mag = np.where(positive, _ULAW_BIAS + linear, _ULAW_BIAS - linear)
    mask = np.where(positive, 0xFF, 0x7F)
    seg = _top_bit(mag | 0xFF) - 7
    code = ((seg << 4) | ((mag >> np.minimum(seg + 3, 31)) & 0x0F)) ^ mask
    code = np.where(seg >= 8, 0x7F ^ mask, code)
    return _by_bit_pattern(linear, code)


def _alaw_encode_table() -> npt.NDArray[np.uint8]:
    linear = np.arange(-32768, 32768, dtype=np.int64)
    positive = linear >= 0
    mag = np.where(positive, linear, -linear - 1)
    mask = np.where(positive, _ALAW_AMI_MASK | 0x80, _ALAW_AMI_MASK)
    seg = _top_bit(mag | 0xFF) - 7
    shift = np.where(seg > 0, seg + 3, 4)
    code = ((seg << 4) | ((mag >> np.minimum(shift, 31)) & 0x0F)) ^ mask
    code = np.where(seg >= 8, 0x7F ^ mask, code)
    return _by_bit_pattern(linear, code)


def _by_bit_pattern(linear: npt.NDArray[np.int64], code: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    table = np.zeros(65536, dtype=np.uint8)
    table[linear & 0xFFFF] = code.astype(np.uint8)
    return table


def _mulaw_decode_table() -> npt.NDArray[np.int16]:
    u = ~np.arange(256, dtype=np.int64) & 0xFF
    t = (((u & 0x0F) << 3) + _ULAW_BIAS) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, _ULAW_BIAS - t, t - _ULAW_BIAS).astype(np.int16)


def _alaw_decode_table() -> npt.NDArray[np.int16]:
    a = np.arange(256, dtype=np.int64) ^ _ALAW_AMI_MASK
    i = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    mag = np.where(seg > 0, (i + 0x108) << np.maximum(seg - 1, 0), i + 8)
    return np.where(a & 0x80, mag, -mag).astype(np.int16)


_ENCODE = {Law.MULAW: _mulaw_encode_table(), Law.ALAW: _alaw_encode_table()}
_DECODE = {Law.MULAW: _mulaw_decode_table(), Law.ALAW: _alaw_decode_table()}
_SILENCE = {Law.MULAW: 0xFF, Law.ALAW: 0xD5}


def encode(samples: npt.NDArray[np.int16], law: Law) -> bytes:
    """Compand 16-bit linear samples to one G.711 byte each."""
    pattern = np.ascontiguousarray(samples, dtype=np.int16).view(np.uint16)
    return bytes(_ENCODE[law][pattern].tobytes())


def decode(data: bytes, law: Law) -> npt.NDArray[np.int16]:
    """Expand G.711 bytes to 16-bit linear samples (a new int16 array)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    return _DECODE[law][codes]


def silence_byte(law: Law) -> int:
    """The code word of a zero sample: 0xFF (mu-law), 0xD5 (A-law)."""
    return _SILENCE[law]


def encode_table(law: Law) -> npt.NDArray[np.uint8]:
    """The 65536-entry encode table, indexed by a sample's uint16 bit pattern (read-only use)."""
    return _ENCODE[law]


def decode_table(law: Law) -> npt.NDArray[np.int16]:
    """The 256-entry decode table (read-only use)."""
    return _DECODE[law]
