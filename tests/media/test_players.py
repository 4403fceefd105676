"""Tone player (spandsp tones with cadence), WAV player and WAV recorder on the real bridge."""

from __future__ import annotations

import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from firmware.dsp import levels
from firmware.sip.analog import AnalogPortMedia
from firmware.sip.bridge import Bridge
from firmware.sip.endpoint import MediaEndpoint
from firmware.sip.players import TonePlayer, WavPlayer, WavRecorder
from firmware.telephony.tones import tone_set
from tests.media.conftest import JITTER
from tests.media.lines import LineDriver

MakePort = Callable[..., AnalogPortMedia]
MS = 8  # samples per millisecond


def on_off_runs(x: np.ndarray, window: int = 4 * MS) -> list[tuple[bool, int]]:
    """(tone on?, length in samples) runs, from the RMS in short windows."""
    n = x.size // window
    rms = np.sqrt(np.mean(x[: n * window].astype(np.float64).reshape(n, window) ** 2, axis=1))
    on = rms > levels.dbm0_to_rms(-40.0)
    runs: list[tuple[bool, int]] = []
    for flag in on.tolist():
        if runs and runs[-1][0] == flag:
            runs[-1] = (flag, runs[-1][1] + window)
        else:
            runs.append((flag, window))
    return runs


def test_tone_player_plays_de_busy_with_its_cadence(endpoint: MediaEndpoint, bridge: Bridge,
                                                    make_port: MakePort) -> None:
    busy = tone_set("de").busy                               # 425 Hz, 480 ms on / 480 ms off
    tone, line = TonePlayer(endpoint, "busy"), make_port(1)
    try:
        tone.play(busy)
        assert tone.playing
        bridge.listen(tone, line)
        drive = LineDriver({}, [line], lead_frames=JITTER)
        drive.run(endpoint, 4.5)
        x = drive.audio(line)
        runs = on_off_runs(x)[1:-1]                          # whole runs only
        assert len(runs) >= 6
        for _is_on, length in runs:
            assert abs(length / MS - 480) <= 20, runs
        on_audio = np.concatenate([x[i:i + 400 * MS] for i in _on_starts(x)])
        assert abs(levels.dominant_frequency(on_audio) - 425.0) <= 2.0
        assert abs(levels.goertzel_dbm0(on_audio, 425.0) - busy.level_dbm0) <= 1.0
        tone.stop()
        assert not tone.playing
    finally:
        bridge.isolate(tone)
        tone.close()


def _on_starts(x: np.ndarray) -> list[int]:
    starts, pos = [], 0
    for is_on, length in on_off_runs(x):
        if is_on and length >= 440 * MS:
            starts.append(pos + 20 * MS)
        pos += length
    return starts


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(samples.astype("<i2").tobytes())


def read_wav(path: Path) -> tuple[tuple[int, int, int], np.ndarray]:
    with wave.open(str(path), "rb") as w:
        fmt = (w.getnchannels(), w.getsampwidth(), w.getframerate())
        return fmt, np.frombuffer(w.readframes(w.getnframes()), "<i2")


def pump(endpoint: MediaEndpoint, until: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not until():
        if time.monotonic() > deadline:
            return False
        endpoint.poll(10)
    return True


def test_wav_player_to_recorder_round_trip(endpoint: MediaEndpoint, bridge: Bridge, tmp_path: Path) -> None:
    prompt = np.concatenate([levels.tone(1000, -10.0, 4000), levels.tone(600, -16.0, 4000)])
    src, dst = tmp_path / "prompt.wav", tmp_path / "copy.wav"
    write_wav(src, prompt)
    player, recorder = WavPlayer(endpoint, src), WavRecorder(endpoint, dst)
    bridge.listen(player, recorder)
    assert pump(endpoint, lambda: player.done, 5.0)          # onEof2 seen (play once)
    pump(endpoint, lambda: False, 0.1)
    bridge.isolate(recorder)
    assert recorder.wait_finished(2.0)                       # RIFF sizes written after removal
    bridge.isolate(player)
    player.close()
    fmt, got = read_wav(dst)
    assert fmt == (1, 2, 8000)
    offsets = [k for k in range(0, 2400) if np.array_equal(got[k:k + prompt.size], prompt)]
    assert offsets, "the prompt was not recorded sample for sample"
    assert not np.any(got[offsets[0] + prompt.size:])        # afterwards: silence, not a loop


def test_looping_wav_player_repeats(endpoint: MediaEndpoint, bridge: Bridge, make_port: MakePort,
                                    tmp_path: Path) -> None:
    src = tmp_path / "loop.wav"
    write_wav(src, levels.tone(1000, -10.0, 1600))           # 200 ms
    player, line = WavPlayer(endpoint, src, loop=True), make_port(1)
    bridge.listen(player, line)
    drive = LineDriver({}, [line], lead_frames=JITTER)
    drive.run(endpoint, 1.0)
    assert player.eof_count >= 3 and not player.done
    assert abs(levels.dbm0(drive.audio(line, skip_s=0.3)) - -10.0) <= 0.5
    bridge.isolate(player)
    player.close()
