"""Call pickup (group, directed, only within groups, a group call's ringing ended everywhere, the call
that stops ringing at the same instant) and call park (code and lot number, spoken slot, retrieval,
timeout recall, then the lot's destination, parker hanging up first, transfer to the lot, park groups)."""

from __future__ import annotations

from firmware.config.features import FeaturesConfig, ParkConfig, ParkLotConfig, PickupConfig, PickupGroupConfig
from firmware.config.ringgroups import MemberConfig, RingGroupConfig, StageConfig
from firmware.contracts.ports import StartRinging, StopRinging
from firmware.pbx.commands import AnswerSource, PlayPrompt
from firmware.pbx.features.park import ParkOutcome
from firmware.pbx.features.pickup import PickupOutcome
from tests.pbx.features.helpers import flash, incoming, linked, talk, tone
from tests.pbx.rig import Rig, of, one

GROUPS = PickupConfig(groups=[PickupGroupConfig("office", ["201", "202", "203"]),
                              PickupGroupConfig("lab", ["203", "204"])])


def rig_with(**features: object) -> Rig:
    return Rig(features=FeaturesConfig(**features))  # type: ignore[arg-type]


def test_group_pickup_takes_the_call_ringing_on_a_group_member() -> None:
    rig = rig_with(pickup=GROUPS)
    incoming(rig)                                # rings 201
    rig.off_hook(3)
    out = rig.dial(3, "*8")
    assert one(StopRinging, out).port == 1 and linked(out, "fxo:5", "fxs:3")
    assert rig.state("fxo:5") == "connected" and rig.state("fxs:3") == "connected"
    assert rig.engine.snapshot(rig.now).features.pickups == ((1, "203", "201", "030123456"),)
    rig.on_hook(3)
    cdr = rig.cdrs()[-1]
    assert cdr.answer_source is AnswerSource.PICKUP and cdr.callee_leg == "fxs:3"
    assert cdr.extra["pickup"] == {"by": "203", "ringing": "201", "caller": "030123456", "caller_name": "Muster"}


def test_only_members_of_a_shared_group_may_pick_up() -> None:
    rig = rig_with(pickup=GROUPS)
    incoming(rig)
    rig.off_hook(4)                              # 204 is in "lab" only; 201 is not
    out = rig.dial(4, "*8")
    assert tone(out, "fxs:4") == "congestion" and rig.state("fxs:1") == "ringing"
    assert rig.engine.features.pickup.last[-1] == ("fxs:4", PickupOutcome.NOT_ALLOWED)


def test_directed_pickup_of_an_internal_call() -> None:
    rig = rig_with(pickup=GROUPS)
    rig.off_hook(4)
    rig.dial(4, "202")                           # 204 rings 202 (both in... 202 office only)
    rig.off_hook(1)
    out = rig.dial(1, "**202")
    assert linked(out, "fxs:4", "fxs:1") and one(StopRinging, out).port == 2


def test_a_call_that_stops_ringing_at_the_same_instant_cannot_be_picked_up() -> None:
    rig = rig_with(pickup=GROUPS)
    rig.off_hook(4)
    rig.dial(4, "201")
    rig.off_hook(2)
    rig.dial(2, "*")
    rig.on_hook(4)                               # the caller gives up ...
    out = rig.dial(2, "8")                       # ... at the same instant the code completes
    assert tone(out, "fxs:2") == "congestion" and not of(StartRinging, out)
    assert rig.engine.features.pickup.last[-1][1] is PickupOutcome.NOTHING_RINGING


def test_picking_up_a_ring_group_call_ends_its_ringing_everywhere() -> None:
    group = RingGroupConfig(number="600", stages=[StageConfig(members=[MemberConfig(extension="201"),
                                                                       MemberConfig(extension="202")])])
    rig = rig_with(pickup=GROUPS, ring_groups=[group])
    rig.off_hook(4)
    rig.dial(4, "600")
    assert rig.state("fxs:1") == "ringing" and rig.state("fxs:2") == "ringing"
    rig.off_hook(3)
    out = rig.dial(3, "*8")
    assert {s.port for s in of(StopRinging, out)} == {1, 2} and linked(out, "fxs:4", "fxs:3")
    rig.on_hook(3)
    assert rig.engine.features.groups.reports.today["600"][0].outcome.value == "answered_elsewhere"


# --- park --------------------------------------------------------------------------------------------
def parked(rig: Rig) -> None:
    """Line caller answered by 201, parked with flash + *5."""
    incoming(rig)
    rig.off_hook(1)
    flash(rig, 1)
    rig.dial(1, "*5")


