"""Call waiting on a busy phone: the waiting tone and caller ID, answer (swap / release first), reject."""

from firmware.pbx.features.callwaiting.waiting import CallWaiting, WaitingOutcome, WaitingState

__all__ = ["CallWaiting", "WaitingOutcome", "WaitingState"]
