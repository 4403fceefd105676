"""Ring cadence timing to the millisecond (DE, US, UK, distinctive), CID interval, OHT after ringing."""

from __future__ import annotations

import pytest

from firmware.contracts.errors import IllegalTransition
from firmware.drivers.fxs.ringer import NoteKind, RingCadencer, RingEvent, RingNote, RingState

T0 = 500.0


def at_ms(note: RingNote) -> int:
    return round((note.at - T0) * 1000)


def run(r: RingCadencer, until_ms: int, step_ms: int = 1) -> list[RingNote]:
    notes: list[RingNote] = []
    for t in range(0, until_ms + 1, step_ms):
        notes += r.poll(T0 + t / 1000)
    return notes


def bursts(notes: list[RingNote]) -> list[tuple[int, int]]:
    starts = [at_ms(n) for n in notes if n.kind is NoteKind.BURST_START]
    ends = [at_ms(n) for n in notes if n.kind is NoteKind.BURST_END]
    return list(zip(starts, ends))


@pytest.mark.parametrize(("pattern", "expected"), [
    ((1000, 4000), [(0, 1000), (5000, 6000), (10000, 11000)]),                      # DE
    ((2000, 4000), [(0, 2000), (6000, 8000), (12000, 14000)]),                      # US
    ((400, 200, 400, 2000), [(0, 400), (600, 1000), (3000, 3400), (3600, 4000)]),   # UK
    ((125, 125, 2000, 4000), [(0, 125), (250, 2250), (6250, 6375), (6500, 8500)]),  # distinctive 1
])
def test_bursts_start_and_stop_at_the_right_ms(pattern: tuple[int, ...],
                                               expected: list[tuple[int, int]]) -> None:
    r = RingCadencer(1)
    notes = r.start(T0, pattern) + run(r, expected[-1][1])
    assert bursts(notes)[: len(expected)] == expected


def test_linefeed_wanted_follows_the_cadence() -> None:
    r = RingCadencer(1)
    r.start(T0, (1000, 4000))
    run(r, 999)
    assert r.state is RingState.ON and not r.oht
    run(r, 1000)
    assert r.state is RingState.OFF and r.oht


@pytest.mark.parametrize(("pattern", "cid_after", "cid_burst_end_ms"), [
    ((1000, 4000), 1, 1000),
    ((400, 200, 400, 2000), 2, 1000),                          # UK: CID after the double ring
    ((250, 250, 500, 1000, 250, 250, 500, 4000), 4, 3000),     # chan_dahdi distinctive 2
])
def test_cid_interval_is_the_silence_after_burst_cid_after(pattern: tuple[int, ...], cid_after: int,
                                                           cid_burst_end_ms: int) -> None:
    r = RingCadencer(1)
    notes = r.start(T0, pattern, cid_after) + run(r, 10000)
    cid = [n for n in notes if n.cid]
    assert [(n.burst, at_ms(n)) for n in cid] == [(cid_after, cid_burst_end_ms)]


def test_oht_kept_6000_ms_after_the_last_burst() -> None:
    r = RingCadencer(1)
    r.start(T0, (1000, 4000))
    run(r, 2000)                      # first burst ended at 1000 ms
    r.stop(T0 + 2.0)
    assert r.state is RingState.AFTER and r.oht and r.deadline == pytest.approx(T0 + 7.0)
    assert run(r, 6999) == []
    assert r.poll(T0 + 7.0) == [RingNote(NoteKind.OHT_END, T0 + 7.0)]
    assert r.state is RingState.IDLE and not r.oht


def test_stop_during_a_burst_ends_it_now_and_starts_oht() -> None:
    r = RingCadencer(1)
    r.start(T0, (2000, 4000))
    notes = r.stop(T0 + 0.5)
    assert notes == [RingNote(NoteKind.BURST_END, T0 + 0.5, 1)]
    assert r.deadline == pytest.approx(T0 + 6.5)


def test_off_hook_stops_ringing_and_oht_at_once() -> None:
    r = RingCadencer(1)
    r.start(T0, (1000, 4000))
    r.off_hook(T0 + 0.3)
    assert r.state is RingState.IDLE and r.deadline is None


def test_hold_keeps_the_silence_until_release() -> None:
    r = RingCadencer(1)
    r.start(T0, (1000, 4000))
    run(r, 1000)
    r.hold(T0 + 1.0)
    assert run(r, 6000) == []                        # no second burst at 5000 ms while held
    notes = r.release(T0 + 6.2)
    assert [(n.kind, at_ms(n)) for n in notes] == [(NoteKind.BURST_START, 6200)]
    r2 = RingCadencer(1)
    r2.start(T0, (1000, 4000))
    run(r2, 1000)
    r2.hold(T0 + 1.0)
    assert r2.release(T0 + 3.0) == []                # released in time: cadence unchanged
    assert bursts(run(r2, 6000)) == [(5000, 6000)]


def test_start_while_ringing_is_illegal_and_names_the_machine() -> None:
    r = RingCadencer(4)
    r.start(T0, (1000, 4000))
    with pytest.raises(IllegalTransition, match="ring cadencer port 4"):
        r.handle(RingEvent.START, T0 + 0.1)


def test_bad_cadence_refused() -> None:
    with pytest.raises(ValueError, match="on/off pairs"):
        RingCadencer(1).start(T0, (1000,))
