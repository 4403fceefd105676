"""Busy/congestion tone disconnect through the port's audio path: real country tones end the call;
speech (espeak-ng, resampled by sox) and DTMF do not (fact sheet 3.7, 4)."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.contracts.ports import DisconnectMethod, LineDisconnect, PortEvent
from firmware.drivers.fxo.audio import FxoAudio
from firmware.drivers.fxo.settings import FxoSettings
from firmware.drivers.fxo.supervision import Supervisor
from tests.fxo.conftest import Samples, blocks, dtmf_audio, noise, tone_audio

T0 = 50.0


class Path:
    """The off-hook audio path of one port: cadence detector -> supervisor."""

    def __init__(self, iso: str) -> None:
        self.s = FxoSettings.for_iso(iso, port=1, echo_cancel=False, idle_limit_s=0.0)
        self.audio = FxoAudio(self.s)
        self.sup = Supervisor(self.s)
        self.sup.seize(T0, outgoing=True)
        self.audio.new_call()
        self.t = T0

    def feed(self, x: Samples) -> list[PortEvent]:
        events: list[PortEvent] = []
        for b in blocks(x):
            self.t += len(b) / 8000.0
            events += self.sup.tones(self.audio.watch_tones(b), self.t)
            events += self.sup.tick(self.t)
        return events


@pytest.mark.parametrize("iso", ["DE", "RU", "PL", "GB", "US"])
@pytest.mark.parametrize("role", ["busy", "congestion"])
def test_country_busy_and_congestion_tones_end_the_call(iso: str, role: str) -> None:
    p = Path(iso)
    spec = next(t for t in p.s.busy_tones if t.name.endswith(role))
    events = p.feed(np.concatenate([noise(1.0), tone_audio(spec, 6.0) + noise(6.0)]))
    assert len(events) == 1
    ev = events[0]
    assert isinstance(ev, LineDisconnect) and ev.method is DisconnectMethod.BUSY_TONE
    assert ev.at - T0 < 1.0 + 5.0          # recognised within a few cadence cycles


@pytest.mark.parametrize("iso", ["DE", "RU", "PL", "GB", "US"])
@pytest.mark.parametrize("voice", ["en", "de"])
def test_speech_is_not_a_busy_tone(iso: str, voice: str, speech: dict[str, Samples]) -> None:
    p = Path(iso)
    talk = speech[voice]
    assert len(talk) > 8000 * 8
    assert p.feed(np.concatenate([talk, talk])) == []


@pytest.mark.parametrize("iso", ["DE", "RU", "PL", "GB", "US"])
def test_dtmf_is_not_a_busy_tone(iso: str) -> None:
    p = Path(iso)
    assert p.feed(dtmf_audio("0123456789*#ABCD" * 2)) == []
    # slow DTMF with busy-like timing (500 ms on, 500 ms off) still is not a busy tone
    assert p.feed(dtmf_audio("5555555", on_ms=500, off_ms=500)) == []


def test_tone_detection_is_off_when_the_method_is_not_selected() -> None:
    s = FxoSettings.for_iso("DE", port=1, echo_cancel=False,
                            disconnect_methods=frozenset({DisconnectMethod.BATTERY_DROP}))
    audio = FxoAudio(s)
    audio.new_call()
    spec = s.busy_tones[0]
    assert all(audio.watch_tones(b) == [] for b in blocks(tone_audio(spec, 5.0)))
