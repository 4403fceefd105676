"""Caller-ID data as the handset shows it (Bellcore GR-30 / ETSI EN 300 659-3 parameters)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class CidAbsence(enum.Enum):
    """Why a number or name is not presented (MDMF 0x04/0x08, SDMF 'O'/'P')."""

    PRIVATE = "P"        # withheld by the caller
    UNAVAILABLE = "O"    # out of area / not available


class CidStandard(enum.Enum):
    """Physical layer of the caller-ID spill."""

    BELL202 = "bell202"      # Bellcore FSK 1200/2200 Hz (US, CA)
    ETSI_V23 = "etsi_v23"    # ITU V.23 FSK 1300/2100 Hz (EU, UK)
    JAPAN = "japan"          # NTT V.23 variant (JCLIP)
    DTMF = "dtmf"            # DTMF CLIP (RU, Nordic, NL, IN)


class CidFormat(enum.Enum):
    MDMF = "mdmf"
    SDMF = "sdmf"


class CidTiming(enum.Enum):
    """When the spill is sent relative to ringing (ETSI EN 300 659-1 section 6)."""

    AFTER_FIRST_RING = "after_first_ring"        # Bellcore / most of EU
    BEFORE_RING_LINE_REVERSAL = "before_ring_lr"  # ETSI: line reversal + DT-AS, FSK, ring
    BEFORE_RING_RP_AS = "before_ring_rp_as"      # ETSI: short ring-pulse alert, then FSK, then ring


@dataclass(frozen=True)
class CallerId:
    number: str | None = None
    name: str | None = None
    number_absence: CidAbsence | None = None
    name_absence: CidAbsence | None = None
    when: datetime | None = None

    def display_number(self) -> str:
        if self.number:
            return self.number
        if self.number_absence is CidAbsence.PRIVATE:
            return "private"
        return "unavailable"
