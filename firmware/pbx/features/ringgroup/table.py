"""A ring-group call's state table and outcome, member schedules (weekday + HH:MM windows in the box's
time zone) and what counts as a missed call (per group: unanswered by anyone; a caller who gave up
sooner than `min_wait_s` is not missed; answered elsewhere counts as missed or not)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from firmware.config.ringgroups import MemberConfig, RingGroupConfig, ScheduleWindow, day_set, minutes
from firmware.pbx.legs import LegMachine, Table


class GroupState(enum.Enum):
    STAGE = "stage"              # ringing the members of a stage
    FINAL = "final"              # ringing the final (or anonymous) destination
    ANSWERED = "answered"
    ENDED = "ended"


class GroupEvent(enum.Enum):
    START = "start"
    NEXT_STAGE = "next_stage"    # the stage's time is up, or nobody in it can ring
    TO_FINAL = "to_final"
    MEMBER_ANSWERED = "member_answered"
    FINAL_ANSWERED = "final_answered"
    CALLER_GONE = "caller_gone"
    GIVE_UP = "give_up"          # the final destination is hang-up, or it did not answer
    HAND_OVER = "hand_over"      # forwarded to another group


class GroupOutcome(enum.Enum):
    ANSWERED = "answered"                    # by a member (any stage)
    ANSWERED_ELSEWHERE = "answered_elsewhere"  # final destination, or picked up by a non-member
    CALLER_GAVE_UP = "caller_gave_up"
    UNANSWERED = "unanswered"                # through every stage to a final hang-up
    FORWARDED = "forwarded"                  # to another group (which keeps its own record)


_S, _E, _O = GroupState, GroupEvent, GroupOutcome
GROUP_TABLE: Table[GroupState, GroupEvent] = MappingProxyType({
    (_S.STAGE, _E.NEXT_STAGE): (_S.STAGE, "ring_stage"),
    (_S.STAGE, _E.TO_FINAL): (_S.FINAL, "ring_final"),
    (_S.STAGE, _E.MEMBER_ANSWERED): (_S.ANSWERED, _O.ANSWERED.value),
    (_S.STAGE, _E.CALLER_GONE): (_S.ENDED, _O.CALLER_GAVE_UP.value),
    (_S.STAGE, _E.HAND_OVER): (_S.ENDED, _O.FORWARDED.value),
    (_S.FINAL, _E.FINAL_ANSWERED): (_S.ANSWERED, _O.ANSWERED_ELSEWHERE.value),
    (_S.FINAL, _E.CALLER_GONE): (_S.ENDED, _O.CALLER_GAVE_UP.value),
    (_S.FINAL, _E.GIVE_UP): (_S.ENDED, _O.UNANSWERED.value),
    (_S.FINAL, _E.HAND_OVER): (_S.ENDED, _O.FORWARDED.value),
})


def in_schedule(windows: list[ScheduleWindow], wall: datetime) -> bool:
    """A member without windows always rings; else only inside one of them."""
    if not windows:
        return True
    now = wall.hour * 60 + wall.minute
    return any(wall.weekday() in day_set(w.days) and minutes(w.start) <= now < minutes(w.end) for w in windows)


@dataclass
class Target:
    """A member resolved for this call: a phone party, or an outside number."""

    member: MemberConfig
    party: str = ""              # the phone, or the line once dialled


@dataclass
class GroupCall:
    call: int
    group: RingGroupConfig
    machine: LegMachine[GroupState, GroupEvent]
    start: float
    start_wall: datetime
    caller_number: str
    caller_name: str
    stage: int = -1
    step: int = 0
    targets: list[Target] = field(default_factory=list)
    answered_by: str = ""
    answered_stage: int | None = None
    answered_at: float | None = None
    outcome: GroupOutcome | None = None
    note: str = ""
    depth: int = 0
    personal: bool = False       # an extension's follow-me, not a configured group


def is_missed(gc: GroupCall, answered: bool, waited_s: float) -> bool:
    """The group's rule: answered by a member is never missed; answered elsewhere as configured;
    unanswered unless the caller gave up within `min_wait_s`."""
    rules = gc.group.missed
    if gc.outcome is GroupOutcome.ANSWERED:
        return False
    if gc.outcome is GroupOutcome.FORWARDED:
        return False
    if answered:
        return rules.answered_elsewhere == "missed"
    return waited_s >= rules.min_wait_s
