"""Caller-ID reception windows and the incoming-call life time (fact sheet 2.5, 3.3, 3.5)."""

from __future__ import annotations

import pytest

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.errors import IllegalTransition
from firmware.contracts.ports import LineCallerId
from firmware.drivers.fxo.callerid import (
    ALL_STANDARDS,
    CidEvent,
    CidState,
    CidTrigger,
    CidWindow,
    IncomingCall,
)

T0 = 20.0
CID = CallerId(number="0301234567")


def test_auto_mode_runs_every_receiver_and_a_fixed_standard_only_its_own() -> None:
    assert CidWindow(0).standards == ALL_STANDARDS
    assert CidWindow(0, standard=CidStandard.DTMF).standards == (CidStandard.DTMF,)


def test_window_opens_on_a_trigger_and_closes_after_its_time() -> None:
    w = CidWindow(1, window_ms=6000)
    assert not w.is_open
    assert w.trigger(CidTrigger.REVERSAL, T0)
    assert w.is_open and w.next_deadline == pytest.approx(T0 + 6.0)
    assert not w.tick(T0 + 5.999)
    assert w.tick(T0 + 6.0) and not w.is_open


def test_caller_id_is_reported_once_per_call() -> None:
    w = CidWindow(1)
    w.trigger(CidTrigger.RING_END, T0)
    assert w.received(CID, CidStandard.ETSI_V23, T0 + 1) == [LineCallerId(1, T0 + 1, caller_id=CID)]
    assert w.received(CID, CidStandard.ETSI_V23, T0 + 2) == []
    assert not w.trigger(CidTrigger.RING_END, T0 + 5)        # done for this call
    assert w.cid_seen and w.seen_standard is CidStandard.ETSI_V23
    w.call_end()
    assert not w.cid_seen and w.state is CidState.IDLE
    assert w.trigger(CidTrigger.RING_END, T0 + 30)


def test_each_trigger_opens_at_most_once_per_call_ring_end_twice() -> None:
    w = CidWindow(1, window_ms=1000)
    assert w.trigger(CidTrigger.ENERGY, T0)
    w.tick(T0 + 1)
    assert not w.trigger(CidTrigger.ENERGY, T0 + 2)
    assert w.trigger(CidTrigger.RING_END, T0 + 3)
    w.tick(T0 + 4)
    assert w.trigger(CidTrigger.RING_END, T0 + 9)
    w.tick(T0 + 10)
    assert not w.trigger(CidTrigger.RING_END, T0 + 15)


def test_a_call_without_caller_id_keeps_cid_seen_false() -> None:
    w = CidWindow(1, window_ms=1000)
    w.trigger(CidTrigger.RING_END, T0)
    w.tick(T0 + 1)
    assert w.received(CID, CidStandard.BELL202, T0 + 2) == []   # window closed: nothing reported
    assert not w.cid_seen


def test_window_table_refuses_receiving_twice() -> None:
    w = CidWindow(7)
    with pytest.raises(IllegalTransition, match="caller-ID window port 7"):
        w.fsm.fire(CidEvent.RECEIVED)


def test_unanswered_call_is_over_8_s_after_the_last_ring() -> None:
    call = IncomingCall(ring_timeout_ms=8000)
    call.ring_started(T0)
    assert not call.timed_out(T0 + 1.0, ringing=True)          # burst in progress refreshes
    call.activity(T0 + 1.0, ring=True)                         # ring stop
    assert call.next_deadline == pytest.approx(T0 + 9.0)
    assert not call.timed_out(T0 + 8.999, ringing=False)
    assert call.timed_out(T0 + 9.0, ringing=False)
    assert call.rang and call.rings == 1
