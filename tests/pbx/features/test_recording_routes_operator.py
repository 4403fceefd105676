"""Recording (automatic per extension/line, on demand twice in one call, re-attached after a transfer,
disk full -> the call goes on and the record says so), route choice by code, and the operator API with
its refusals."""

from __future__ import annotations

import pytest

from firmware.config.dialplan import RouteConfig
from firmware.config.features import (
    ExtensionRoutesConfig,
    FeaturesConfig,
    PickupConfig,
    PickupGroupConfig,
    RecordingConfig,
    RouteChoiceConfig,
)
from firmware.contracts.ports import DialDigits, Seize
from firmware.pbx import operator as op
from firmware.pbx.commands import RecordingStopped, StartRecording, StopRecording, SweepRecordings
from tests.pbx.features.helpers import flash, incoming, linked, talk, tone
from tests.pbx.rig import Rig, of, one


def test_calls_of_a_listed_extension_are_recorded_into_the_call_record() -> None:
    rig = Rig(features=FeaturesConfig(recording=RecordingConfig(extensions=["202"])))
    rig.advance(0)
    rig.off_hook(1)
    rig.dial(1, "202")
    out = rig.off_hook(2)
    start = one(StartRecording, out)
    assert set(start.legs) == {"fxs:1", "fxs:2"} and start.path.startswith("recordings/2024-05-06/")
    assert one(SweepRecordings, out).min_free_mb == 200
    rig.advance(5)
    out = rig.on_hook(1)
    assert one(StopRecording, out).call_id == start.call_id
    cdr = rig.cdrs()[-1]
    assert cdr.extra["recordings"] == [start.path] and cdr.extra["recorded"] == "extension 202"
    assert '"recordings"' in cdr.extra_text


def test_flash_star_1_starts_and_stops_twice_in_one_call_giving_two_files() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    paths = []
    for _ in range(2):
        flash(rig, 1)
        out = rig.dial(1, "*1")
        paths.append(one(StartRecording, out).path)
        assert linked(out, "fxs:1", "fxs:2") and rig.state("fxs:1") == "connected"
        rig.advance(3)
        flash(rig, 1)
        out = rig.dial(1, "*1")
        assert of(StopRecording, out) and rig.state("fxs:1") == "connected"
    rig.on_hook(2)
    assert rig.cdrs()[-1].extra["recordings"] == paths and paths[0] != paths[1]


def test_a_full_disk_stops_the_recording_the_call_goes_on_and_the_record_says_so() -> None:
    rig = Rig(features=FeaturesConfig(recording=RecordingConfig(lines=["fxo:5"], check_s=30)))
    incoming(rig)
    rig.off_hook(1)
    out = rig.advance(30)
    assert of(SweepRecordings, out)             # the periodic disk check while recording
    call_id = one(StartRecording, rig.log).call_id
    rig.engine.media_event(RecordingStopped(call_id, "disk full: 150 MB free, 200 MB needed"), rig.now, rig.wall)
    assert rig.state("fxs:1") == "connected" and not rig.engine.snapshot(rig.now).features.recordings
    assert not of(SweepRecordings, rig.advance(60))   # nothing recording: no more checks
    rig.on_hook(1)
    assert rig.cdrs()[-1].extra["recording_error"] == "disk full: 150 MB free, 200 MB needed"


def test_a_recording_follows_the_call_through_a_transfer() -> None:
    rig = Rig(features=FeaturesConfig(recording=RecordingConfig(extensions=["202"])))
    talk(rig, 1, 2)
    first = one(StartRecording, rig.log)
    flash(rig, 1)
    rig.dial(1, "203")
    rig.off_hook(3)
    out = rig.on_hook(1)
    again = [s for s in of(StartRecording, out) if s.call_id == first.call_id]
    assert again and set(again[0].legs) == {"fxs:2", "fxs:3"} and again[0].path == first.path


ROUTES = [RouteConfig(name="landline", pattern="_0X.", lines=["fxo:5"], strip=1),
          RouteConfig(name="mobile", pattern="_0X.", lines=["fxo:6"], strip=1)]


def test_star_7_and_a_route_digit_dials_out_on_that_route() -> None:
    rig = Rig(routes=ROUTES)
    rig.off_hook(1)
    rig.dial(1, "*7203012345")
    out = rig.advance(3.0)
    assert one(Seize, out).port == 6
    assert one(DialDigits, rig.advance(1.0)).digits == "3012345"


