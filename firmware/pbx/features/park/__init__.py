"""Call park: lots with numbered slots, announcement, retrieval by slot, timeout recall, park groups."""

from firmware.pbx.features.park.park import PARK_FLOW, Park, ParkedCall, ParkOutcome, ParkState

__all__ = ["PARK_FLOW", "Park", "ParkOutcome", "ParkState", "ParkedCall"]
