"""Follow-me (the portal's setting of each extension): a call to the extension rings its desk phone
alone for `follow_me_after_s`, then the follow-me numbers ring as a personal ring group run by the
ring-group flow - in parallel: every number together with the desk phone for PARALLEL_RING_S; in
order: each number in turn together with the desk phone for IN_ORDER_RING_S -; whoever answers first
gets the caller. Nobody answering ends where the extension's no-answer forwarding leads (the portal's
number or its mailbox), else the caller hears busy (a line caller: it rings on until they give up).

Numbers are extensions or outside numbers as the extension would dial them; an outside number goes
out on a route the extension may use at its permission class (others are left out). As for ring
groups, an outside number counts as answered on a real answer signal only (polarity reversal on an
analog line, 200 OK on a SIP trunk): on a line without answer signalling the mobile can ring but not
take the call. "Always" forwarding goes before follow-me; busy forwarding is not follow-me's."""

from __future__ import annotations

from collections import deque

from firmware.config.attendant import parse_destination
from firmware.config.ringgroups import FinalConfig, MemberConfig, RingGroupConfig, StageConfig
from firmware.pbx.core import Core
from firmware.pbx.features.control import UserSettings
from firmware.pbx.features.outdial import choose_route
from firmware.pbx.features.ringgroup import RingGroups
from firmware.pbx.features.voicemail import Forwarding
from firmware.pbx.state import Call

PARALLEL_RING_S = 30
IN_ORDER_RING_S = 20


class FollowMe:
    def __init__(self, core: Core, groups: RingGroups, forwarding: Forwarding) -> None:
        self.core = core
        self.groups = groups
        self.forwarding = forwarding
        self.started: deque[tuple[int, str]] = deque(maxlen=100)   # the latest (call, extension) handed over
        forwarding.follow_me = self

    def settings(self, extension: str) -> UserSettings | None:
        """The extension's portal settings if follow-me is switched on with numbers."""
        user = self.forwarding.boxes.users.get(extension)
        return user if user is not None and user.follow_me_enabled and user.follow_me else None

    def after_s(self, extension: str) -> float | None:
        """How long the desk phone rings alone (None: the extension has no follow-me)."""
        user = self.settings(extension)
        return float(user.follow_me_after_s) if user is not None else None

    def group(self, extension: str) -> RingGroupConfig | None:
        """The extension's personal ring group now (None when none of its numbers can ring)."""
        user = self.settings(extension)
        members = self._members(extension, user) if user is not None else []
        if user is None or not members:
            return None
        desk = MemberConfig(extension=extension)
        if user.follow_me_order == "in_order":
            stages = [StageConfig(members=[desk, m], ring_s=IN_ORDER_RING_S) for m in members]
        else:
            stages = [StageConfig(members=[desk, *members], ring_s=PARALLEL_RING_S)]
        return RingGroupConfig(number=extension, name=f"follow-me of {extension}", stages=stages,
                               final=self._final(extension))

    def start(self, call: Call, extension: str, group: RingGroupConfig) -> None:
        self.started.append((call.id, extension))
        call.extra["follow_me"] = extension
        self.groups.begin(call, group, personal=True)

    # --- the group --------------------------------------------------------------------------------------
    def _members(self, extension: str, user: UserSettings) -> list[MemberConfig]:
        core = self.core
        own = core.hooks.resolve(core, extension)
        phone = own.legs[0] if own is not None and own.legs else ""
        out: list[MemberConfig] = []
        for number in user.follow_me:
            if number == extension:
                continue
            dest = core.hooks.resolve(core, number)
            if dest is not None and dest.kind == "extension":
                out.append(MemberConfig(extension=number))
                continue
            choice = choose_route(core, phone, number) if phone else None
            if choice is not None:                  # a route the extension may use for this number
                out.append(MemberConfig(number=number, route=choice.route.name))
        return out

    def _final(self, extension: str) -> FinalConfig:
        """Where the call goes when nobody answered: the extension's no-answer forwarding, else nowhere."""
        goto = parse_destination(self.forwarding.target(extension, "no_answer"))
        if goto.kind == "voicemail":
            return FinalConfig(type="voicemail", number=goto.value)
        if goto.kind == "outside":
            return FinalConfig(type="outside", number=goto.value)
        if goto.kind == "number":
            dest = self.core.hooks.resolve(self.core, goto.value)
            return FinalConfig(type="ivr" if dest is not None and dest.kind == "goto" else "extension",
                               number=goto.value)
        return FinalConfig()
