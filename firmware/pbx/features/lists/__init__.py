"""Black and white lists, caller-ID routing by number mask, phone-book names on inbound calls."""

from firmware.pbx.features.lists.screening import Screening, ScreenOutcome

__all__ = ["ScreenOutcome", "Screening"]
