"""DISA: dial in with a PIN, dial out or call extensions; lockout after wrong PINs."""

from firmware.pbx.features.disa.disa import DISA_FLOW, DISA_TABLE, Disa, DisaOutcome, DisaState

__all__ = ["DISA_FLOW", "DISA_TABLE", "Disa", "DisaOutcome", "DisaState"]
