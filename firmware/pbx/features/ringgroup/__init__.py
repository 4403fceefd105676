"""Ring groups: stages, strategies, schedules, final destination, missed-call mails, daily reports."""

from firmware.pbx.features.ringgroup.group import GROUP_FLOW, RingGroups
from firmware.pbx.features.ringgroup.table import GroupCall, GroupOutcome, GroupState

__all__ = ["GROUP_FLOW", "GroupCall", "GroupOutcome", "GroupState", "RingGroups"]
