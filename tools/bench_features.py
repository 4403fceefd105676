"""Benchmark: office features in the sans-IO engine under load - 40 concurrent ring-group calls on
synthetic phone legs (the party interface, no ports, no media): engine time per stage change (a tick
that stops one stage's ringing and starts the next) and per call pickup (an operator-panel pickup that
ends the group's ringing everywhere), p50/p99 over many events. `python -m tools.bench features`."""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from firmware.config.features import PickupConfig, PickupGroupConfig
from firmware.config.model import Config
from firmware.config.ringgroups import MemberConfig, RingGroupConfig, StageConfig
from firmware.contracts.callerid import CallerId
from firmware.contracts.ports import RingCadence
from firmware.pbx import operator as op
from firmware.pbx.commands import Direction, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.engine import Engine
from firmware.pbx.hooks import Destination
from firmware.pbx.numbering import NumberingPlan
from firmware.pbx.party import Identity, Party, PartyKind
from firmware.pbx.settings import PbxSettings
from firmware.pbx.state import Call

CALLS = 40
GROUPS = 40                    # one call per group, each group 2 stages x 5 members
MEMBERS = 5
WALL0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


class SyntheticPhone(Party):
    """A phone leg with no port: the cheapest implementation of the party interface."""

    kind = PartyKind.PHONE

    def __init__(self, core: Core, leg_id: str, number: str) -> None:
        super().__init__(core, leg_id)
        self.number = number
        self._call: int | None = None
        self.state = "idle"

    @property
    def call(self) -> int | None:
        return self._call

    @call.setter
    def call(self, call_id: int | None) -> None:
        self._call = call_id

    @property
    def available(self) -> bool:
        return self.state == "idle"

    @property
    def alarm(self) -> str:
        return ""

    @property
    def alerting(self) -> bool:
        return self.state == "ringing"

    @property
    def talking(self) -> bool:
        return self.state == "talking"

    def identity(self) -> Identity:
        return Identity(self.number, f"Synthetic {self.number}")

    def alert(self, call: Call, caller_id: CallerId, cadence: RingCadence | None = None) -> None:
        self._call, self.state = call.id, "ringing"

    def stop_alert(self, call: Call) -> None:
        if self._call == call.id:
            self._call, self.state = None, "idle"

    def connected(self, call: Call) -> None:
        self.state = "talking"

    def hang_up_device(self, role: str | None) -> None:
        self.state = "idle"

    def gone(self) -> None:
        self.state = "idle"


def build() -> tuple[Engine, dict[str, str]]:
    """An engine with 8 groups of two stages (10 synthetic members each) and 40 synthetic callers."""
    numbers = {f"syn:{i}": str(3000 + i) for i in range(GROUPS * 2 * MEMBERS + CALLS + GROUPS)}
    groups, pickers = [], []
    for g in range(GROUPS):
        stages = [StageConfig(members=[MemberConfig(extension=str(3000 + (g * 2 + s) * MEMBERS + m))
                                       for m in range(MEMBERS)], ring_s=15) for s in range(2)]
        groups.append(RingGroupConfig(number=str(600 + g), stages=stages))
        pickers.append(str(3000 + GROUPS * 2 * MEMBERS + CALLS + g))
    members = [n for g in groups for s in g.stages for m in s.members for n in [m.extension]]
    base = PbxSettings.from_config(Config())
    plan = base.plan
    settings = replace(base, features=replace(
        base.features, ring_groups=groups,
        pickup=PickupConfig(groups=[PickupGroupConfig("all", [*members, *pickers])])),
        plan=NumberingPlan(extensions=[*plan.extensions, *numbers.values()], outside_prefix=plan.outside_prefix,
                           emergency=plan.emergency, route_patterns=plan.route_patterns, timeouts=plan.timeouts))
    engine = Engine(settings)
    core = engine.core
    by_number = {}
    for leg, number in numbers.items():
        core.add_party(SyntheticPhone(core, leg, number))
        by_number[number] = leg
    core.hooks.resolvers.insert(0, lambda c, n: Destination("extension", n, (by_number[n],))
                                if n in by_number else None)
    return engine, by_number


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1e6, ordered[int(0.99 * (len(ordered) - 1))] * 1e6


def run_round(engine: Engine, t0: float) -> tuple[list[float], list[float], float]:
    """40 group calls; the stage change of each; then a pickup of each. Returns the timings."""
    core = engine.core
    now = t0
    callers = [f"syn:{GROUPS * 2 * MEMBERS + i}" for i in range(CALLS)]
    for i, caller in enumerate(callers):
        at = now + i * 0.01                        # staggered: one stage change per tick
        engine.tick(at, WALL0 + timedelta(seconds=at))
        party = core.party(caller)
        call = core.new_call(Direction.INTERNAL, caller, from_number=party.identity().number, to=str(600 + i % GROUPS))
        party.call = call.id
        dest = core.hooks.resolve(core, call.to)
        assert dest is not None
        core.hooks.destination_flows[dest.kind](core, call, dest, now)
        engine.core.out.take()
    stage: list[float] = []
    deadline = engine.next_deadline
    while deadline is not None and deadline <= now + 15.0 + CALLS * 0.01:
        start = time.perf_counter()
        engine.tick(deadline, WALL0 + timedelta(seconds=deadline))
        stage.append(time.perf_counter() - start)
        deadline = engine.next_deadline
    now += 15.0 + CALLS * 0.01
    pickup: list[float] = []
    for g in range(CALLS):
        picker = str(3000 + GROUPS * 2 * MEMBERS + CALLS + g % GROUPS)
        ringing = next((c for c in core.calls.values() if c.answer is None and c.alerting), None)
        if ringing is None:
            break
        target = core.party(ringing.alerting[0]).identity().number
        start = time.perf_counter()
        engine.operator(op.Pickup(picker, target), now, WALL0 + timedelta(seconds=now))
        pickup.append(time.perf_counter() - start)
        picked = core.calls[int(str(engine.operator_result["call_id"]))]
        core.end_call(picked, Disposition.ANSWERED, HangupSide.CALLER, release=list(picked.parties))
        core.out.take()
    return stage, pickup, now + 60.0


def run() -> str:
    engine, _numbers = build()
    engine.tick(0.0, WALL0)
    stage_all: list[float] = []
    pickup_all: list[float] = []
    t = 1.0
    for _ in range(25):
        stage, pickup, t = run_round(engine, t)
        stage_all += stage
        pickup_all += pickup
    s50, s99 = percentiles(stage_all)
    p50, p99 = percentiles(pickup_all)
    return "\n".join([
        "## Features: ring groups and pickup under load (sans-IO engine)", "",
        f"{CALLS} concurrent ring-group calls ({GROUPS} groups, 2 stages x {MEMBERS} synthetic phone legs: "
        f"{CALLS * (1 + MEMBERS)} legs ringing or calling), "
        f"25 rounds; engine time per event (`tick` / `operator`), no I/O.", "",
        "| event | samples | p50 | p99 |", "| --- | ---: | ---: | ---: |",
        f"| stage change (stop 5 ringing, ring the next 5) | {len(stage_all)} | {s50:.0f} µs | {s99:.0f} µs |",
        f"| call pickup (ends the group's ringing everywhere) | {len(pickup_all)} | {p50:.0f} µs | {p99:.0f} µs |",
        "",
    ])


if __name__ == "__main__":
    print(run())
