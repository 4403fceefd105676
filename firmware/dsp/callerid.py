"""Voice-band caller ID and message waiting on spandsp ADSI (Bellcore GR-30-CORE, ETSI EN 300 659-1/-3).

Standards: BELL202 = spandsp CLASS (Bell 202 FSK), ETSI_V23 = CLIP (V.23 FSK), JAPAN = JCLIP
(NTT V.23 with DLE framing and CRC-16), DTMF = CLIP_DTMF (ETSI EN 300 659-1 annex B style
"A<number>C", absence "B00C" = unavailable, "B10C" = private).

Message bytes (`encode_message`, `encode_mwi`):
* BELL202 / ETSI_V23: the data-link message as sent after the mark signal - type, length,
  parameters, checksum (GR-30 / EN 300 659-3). MDMF 0x80 carries 0x01 date MMDDHHMM, 0x02
  number or 0x04 absence, 0x07 name or 0x08 absence; SDMF 0x04 carries date + number (or
  'O'/'P'), no name. MWI: MDMF 0x82 with 0x0B (0xFF on / 0x00 off); SDMF 0x06 with
  0x42 0x42 0x42 (on) / 0x6F 0x6F 0x6F (off).
* JAPAN: spandsp's J-CLIP application message (type 0x40, length, DLE-stuffed parameters
  0x02 number / 0x04 absence); spandsp adds the DLE SOH/STX/ETX framing, parity and CRC when
  sending. J-CLIP has no name, date, SDMF or MWI; `fmt` is ignored and a name is dropped.
* DTMF: the ASCII digit string; no name, date or MWI; `fmt` is ignored.

spandsp 0.0.6 quirk: adsi_add_field() DLE-stuffs the length byte for CLASS/CLIP too, so a
16-byte field (e.g. a 16-character name) gets a doubled length byte; such fields are
appended here directly instead.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from firmware.contracts.callerid import CallerId, CidAbsence, CidFormat, CidStandard
from firmware.contracts.errors import DspError
from firmware.dsp import spandsp as sp
from firmware.dsp.translit import to_ascii

_ADSI = {
    CidStandard.BELL202: sp.ADSI_STANDARD_CLASS,
    CidStandard.ETSI_V23: sp.ADSI_STANDARD_CLIP,
    CidStandard.JAPAN: sp.ADSI_STANDARD_JCLIP,
    CidStandard.DTMF: sp.ADSI_STANDARD_CLIP_DTMF,
}
_FSK = (CidStandard.BELL202, CidStandard.ETSI_V23)
MDMF_CALLERID, SDMF_CALLERID, MDMF_MWI, SDMF_MWI = 0x80, 0x04, 0x82, 0x06
P_DATETIME, P_NUMBER, P_NUMBER_ABSENT, P_NAME, P_NAME_ABSENT, P_MWI = 0x01, 0x02, 0x04, 0x07, 0x08, 0x0B
JCLIP_CALLERID = 0x40
_DLE = 0x10
_SPANDSP_FSK_DBM0 = -14.0   # fsk.c preset tx level for Bell 202 and V.23
_SPANDSP_DTMF_DBM0 = -10.0  # dtmf.c default level of each tone
_MAX_MSG = 256


@dataclass(frozen=True)
class MwiIndication:
    """Visual message-waiting indicator on (lamp lit) or off."""

    on: bool


CidMessage = CallerId | MwiIndication


class _TxContext:
    """A throwaway adsi_tx state; adsi_add_field only needs it for the standard."""

    def __init__(self, standard: CidStandard) -> None:
        self.lib = sp.lib()
        self.handle = sp.Handle(self.lib.adsi_tx_init(None, _ADSI[standard]), self.lib.adsi_tx_free,
                                "ADSI transmitter")
        self.buf = (ctypes.c_uint8 * _MAX_MSG)()
        self.length = -1
        self.ie_fields = standard in _FSK

    def add(self, field_type: int, body: bytes = b"") -> None:
        if self.length + 2 * len(body) + 4 > _MAX_MSG:  # worst case with DLE stuffing
            raise ValueError("caller-ID message too long")
        if self.ie_fields and self.length > 0 and len(body) == _DLE and field_type:
            self._append(bytes([field_type, len(body)]) + body)  # see module docstring
            return
        data = (ctypes.c_uint8 * max(1, len(body))).from_buffer_copy(body or b"\0")
        self.length = self.lib.adsi_add_field(self.handle.ptr, self.buf, self.length, field_type,
                                              data, len(body))

    def _append(self, raw: bytes) -> None:
        ctypes.memmove(ctypes.addressof(self.buf) + self.length, raw, len(raw))
        self.length += len(raw)

    def message(self) -> bytes:
        data = bytes(self.buf[: self.length])
        self.handle.close()
        return data


def _checksum(body: bytes) -> int:
    return -sum(body) & 0xFF


def _finish_fsk(raw: bytes) -> bytes:
    msg = bytes([raw[0], len(raw) - 2]) + raw[2:]
    return msg + bytes([_checksum(msg)])


def _absence_code(absence: CidAbsence | None) -> bytes:
    return (absence or CidAbsence.UNAVAILABLE).value.encode("ascii")


def _date_text(when: datetime | None) -> bytes:
    stamp = when or datetime.now()
    return stamp.strftime("%m%d%H%M").encode("ascii")


def _text(value: str) -> bytes:
    return to_ascii(value).encode("ascii", "replace")


def encode_message(cid: CallerId, standard: CidStandard, fmt: CidFormat = CidFormat.MDMF) -> bytes:
    """Bytes of one caller-ID message for `standard` (see the module docstring)."""
    if standard is CidStandard.DTMF:
        return _encode_dtmf(cid)
    ctx = _TxContext(standard)
    if standard is CidStandard.JAPAN:
        ctx.add(JCLIP_CALLERID)
        if cid.number:
            ctx.add(P_NUMBER, _text(cid.number))
        else:
            ctx.add(P_NUMBER_ABSENT, _absence_code(cid.number_absence))
        return ctx.message()
    if fmt is CidFormat.SDMF:
        ctx.add(SDMF_CALLERID)
        ctx.add(0, _date_text(cid.when))
        ctx.add(0, _text(cid.number) if cid.number else _absence_code(cid.number_absence))
        return _finish_fsk(ctx.message())
    ctx.add(MDMF_CALLERID)
    if cid.when is not None:
        ctx.add(P_DATETIME, _date_text(cid.when))
    if cid.number:
        ctx.add(P_NUMBER, _text(cid.number))
    else:
        ctx.add(P_NUMBER_ABSENT, _absence_code(cid.number_absence))
    if cid.name:
        ctx.add(P_NAME, _text(cid.name))
    elif cid.name_absence is not None:
        ctx.add(P_NAME_ABSENT, _absence_code(cid.name_absence))
    return _finish_fsk(ctx.message())


def _encode_dtmf(cid: CallerId) -> bytes:
    ctx = _TxContext(CidStandard.DTMF)
    ctx.add(ord("C"))
    if cid.number:
        digits = "".join(ch for ch in cid.number if ch.isdigit())
        ctx.add(ord("A"), digits.encode("ascii"))
    else:
        private = cid.number_absence is CidAbsence.PRIVATE
        ctx.add(ord("B"), b"10" if private else b"00")
    return ctx.message()


def encode_mwi(on: bool, standard: CidStandard, fmt: CidFormat = CidFormat.MDMF) -> bytes:
    """A message-waiting message (BELL202 / ETSI_V23 only)."""
    if standard not in _FSK:
        raise ValueError(f"{standard.value} caller ID has no message-waiting message")
    ctx = _TxContext(standard)
    if fmt is CidFormat.SDMF:
        ctx.add(SDMF_MWI)
        ctx.add(0, b"\x42\x42\x42" if on else b"\x6f\x6f\x6f")
    else:
        ctx.add(MDMF_MWI)
        ctx.add(P_MWI, b"\xff" if on else b"\x00")
    return _finish_fsk(ctx.message())


# --- decoding ---------------------------------------------------------------------------------
def _fields(standard: CidStandard, msg: bytes) -> list[tuple[int, bytes]]:
    """(type, body) pairs via spandsp's adsi_next_field; the first pair is the message type."""
    lib = sp.lib()
    handle = sp.Handle(lib.adsi_rx_init(None, _ADSI[standard], _NO_MSG, None), lib.adsi_rx_free,
                       "ADSI receiver")
    buf = (ctypes.c_uint8 * (len(msg) + 1)).from_buffer_copy(msg + b"\0")  # spandsp peeks 1 past
    ftype, body, flen = ctypes.c_uint8(), sp.c_uint8_p(), ctypes.c_int()
    out: list[tuple[int, bytes]] = []
    pos = -1
    try:
        while len(out) < 64:
            pos = lib.adsi_next_field(handle.ptr, buf, len(msg), pos, ctypes.byref(ftype),
                                      ctypes.byref(body), ctypes.byref(flen))
            if pos == -2:
                raise ValueError("caller-ID message structure is corrupt")
            if pos < 0:
                break
            data = ctypes.string_at(body, flen.value) if body and flen.value > 0 else b""
            out.append((ftype.value, data))
    finally:
        handle.close()
    return out


