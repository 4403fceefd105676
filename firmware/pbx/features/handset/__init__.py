"""The analog handset's hook-flash user interface over hold, transfer, conference and call waiting."""

from firmware.pbx.features.handset.session import Handsets
from firmware.pbx.features.handset.table import DeskEvent, DeskOutcome, DeskState

__all__ = ["DeskEvent", "DeskOutcome", "DeskState", "Handsets"]
