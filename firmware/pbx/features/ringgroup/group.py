"""The ring-group flow (our users' brief; 3CX/Placetel ring groups): up to three stages rung in turn,
each with its members, ring time and strategy (ring_all; in_order: one member at a time for
`step_s`; memory_hunt: the first, then the first two, ...), members not in their schedule or busy
skipped (a stage nobody can ring is skipped at once), outside members (mobiles) dialled through a
route in parallel with the desk phones - answered on a real answer signal only (polarity reversal;
a SIP trunk's 200 OK later), since an analog line's assumed answer would end every other ringing -
then the final destination. Members see the caller with the group's name prefix and hear the
group's ring cadence; the caller hears ringback, or music (which answers a PSTN line at once).
Anonymous callers can be sent elsewhere. Picking the call up ends the ringing everywhere."""

from __future__ import annotations

from firmware.config.ringgroups import RingGroupConfig
from firmware.contracts.callerid import CallerId
from firmware.contracts.ports import RingCadence
from firmware.pbx.commands import AnswerSource, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import extension_of, machine
from firmware.pbx.features.musicclass import music_for
from firmware.pbx.features.outdial import dial_outside
from firmware.pbx.features.ringgroup.report import GroupReports
from firmware.pbx.features.ringgroup.table import (
    GROUP_TABLE,
    GroupCall,
    GroupEvent,
    GroupOutcome,
    GroupState,
    Target,
    in_schedule,
)
from firmware.pbx.hooks import Destination, PartyFlow
from firmware.pbx.party import PartyKind
from firmware.pbx.state import Call
from firmware.pbx.talk import talk
from firmware.telephony.cadences import DISTINCTIVE_BY_NAME

GROUP_FLOW = "group"
MAX_DEPTH = 3