_NO_MSG = sp.PUT_MSG_FUNC(lambda _user, _msg, _len: None)


def _absence(code: bytes) -> CidAbsence:
    return CidAbsence.PRIVATE if code[:1] == b"P" else CidAbsence.UNAVAILABLE


def _parse_date(text: bytes, year: int | None) -> datetime | None:
    try:
        month, day, hour, minute = (int(text[i:i + 2]) for i in range(0, 8, 2))
        return datetime(year or datetime.now().year, month, day, hour, minute)
    except ValueError:
        return None


def decode_message(data: bytes, standard: CidStandard, *, year: int | None = None) -> CidMessage:
    """Decode one message (with or without its checksum) to CallerId or MwiIndication.

    Raises ValueError for a bad checksum, a corrupt structure or an unknown message type.
    `year` completes the MMDDHHMM date (default: the current year).
    """
    if standard is CidStandard.DTMF:
        return _decode_dtmf(data)
    if standard is CidStandard.JAPAN:
        return _decode_jclip(data)
    if len(data) < 2 or len(data) not in (data[1] + 2, data[1] + 3):
        raise ValueError("caller-ID message length does not match its length byte")
    if len(data) == data[1] + 3:
        if sum(data) & 0xFF:
            raise ValueError("caller-ID checksum mismatch")
        data = data[:-1]
    fields = _fields(standard, data)
    mtype = fields[0][0]
    params = fields[1:]
    if mtype == SDMF_CALLERID and params:
        body = params[0][1]
        rest = body[8:]
        if rest[:1] in (b"O", b"P"):
            return CallerId(number_absence=_absence(rest), when=_parse_date(body[:8], year))
        return CallerId(number=rest.decode("ascii", "replace"), when=_parse_date(body[:8], year))
    if mtype == SDMF_MWI and params:
        return MwiIndication(on=params[0][1][:1] == b"\x42")
    if mtype == MDMF_MWI:
        values = [body for code, body in params if code == P_MWI]
        if values:
            return MwiIndication(on=values[0][:1] == b"\xff")
    if mtype == MDMF_CALLERID:
        return _mdmf_callerid(params, year)
    raise ValueError(f"unsupported caller-ID message type 0x{mtype:02x}")


