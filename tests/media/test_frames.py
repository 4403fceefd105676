"""Frame fast paths: the layout-based read/write agree with pjsua2's own element-wise access."""

from __future__ import annotations

import logging

import numpy as np
import pjsua2 as pj
import pytest

from firmware.sip import frames
from firmware.sip.endpoint import MediaEndpoint


def test_fast_path_is_verified_on_this_wheel(endpoint: MediaEndpoint) -> None:
    assert frames.fast_path_ok()


def test_fast_read_matches_bytes(endpoint: MediaEndpoint) -> None:
    data = (np.arange(80, dtype=np.int16) * 321).astype(np.int16)
    frame = pj.MediaFrame()
    frame.buf = pj.ByteVector(data.tobytes())
    assert np.array_equal(frames.read_fast(frame), data)
    assert np.array_equal(frames.read_slow(frame), data)
    del frame


def test_writer_fast_and_slow_produce_the_same_frame(endpoint: MediaEndpoint) -> None:
    data = (np.arange(80, dtype=np.int16) * -77).astype(np.int16)
    for fast in (True, False):
        writer = frames.FrameWriter(80, fast=fast)
        writer.samples[:] = data
        frame = pj.MediaFrame()
        writer.commit(frame)
        assert frame.type == frames.FRAME_TYPE_AUDIO
        assert bytes(frame.buf) == data.tobytes()
        writer.samples[:] = 0                   # the frame holds a copy, not a view
        assert bytes(frame.buf) == data.tobytes()
        writer.release()
        del frame


def test_failed_self_check_falls_back_to_the_slow_path(endpoint: MediaEndpoint, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(frames, "_fast", None)
    monkeypatch.setattr(frames, "_self_check", lambda: (False, "layout differs"))
    with caplog.at_level(logging.WARNING, logger="firmware.sip.frames"):
        assert not frames.fast_path_ok()
    assert "layout differs" in caplog.text
    assert frames.frame_reader() is frames.read_slow
    assert not frames.FrameWriter(80).fast
    monkeypatch.setattr(frames, "_fast", None)          # undo: the next caller re-checks for real
