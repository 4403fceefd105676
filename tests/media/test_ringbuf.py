"""RingBuffer: drop-oldest overflow, counted underruns, bounded level, standing-fill trimming."""

from __future__ import annotations

import threading

import numpy as np

from firmware.sip.ringbuf import RingBuffer


def ramp(start: int, n: int) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.int16)


def take(ring: RingBuffer, n: int) -> np.ndarray:
    block = ring.read(n)
    assert block is not None
    return block


def test_fifo_order_across_wrap() -> None:
    ring = RingBuffer(100)
    out = []
    for k in range(10):
        ring.write(ramp(k * 30, 30))
        block = ring.read(30)
        assert block is not None
        out.append(block)
    assert np.array_equal(np.concatenate(out), ramp(0, 300))
    assert ring.level == 0


def test_overrun_drops_oldest_and_level_stays_bounded() -> None:
    ring = RingBuffer(160)
    for k in range(5):
        ring.write(ramp(k * 80, 80))
        assert ring.level <= 160
    assert ring.overruns == 3
    assert ring.dropped == 240
    assert np.array_equal(take(ring, 160), ramp(240, 160))   # the newest audio survived


def test_block_larger_than_capacity_keeps_its_newest_part() -> None:
    ring = RingBuffer(100)
    ring.write(ramp(0, 30))
    ring.write(ramp(1000, 250))
    assert ring.level == 100
    assert ring.dropped == 30 + 150
    assert np.array_equal(take(ring, 100), ramp(1150, 100))


def test_underrun_is_counted_and_consumes_nothing() -> None:
    ring = RingBuffer(160)
    ring.write(ramp(0, 50))
    assert ring.read(80) is None
    assert ring.underruns == 1
    assert ring.level == 50
    ring.write(ramp(50, 30))
    assert np.array_equal(take(ring, 80), ramp(0, 80))


def test_read_into_fills_caller_buffer() -> None:
    ring = RingBuffer(64)
    out = np.zeros(16, np.int16)
    ring.write(ramp(7, 16))
    assert ring.read_into(out)
    assert np.array_equal(out, ramp(7, 16))
    assert not ring.read_into(out)


def test_standing_fill_above_target_is_trimmed_after_a_window() -> None:
    ring = RingBuffer(800, target=80, window=10)
    ring.write(ramp(0, 400))                  # a burst: 5 frames standing
    for k in range(10):
        ring.write(ramp(400 + 80 * k, 80))
        assert ring.read(80) is not None
    assert ring.trimmed == 400 - 80
    assert ring.level == 80                   # latency back at the target: drift cannot pile up


def test_fill_at_or_below_target_is_not_trimmed() -> None:
    ring = RingBuffer(800, target=160, window=5)
    ring.write(ramp(0, 160))
    for k in range(20):
        ring.write(ramp(160 + 80 * k, 80))
        assert ring.read(80) is not None
    assert ring.trimmed == 0 and ring.level == 160


def test_faster_producer_never_grows_latency_beyond_capacity() -> None:
    ring = RingBuffer(480, target=80, window=20)
    for k in range(2000):                     # 1 % fast producer: an extra frame every 100 reads
        ring.write(ramp(0, 80))
        if k % 100 == 99:
            ring.write(ramp(0, 80))
        ring.read(80)
        assert ring.level <= 160
    assert ring.overruns == 0 and ring.trimmed > 0


def test_discard_to_keeps_newest() -> None:
    ring = RingBuffer(100)
    ring.write(ramp(0, 90))
    assert ring.discard_to(20) == 70
    assert np.array_equal(take(ring, 20), ramp(70, 20))


def test_two_threads_move_every_sample_in_order() -> None:
    ring = RingBuffer(4096)
    total = 200_000
    got: list[np.ndarray] = []

    def produce() -> None:
        pos = 0
        while pos < total:
            while ring.level > 3000:
                pass
            ring.write((np.arange(pos, pos + 100) % 30000).astype(np.int16))
            pos += 100

    thread = threading.Thread(target=produce)
    thread.start()
    received = 0
    while received < total:
        block = ring.read(80)
        if block is not None:
            got.append(block)
            received += 80
    thread.join()
    stream = np.concatenate(got)
    assert np.array_equal(stream, (np.arange(total) % 30000).astype(np.int16))
    assert ring.overruns == 0


def test_adaptive_target_rises_on_underrun_and_relaxes_when_calm() -> None:
    ring = RingBuffer(800, target=0, max_target=240, window=10, relax_windows=3)
    assert ring.read(80) is None                       # late producer: one underrun ...
    assert ring.target == 80                           # ... raises the allowed standing fill
    for _ in range(5):
        assert ring.read(80) is None
    assert ring.target == 240                          # never above max_target
    ring.write(ramp(0, 320))                           # the late audio arrives: 3 frames standing
    pos = 320
    for _ in range(100):                               # calm: producer and consumer in step
        ring.write(ramp(pos, 80))
        pos += 80
        assert ring.read(80) is not None
    assert ring.target == 0 and ring.level == 0        # relaxed to the floor, backlog trimmed
    assert ring.underruns == 6


def test_expected_underruns_do_not_raise_the_target() -> None:
    ring = RingBuffer(800, target=0, max_target=240)
    for _ in range(5):
        assert ring.read(80, adapt=False) is None
    assert ring.target == 0 and ring.underruns == 5


def test_restart_empties_and_returns_to_the_latency_floor() -> None:
    ring = RingBuffer(800, target=0, max_target=320)
    ring.write(ramp(0, 80))
    ring.read(80)
    assert ring.read(80) is None                 # an underrun: the target rises by the block
    ring.write(ramp(0, 240))
    assert ring.target == 80 and ring.level == 240
    ring.restart()
    assert ring.target == 0 and ring.level == 0
    assert ring.read(80) is None
