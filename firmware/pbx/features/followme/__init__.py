"""Follow-me: an extension's own numbers ring when its desk phone is not answered."""

from firmware.pbx.features.followme.followme import IN_ORDER_RING_S, PARALLEL_RING_S, FollowMe

__all__ = ["IN_ORDER_RING_S", "PARALLEL_RING_S", "FollowMe"]
