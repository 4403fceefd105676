"""Audio the FXS driver sends toward the handset, built from spandsp via firmware.dsp (fact sheet 3.3-3.5).

Caller-ID spills (Bell 202 / V.23 FSK, SDMF/MDMF, and DTMF CLIP) come from `CidSender`, alert
tones (SAS, CAS, DT-AS) from `ToneGenerator`. Nothing here is hand-written DSP.
"""

from __future__ import annotations

from typing import Protocol

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.tones import ToneSpec
from firmware.drivers.fxs.callerid import AudioSource
from firmware.drivers.fxs.settings import FxsSettings
from firmware.dsp.callerid import CidSender, encode_message, encode_mwi
from firmware.dsp.tones import ToneGenerator

MWI_STANDARDS = (CidStandard.BELL202, CidStandard.ETSI_V23)


class Sources(Protocol):
    def spill(self, cid: CallerId, *, seizure: bool) -> tuple[AudioSource, int]: ...

    def mwi(self, on: bool) -> tuple[AudioSource, int] | None: ...

    def tone(self, spec: ToneSpec) -> AudioSource: ...


def limit_ms(message: bytes, standard: CidStandard) -> int:
    """Safety limit for a spill: seizure + marks + 10 bits a byte at 1200 bit/s, or DTMF digits."""
    if standard is CidStandard.DTMF:
        return 1000 + 250 * len(message)
    return 1000 + 10 * len(message)


class DspSources:
    def __init__(self, settings: FxsSettings) -> None:
        self.s = settings

    def spill(self, cid: CallerId, *, seizure: bool) -> tuple[AudioSource, int]:
        message = encode_message(cid, self.s.cid_standard, self.s.cid_format)
        return self._sender(message, seizure), limit_ms(message, self.s.cid_standard)

    def mwi(self, on: bool) -> tuple[AudioSource, int] | None:
        if self.s.cid_standard not in MWI_STANDARDS:
            return None
        message = encode_mwi(on, self.s.cid_standard, self.s.cid_format)
        return self._sender(message, True), limit_ms(message, self.s.cid_standard)

    def tone(self, spec: ToneSpec) -> AudioSource:
        return ToneGenerator(spec)

    def _sender(self, message: bytes, seizure: bool) -> CidSender:
        sender = CidSender(self.s.cid_standard, level_dbm0=self.s.cid_level_dbm0, seizure=seizure)
        sender.start(message)
        return sender