def _mdmf_callerid(params: list[tuple[int, bytes]], year: int | None) -> CallerId:
    number = name = None
    number_absence = name_absence = None
    when = None
    for code, body in params:
        if code == P_DATETIME:
            when = _parse_date(body, year)
        elif code == P_NUMBER:
            number = body.decode("ascii", "replace")
        elif code == P_NUMBER_ABSENT:
            number_absence = _absence(body)
        elif code == P_NAME:
            name = body.decode("ascii", "replace")
        elif code == P_NAME_ABSENT:
            name_absence = _absence(body)
    return CallerId(number=number, name=name, number_absence=number_absence,
                    name_absence=name_absence, when=when)


def _decode_jclip(data: bytes) -> CallerId:
    if data[:1] != bytes([_DLE]):  # application message: frame it as the receiver delivers it
        length = bytes([data[1], _DLE]) if data[1] == _DLE else data[1:2]
        data = b"\x10\x01\x07\x10\x02" + data[:1] + length + data[2:] + b"\x10\x03"
    fields = _fields(CidStandard.JAPAN, data)
    if not fields or fields[0][0] != JCLIP_CALLERID:
        raise ValueError("not a J-CLIP caller-ID message")
    for code, body in fields[1:]:
        if code == P_NUMBER:
            return CallerId(number=body.decode("ascii", "replace"))
        if code == P_NUMBER_ABSENT:
            return CallerId(number_absence=_absence(body))
    return CallerId(number_absence=CidAbsence.UNAVAILABLE)


def _decode_dtmf(data: bytes) -> CallerId:
    for code, body in _fields(CidStandard.DTMF, data)[1:]:
        if code in (ord("A"), 0) and body:
            return CallerId(number=body.decode("ascii"))
        if code == ord("B"):
            return CallerId(number_absence=CidAbsence.PRIVATE if body == b"10" else CidAbsence.UNAVAILABLE)
        if code == ord("D") and len(body) == 1:  # "D1#" private, "D2#"/"D3#" unavailable
            return CallerId(number_absence=CidAbsence.PRIVATE if body == b"1" else CidAbsence.UNAVAILABLE)
        if code == ord("D") and body:  # Taiwan/Kuwait "D<number>C"
            return CallerId(number=body.decode("ascii"))
    raise ValueError(f"no caller ID in DTMF string {data!r}")


