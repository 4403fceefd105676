"""The IVR menu state table (one caller in a menu) and how a menu visit ended (FreePBX IVR practice:
timeout and invalid destinations, retries, direct dialling of extensions while the menu plays)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from types import MappingProxyType

from firmware.config.attendant import IvrMenuConfig
from firmware.pbx.features.goto import Session
from firmware.pbx.legs import LegMachine, Table


class IvrState(enum.Enum):
    PROMPTING = "prompting"      # the menu prompt plays
    WAITING = "waiting"          # prompt over, waiting for a key (timeout_s)
    COLLECTING = "collecting"    # keys being gathered (an option or an extension number)
    INVALID = "invalid"          # the invalid-entry prompt plays
    LEFT = "left"                # sent on to a destination
    DONE = "done"                # the caller hung up in the menu


class IvrEvent(enum.Enum):
    PROMPT_DONE = "prompt_done"
    KEY = "key"
    TIMEOUT = "timeout"          # nothing pressed: say the menu again
    CHOSEN = "chosen"            # an option, a dialled number or the timeout destination
    WRONG = "wrong"              # keys that lead nowhere
    REPEAT = "repeat"
    SUBMENU = "submenu"          # another menu (or back to the previous one)
    EXHAUSTED = "exhausted"      # retries used up: the fail destination
    CALLER_GONE = "caller_gone"


class IvrOutcome(enum.Enum):
    OPTION = "option"
    DIRECT_DIAL = "direct_dial"
    TIMEOUT = "timeout"          # went to the timeout destination
    FAILED = "failed"            # retries used up (fail destination)
    CALLER_GONE = "caller_gone"


_S, _E = IvrState, IvrEvent
_ACTIVE = (_S.PROMPTING, _S.WAITING, _S.COLLECTING, _S.INVALID)
IVR_TABLE: Table[IvrState, IvrEvent] = MappingProxyType({
    (_S.PROMPTING, _E.PROMPT_DONE): (_S.WAITING, "wait_for_key"),
    (_S.PROMPTING, _E.KEY): (_S.COLLECTING, "collect"),
    (_S.WAITING, _E.KEY): (_S.COLLECTING, "collect"),
    (_S.COLLECTING, _E.KEY): (_S.COLLECTING, "collect"),
    (_S.INVALID, _E.KEY): (_S.COLLECTING, "collect"),
    (_S.WAITING, _E.TIMEOUT): (_S.PROMPTING, "say_menu"),
    (_S.WAITING, _E.CHOSEN): (_S.LEFT, IvrOutcome.TIMEOUT.value),
    (_S.COLLECTING, _E.CHOSEN): (_S.LEFT, "send"),
    (_S.COLLECTING, _E.WRONG): (_S.INVALID, "say_invalid"),
    (_S.WAITING, _E.WRONG): (_S.INVALID, "say_invalid"),
    (_S.INVALID, _E.PROMPT_DONE): (_S.PROMPTING, "say_menu"),
    (_S.COLLECTING, _E.REPEAT): (_S.PROMPTING, "say_menu"),
    (_S.COLLECTING, _E.SUBMENU): (_S.PROMPTING, "say_menu"),
    **{(s, _E.EXHAUSTED): (_S.LEFT, IvrOutcome.FAILED.value) for s in _ACTIVE},
    **{(s, _E.CALLER_GONE): (_S.DONE, IvrOutcome.CALLER_GONE.value) for s in _ACTIVE},
})


@dataclass
class MenuCall:
    """One caller in the menus (the call keeps it while it moves between menus)."""

    call: int
    party: str
    menu: IvrMenuConfig
    machine: LegMachine[IvrState, IvrEvent]
    session: Session
    since: float
    stack: list[str] = field(default_factory=list)     # menus that led here (for "back")
    retries: int = 0
    keys: str = ""
    outcome: IvrOutcome | None = None
    path: list[dict[str, str]] = field(default_factory=list)
