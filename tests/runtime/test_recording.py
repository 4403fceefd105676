"""Recording at runtime: retention by age and by total size, the free-space floor with a simulated full
disk (injectable probe), and the real thing - a call between two analog ports of the virtual board,
recorded through the pjsua2 bridge into a WAV named in the call record; a disk below the floor stops
the recording while the call goes on, and the call record says so."""

from __future__ import annotations

import json
import os
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from firmware.config.features import FeaturesConfig, RecordingConfig
from firmware.config.model import Config
from firmware.dsp.levels import dominant_frequency
from firmware.pbx.commands import SweepRecordings
from firmware.runtime.retention import MB, sweep
from tests.scenario.live import LiveRig

DAY = 86400.0


def make(root: Path, name: str, size: int, age_days: float, now: float) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    os.utime(path, (now - age_days * DAY, now - age_days * DAY))
    return path


def test_retention_deletes_by_age_then_the_oldest_beyond_the_size_limit(tmp_path: Path) -> None:
    now = time.time()
    old = make(tmp_path / "recordings", "2024-01-01/a.wav", MB, 100, now)
    b = make(tmp_path / "recordings", "2024-05-01/b.wav", MB, 5, now)
    c = make(tmp_path / "recordings", "2024-05-02/c.wav", MB, 4, now)
    d = make(tmp_path / "recordings", "2024-05-03/d.wav", MB, 3, now)
    result = sweep(SweepRecordings("recordings", 90, 2, 10), tmp_path, now=now, free=lambda p: 500 * MB)
    assert set(result.deleted) == {old, b} and c.exists() and d.exists()
    assert result.total_bytes == 2 * MB and not result.low_space


def test_a_disk_below_the_floor_is_reported(tmp_path: Path) -> None:
    result = sweep(SweepRecordings("/nonexistent/recordings", 90, 2000, 200), tmp_path, free=lambda p: 150 * MB)
    assert result.low_space and result.reason == "disk full: 150 MB free"


@pytest.fixture
def recorded_call(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[LiveRig, Path]:
    floor = getattr(request, "param", 10)
    cfg = Config(features=FeaturesConfig(recording=RecordingConfig(extensions=["202"], min_free_mb=floor)))
    live = LiveRig(tmp_path, cfg)
    h1, h2 = live.handset(1), live.handset(2)
    h1.off_hook()
    live.wait(0.3)
    h1.press("202")
    assert live.wait_for(lambda: h2.ringing, 5.0)
    h2.off_hook()
    h1.mic_tone(1000.0, -10.0)
    live.wait(1.5)
    request.addfinalizer(live.close)
    h1.on_hook()                                          # (a hang-up is a break longer than a flash)
    h2.on_hook()
    assert live.wait_for(lambda: live.port_status(1) == "idle" and live.port_status(2) == "idle", 5.0)
    return live, tmp_path


def test_a_call_between_two_analog_ports_is_recorded_into_a_wav(recorded_call: tuple[LiveRig, Path]) -> None:
    live, state = recorded_call
    (row,) = live.records()
    extra = json.loads(row["extra"])
    [name] = extra["recordings"]
    path = state / name
    assert extra["recorded"] == "extension 202" and live.wait_for(lambda: _riff_done(path), 5.0)
    with wave.open(str(path), "rb") as w:
        rate, audio = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert len(audio) / rate > 1.0                       # the whole talk, about 1.5 s
    loud = np.flatnonzero(np.abs(audio) > 300)          # 201's 1 kHz tone, from answer to hang-up
    talk = audio[loud[0]:loud[-1]]
    assert len(talk) > rate and abs(dominant_frequency(talk[:rate]) * (8000 / rate) - 1000) < 30


@pytest.mark.parametrize("recorded_call", [10 ** 9], indirect=True)
def test_a_disk_below_the_floor_stops_the_recording_and_the_call_goes_on(
        recorded_call: tuple[LiveRig, Path]) -> None:
    live, _state = recorded_call
    (row,) = live.records()
    extra = json.loads(row["extra"])
    assert row["disposition"] == "answered" and row["billsec"] >= 1
    assert extra["recording_error"].startswith("disk full:")


def _riff_done(path: Path) -> bool:
    try:
        return path.read_bytes()[4:8] != b"\0\0\0\0"
    except OSError:
        return False
