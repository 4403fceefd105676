"""Line signalling: which linefeed the port wants while ringing, sending caller ID, MWI, disconnecting."""

from __future__ import annotations

from firmware.contracts.callerid import CallerId, CidStandard, CidTiming
from firmware.contracts.ports import LineState, RingCadence
from firmware.drivers.fxs.settings import FxsSettings
from firmware.drivers.fxs.signalling import LineSignals, Purpose
from tests.fxs.audio_fakes import FakeSources

T0 = 10.0
DE = RingCadence("de", (1000, 4000))
CID = CallerId(number="0301234567", name="Anna")


def make(spill_ms: int = 700, **kw: object) -> tuple[LineSignals, FakeSources]:
    sources = FakeSources(spill_ms)
    return LineSignals(FxsSettings(port=1, **kw), sources), sources  # type: ignore[arg-type]


def timeline(sig: LineSignals, until_ms: int, off_hook: bool = False) -> list[tuple[int, LineState]]:
    """(ms, wanted linefeed) at every change, polling and pulling audio every 10 ms."""
    out: list[tuple[int, LineState]] = []

    def note(at: int) -> None:
        want = sig.wanted()
        if not out or out[-1][1] is not want:
            out.append((at, want))

    for t in range(0, until_ms + 1, 10):
        now = T0 + t / 1000
        sig.poll(now, off_hook)
        note(t)
        sig.output(80, now)
        note(t + 10)          # a step that ended with this 10 ms block ended at its end
    return out


def test_idle_line_is_forward_active_and_polarity_reverses_it() -> None:
    sig, _ = make()
    assert sig.wanted() is LineState.ACTIVE
    sig.set_polarity(True)
    assert sig.wanted() is LineState.REVERSE_ACTIVE


def test_after_first_ring_cid_spills_500_ms_into_the_first_silence() -> None:
    sig, sources = make()
    sig.start_ringing(T0, DE, CID)
    seen_spill_at = None
    for t in range(0, 6001, 10):
        now = T0 + t / 1000
        sig.poll(now, False)
        out = sig.output(80, now)
        if seen_spill_at is None and out is not None and out.any():
            seen_spill_at = t
    assert seen_spill_at == 1500
    assert sources.spills == [(CID, True)]
    assert timeline_after_restart(CID)[:3] == [(0, LineState.RINGING), (1000, LineState.ON_HOOK_TX),
                                               (5000, LineState.RINGING)]


def timeline_after_restart(cid: CallerId) -> list[tuple[int, LineState]]:
    sig, _ = make()
    sig.start_ringing(T0, DE, cid)
    return timeline(sig, 7000)


def test_long_spill_holds_the_next_ring_until_it_is_finished() -> None:
    sig, _ = make(spill_ms=4000)
    sig.start_ringing(T0, DE, CID)
    changes = timeline(sig, 8000)
    assert changes[:3] == [(0, LineState.RINGING), (1000, LineState.ON_HOOK_TX), (5500, LineState.RINGING)]


def test_before_ring_line_reversal_then_ringing() -> None:
    sig, sources = make(600, cid_standard=CidStandard.ETSI_V23,
                        cid_timing=CidTiming.BEFORE_RING_LINE_REVERSAL)
    sig.start_ringing(T0, DE, CID)
    changes = timeline(sig, 3000)
    assert changes == [(0, LineState.REVERSE_ON_HOOK_TX), (860, LineState.ON_HOOK_TX),
                       (1110, LineState.RINGING), (2110, LineState.ON_HOOK_TX)]
    assert sources.tones == ["dtas"]


def test_dtmf_clip_before_ring_has_no_dt_as() -> None:
    sig, sources = make(cid_standard=CidStandard.DTMF, cid_timing=CidTiming.BEFORE_RING_LINE_REVERSAL)
    sig.start_ringing(T0, DE, CID)
    changes = timeline(sig, 2000)
    assert changes[0] == (0, LineState.REVERSE_ON_HOOK_TX)
    assert sources.tones == []
    assert (1050, LineState.RINGING) in changes          # 100 ms reversal + 700 ms digits + 250 ms


def test_rp_as_before_ring() -> None:
    sig, _ = make(cid_timing=CidTiming.BEFORE_RING_RP_AS)
    sig.start_ringing(T0, DE, CID)
    changes = timeline(sig, 3000)
    assert changes[:4] == [(0, LineState.RINGING), (250, LineState.ON_HOOK_TX), (1700, LineState.RINGING),
                           (2700, LineState.ON_HOOK_TX)]


def test_off_hook_during_pre_ring_cid_cancels_the_ringing() -> None:
    sig, _ = make(cid_timing=CidTiming.BEFORE_RING_LINE_REVERSAL)
    sig.start_ringing(T0, DE, CID)
    timeline(sig, 300)
    sig.off_hook(T0 + 0.3)
    assert timeline(sig, 3000, off_hook=True) == [(0, LineState.ACTIVE)]


def test_call_waiting_only_to_an_off_hook_set_and_spills_without_seizure_on_ack() -> None:
    sig, sources = make()
    assert sig.call_waiting(T0, CID, off_hook=False) is False
    assert sig.call_waiting(T0, CID, off_hook=True) is True
    assert sources.tones == ["sas", "cas"] and sources.spills == [(CID, False)]
    for t in range(0, 400, 10):
        sig.poll(T0 + t / 1000, True)
        sig.output(80, T0 + t / 1000)
    assert sig.ack_wait and sig.ack(T0 + 0.4)
    assert sig.wanted() is LineState.ACTIVE             # the linefeed never changes for call waiting


def test_mwi_waits_for_on_hook_and_is_sent_once() -> None:
    sig, sources = make()
    sig.message_waiting(T0, True, off_hook=True)
    assert sources.mwis == []
    sig.on_hook(T0 + 1)
    assert sources.mwis == [True] and sig.purpose is Purpose.MWI
    changes = timeline(sig, 4000)
    assert changes == [(0, LineState.ON_HOOK_TX), (4000, LineState.ACTIVE)]   # sequence began at T0+1
    sig.message_waiting(T0 + 10, True, off_hook=False)
    assert sources.mwis == [True]


def test_forward_disconnect_opens_the_line_and_ignores_hook_meanwhile() -> None:
    sig, _ = make()
    sig.forward_disconnect(T0, 500)
    assert sig.wanted() is LineState.OPEN and sig.hook_ignored(T0 + 0.2)
    changes = timeline(sig, 1000, off_hook=True)
    assert changes == [(0, LineState.OPEN), (500, LineState.ACTIVE)]
    assert sig.hook_ignored(T0 + 0.55) and not sig.hook_ignored(T0 + 0.61)


def test_polarity_change_while_ringing_waits_for_the_ringing_to_end() -> None:
    sig, _ = make()
    sig.start_ringing(T0, DE, None)
    sig.set_polarity(True)
    assert sig.wanted() is LineState.RINGING
    sig.poll(T0 + 1.0, False)
    assert sig.wanted() is LineState.REVERSE_ON_HOOK_TX
    sig.off_hook(T0 + 1.5)
    assert sig.wanted() is LineState.REVERSE_ACTIVE
