"""The features' part of the engine snapshot: what the web page's operator panel and BLF show live
(parked calls with caller, slot and waiting time; ring groups' calls and today's counts; held calls;
recordings; conferences; waiting calls; pickups)."""

from __future__ import annotations

from firmware.pbx.core import Core
from firmware.pbx.features.common import extension_of, other
from firmware.pbx.features.install import Features
from firmware.pbx.features.ringgroup import GroupState
from firmware.pbx.snapshot import (
    FeaturesSnapshot,
    GroupCallSnapshot,
    GroupSnapshot,
    HeldSnapshot,
    ParkedSnapshot,
    RecordingSnapshot,
)


def features_snapshot(core: Core, f: Features, now: float) -> FeaturesSnapshot:
    return FeaturesSnapshot(parked=_parked(core, f, now), groups=_groups(core, f, now), held=_held(core, f, now),
                            recordings=_recordings(f, now), conferences=_conferences(core, f),
                            waiting=_waiting(core, f), pickups=_pickups(core), office=f.office.view(core, now))


def _number(core: Core, party: str) -> str:
    p = core.parties.get(party)
    return p.identity().number if p is not None else party


def _parked(core: Core, f: Features, now: float) -> tuple[ParkedSnapshot, ...]:
    lots = {lot.name: tuple(lot.members) for lot in f.park.lots}
    out = []
    for p in sorted(f.park.parked.values(), key=lambda p: p.slot):
        who = core.parties.get(p.parked)
        ident = who.identity() if who is not None else None
        out.append(ParkedSnapshot(p.lot, p.slot, p.call, ident.number if ident else "", ident.name if ident else "",
                                  extension_of(core, p.parker), round(now - p.since, 1), p.machine.state.value,
                                  lots.get(p.lot, ())))
    return tuple(out)


def _groups(core: Core, f: Features, now: float) -> tuple[GroupSnapshot, ...]:
    out = []
    for group in core.settings.features.ring_groups:
        calls = []
        for gc in f.groups.active.values():
            call = core.calls.get(gc.call)
            if gc.group.number != group.number or call is None:
                continue
            stage = 0 if gc.machine.state is GroupState.FINAL else gc.stage + 1
            calls.append(GroupCallSnapshot(gc.call, gc.caller_number, gc.caller_name, gc.machine.state.value, stage,
                                           tuple(_number(core, p) for p in call.alerting),
                                           round(now - gc.start, 1)))
        counts = f.groups.reports.counts(group.number)
        out.append(GroupSnapshot(group.number, group.label, tuple(calls), counts["calls"], counts["answered"],
                                 counts["missed"]))
    return tuple(out)


def _held(core: Core, f: Features, now: float) -> tuple[HeldSnapshot, ...]:
    out = []
    for h in f.hold.held.values():
        call = core.calls.get(h.call)
        if call is not None:
            out.append(HeldSnapshot(h.call, extension_of(core, h.holder), _number(core, other(call, h.holder)),
                                    round(now - h.since, 1)))
    return tuple(out)


def _recordings(f: Features, now: float) -> tuple[RecordingSnapshot, ...]:
    return tuple(RecordingSnapshot(r.call, r.path, r.legs, round(now - r.since, 1)) for r in f.recording.active())


def _conferences(core: Core, f: Features) -> tuple[tuple[int, tuple[str, ...]], ...]:
    return tuple((room.call, tuple(_number(core, m) for m in room.members)) for room in f.conferences.rooms.values())


def _waiting(core: Core, f: Features) -> tuple[tuple[str, int, str], ...]:
    out = []
    for phone in list(f.waiting.waiting):
        call = f.waiting.of(phone)
        if call is not None:
            out.append((extension_of(core, phone), call.id, call.from_number))
    return tuple(out)


def _pickups(core: Core) -> tuple[tuple[int, str, str, str], ...]:
    out = []
    for call in core.calls.values():
        note = call.extra.get("pickup")
        if isinstance(note, dict):
            out.append((call.id, str(note.get("by", "")), str(note.get("ringing", "")), str(note.get("caller", ""))))
    return tuple(out)
