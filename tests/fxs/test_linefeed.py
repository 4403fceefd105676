"""The one LineState <-> LF code table (fact sheet 1.2) and the polarity rule."""

from __future__ import annotations

import pytest

from firmware.contracts.ports import LineState
from firmware.drivers.fxs import linefeed as lf


def test_table_covers_every_line_state_with_a_distinct_code() -> None:
    assert set(lf.LF_CODES) == set(LineState)
    assert sorted(lf.LF_CODES.values()) == list(range(8))


@pytest.mark.parametrize("state", list(LineState))
def test_round_trip(state: LineState) -> None:
    assert lf.state(lf.code(state)) is state


def test_fact_sheet_codes() -> None:
    assert lf.code(LineState.OPEN) == 0
    assert lf.code(LineState.ACTIVE) == 1
    assert lf.code(LineState.ON_HOOK_TX) == 2
    assert lf.code(LineState.RINGING) == 4
    assert lf.code(LineState.REVERSE_ACTIVE) == 5
    assert lf.code(LineState.REVERSE_ON_HOOK_TX) == 6


def test_dr64_read_back_splits_requested_and_actual() -> None:
    assert lf.requested(0x44) is LineState.RINGING
    assert lf.actual(0x41) is LineState.RINGING and lf.requested(0x41) is LineState.ACTIVE
    assert lf.actual(0x01) is LineState.OPEN


@pytest.mark.parametrize(("state", "flipped"), [
    (LineState.ACTIVE, LineState.REVERSE_ACTIVE),
    (LineState.ON_HOOK_TX, LineState.REVERSE_ON_HOOK_TX),
    (LineState.TIP_OPEN, LineState.RING_OPEN),
])
def test_polarity_flip_and_back(state: LineState, flipped: LineState) -> None:
    assert lf.with_polarity(state, True) is flipped
    assert lf.with_polarity(flipped, False) is state
    assert lf.with_polarity(state, False) is state


@pytest.mark.parametrize("state", [LineState.RINGING, LineState.OPEN])
def test_polarity_change_refused_while_ringing_or_open(state: LineState) -> None:
    message = f"port 2: polarity change refused while the line is {state.value}"
    with pytest.raises(lf.PolarityRefused, match=message):
        lf.with_polarity(state, True, port=2)


def test_unknown_code_refused() -> None:
    with pytest.raises(ValueError, match=r"outside 0\.\.7"):
        lf.state(8)
