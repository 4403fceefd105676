"""The party interface: one endpoint of calls as call flows and feature packages see it, whatever
carries it (an FXS handset or an FXO line today; a SIP phone or a SIP trunk call later). Flows and
features alert, connect, play, hold and release parties, never ports (Asterisk's split between
channel technologies and applications: Dial, Park, Pickup and ConfBridge never see chan_dahdi).

A party has at most one *active* call (`call`): the one its device is in. It may belong to more
calls (a held call, a waiting call): `release` and the device commands then leave the device
alone, and the feature that keeps those calls hears of their end through `Hooks.call_ended`.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware.contracts.callerid import CallerId
from firmware.contracts.errors import PbxError
from firmware.contracts.ports import RingCadence

if TYPE_CHECKING:
    from firmware.pbx.core import Core
    from firmware.pbx.state import Call


class PartyKind(enum.Enum):
    PHONE = "phone"   # an extension's device: rings, answers, dials, flashes (FXS handset, SIP phone)
    LINE = "line"     # a way to the outside: rings us, is seized and dialled (FXO line, SIP trunk call)


@dataclass(frozen=True)
class Identity:
    """Who a party is, for caller ID on other phones and for call records."""

    number: str
    name: str

    def caller_id(self, core: Core, *, name_prefix: str = "") -> CallerId:
        name = f"{name_prefix}{self.name}" if name_prefix else self.name
        return CallerId(number=self.number or None, name=name or None, when=core.wall)


class Party(abc.ABC):
    """What every leg implementation provides (see the module docstring)."""

    kind: PartyKind

    def __init__(self, core: Core, leg_id: str) -> None:
        self.core = core
        self.id = leg_id

    # --- state ---------------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def call(self) -> int | None:
        """The call the device is in now (None when idle or only in held/waiting calls)."""

    @call.setter
    @abc.abstractmethod
    def call(self, call_id: int | None) -> None: ...

    @property
    @abc.abstractmethod
    def available(self) -> bool:
        """Idle and working: it may be alerted (a phone) or seized (a line) now."""

    @property
    @abc.abstractmethod
    def alarm(self) -> str:
        """Why the party is out of order ("" when it works)."""

    @property
    @abc.abstractmethod
    def alerting(self) -> bool:
        """The device is being alerted (rings) for its call."""

    @property
    @abc.abstractmethod
    def talking(self) -> bool:
        """Off-hook / connected in its active call (may take a waiting call or a flash)."""

    @abc.abstractmethod
    def identity(self) -> Identity:
        """Number and name shown to others and written to call records."""

    # --- alerting -------------------------------------------------------------------------------
    @abc.abstractmethod
    def alert(self, call: Call, caller_id: CallerId, cadence: RingCadence | None = None) -> None:
        """Ring the (available) device for `call`, showing `caller_id`, with `cadence` or the default."""

    @abc.abstractmethod
    def stop_alert(self, call: Call) -> None:
        """Stop ringing for `call` (answered elsewhere, picked up, caller gone, next stage)."""

    def call_waiting(self, call: Call, caller_id: CallerId) -> bool:
        """Offer `call` to the busy device as a waiting call; False when the device cannot."""
        return False

    def stop_call_waiting(self, call: Call) -> None:  # noqa: B027 - optional for technologies
        """The waiting call went away (a tone already sent cannot be taken back on analog)."""

    # --- speech path ------------------------------------------------------------------------------
    @abc.abstractmethod
    def connected(self, call: Call) -> None:
        """`call` is answered: make the device ready for speech (a phone that called stops hearing
        ringback and is connected; a line that rang us is answered/seized)."""

    def play(self, role: str) -> None:
        """A call-progress tone (dial, ringback, busy, ...) replaces whatever the party hears."""
        self.core.play(self.id, role)

    def music(self, source: str) -> None:
        """Looped music (music on hold, music instead of ringback)."""
        self.core.out.play_music(self.id, source)

    def prompt(self, words: tuple[str, ...], language: str) -> None:
        """A spoken prompt, once (e.g. the park slot)."""
        self.core.out.play_prompt(self.id, words, language)

    def silence(self) -> None:
        self.core.out.stop_tone(self.id)

    def hold(self, call: Call, music: str) -> None:
        """The other side put this party on hold: it hears `music` (a SIP party also gets a re-INVITE)."""
        self.music(music)

    def unhold(self, call: Call) -> None:
        """Taken off hold: the music stops (the caller of this re-connects the speech path)."""
        self.silence()

    def dial_out(self, call: Call, number: str) -> None:
        """A line: seize it for `call` and dial `number` (the flow hears the answer or the failure)."""
        raise PbxError(f"{self.id} is not a line: it cannot dial out")

    # --- the end ----------------------------------------------------------------------------------
    def release(self, call: Call, role: str | None = None) -> None:
        """`call` is over for this party because of the other side. Only the active call touches the
        device (a phone hears `role` or the hang-up tone, a line goes on-hook); a held or waiting
        call just lets go of it. (`Core.end_call(..., release=...)` does this after the record.)"""
        if self.call == call.id:
            self.call = None
            self.hang_up_device(role)

    @abc.abstractmethod
    def hang_up_device(self, role: str | None) -> None:
        """Tell the device its call is over (the party is already detached from it)."""

    @abc.abstractmethod
    def gone(self) -> None:
        """The party itself left (on-hook, line disconnect): tidy the device side (no tones, timers)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} call={self.call}>"