# --- audio ------------------------------------------------------------------------------------
class CidSender:
    """Generates one spill at a time: `start(message)`, then `generate(n)` until `done`.

    `level_dbm0` is the FSK carrier level, or for DTMF the level of each of the two tones.
    `seizure=False` is the off-hook (type II, call-waiting) spill: no channel seizure and
    80 instead of 180 mark bits. J-CLIP and DTMF spills use spandsp's own preambles.
    """

    def __init__(self, standard: CidStandard, *, level_dbm0: float = -13.0, seizure: bool = True) -> None:
        self.standard = standard
        self.seizure = seizure
        native = _SPANDSP_DTMF_DBM0 if standard is CidStandard.DTMF else _SPANDSP_FSK_DBM0
        self._gain = 10.0 ** ((level_dbm0 - native) / 20.0)
        self._lib = sp.lib()
        self._handle: sp.Handle | None = None
        self._done = True

    @property
    def done(self) -> bool:
        """True when no spill is in progress (before `start` and after the last sample)."""
        return self._done

    def start(self, message: bytes | str) -> None:
        """Begin a spill of `message` (from encode_message / encode_mwi; for DTMF also a str).
        A spill still in progress is abandoned."""
        data = message.encode("ascii") if isinstance(message, str) else bytes(message)
        if self.standard in _FSK:
            if len(data) < 3 or sum(data) & 0xFF or len(data) != data[1] + 3:
                raise ValueError("FSK caller-ID message needs type, length, body and checksum")
            data = data[:-1]  # spandsp appends the checksum itself
        self.close()
        ptr = self._lib.adsi_tx_init(None, _ADSI[self.standard])
        self._handle = sp.Handle(ptr, self._lib.adsi_tx_free, "ADSI transmitter")
        if self.standard in _FSK:
            # GR-30 / EN 300 659-1: on-hook 300 seizure bits + 180 marks; off-hook 80 marks only
            seizure_bits, mark_bits = (300, 180) if self.seizure else (0, 80)
            self._lib.adsi_tx_set_preamble(self._handle.ptr, seizure_bits, mark_bits, -1, -1)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if self._lib.adsi_tx_put_message(self._handle.ptr, buf, len(data)) <= 0:
            raise DspError("spandsp refused the caller-ID message (too long or empty)")
        self._done = False

    def generate(self, n: int) -> npt.NDArray[np.int16]:
        out = np.zeros(n, dtype=np.int16)
        if self._done or self._handle is None or n <= 0:
            return out
        got = int(self._lib.adsi_tx(self._handle.ptr, sp.int16_ptr(out), n))
        if got < n:
            self._done = True
        return np.clip(np.rint(out * self._gain), -32768, 32767).astype(np.int16)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._done = True


class CidReceiver:
    """Demodulates spills; `feed` returns the complete, checksum/CRC-valid messages it finished."""

    def __init__(self, standard: CidStandard, *, year: int | None = None) -> None:
        self.standard = standard
        self.year = year
        self.rejected = 0  # valid frames whose content we could not decode
        self._lib = sp.lib()
        self._raw: list[bytes] = []
        self._callback = sp.PUT_MSG_FUNC(self._on_message)  # keep referenced
        ptr = self._lib.adsi_rx_init(None, _ADSI[standard], self._callback, None)
        self._handle = sp.Handle(ptr, self._lib.adsi_rx_free, "ADSI receiver")

    def _on_message(self, _user: int | None, msg: ctypes._Pointer[ctypes.c_uint8], length: int) -> None:
        self._raw.append(ctypes.string_at(msg, length))

    def feed(self, samples: npt.NDArray[np.int16]) -> list[CidMessage]:
        buf = np.ascontiguousarray(samples, dtype=np.int16)
        if buf.size:
            self._lib.adsi_rx(self._handle.ptr, sp.int16_ptr(buf), int(buf.size))
        out: list[CidMessage] = []
        for raw in self._raw:
            try:
                out.append(decode_message(raw, self.standard, year=self.year))
            except ValueError:
                self.rejected += 1
        self._raw.clear()
        return out

    def close(self) -> None:
        self._handle.close()
