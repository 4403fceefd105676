"""Digit collection timing, to the millisecond on a fake clock (Asterisk sig_analog timeouts)."""

from __future__ import annotations

from collections.abc import Sequence

from firmware.config.dialplan import ExtensionConfig, NumberingConfig
from firmware.contracts.ports import StartRinging
from firmware.pbx.commands import PlayTone, StopTone
from tests.pbx.rig import START, Rig, of

EXTS = [ExtensionConfig("201", 1), ExtensionConfig("202", 2), ExtensionConfig("2011", 3),
        ExtensionConfig("204", 4)]


def congestion(out: Sequence[object]) -> bool:
    return any(isinstance(c, PlayTone) and c.spec.name.endswith("congestion") for c in out)


def test_first_digit_timeout_16_s() -> None:
    rig = Rig()
    rig.off_hook(1)
    assert rig.engine.next_deadline == START + 16.0
    assert rig.advance(15.999) == []
    out = rig.advance(0.001)
    assert congestion(out) and rig.state("fxs:1") == "releasing"
    assert rig.cdrs() == []  # nothing was dialled: no call to record


def test_incomplete_number_waits_the_inter_digit_timeout() -> None:
    rig = Rig(extensions=EXTS)
    rig.off_hook(1)
    rig.dial(1, "20")
    assert rig.engine.next_deadline == rig.now + 8.0
    assert rig.advance(7.999) == []
    assert congestion(rig.advance(0.001))
    assert rig.cdrs()[-1].reason == "number incomplete"


def test_each_digit_restarts_the_inter_digit_timeout() -> None:
    rig = Rig(extensions=EXTS)
    rig.off_hook(1)
    rig.dial(1, "2")
    rig.advance(7.9)
    rig.dial(1, "0")
    assert rig.advance(7.999) == []
    assert congestion(rig.advance(0.001))


def test_201_waits_the_match_timeout_because_2011_exists() -> None:
    rig = Rig(extensions=EXTS)
    rig.off_hook(2)
    assert not of(StartRinging, rig.dial(2, "201"))
    assert rig.engine.next_deadline == rig.now + 3.0
    assert rig.advance(2.999) == []
    assert [r.port for r in of(StartRinging, rig.advance(0.001))] == [1]


def test_the_longer_extension_rings_at_once() -> None:
    rig = Rig(extensions=EXTS)
    rig.off_hook(1)
    assert [r.port for r in of(StartRinging, rig.dial(1, "2011"))] == [3]


def test_hash_ends_dialling_at_once() -> None:
    rig = Rig(extensions=EXTS)
    rig.off_hook(2)
    rig.dial(2, "201")
    assert [r.port for r in of(StartRinging, rig.dial(2, "#"))] == [1]
    assert rig.engine.next_deadline is None or rig.engine.next_deadline > rig.now + 3.0


def test_hash_alone_is_congestion_without_a_cdr() -> None:
    rig = Rig()
    rig.off_hook(1)
    assert congestion(rig.dial(1, "#")) and rig.cdrs() == []


def test_hash_after_an_incomplete_number_is_congestion() -> None:
    rig = Rig(extensions=EXTS)
    rig.off_hook(1)
    rig.dial(1, "20")
    assert congestion(rig.dial(1, "#"))


def test_configured_timeouts_apply() -> None:
    rig = Rig(extensions=EXTS, numbering=NumberingConfig(first_digit_s=5.0, inter_digit_s=2.0, match_s=1.5))
    rig.off_hook(2)
    assert rig.advance(4.999) == []
    assert congestion(rig.advance(0.001))
    rig.on_hook(2)
    rig.off_hook(2)
    rig.dial(2, "201")
    assert rig.advance(1.499) == []
    assert of(StartRinging, rig.advance(0.001))


def test_dial_tone_stops_at_the_first_digit_only() -> None:
    rig = Rig()
    rig.off_hook(1)
    out = rig.dial(1, "2")
    assert out == [StopTone("fxs:1")]
    assert rig.dial(1, "0") == []


def test_hanging_up_while_dialling_leaves_nothing_behind() -> None:
    rig = Rig()
    rig.off_hook(1)
    rig.dial(1, "20")
    assert rig.on_hook(1) == []
    assert rig.engine.next_deadline is None and rig.cdrs() == []
