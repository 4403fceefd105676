"""The virtual board on a host slower than real time (the appliance under software emulation): each
render step is bounded, the audio lag is reported and caught up, and beyond MAX_LAG_S the oldest audio
is skipped, so the daemon's port loop cannot fall further and further behind."""

from __future__ import annotations

from firmware.config.model import default_modules
from firmware.contracts.clock import FakeClock
from firmware.drivers.sim.board import MAX_LAG_S, RATE, VirtualBoard


def test_a_long_stall_is_rendered_in_bounded_steps_then_caught_up() -> None:
    clock = FakeClock()
    board = VirtualBoard(clock, default_modules(), catch_up_s=0.1)
    clock.advance(2.0)                       # the host stalled for 2 s
    board.advance()
    assert abs(board.lag - 1.9) < 0.011      # one step renders 100 ms, not 2 s
    for _ in range(19):
        board.advance()
    assert board.lag < 0.011 and board.skipped == 0   # caught up with nothing lost


def test_audio_lagging_more_than_the_limit_is_skipped() -> None:
    clock = FakeClock()
    board = VirtualBoard(clock, default_modules(), catch_up_s=0.1)
    clock.advance(MAX_LAG_S + 3.0)
    board.advance()
    assert board.skipped >= 2.9 * RATE
    assert board.lag <= MAX_LAG_S


def test_without_catch_up_the_board_renders_up_to_the_clock() -> None:
    clock = FakeClock()
    board = VirtualBoard(clock, default_modules())
    clock.advance(2.0)
    board.advance()
    assert board.lag < 0.011 and board.skipped == 0
