"""Call pickup: group pickup (*8) and directed pickup (** + extension) within pickup groups."""

from firmware.pbx.features.pickup.pickup import Pickup, PickupOutcome

__all__ = ["Pickup", "PickupOutcome"]
