"""Engine API: snapshot for the web page, reconfigure without dropping calls, feature hooks, errors."""

from __future__ import annotations

import pytest

from firmware.config.dialplan import ExtensionConfig, FeatureCodeConfig, NumberingConfig
from firmware.config.model import Config
from firmware.contracts.errors import PbxError
from firmware.contracts.ports import (
    LineCalibrated,
    LineRingStart,
    OffHook,
    PortAlarm,
    Seize,
    StartRinging,
)
from firmware.pbx.commands import Connect, Disposition, PlayTone
from firmware.pbx.legs import FxsEvent
from firmware.pbx.settings import PbxSettings
from tests.pbx.rig import Rig, of


def test_snapshot_shows_every_port_and_live_call() -> None:
    rig = Rig()
    rig.ev(PortAlarm, 4, reason="chip not answering")
    rig.off_hook(1)
    rig.dial(1, "202")
    rig.advance(2)
    rig.off_hook(2)
    rig.advance(10)
    rig.off_hook(3)
    rig.dial(3, "0")
    rig.ev(LineRingStart, 6)
    snap = rig.engine.snapshot(rig.now)
    status = {p.leg: (p.kind, p.status, p.extension) for p in snap.ports}
    assert status == {
        "fxs:1": ("fxs", "in call", "201"), "fxs:2": ("fxs", "in call", "202"),
        "fxs:3": ("fxs", "dialling", "203"), "fxs:4": ("fxs", "alarm", "204"),
        "fxo:5": ("fxo", "idle", ""), "fxo:6": ("fxo", "ringing", "")}
    assert snap.port("fxs:4").alarm == "chip not answering"
    assert snap.port("fxs:3").digits == "0"
    internal, inbound = snap.calls
    assert internal.parties == ("fxs:1", "fxs:2") and internal.state == "connected"
    assert (internal.duration_s, internal.talk_s) == (12.0, 10.0)  # from the last digit
    assert inbound.direction == "inbound" and inbound.state == "setup" and inbound.to == "201"


def test_reconfigure_keeps_a_call_up_and_new_settings_apply_to_new_calls() -> None:
    rig = Rig()
    rig.off_hook(1)
    rig.dial(1, "202")
    rig.off_hook(2)
    new = Config(extensions=[ExtensionConfig("301", 1), ExtensionConfig("302", 2), ExtensionConfig("303", 3)])
    assert rig.engine.reconfigure(PbxSettings.from_config(new)) == []
    assert rig.state("fxs:1") == "connected" and rig.state("fxs:2") == "connected"
    rig.off_hook(3)
    ring = of(StartRinging, rig.dial(3, "301"))
    assert ring == []  # 301 (port 1) is busy in the old call
    rig.on_hook(3)
    rig.advance(30)
    rig.on_hook(2)
    cdr = rig.cdrs()[-1]
    assert (cdr.from_number, cdr.to, cdr.disposition) == ("201", "202", Disposition.ANSWERED)
    rig.on_hook(1)
    rig.off_hook(4)
    assert rig.engine.snapshot(rig.now).port("fxs:4").extension == ""
    rig.on_hook(4)
    rig.off_hook(3)
    ring = of(StartRinging, rig.dial(3, "302"))
    assert ring[0].port == 2 and ring[0].caller_id is not None and ring[0].caller_id.number == "303"


def test_feature_code_goes_to_its_registered_package() -> None:
    cfg = Config(numbering=NumberingConfig(feature_codes=[FeatureCodeConfig("*8", "pickup")]))
    rig = Rig(cfg)
    seen: list[tuple[str, str]] = []

    def pickup(core: object, leg: object, target: object, now: float) -> None:
        from firmware.pbx.core import Core
        from firmware.pbx.numbering import FeatureTarget
        from firmware.pbx.state import FxsLeg
        assert isinstance(core, Core) and isinstance(leg, FxsLeg) and isinstance(target, FeatureTarget)
        seen.append((leg.id, target.feature))
        leg.fire(FxsEvent.FAIL)
        core.play(leg.id, "dial_recall")

    rig.engine.hooks.features["pickup"] = pickup
    rig.off_hook(1)
    out = rig.dial(1, "*8")
    assert seen == [("fxs:1", "pickup")]
    assert any(isinstance(c, PlayTone) and c.spec.name == "de.dial_recall" for c in out)


def test_feature_code_without_a_package_is_congestion() -> None:
    rig = Rig(numbering=NumberingConfig(feature_codes=[FeatureCodeConfig("*8", "pickup")]))
    rig.off_hook(1)
    out = rig.dial(1, "*8")
    assert any(isinstance(c, PlayTone) and c.spec.name == "de.congestion" for c in out)


def test_unknown_port_is_an_error() -> None:
    rig = Rig()
    with pytest.raises(PbxError, match="port 9"):
        rig.ev(OffHook, 9)
    with pytest.raises(PbxError):
        rig.ev(LineRingStart, 1)  # a line event on a handset port


def test_calibration_results_are_not_call_events() -> None:
    assert Rig().ev(LineCalibrated, 5) == []


def test_an_event_after_a_missed_deadline_sees_the_timer_fire_first() -> None:
    rig = Rig()
    rig.off_hook(1)
    rig.dial(1, "0301234")
    rig.now += 3.5  # the runtime did not tick at the match timeout
    out = rig.send(OffHook(2, rig.now))
    dial_tone = PlayTone("fxs:2", rig.engine.settings.tones.dial)
    assert of(Seize, out) and out.index(Seize(5)) < out.index(dial_tone)
    assert Connect("fxs:1", "fxo:5") in out


def test_next_deadline_is_none_when_nothing_waits() -> None:
    rig = Rig()
    assert rig.engine.next_deadline is None
    rig.off_hook(1)
    assert rig.engine.next_deadline is not None
    rig.on_hook(1)
    assert rig.engine.next_deadline is None


def test_the_engine_never_reads_the_clock_or_does_io() -> None:
    import pathlib
    import re

    import firmware.pbx
    forbidden = re.compile(r"\bimport (time|threading|socket|sqlite3|pjsua2|asyncio)\b|"
                           r"\.now\(|\.utcnow\(|\.today\(|\bopen\(|firmware\.(drivers|sip|runtime|app|api)")
    root = pathlib.Path(firmware.pbx.__file__).parent
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not forbidden.search(line), f"{path.name}:{number}: {line.strip()}"