def test_an_extension_may_only_choose_its_allowed_routes() -> None:
    allowed = RouteChoiceConfig(extensions=[ExtensionRoutesConfig("201", ["landline"])])
    rig = Rig(routes=ROUTES, features=FeaturesConfig(route_choice=allowed))
    rig.off_hook(1)
    rig.dial(1, "*7203012345")
    out = rig.advance(3.0)
    assert tone(out, "fxs:1") == "congestion" and not of(Seize, out)


# --- the operator panel ----------------------------------------------------------------------------
def run(rig: Rig, cmd: op.OperatorCommand) -> list[object]:
    out = list(rig.engine.operator(cmd, rig.now, rig.wall))
    rig.log += out  # type: ignore[arg-type]
    return out


def test_operator_hold_retrieve_consult_and_complete() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    run(rig, op.Hold("201"))
    assert rig.state("fxs:2") == "held"
    run(rig, op.Retrieve("201"))
    assert rig.state("fxs:1") == "connected" and rig.state("fxs:2") == "connected"
    run(rig, op.Consult("201", "203"))
    assert rig.state("fxs:3") == "ringing"
    rig.off_hook(3)
    out = run(rig, op.CompleteTransfer("201"))
    assert linked(out, "fxs:2", "fxs:3") and rig.state("fxs:1") == "releasing"


def test_operator_builds_a_four_party_conference_one_held_party_at_a_time() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    run(rig, op.Consult("201", "203"))
    rig.off_hook(3)
    run(rig, op.ConferenceAdd("201"))
    run(rig, op.Consult("201", "204"))
    rig.off_hook(4)
    run(rig, op.ConferenceAdd("201"))
    assert set(rig.engine.snapshot(rig.now).features.conferences[0][1]) == {"201", "202", "203", "204"}
    assert rig.engine.operator_result["conference"] == rig.engine.snapshot(rig.now).features.conferences[0][0]


def test_operator_park_record_pickup_and_route() -> None:
    rig = Rig(routes=ROUTES, features=FeaturesConfig(pickup=PickupConfig(
        groups=[PickupGroupConfig("all", ["201", "202", "203", "204"])])))
    talk(rig, 1, 2)
    run(rig, op.RecordStart("201"))
    assert rig.engine.snapshot(rig.now).features.recordings
    run(rig, op.RecordStop("201"))
    run(rig, op.Park("201"))
    assert rig.engine.operator_result == {"held": 1, "slot": "701"}
    rig.off_hook(3)
    run(rig, op.RetrieveParked("203", "701"))
    assert rig.state("fxs:3") == "connected" and rig.state("fxs:2") == "connected"
    rig.on_hook(1)
    incoming(rig)                                   # rings 201
    rig.on_hook(4)
    rig.off_hook(4)
    run(rig, op.Pickup("204", "201"))
    assert rig.state("fxo:5") == "connected" and rig.state("fxs:4") == "connected"
    rig.off_hook(1)
    out = run(rig, op.ChooseRoute("201", 2, "0301234"))
    assert one(Seize, out).port == 6


@pytest.mark.parametrize(("setup", "cmd", "message"), [
    ("idle", op.Hold("201"), "201 has no answered call to hold"),
    ("idle", op.Retrieve("201"), "201 holds no call"),
    ("idle", op.Pickup("201"), "nothing rings that you may pick up"),
    ("idle", op.RetrieveParked("201", "701"), "nothing is parked on 701"),
    ("idle", op.Hold("299"), "'299' is not an extension"),
    ("talk", op.BlindTransfer("201", "203"), "cannot transfer to 203: busy, unknown or not permitted"),
    ("talk", op.RecordStop("201"), "call 1 is not being recorded"),
    ("talk", op.ChooseRoute("201", 9, "0301234"), "route 9 is not allowed for 201 or does not fit 0301234"),
    ("on_hook_ringing", op.Pickup("203", "201"), "lift the handset of 203 first"),
])
def test_operator_commands_are_refused_with_a_reason(setup: str, cmd: op.OperatorCommand,
                                                     message: str) -> None:
    rig = Rig(features=FeaturesConfig(pickup=PickupConfig(groups=[PickupGroupConfig("g", ["201", "203"])])))
    if setup == "talk":
        talk(rig, 1, 2)
        rig.off_hook(3)                             # 203 busy: the blind transfer is refused
    elif setup == "on_hook_ringing":
        incoming(rig)
    with pytest.raises(op.OperatorRefused) as err:
        run(rig, cmd)
    assert str(err.value).startswith(message)
    if setup == "talk" and isinstance(cmd, op.BlindTransfer):
        rig.engine.tick(rig.now, rig.wall)
        assert rig.state("fxs:1") == "connected" and rig.state("fxs:2") == "connected"