class RingGroups(PartyFlow):
    name = GROUP_FLOW

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.active: dict[int, GroupCall] = {}
        self.reports = GroupReports(core)
        core.hooks.resolvers.append(self._resolve)
        core.hooks.destination_flows["group"] = self._dialled
        core.hooks.call_ended.append(self._ended)

    def config(self, number: str) -> RingGroupConfig | None:
        return next((g for g in self.core.settings.features.ring_groups if g.number == number), None)

    def _resolve(self, core: Core, number: str) -> Destination | None:
        group = self.config(number)
        return None if group is None else Destination("group", number, (), group.label)

    # --- start -------------------------------------------------------------------------------------
    def _dialled(self, core: Core, call: Call, destination: Destination, now: float) -> None:
        self.start(call, destination.number)

    def start(self, call: Call, number: str, depth: int = 0) -> None:
        group = self.config(number)
        assert group is not None
        self.begin(call, group, depth)

    def begin(self, call: Call, group: RingGroupConfig, depth: int = 0, *, personal: bool = False) -> None:
        """Ring `group` for `call`; `personal`: an extension's own group made on the fly (follow-me:
        no group records or mails, the caller's plain name on the phones)."""
        core = self.core
        gc = GroupCall(call.id, group, machine("ring group", f"{group.number}/{call.id}", GROUP_TABLE,
                                               GroupState.STAGE), core.now, core.wall, call.from_number,
                       call.from_name, depth=depth, personal=personal)
        self.active[call.id] = gc
        call.flow, call.rung = GROUP_FLOW, True
        if not personal:
            call.extra["group"] = group.number
        self._caller_hears(call, group)
        if not call.from_number and group.anonymous:
            gc.note = call.extra["group_note"] = f"anonymous caller sent to {group.anonymous}"
            gc.machine.fire(GroupEvent.TO_FINAL)
            self._final_to(call, gc, group.anonymous)
            return
        self._next_stage(call, gc)

    def _caller_hears(self, call: Call, group: RingGroupConfig) -> None:
        caller = self.core.party(call.caller)
        if call.answer is not None:
            caller.play("ringback")
        elif group.ringback == "ringback":
            if caller.kind is PartyKind.PHONE:
                caller.play("ringback")
        else:
            if caller.kind is PartyKind.LINE:
                caller.connected(call)                   # answer the line to play our own sound
            source = music_for(self.core, group=group.number) if group.ringback == "music" else group.ringback
            caller.music(source)

    # --- stages --------------------------------------------------------------------------------------
    def _next_stage(self, call: Call, gc: GroupCall) -> None:
        core = self.core
        self._stop_all(call, gc)
        while gc.stage + 1 < len(gc.group.stages):
            gc.stage += 1
            gc.step = 0
            stage = gc.group.stages[gc.stage]
            gc.targets = [Target(m) for m in stage.members if in_schedule(m.schedule, core.wall)]
            gc.targets = [t for t in gc.targets if not t.member.extension or self._phone(t.member.extension)]
            if not gc.targets:
                continue                                  # nobody can ring in this stage: skip it
            self._ring_step(call, gc)
            if call.alerting:
                core.after(call.owner, "stage", float(stage.ring_s), lambda at: self._stage_over(call))
                return
        gc.machine.fire(GroupEvent.TO_FINAL)
        self._final(call, gc)

    def _phone(self, extension: str) -> str:
        """The available phone of a member extension ("" if busy, in alarm or unknown)."""
        dest = self.core.hooks.resolve(self.core, extension)
        party = self.core.parties.get(dest.legs[0]) if dest is not None and dest.legs else None
        return party.id if party is not None and party.available else ""

    def _ring_step(self, call: Call, gc: GroupCall) -> None:
        stage = gc.group.stages[gc.stage]
        if stage.strategy == "ring_all":
            chosen = gc.targets
        elif stage.strategy == "memory_hunt":
            chosen = gc.targets[:gc.step + 1]
        else:
            chosen = gc.targets[gc.step:gc.step + 1]
            for t in gc.targets[:gc.step]:
                self._stop(call, t)
        for target in chosen:
            if not target.party:
                self._ring(call, gc, target)
        if stage.strategy != "ring_all" and gc.step + 1 < len(gc.targets):
            self.core.after(call.owner, "step", float(stage.step_s), lambda at: self._step(call))

    def _step(self, call: Call) -> None:
        gc = self.active[call.id]
        gc.step += 1
        self._ring_step(call, gc)
        if not call.alerting:
            self._stage_over(call)

    def _ring(self, call: Call, gc: GroupCall, target: Target) -> None:
        core = self.core
        member = target.member
        if member.extension:
            phone = self._phone(member.extension)
            if phone:
                target.party = phone
                call.alerting.append(phone)
                core.party(phone).alert(call, self._caller_id(call, gc), self._cadence(gc))
            return
        line = dial_outside(core, call, "", member.number, route_name=member.route)
        if line is not None:
            target.party = line.id
            call.alerting.append(line.id)

    def _caller_id(self, call: Call, gc: GroupCall) -> CallerId:
        if gc.personal:
            return CallerId(number=call.from_number or None, name=call.from_name or None, when=self.core.wall)
        prefix = gc.group.cid_name_prefix
        name = f"{prefix}{call.from_name}" if call.from_name else prefix.strip() or gc.group.label
        return CallerId(number=call.from_number or None, name=name or None, when=self.core.wall)

    def _cadence(self, gc: GroupCall) -> RingCadence | None:
        return DISTINCTIVE_BY_NAME.get(gc.group.ring_cadence)

    def _stop(self, call: Call, target: Target) -> None:
        if target.party and target.party in call.alerting:
            call.alerting.remove(target.party)
            self.core.party(target.party).stop_alert(call)
        target.party = ""

    def _stop_all(self, call: Call, gc: GroupCall, keep: str = "") -> None:
        self.core.timers.cancel(call.owner, "step")
        self.core.timers.cancel(call.owner, "stage")
        for party in [p for p in call.alerting if p != keep]:
            self.core.party(party).stop_alert(call)
        call.alerting[:] = [keep] if keep else []
        for target in gc.targets:
            target.party = ""

    def _stage_over(self, call: Call) -> None:
        gc = self.active[call.id]
        if gc.stage + 1 < len(gc.group.stages):
            gc.machine.fire(GroupEvent.NEXT_STAGE)
        self._next_stage(call, gc)

    # --- the final destination ---------------------------------------------------------------------
    def _final(self, call: Call, gc: GroupCall) -> None:
        final = gc.group.final
        if final.type in ("voicemail", "ivr") and self._to_office(call, gc):
            return
        if final.type in ("voicemail", "ivr"):
            gc.note = call.extra["group_note"] = f"no {final.type} {final.number}: " + (
                f"sent to fallback {final.fallback}" if final.fallback else "hung up")
            target = final.fallback
        elif final.type == "outside":
            self._forward_outside(call, gc, final.number)
            return
        else:
            target = "" if final.type == "hangup" else final.number
        self._final_to(call, gc, target)

    def _to_office(self, call: Call, gc: GroupCall) -> bool:
        """The group's mailbox or menu takes the call (the office features' "goto" destinations)."""
        core = self.core
        final = gc.group.final
        text = f"voicemail:{final.number}" if final.type == "voicemail" else final.number
        dest = core.hooks.resolve(core, text)
        flow = core.hooks.destination_flows.get(dest.kind) if dest is not None else None
        if dest is None or flow is None or dest.kind != "goto":
            return False
        self._stop_all(call, gc)
        gc.machine.fire(GroupEvent.HAND_OVER)
        gc.outcome = GroupOutcome.UNANSWERED
        gc.note = call.extra["group_note"] = f"sent to {text}"
        self._record(call, gc)
        self.active.pop(call.id, None)
        call.flow, call.callee = "", ""
        flow(core, call, dest, core.now)
        return True

    def _final_to(self, call: Call, gc: GroupCall, number: str) -> None:
        core = self.core
        dest = core.hooks.resolve(core, number) if number else None
        if dest is not None and dest.kind == "group" and gc.depth + 1 < MAX_DEPTH:
            gc.machine.fire(GroupEvent.HAND_OVER)
            gc.outcome = GroupOutcome.FORWARDED
            self._record(call, gc)
            self.start(call, dest.number, gc.depth + 1)
            return
        phone = core.parties.get(dest.legs[0]) if dest is not None and dest.legs else None
        if phone is not None and phone.available:
            call.alerting[:] = [phone.id]
            phone.alert(call, self._caller_id(call, gc), self._cadence(gc))
            if core.settings.calls.no_answer_s > 0:
                core.after(call.owner, "stage", core.settings.calls.no_answer_s, lambda at: self._give_up(call))
            return
        self._give_up(call)

    def _forward_outside(self, call: Call, gc: GroupCall, number: str) -> None:
        line = dial_outside(self.core, call, "", number)
        if line is None:
            gc.note = call.extra["group_note"] = f"no free line to forward to {number}"
            self._give_up(call)
            return
        call.alerting[:] = [line.id]

    def _give_up(self, call: Call) -> None:
        """Nobody answered to the end: the caller gets busy (a PSTN line not yet answered just rings
        on until the caller gives up: an analog PBX cannot refuse it without answering)."""
        core = self.core
        gc = self.active[call.id]
        self._stop_all(call, gc)
        gc.machine.fire(GroupEvent.GIVE_UP)
        gc.outcome = GroupOutcome.UNANSWERED
        caller = core.party(call.caller)
        why = f"nobody answered in {gc.group.name if gc.personal else f'group {gc.group.number}'}"
        if caller.kind is PartyKind.LINE and not caller.talking:
            call.flow, call.rung, call.callee = "", False, ""
            call.unreachable = (Disposition.NO_ANSWER, why)
            return
        core.end_call(call, Disposition.NO_ANSWER, HangupSide.SYSTEM, why, release=[call.caller], role="busy")

    # --- flow --------------------------------------------------------------------------------------
    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        gc = self.active[call.id]
        if party not in call.alerting:
            raise self._unexpected(f"answer by {party}", call)
        if source is AnswerSource.ASSUMED and gc.machine.state is GroupState.STAGE:
            return                           # an outside member without answer supervision: keep ringing
        self._answered(call, gc, party, source, member=gc.machine.state is GroupState.STAGE)

    def _answered(self, call: Call, gc: GroupCall, party: str, source: AnswerSource, *, member: bool) -> None:
        core = self.core
        gc.machine.fire(GroupEvent.MEMBER_ANSWERED if gc.machine.state is GroupState.STAGE
                        else GroupEvent.FINAL_ANSWERED)
        cfg = next((t.member for t in gc.targets if t.party == party), None)
        who = (cfg.extension or cfg.number) if cfg is not None else ""
        self._stop_all(call, gc, keep=party)
        gc.outcome = GroupOutcome.ANSWERED if member else GroupOutcome.ANSWERED_ELSEWHERE
        gc.answered_by = who or extension_of(core, party) or core.party(party).identity().number
        gc.answered_stage = gc.stage + 1 if member else None
        gc.answered_at = core.now
        if call.answer is None:
            core.answer(call, source)
        call.extra["follow_me_answered_by" if gc.personal else "group_answered_by"] = gc.answered_by
        talk(core, call, call.caller, party)

    def pick_up(self, call: Call, picker: str) -> bool:
        gc = self.active.get(call.id)
        if gc is None or gc.machine.state not in (GroupState.STAGE, GroupState.FINAL):
            return False
        number = extension_of(self.core, picker)
        member = gc.machine.state is GroupState.STAGE and any(
            number == m.extension for s in gc.group.stages for m in s.members)
        self._answered(call, gc, picker, AnswerSource.PICKUP, member=member)
        return True

    def party_gone(self, call: Call, party: str) -> None:
        core = self.core
        gc = self.active[call.id]
        if party == call.caller:
            self._stop_all(call, gc)
            gc.machine.fire(GroupEvent.CALLER_GONE)
            gc.outcome = GroupOutcome.CALLER_GAVE_UP
            line = core.party(party).kind is PartyKind.LINE
            core.end_call(call, Disposition.NO_ANSWER if line else Disposition.CANCELLED, HangupSide.CALLER,
                          "the caller gave up")
            return
        if party in call.alerting:                      # an outside member's line failed or was busy
            call.alerting.remove(party)
            for target in gc.targets:
                if target.party == party:
                    target.party = ""
            if not call.alerting and gc.machine.state is GroupState.STAGE:
                core.timers.cancel(call.owner, "step")
                self._stage_over(call)
            elif not call.alerting:
                self._give_up(call)

    # --- records -------------------------------------------------------------------------------------
    def _record(self, call: Call, gc: GroupCall) -> None:
        if gc.personal:
            return
        answered = call.answer is not None and gc.outcome is not GroupOutcome.FORWARDED
        self.reports.record(gc, answered, self.core.now - gc.start)

    def _ended(self, core: Core, call: Call) -> None:
        gc = self.active.pop(call.id, None)
        if gc is None or gc.outcome is GroupOutcome.FORWARDED:
            return
        if gc.outcome is None:
            gc.outcome = GroupOutcome.CALLER_GAVE_UP if call.answer is None else GroupOutcome.ANSWERED_ELSEWHERE
        self._record(call, gc)