def test_park_by_code_announces_the_slot_and_the_caller_hears_music() -> None:
    rig = Rig()
    parked(rig)
    prompt = one(PlayPrompt, rig.log[-10:])
    assert prompt.leg == "fxs:1" and prompt.words == ("parked_on_slot", "7", "0", "1") and prompt.language == "de"
    [p] = rig.engine.snapshot(rig.now).features.parked
    assert (p.slot, p.caller, p.parker, p.state) == ("701", "030123456", "201", "parked")
    rig.on_hook(1)                               # the parker hangs up: the call stays parked
    rig.advance(20)
    assert rig.engine.snapshot(rig.now).features.parked[0].waiting_s == 20.0


def test_the_slot_lamp_shows_the_parked_call_until_it_is_retrieved() -> None:
    from firmware.pbx.blf import dialog_states
    rig = Rig()
    assert dialog_states(rig.engine.core)["701"].state == "terminated"
    parked(rig)
    lamp = dialog_states(rig.engine.core)
    assert (lamp["701"].state, lamp["701"].remote) == ("confirmed", "030123456")
    assert lamp["702"].state == "terminated"
    rig.on_hook(1)
    rig.off_hook(3)
    rig.dial(3, "701")
    assert dialog_states(rig.engine.core)["701"].state == "terminated"


def test_any_phone_retrieves_by_dialling_the_slot() -> None:
    rig = Rig()
    parked(rig)
    rig.on_hook(1)
    rig.off_hook(3)
    out = rig.dial(3, "701")
    assert linked(out, "fxo:5", "fxs:3") and not rig.engine.snapshot(rig.now).features.parked
    rig.on_hook(3)
    assert rig.cdrs()[-1].extra["park"] == {"slot": "701", "lot": "default", "by": "201", "retrieved_by": "203"}


def test_dialling_an_empty_slot_gives_congestion() -> None:
    rig = Rig()
    rig.off_hook(3)
    assert tone(rig.dial(3, "705"), "fxs:3") == "congestion"


def test_timeout_rings_the_parker_back_then_the_lots_destination() -> None:
    lot = ParkLotConfig(timeout_s=60, recall_ring_s=20, destination="204")
    rig = rig_with(park=ParkConfig(lots=[lot]))
    parked(rig)
    rig.on_hook(1)                               # the parker hung up before the timeout
    out = rig.advance(60)
    ring = one(StartRinging, out)
    assert ring.port == 1 and ring.caller_id is not None and ring.caller_id.number == "030123456"
    assert rig.engine.snapshot(rig.now).features.parked[0].state == "recalling"
    out = rig.advance(20)
    assert one(StopRinging, out).port == 1 and one(StartRinging, out).port == 4
    out = rig.off_hook(4)
    assert linked(out, "fxo:5", "fxs:4")


def test_recall_answered_by_the_parker() -> None:
    rig = Rig()
    parked(rig)
    rig.on_hook(1)
    rig.advance(120)
    out = rig.off_hook(1)
    assert linked(out, "fxo:5", "fxs:1")


def test_the_parked_caller_hanging_up_frees_the_slot() -> None:
    from firmware.contracts.ports import LineDisconnect
    rig = Rig()
    parked(rig)
    rig.advance(5)
    rig.ev(LineDisconnect, 5)
    assert not rig.engine.snapshot(rig.now).features.parked
    assert rig.cdrs()[-1].reason == "hung up while parked"


def test_park_by_dialling_the_lot_number_and_by_blind_transfer_to_it() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    flash(rig, 1)
    rig.dial(1, "700")
    assert [p.slot for p in rig.engine.snapshot(rig.now).features.parked] == ["701"]
    rig.on_hook(1)
    rig.off_hook(3)
    rig.dial(3, "701")
    flash(rig, 3)
    rig.dial(3, "*2700")
    rig.advance(3)
    assert [p.slot for p in rig.engine.snapshot(rig.now).features.parked] == ["701"]
    assert rig.engine.snapshot(rig.now).features.parked[0].caller == "202"


def test_a_park_group_lot_is_seen_and_used_only_by_its_members() -> None:
    lots = [ParkLotConfig(name="sales", number="800", first_slot=801, last_slot=803, members=["201", "202"])]
    rig = rig_with(park=ParkConfig(lots=lots))
    parked(rig)
    park = rig.engine.features.park
    assert [p.slot for p in park.visible_to("202")] == ["801"] and park.visible_to("203") == []
    rig.on_hook(1)
    rig.off_hook(3)
    assert tone(rig.dial(3, "801"), "fxs:3") == "congestion"
    assert park.retrieve("801", "fxs:3") is ParkOutcome.NOT_ALLOWED
    rig.on_hook(3)
    rig.off_hook(2)
    out = rig.dial(2, "801")
    assert linked(out, "fxo:5", "fxs:2")
