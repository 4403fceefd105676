"""Paging and intercom to a group of phones: dialling the group's number alerts every free member at
once - analog handsets cannot answer by themselves, so they ring with a distinctive cadence for `ring_s`
and whoever lifts joins; IP phones get the alert marked for auto-answer (`call.extra["auto_answer"]`:
the SIP side adds Call-Info: answer-after=0 / Alert-Info: auto-answer to its INVITE). A paged phone that
answers hears the pager one way (`Listen`), or both ways for an intercom (`duplex`); a short beep first.
The page ends when the pager hangs up, or when no member is left."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from types import MappingProxyType

from firmware.config.attendant import Goto
from firmware.config.callers import PagingConfig
from firmware.contracts.callerid import CallerId
from firmware.contracts.tones import ToneSegment, ToneSpec
from firmware.pbx.commands import AnswerSource, Connect, Disconnect, Disposition, HangupSide, Listen, Unlisten
from firmware.pbx.core import Core
from firmware.pbx.features.common import extension_of, machine
from firmware.pbx.features.goto import Router
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.parties import FxsParty
from firmware.pbx.party import PartyKind
from firmware.pbx.state import Call
from firmware.telephony.cadences import DISTINCTIVE_BY_NAME

PAGING_FLOW = "paging"
PAGE_BEEP = ToneSpec("paging.beep", (ToneSegment((1400.0,), 200),), None, -12.0)


class PageState(enum.Enum):
    RINGING = "ringing"          # members alerted, nobody joined yet
    LIVE = "live"                # at least one member listens
    ENDED = "ended"


class PageEvent(enum.Enum):
    JOINED = "joined"
    LEFT = "left"
    RING_OVER = "ring_over"
    PAGER_GONE = "pager_gone"


class PageOutcome(enum.Enum):
    PAGED = "paged"              # someone heard it
    NOBODY = "nobody"            # no member could be alerted or nobody lifted


_S, _E = PageState, PageEvent
PAGE_TABLE: Table[PageState, PageEvent] = MappingProxyType({
    (_S.RINGING, _E.JOINED): (_S.LIVE, "listen"),
    (_S.LIVE, _E.JOINED): (_S.LIVE, "listen"),
    (_S.LIVE, _E.LEFT): (_S.LIVE, "drop_member"),
    (_S.RINGING, _E.RING_OVER): (_S.ENDED, PageOutcome.NOBODY.value),
    (_S.LIVE, _E.RING_OVER): (_S.LIVE, "stop_ringing"),
    (_S.RINGING, _E.PAGER_GONE): (_S.ENDED, PageOutcome.NOBODY.value),
    (_S.LIVE, _E.PAGER_GONE): (_S.ENDED, PageOutcome.PAGED.value),
})


@dataclass
class Page:
    call: int
    cfg: PagingConfig
    pager: str
    machine: LegMachine[PageState, PageEvent]
    members: list[str] = field(default_factory=list)      # phones listening


class Paging(PartyFlow):
    name = PAGING_FLOW

    def __init__(self, core: Core, router: Router) -> None:
        super().__init__(core)
        self.router = router
        self.pages: dict[int, Page] = {}
        router.handlers["paging"] = self._goto

    def _goto(self, call: Call, goto: Goto) -> None:
        cfg = next((p for p in self.core.settings.office.paging if p.name == goto.value), None)
        if cfg is None:
            self.router.hang_up(call, f"no paging group {goto.value!r}")
        else:
            self.start(call, cfg)

    def start(self, call: Call, cfg: PagingConfig) -> None:
        core = self.core
        call.flow = PAGING_FLOW
        page = self.pages[call.id] = Page(call.id, cfg, call.caller,
                                          machine("paging", f"{cfg.name}/{call.id}", PAGE_TABLE, _S.RINGING))
        call.extra["paging"] = {"name": cfg.name, "members": page.members}
        call.extra["auto_answer"] = True
        cid = CallerId(number=call.from_number or None, name=f"Page: {call.from_name or cfg.name}", when=core.wall)
        cadence = DISTINCTIVE_BY_NAME.get(cfg.cadence)
        for ext in cfg.members:
            dest = core.hooks.resolve(core, ext)
            party = core.parties.get(dest.legs[0]) if dest is not None and dest.legs else None
            if party is None or party.id == call.caller or not party.available:
                continue
            call.alerting.append(party.id)
            party.alert(call, cid, cadence if isinstance(party, FxsParty) else None)
        if not call.alerting:
            self._end(page, "no member of the paging group is free")
            return
        caller = core.party(call.caller)
        caller.connected(call)
        core.answer(call, AnswerSource.OFF_HOOK if caller.kind is PartyKind.PHONE else AnswerSource.ASSUMED)
        if cfg.beep:
            core.out.play(call.caller, PAGE_BEEP)
        core.after(call.owner, "page", float(cfg.ring_s), lambda at: self._ring_over(page))

    def _ring_over(self, page: Page) -> None:
        call = self.core.calls[page.call]
        page.machine.fire(_E.RING_OVER)
        for party in list(call.alerting):
            self.core.party(party).stop_alert(call)
        call.alerting.clear()
        if page.machine.state is _S.ENDED:
            self._end(page, "nobody lifted for the page")

    # --- flow ------------------------------------------------------------------------------------------
    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        page = self.pages.get(call.id)
        if page is None or party not in call.alerting:
            return
        call.alerting.remove(party)
        page.machine.fire(_E.JOINED)
        page.members.append(party)
        member = self.core.party(party)
        member.call = call.id
        member.connected(call)
        if page.cfg.beep:
            self.core.out.play(party, PAGE_BEEP)
        self.core.out.emit(Connect(page.pager, party) if page.cfg.duplex else Listen(page.pager, party))
        note = call.extra.get("paging")
        if isinstance(note, dict):
            note["members"] = [extension_of(self.core, m) for m in page.members]

    def party_gone(self, call: Call, party: str) -> None:
        page = self.pages.get(call.id)
        if page is None:
            return
        if party == page.pager:
            page.machine.fire(_E.PAGER_GONE)
            self._end(page, "the pager hung up", side=HangupSide.CALLER)
            return
        if party in call.alerting:
            call.alerting.remove(party)
        if party in page.members:
            page.members.remove(party)
            self._unlink(page, party)
            page.machine.fire(_E.LEFT)
        if not page.members and not call.alerting:
            self._end(page, "every paged phone hung up")

    def _unlink(self, page: Page, party: str) -> None:
        self.core.out.emit(Disconnect(page.pager, party) if page.cfg.duplex else Unlisten(page.pager, party))

    def _end(self, page: Page, reason: str, side: HangupSide = HangupSide.SYSTEM) -> None:
        core = self.core
        self.pages.pop(page.call, None)
        call = core.calls.get(page.call)
        if call is None:
            return
        for party in list(call.alerting):
            core.party(party).stop_alert(call)
        for member in page.members:
            self._unlink(page, member)
        heard = bool(page.members)
        core.end_call(call, Disposition.ANSWERED if heard else Disposition.NO_ANSWER, side, reason,
                      release=[p for p in (page.pager, *page.members) if p], role=None if heard else "busy")
