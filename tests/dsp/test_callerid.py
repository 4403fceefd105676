"""Caller ID / MWI: message bytes, spill round trips, and cross-checks with independent decoders."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import numpy.typing as npt
import pytest

from firmware.contracts.callerid import CallerId, CidAbsence, CidFormat, CidStandard
from firmware.dsp import levels
from firmware.dsp.callerid import (
    CidMessage,
    CidReceiver,
    CidSender,
    MwiIndication,
    decode_message,
    encode_message,
    encode_mwi,
)
from firmware.dsp.dtmf import DtmfReceiver

from . import fsk_reference as ref
from .tools import multimon

WHEN = datetime(2026, 3, 4, 12, 30)
NAMED = CallerId(number="5551234567", name="JOHN Q PUBLIC", when=WHEN)
PRIVATE = CallerId(number_absence=CidAbsence.PRIVATE, name_absence=CidAbsence.PRIVATE, when=WHEN)
UNAVAILABLE = CallerId(number_absence=CidAbsence.UNAVAILABLE, name_absence=CidAbsence.UNAVAILABLE, when=WHEN)
FSK = [CidStandard.BELL202, CidStandard.ETSI_V23]
TONES = {CidStandard.BELL202: ref.BELL202, CidStandard.ETSI_V23: ref.V23, CidStandard.JAPAN: ref.V23}


def carried(cid: CallerId, standard: CidStandard, fmt: CidFormat) -> CallerId:
    """What a standard/format can carry: SDMF has no name, J-CLIP and DTMF neither name nor date."""
    if standard in FSK and fmt is CidFormat.MDMF:
        return cid
    when = cid.when if standard in FSK else None
    return CallerId(number=cid.number, number_absence=cid.number_absence, when=when)


def send(standard: CidStandard, message: bytes | str, *, seizure: bool = True, level: float = -13.0,
         frame: int = 160) -> npt.NDArray[np.int16]:
    tx = CidSender(standard, level_dbm0=level, seizure=seizure)
    tx.start(message)
    parts = [levels.silence(800)]
    while not tx.done:
        chunk = tx.generate(frame)
        assert chunk.size == frame
        parts.append(chunk)
    parts.append(levels.silence(4000))
    return np.concatenate(parts)


def receive(standard: CidStandard, x: npt.NDArray[np.int16], frame: int = 160) -> list[CidMessage]:
    rx = CidReceiver(standard, year=WHEN.year)
    out: list[CidMessage] = []
    for i in range(0, len(x), frame):
        out += rx.feed(x[i:i + frame])
    return out


# --- message bytes -----------------------------------------------------------------------------
def test_mdmf_bytes_follow_gr30_layout() -> None:
    msg = encode_message(NAMED, CidStandard.BELL202)
    body = (b"\x01\x0803041230" + b"\x02\x0a5551234567" + b"\x07\x0dJOHN Q PUBLIC")
    assert msg[:2] == bytes([0x80, len(body)])
    assert msg[2:-1] == body
    assert sum(msg) % 256 == 0


def test_sdmf_bytes_are_date_then_number() -> None:
    msg = encode_message(NAMED, CidStandard.ETSI_V23, CidFormat.SDMF)
    assert msg[:-1] == b"\x04\x12" + b"03041230" + b"5551234567"
    assert sum(msg) % 256 == 0
    private = encode_message(PRIVATE, CidStandard.BELL202, CidFormat.SDMF)
    assert private[2:-1] == b"03041230P"


def test_absence_parameters() -> None:
    params = ref.parse_mdmf(encode_message(PRIVATE, CidStandard.BELL202))
    assert params[0x04] == b"P" and params[0x08] == b"P" and 0x02 not in params
    params = ref.parse_mdmf(encode_message(UNAVAILABLE, CidStandard.ETSI_V23))
    assert params[0x04] == b"O" and params[0x08] == b"O"


def test_sixteen_character_name_has_single_length_byte() -> None:
    cid = CallerId(number="123", name="ABCDEFGHIJKLMNOP", when=WHEN)
    msg = encode_message(cid, CidStandard.BELL202)
    assert ref.parse_mdmf(msg)[0x07] == b"ABCDEFGHIJKLMNOP"
    assert decode_message(msg, CidStandard.BELL202, year=WHEN.year) == cid


def test_dtmf_clip_strings() -> None:
    assert encode_message(NAMED, CidStandard.DTMF) == b"A5551234567C"
    assert encode_message(PRIVATE, CidStandard.DTMF) == b"B10C"
    assert encode_message(UNAVAILABLE, CidStandard.DTMF) == b"B00C"
    assert decode_message(b"D1#", CidStandard.DTMF) == CallerId(number_absence=CidAbsence.PRIVATE)
    assert decode_message(b"A0123#", CidStandard.DTMF) == CallerId(number="0123")


def test_mwi_bytes() -> None:
    assert encode_mwi(True, CidStandard.BELL202) == bytes.fromhex("82030b01ff70")
    assert encode_mwi(False, CidStandard.ETSI_V23) == bytes.fromhex("82030b01006f")
    assert encode_mwi(True, CidStandard.BELL202, CidFormat.SDMF) == bytes.fromhex("060342424231")
    assert encode_mwi(False, CidStandard.BELL202, CidFormat.SDMF) == bytes.fromhex("06036f6f6faa")
    with pytest.raises(ValueError):
        encode_mwi(True, CidStandard.JAPAN)


def test_decode_rejects_bad_checksum() -> None:
    msg = bytearray(encode_message(NAMED, CidStandard.BELL202))
    msg[-1] ^= 0x01
    with pytest.raises(ValueError):
        decode_message(bytes(msg), CidStandard.BELL202)


# --- spills through spandsp ----------------------------------------------------------------------
@pytest.mark.parametrize("standard", list(CidStandard))
@pytest.mark.parametrize("fmt", list(CidFormat))
@pytest.mark.parametrize("cid", [NAMED, PRIVATE, UNAVAILABLE], ids=["named", "private", "unavailable"])
def test_spill_round_trip(standard: CidStandard, fmt: CidFormat, cid: CallerId) -> None:
    message = encode_message(cid, standard, fmt)
    expected = carried(cid, standard, fmt)
    assert decode_message(message, standard, year=WHEN.year) == expected
    assert receive(standard, send(standard, message)) == [expected]


@pytest.mark.parametrize("standard", FSK)
@pytest.mark.parametrize("fmt", list(CidFormat))
@pytest.mark.parametrize("on", [True, False])
def test_mwi_round_trip(standard: CidStandard, fmt: CidFormat, on: bool) -> None:
    assert receive(standard, send(standard, encode_mwi(on, standard, fmt))) == [MwiIndication(on)]


@pytest.mark.parametrize("standard", FSK)
def test_call_waiting_spill_has_no_seizure_and_still_decodes(standard: CidStandard) -> None:
    message = encode_message(NAMED, standard)
    on_hook, off_hook = send(standard, message), send(standard, message, seizure=False)
    # 300 seizure bits and 100 fewer mark bits: 400 bits = 2667 samples
    assert len(on_hook) - len(off_hook) == pytest.approx(400 * 8000 / 1200, abs=200)
    assert ref.demodulate(off_hook, TONES[standard]) == [message]
    assert receive(standard, off_hook) == [NAMED]


@pytest.mark.parametrize("standard", FSK)
def test_spill_level(standard: CidStandard) -> None:
    x = send(standard, encode_message(NAMED, standard), level=-13.0)
    burst = x[np.abs(x) > 0]
    assert levels.dbm0(burst) == pytest.approx(-13.0, abs=0.5)


def test_spill_in_odd_frame_sizes() -> None:
    x = send(CidStandard.ETSI_V23, encode_message(NAMED, CidStandard.ETSI_V23), frame=37)
    assert receive(CidStandard.ETSI_V23, x, frame=101) == [NAMED]


def test_receiver_ignores_silence_noise_and_a_corrupted_spill() -> None:
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 2000, 16000).astype(np.int16)
    assert receive(CidStandard.BELL202, noise) == []
    bad = bytearray(encode_message(NAMED, CidStandard.BELL202))
    bad[5] ^= 0x04
    assert receive(CidStandard.BELL202, ref.spill(bytes(bad), ref.BELL202)) == []


# --- independent decoders and an independent modulator ----------------------------------------------
@pytest.mark.parametrize("standard", FSK)
@pytest.mark.parametrize("fmt", list(CidFormat))
@pytest.mark.parametrize("cid", [NAMED, PRIVATE], ids=["named", "private"])
def test_numpy_demodulator_reads_our_spill(standard: CidStandard, fmt: CidFormat, cid: CallerId) -> None:
    message = encode_message(cid, standard, fmt)
    bursts = ref.demodulate(send(standard, message), TONES[standard])
    assert bursts[0] == b"\x55" * 30                       # channel seizure
    assert bursts[-1] == message and ref.checksum_ok(bursts[-1])


def test_multimon_ng_clipfsk_reads_bell202_spills() -> None:
    named = multimon(send(CidStandard.BELL202, encode_message(NAMED, CidStandard.BELL202)), "CLIPFSK")
    assert named == ["CLIPFSK: CS DATE=03041230 CID=5551234567 CNT=JOHN Q PUBLIC"]
    private = multimon(send(CidStandard.BELL202, encode_message(PRIVATE, CidStandard.BELL202)), "CLIPFSK")
    assert private == ["CLIPFSK: CS DATE=03041230 RACLI=P Private (CLIR involved) "
                       "RACNT=P Private (CLIR involved)"]
    mwi = multimon(send(CidStandard.BELL202, encode_mwi(True, CidStandard.BELL202)), "CLIPFSK")
    assert mwi == ["CLIPFSK: MWI VI=. Activation (indicator on)"]
    sdmf = multimon(send(CidStandard.BELL202, encode_message(NAMED, CidStandard.BELL202, CidFormat.SDMF)),
                    "CLIPFSK")
    assert len(sdmf) == 1 and sdmf[0].startswith("CLIPFSK: RVD len=21")  # type 0x04, checksum valid


def test_multimon_ng_clipfsk_reads_v23_spill() -> None:
    # multimon-ng's CLIPFSK correlates against 1200/2200 Hz; 1300/2100 Hz V.23 falls on the same sides
    lines = multimon(send(CidStandard.ETSI_V23, encode_message(NAMED, CidStandard.ETSI_V23)), "CLIPFSK")
    assert lines == ["CLIPFSK: CS DATE=03041230 CID=5551234567 CNT=JOHN Q PUBLIC"]


@pytest.mark.parametrize("standard", FSK)
@pytest.mark.parametrize("fmt", list(CidFormat))
def test_receiver_decodes_independently_modulated_spill(standard: CidStandard, fmt: CidFormat) -> None:
    for cid in (NAMED, UNAVAILABLE):
        x = ref.spill(encode_message(cid, standard, fmt), TONES[standard])
        assert receive(standard, x) == [carried(cid, standard, fmt)]
    mwi = ref.spill(encode_mwi(True, standard, fmt), TONES[standard], seizure_bits=0, mark_bits=80)
    assert receive(standard, mwi) == [MwiIndication(True)]


def _jclip_frame(number: bytes) -> bytes:
    """An NTT J-CLIP frame built by hand: DLE SOH header DLE STX type len param DLE ETX, even
    parity in bit 7, CRC-16/ITU (low byte first) over everything after DLE SOH."""
    body = bytes([0x02, len(number)]) + number
    frame = b"\x10\x01\x07\x10\x02" + bytes([0x40, len(body)]) + body + b"\x10\x03"
    with_parity = bytes(b | (0x80 if bin(b).count("1") % 2 else 0) for b in frame)
    crc = 0
    for byte in with_parity[2:]:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return with_parity + bytes([crc & 0xFF, crc >> 8])


def test_jclip_frame_on_the_wire_and_independent_frame_received() -> None:
    x = send(CidStandard.JAPAN, encode_message(NAMED, CidStandard.JAPAN))
    [frame] = ref.demodulate(x, ref.V23)
    assert frame == _jclip_frame(b"5551234567")
    assert ref.crc_itu16_residue(frame[2:]) == 0
    independent = ref.spill(_jclip_frame(b"0312345678"), ref.V23, seizure_bits=0, mark_bits=75)
    assert receive(CidStandard.JAPAN, independent) == [CallerId(number="0312345678")]


def test_dtmf_clip_spill_is_plain_dtmf() -> None:
    x = send(CidStandard.DTMF, encode_message(NAMED, CidStandard.DTMF))
    rx = DtmfReceiver()
    assert "".join(rx.feed(x[i:i + 160]) for i in range(0, len(x), 160)) == "A5551234567C"
    lines = multimon(x, "DTMF")
    assert "".join(line.removeprefix("DTMF: ") for line in lines) == "A5551234567C"
    private = send(CidStandard.DTMF, "B10C")  # the sender also takes the DTMF string itself
    assert receive(CidStandard.DTMF, private) == [CallerId(number_absence=CidAbsence.PRIVATE)]
