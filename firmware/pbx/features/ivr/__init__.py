"""IVR menus: multi-level voice menus as data, direct dialling, timeouts and retries."""

from firmware.pbx.features.ivr.menu import IVR_FLOW, Menus
from firmware.pbx.features.ivr.table import IVR_TABLE, IvrEvent, IvrOutcome, IvrState, MenuCall

__all__ = ["IVR_FLOW", "IVR_TABLE", "IvrEvent", "IvrOutcome", "IvrState", "MenuCall", "Menus"]
