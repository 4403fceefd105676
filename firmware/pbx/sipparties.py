"""SIP implementations of the party interface (firmware.pbx.party): an extension's IP phones and one
call on a SIP trunk. Party operations become SIP commands (sipmsg): alerting is an INVITE to the
extension (Kamailio forks it to every registered device, RFC 3261 §16.6), answering an incoming
call is 200 OK, releasing is BYE, CANCEL or a final error (486 busy, 503 congestion, 480 otherwise),
hold is a re-INVITE (RFC 3264 §8.4).

Every SIP party in a call holds one of pbxd's SIP call slots; `SipLegs.free_slots` admits new
ones against the real pjsua2 limit read at start-up, and a trunk's own channel limit.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from firmware.config.model import Config
from firmware.contracts.callerid import CallerId
from firmware.contracts.errors import PbxError
from firmware.contracts.ports import RingCadence
from firmware.pbx.numbering_plans import Permission
from firmware.pbx.party import Identity, Party, PartyKind
from firmware.pbx.sipmsg import SipAnswer, SipDial, SipHangup, SipSetHold, extension_of, trunk_of
from firmware.pbx.state import Call

if TYPE_CHECKING:
    from firmware.pbx.core import Core

REJECT_CODES = {"busy": 486, "congestion": 503, "info": 404, "forbidden": 403}


@dataclass(frozen=True)
class SipExtension:
    number: str
    name: str
    permission: Permission = Permission.NATIONAL
    caller_id: str = ""           # number presented on outside calls ("" = the trunk's)
    privacy: bool = False


@dataclass(frozen=True)
class SipTrunk:
    name: str
    max_calls: int = 0            # 0 = no limit of its own


@dataclass(frozen=True)
class SipSettings:
    extensions: tuple[SipExtension, ...] = ()
    trunks: tuple[SipTrunk, ...] = ()
    capacity: int = 4             # pjsua2's call limit (MediaEndpoint.max_calls)
    dids: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def extension(self, number: str) -> SipExtension | None:
        return next((e for e in self.extensions if e.number == number), None)

    def trunk(self, name: str) -> SipTrunk | None:
        return next((t for t in self.trunks if t.name == name), None)

    @classmethod
    def from_config(cls, cfg: Config, capacity: int) -> SipSettings:
        exts = tuple(SipExtension(e.number, e.display_name, Permission.named(e.permission), e.caller_id, e.privacy)
                     for e in cfg.sip_extensions)
        trunks = tuple(SipTrunk(t.name, t.max_calls) for t in cfg.trunks)
        dids = {f"{t.name}/{d.number}": d.destination for t in cfg.trunks for d in t.dids}
        return cls(exts, trunks, capacity, MappingProxyType(dids))


class SipPhase(enum.Enum):
    IDLE = "idle"
    CALLING = "calling"           # it sent us an INVITE we have not answered
    ALERTING = "alerting"         # we sent it an INVITE (a phone rings / a trunk call is set up)
    TALKING = "talking"


class SipLegs:
    """The SIP parties of the engine and the call slots they hold."""

    def __init__(self, core: Core, settings: SipSettings) -> None:
        self.core = core
        self.settings = settings
        self._seq = 0

    def parties(self) -> list[SipParty]:
        return [p for p in self.core.parties.values() if isinstance(p, SipParty)]

    def in_use(self, trunk: str | None = None) -> int:
        return sum(1 for p in self.parties()
                   if p.phase is not SipPhase.IDLE and (trunk is None or trunk_of(p.id) == trunk))

    @property
    def free_slots(self) -> int:
        return max(0, self.settings.capacity - self.in_use())

    def trunk_free(self, name: str) -> bool:
        trunk = self.settings.trunk(name)
        if trunk is None or self.free_slots == 0:
            return False
        return trunk.max_calls == 0 or self.in_use(name) < trunk.max_calls

    def phone(self, leg: str) -> SipPhoneParty:
        """The party of leg "sip:<ext>[.<n>]" (made on first use)."""
        party = self.core.parties.get(leg)
        if isinstance(party, SipPhoneParty):
            return party
        ext = self.settings.extension(extension_of(leg))
        if ext is None:
            raise PbxError(f"{leg}: not a SIP extension")
        made = SipPhoneParty(self.core, leg, self, ext)
        self.core.add_party(made)
        return made

    def trunk_call(self, leg: str) -> SipTrunkParty:
        party = self.core.parties.get(leg)
        if isinstance(party, SipTrunkParty):
            return party
        made = SipTrunkParty(self.core, leg, self)
        self.core.add_party(made)
        return made

    def new_trunk_leg(self, trunk: str) -> str:
        self._seq += 1
        return f"trunk:{trunk}#o{self._seq}"

    def released(self, party: SipParty) -> None:
        """An idle party that was only for one call leaves the engine (trunk calls, extra phone legs)."""
        if party.disposable and self.core.parties.get(party.id) is party:
            del self.core.parties[party.id]


class SipParty(Party):
    disposable = True

    def __init__(self, core: Core, leg_id: str, legs: SipLegs) -> None:
        super().__init__(core, leg_id)
        self.legs = legs
        self.phase = SipPhase.IDLE
        self.early_media = False
        self._call: int | None = None

    @property
    def call(self) -> int | None:
        return self._call

    @call.setter
    def call(self, call_id: int | None) -> None:
        self._call = call_id

    @property
    def alarm(self) -> str:
        return ""

    @property
    def alerting(self) -> bool:
        return self.phase is SipPhase.ALERTING

    @property
    def talking(self) -> bool:
        return self.phase is SipPhase.TALKING

    def incoming(self, call: Call) -> None:
        """An INVITE from this party started `call` (pbxd answers it when the call is answered)."""
        self.phase, self.call = SipPhase.CALLING, call.id

    def stop_alert(self, call: Call) -> None:
        if self.call == call.id and self.phase is SipPhase.ALERTING:
            self.core.out.emit(SipHangup(self.id, 487))
            self._idle()

    def connected(self, call: Call) -> None:
        if self.call == call.id and self.phase is SipPhase.CALLING:
            self.core.out.emit(SipAnswer(self.id))
        if self.call == call.id:
            self.phase = SipPhase.TALKING
            self.silence()

    def hold(self, call: Call, music: str) -> None:
        if self.call == call.id and self.phase is SipPhase.TALKING:
            self.core.out.emit(SipSetHold(self.id, True))
        super().hold(call, music)

    def unhold(self, call: Call) -> None:
        if self.call == call.id and self.phase is SipPhase.TALKING:
            self.core.out.emit(SipSetHold(self.id, False))
        super().unhold(call)

    def hang_up_device(self, role: str | None) -> None:
        if self.phase is not SipPhase.IDLE:
            self.core.out.emit(SipHangup(self.id, REJECT_CODES.get(role or "", 480)))
        self._idle()

    def gone(self) -> None:
        """The far end left (BYE, CANCEL, a final error): nothing to send."""
        self._idle()

    def _idle(self) -> None:
        self.phase = SipPhase.IDLE
        self.call = None
        self.early_media = False
        self.core.out.stop_tone(self.id)
        self.legs.released(self)


class SipPhoneParty(SipParty):
    """An extension's IP phones ("sip:301"; a further call of the same extension is "sip:301.2")."""

    kind = PartyKind.PHONE

    def __init__(self, core: Core, leg_id: str, legs: SipLegs, ext: SipExtension) -> None:
        super().__init__(core, leg_id, legs)
        self.ext = ext
        self.disposable = "." in leg_id

    @property
    def available(self) -> bool:
        return self.phase is SipPhase.IDLE and self.legs.free_slots > 0

    def identity(self) -> Identity:
        return Identity(self.ext.number, self.ext.name)

    def alert(self, call: Call, caller_id: CallerId, cadence: RingCadence | None = None) -> None:
        self.phase, self.call = SipPhase.ALERTING, call.id
        self.core.out.emit(SipDial(self.id, self.ext.number, caller_number=caller_id.number or "",
                                   caller_name=caller_id.name or "",
                                   auto_answer=bool(call.extra.get("auto_answer"))))


