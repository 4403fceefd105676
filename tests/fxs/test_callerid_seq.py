"""Caller-ID sequencer: step timing per mode, audio hand-over, acknowledgement, abort."""

from __future__ import annotations

import pytest

from firmware.contracts.errors import IllegalTransition
from firmware.contracts.ports import LineState
from firmware.drivers.fxs import callerid as c
from tests.fxs.audio_fakes import FakeAudio

T0 = 50.0
BLOCK = 80     # 10 ms


Trace = list[tuple[int, str, LineState | None]]


def drive(seq: c.CidSequencer, until_ms: int) -> tuple[Trace, list[c.SeqNote]]:
    """Pull audio and poll timers every 10 ms; returns (ms, step, linefeed) at each step change."""
    trace: Trace = []
    notes: list[c.SeqNote] = []
    last = None
    for t in range(0, until_ms + 1, 10):
        now = T0 + t / 1000
        notes += seq.poll(now)
        step = seq.step
        if step is not None and (step.name, seq.index) != last:
            trace.append((t, step.name, step.linefeed))
            last = (step.name, seq.index)
        _, more = seq.output(BLOCK, now)
        notes += more
    return trace, notes


def test_after_ring_waits_500_ms_then_spills() -> None:
    seq = c.CidSequencer(1)
    seq.start(T0, c.after_ring(FakeAudio(700), 2000))
    trace, notes = drive(seq, 2000)
    assert trace == [(0, "pause after ring", None), (500, "caller-ID spill", None)]
    done = [n for n in notes if n.kind is c.NoteKind.DONE]
    assert len(done) == 1 and done[0].at == pytest.approx(T0 + 1.2)
    assert not seq.active


def test_line_reversal_sequence_with_dt_as() -> None:
    seq = c.CidSequencer(1)
    steps = c.line_reversal(FakeAudio(600), 2000, FakeAudio(100), reversed_=False)
    seq.start(T0, steps)
    trace, notes = drive(seq, 2000)
    rev, fwd = LineState.REVERSE_ON_HOOK_TX, LineState.ON_HOOK_TX
    assert trace == [(0, "line reversal", rev), (100, "DT-AS", rev), (200, "pause after DT-AS", rev),
                     (260, "caller-ID spill", rev), (860, "restore polarity", fwd)]
    ring = [n for n in notes if n.kind is c.NoteKind.START_RINGING]
    assert [round((n.at - T0) * 1000) for n in ring] == [1110]


def test_line_reversal_on_a_reversed_line_flips_to_forward() -> None:
    steps = c.line_reversal(FakeAudio(10), 100, None, reversed_=True)
    assert steps[0].linefeed is LineState.ON_HOOK_TX
    names = [s.name for s in steps]
    assert names == ["line reversal", "caller-ID spill", "restore polarity", "start ringing"]


def test_rp_as_rings_250_ms_pauses_500_then_spills() -> None:
    seq = c.CidSequencer(1)
    seq.start(T0, c.ring_pulse(FakeAudio(600), 2000, reversed_=False))
    trace, notes = drive(seq, 2000)
    assert trace[:3] == [(0, "RP-AS", LineState.RINGING), (250, "pause after RP-AS", LineState.ON_HOOK_TX),
                         (750, "caller-ID spill", LineState.ON_HOOK_TX)]
    assert [round((n.at - T0) * 1000) for n in notes if n.kind is c.NoteKind.START_RINGING] == [1600]


def test_mwi_holds_oht_for_3000_ms() -> None:
    seq = c.CidSequencer(1)
    seq.start(T0, c.message_waiting(FakeAudio(800), 2000, reversed_=False))
    trace, notes = drive(seq, 4000)
    assert [t[1] for t in trace] == ["OHT before MWI", "caller-ID spill", "hold OHT"]
    assert all(t[2] is LineState.ON_HOOK_TX for t in trace)
    assert [round((n.at - T0) * 1000) for n in notes if n.kind is c.NoteKind.DONE] == [3000]


def test_call_waiting_acknowledged_sends_the_spill() -> None:
    seq = c.CidSequencer(1)
    seq.start(T0, c.call_waiting(FakeAudio(300), FakeAudio(85), FakeAudio(500), 2000))
    trace, _ = drive(seq, 400)
    assert [t[1] for t in trace] == ["SAS", "CAS", "wait for acknowledgement"]
    assert seq.state is c.SeqState.ACK_WAIT
    notes = seq.ack(T0 + 0.45)
    assert notes[0].kind is c.NoteKind.ACKED
    assert seq.step is not None and seq.step.name == "pause after acknowledgement"


def test_call_waiting_without_ack_gives_up_after_500_ms() -> None:
    seq = c.CidSequencer(1)
    seq.start(T0, c.call_waiting(FakeAudio(300), FakeAudio(85), FakeAudio(500), 2000))
    _, notes = drive(seq, 1200)
    kinds = [n.kind for n in notes]
    assert c.NoteKind.NO_ACK in kinds and c.NoteKind.ACKED not in kinds
    no_ack = next(n for n in notes if n.kind is c.NoteKind.NO_ACK)
    assert round((no_ack.at - T0) * 1000) == 890        # CAS ended at 390 ms (10 ms blocks) + 500 ms


def test_audio_output_replaces_normal_audio_only_while_active() -> None:
    seq = c.CidSequencer(1)
    assert seq.output(BLOCK, T0) == (None, [])
    seq.start(T0, [c.Step(c.StepKind.AUDIO, "x", 1000, None, FakeAudio(10, 1234))])
    out, notes = seq.output(BLOCK, T0)
    assert out is not None and list(out) == [1234] * 80
    assert [n.kind for n in notes] == [c.NoteKind.DONE]


def test_abort_stops_the_sequence() -> None:
    seq = c.CidSequencer(1)
    seq.start(T0, c.after_ring(FakeAudio(700), 2000))
    notes = seq.abort(T0 + 0.1)
    assert notes == [c.SeqNote(c.NoteKind.ABORTED, T0 + 0.1, "pause after ring")]
    assert not seq.active and seq.output(BLOCK, T0 + 0.2) == (None, [])


def test_start_while_running_is_illegal() -> None:
    seq = c.CidSequencer(9)
    seq.start(T0, c.after_ring(FakeAudio(700), 2000))
    with pytest.raises(IllegalTransition, match="caller-ID sequencer port 9"):
        seq.start(T0, c.after_ring(FakeAudio(700), 2000))
