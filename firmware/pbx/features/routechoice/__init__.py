"""Per-extension outbound routes and choosing one per call (*7 + route digit + number, operator panel)."""

from firmware.pbx.features.routechoice.choice import RouteChoiceFeature, RouteChoiceOutcome

__all__ = ["RouteChoiceFeature", "RouteChoiceOutcome"]