class SipTrunkParty(SipParty):
    """One call on a SIP trunk ("trunk:<name>#<tag>"); `remote` is the number at the other end."""

    kind = PartyKind.LINE

    def __init__(self, core: Core, leg_id: str, legs: SipLegs) -> None:
        super().__init__(core, leg_id, legs)
        self.trunk = trunk_of(leg_id)
        self.remote = Identity("", "")

    @property
    def available(self) -> bool:
        return self.phase is SipPhase.IDLE and self.legs.trunk_free(self.trunk)

    def identity(self) -> Identity:
        return self.remote

    def alert(self, call: Call, caller_id: CallerId, cadence: RingCadence | None = None) -> None:
        raise PbxError(f"{self.id}: a trunk call is not rung; dial out on it (dial_out)")

    def dial_out(self, call: Call, number: str, caller: Identity | None = None, *, privacy: bool = False) -> None:
        """INVITE `number` over the trunk for `call`, presenting `caller` ("" number: the trunk's own)."""
        caller = caller or Identity("", call.from_name)
        self.phase, self.call = SipPhase.ALERTING, call.id
        self.remote = Identity(number, "")
        self.core.out.emit(SipDial(self.id, number, trunk=self.trunk, caller_number=caller.number,
                                   caller_name=caller.name, privacy=privacy))
