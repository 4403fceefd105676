"""The state table of a phone juggling calls with hook flash and the ETSI hook-flash codes (ETSI
ETS 300 xxx supplementary services over analog lines, as Deutsche Telekom and most PBXs use them):
R alone in a call holds it and gives recall dial tone; with a held call R retrieves it; with two
calls (or a waiting call) R then a digit: R0 drop the held/waiting call, R1 end the active call and
take the other, R2 swap, R3 three-party conference, R4 transfer (connect the two); no digit within
`flash_menu_s` = R2. Hanging up with a held call and a second call transfers (if enabled), with only
a held call rings back; with a waiting call rings with it."""

from __future__ import annotations

import enum
from types import MappingProxyType

from firmware.pbx.legs import IGNORE, Table


class DeskState(enum.Enum):
    IDLE = "idle"                # no call, or one plain call
    HOLDING = "holding"          # held call(s), no active call: recall dial tone, dialling, a failure tone
    CONSULTING = "consulting"    # held call(s) and an active call (a consultation)
    WAITING = "waiting"          # an active call and a waiting call
    MENU = "menu"                # flashed with two calls: waiting for R0-R4


class DeskEvent(enum.Enum):
    FLASH = "flash"
    DIGIT = "digit"              # a digit 0-4 in the menu
    MENU_TIMEOUT = "menu_timeout"
    HANG_UP = "hang_up"


class DeskOutcome(enum.Enum):
    HELD = "held"
    RETRIEVED = "retrieved"
    CONSULT_CANCELLED = "consult_cancelled"
    DROPPED_OTHER = "dropped_other"          # R0
    ENDED_ACTIVE = "ended_active"            # R1
    SWAPPED = "swapped"                      # R2
    CONFERENCE = "conference"                # R3
    TRANSFERRED = "transferred"              # R4 / hang-up
    RECALL = "recall"                        # hung up holding: rings back
    RING_WAITING = "ring_waiting"            # hung up with a waiting call: rings with it


_S, _E = DeskState, DeskEvent
DESK_TABLE: Table[DeskState, DeskEvent] = MappingProxyType({
    (_S.IDLE, _E.FLASH): (_S.HOLDING, "hold"),
    (_S.IDLE, _E.HANG_UP): (_S.IDLE, IGNORE),
    (_S.HOLDING, _E.FLASH): (_S.IDLE, "retrieve"),
    (_S.HOLDING, _E.HANG_UP): (_S.IDLE, "recall"),
    (_S.CONSULTING, _E.FLASH): (_S.MENU, "menu"),
    (_S.CONSULTING, _E.HANG_UP): (_S.IDLE, "transfer"),
    (_S.WAITING, _E.FLASH): (_S.MENU, "menu"),
    (_S.WAITING, _E.HANG_UP): (_S.IDLE, "ring_waiting"),
    (_S.MENU, _E.DIGIT): (_S.IDLE, "menu_digit"),
    (_S.MENU, _E.FLASH): (_S.IDLE, "swap"),
    (_S.MENU, _E.MENU_TIMEOUT): (_S.IDLE, "swap"),
    (_S.MENU, _E.HANG_UP): (_S.IDLE, "transfer"),
})
"""Next states are nominal: after each action the phone's state is settled from its calls (how
many are held, whether one is active or waiting), which the action may have changed."""
