"""Hold and retrieve with music on hold (any party technology; the analog flash UI is in handset)."""

from firmware.pbx.features.hold.hold import HOLD_FLOW, Hold, HoldOutcome, HoldState

__all__ = ["HOLD_FLOW", "Hold", "HoldOutcome", "HoldState"]
