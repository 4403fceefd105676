"""Leg tables: every state reachable, diagrams drawn from the tables, illegal events named."""

from __future__ import annotations

import pytest

from firmware.contracts.errors import IllegalTransition
from firmware.contracts.ports import DigitReceived, LinePolarityReversal, OffHook, OnHook
from firmware.pbx.engine import Engine
from firmware.pbx.legs import (
    FXO_TABLE,
    FXS_TABLE,
    IGNORE,
    FxoEvent,
    FxoState,
    FxsEvent,
    FxsState,
    fxs_machine,
    reachable,
    rows,
    to_dot,
    to_mermaid,
)
from tests.pbx.rig import Rig


def test_every_fxs_state_is_reachable_from_idle() -> None:
    assert reachable(FXS_TABLE, FxsState.IDLE) == set(FxsState)


def test_every_fxo_state_is_reachable_from_idle() -> None:
    assert reachable(FXO_TABLE, FxoState.IDLE) == set(FxoState)


def test_every_state_can_get_back_to_idle() -> None:
    for fxs in FxsState:
        assert FxsState.IDLE in reachable(FXS_TABLE, fxs), fxs
    for fxo in FxoState:
        assert FxoState.IDLE in reachable(FXO_TABLE, fxo), fxo


def test_diagrams_are_drawn_from_the_tables() -> None:
    dot = to_dot(FXS_TABLE, "fxs leg", FxsState.IDLE)
    mermaid = to_mermaid(FXO_TABLE, FxoState.IDLE)
    assert dot.startswith('digraph "fxs leg"')
    assert '"ringing" -> "connected" [label="off_hook / answer"];' in dot
    assert "    seized --> connected: polarity / answer_polarity" in mermaid
    shown = sum(1 for _s, _e, _n, a in rows(FXS_TABLE) if a != IGNORE)
    assert dot.count(" -> ") - 1 == shown  # one edge per non-ignored row (+ the start arrow)
    for state in FxsState:
        assert f'"{state.value}"' in dot


def test_illegal_event_names_machine_leg_state_and_event() -> None:
    machine = fxs_machine("fxs:3")
    with pytest.raises(IllegalTransition) as info:
        machine.fire(FxsEvent.DIGIT)
    err = info.value
    assert (err.machine, err.name, err.state, err.event) == ("fxs leg", "fxs:3", "idle", "digit")
    assert machine.state is FxsState.IDLE
    assert "fxs:3" in str(err) and "'digit'" in str(err) and "'idle'" in str(err)


def test_engine_raises_illegal_transition_for_a_digit_on_an_on_hook_handset() -> None:
    rig = Rig()
    with pytest.raises(IllegalTransition) as info:
        rig.ev(DigitReceived, 1, digit="5")
    assert (info.value.name, info.value.state, info.value.event) == ("fxs:1", "idle", "digit")
    assert rig.state("fxs:1") == "idle"
    rig.off_hook(1)  # the engine is still usable
    assert rig.state("fxs:1") == "dial_tone"


def test_engine_raises_for_off_hook_twice_and_keeps_state() -> None:
    rig = Rig()
    rig.off_hook(1)
    with pytest.raises(IllegalTransition) as info:
        rig.ev(OffHook, 1)
    assert (info.value.state, info.value.event) == ("dial_tone", "off_hook")
    rig.ev(OnHook, 1)
    assert rig.state("fxs:1") == "idle"


def test_polarity_reversal_on_an_idle_line_is_accepted() -> None:
    rig = Rig()  # line reversal ahead of a before-ring caller-ID spill (ETSI)
    assert rig.ev(LinePolarityReversal, 5) == []
    assert rig.state("fxo:5") == "idle"


def test_every_port_event_action_has_a_handler() -> None:
    engine = Engine(Rig().engine.settings)
    port_fxs = {FxsEvent.OFF_HOOK, FxsEvent.ON_HOOK, FxsEvent.DIGIT, FxsEvent.FLASH, FxsEvent.CID_ACK,
                FxsEvent.ALARM, FxsEvent.ALARM_CLEARED}
    port_fxo = {FxoEvent.RING_START, FxoEvent.RING_STOP, FxoEvent.CALLER_ID, FxoEvent.POLARITY,
                FxoEvent.DISCONNECT, FxoEvent.DIGIT, FxoEvent.ALARM, FxoEvent.ALARM_CLEARED}
    fxs_actions = {a for (_s, e), (_n, a) in FXS_TABLE.items() if e in port_fxs and a != IGNORE}
    fxo_actions = {a for (_s, e), (_n, a) in FXO_TABLE.items() if e in port_fxo and a != IGNORE}
    assert fxs_actions <= set(engine._fxs_actions)
    assert fxo_actions <= set(engine._fxo_actions)
