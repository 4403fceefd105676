"""The engine with SIP legs, sans-IO (no pjsua2, no Kamailio): SIP events in, SIP/port/media
commands out, on a fake clock - trunk calls to handsets, handsets out over trunks with failover
on 503, IP phones calling handsets and back, early media, busy, digits both ways, admission."""

from __future__ import annotations

from typing import Any

from firmware.config.store import parse_config
from firmware.contracts.ports import DialDigits, DigitReceived, StartRinging, StopRinging
from firmware.pbx.commands import CdrRecord, Connect, Disposition, PlayTone
from firmware.pbx.sipcalls import SipCalls
from firmware.pbx.sipmsg import (
    SipAnswer,
    SipAnswered,
    SipDial,
    SipDigit,
    SipEnded,
    SipEvent,
    SipHangup,
    SipIncoming,
    SipProgress,
    SipRing,
    SipSendDigits,
)
from firmware.pbx.sipparties import SipSettings
from tests.pbx.rig import Rig, of, one

CONFIG = """
sip: {enabled: true}
trunks:
  - {name: bad, host: 127.0.0.31, register: false}
  - {name: good, host: 127.0.0.32, register: false, dids: [{number: '4930123', destination: '201'}]}
sip_extensions:
  - {number: '301', name: Anna}
  - {number: '302', permission: international}
routes:
  - {name: out, pattern: '_0X.', lines: ['trunk:bad', 'trunk:good'], strip: 1}
"""


class SipRig(Rig):
    def __init__(self, capacity: int = 4, config: str = CONFIG, **kw: Any) -> None:
        cfg = parse_config(config)
        super().__init__(cfg, **kw)
        self.sip = SipCalls.install(self.engine, SipSettings.from_config(self.cfg, capacity))

    def sip_event(self, event: SipEvent) -> list[Any]:
        out = self.sip.handle(event, self.now, self.wall)
        self.log += out
        return out


def test_trunk_call_rings_the_did_extension_and_is_answered_from_the_handset() -> None:
    rig = SipRig()
    out = rig.sip_event(SipIncoming("trunk:good#i1", caller="4930999", caller_name="Bob", to="201",
                                    trunk="good", did="4930123"))
    ring = one(StartRinging, out)
    assert ring.port == 1 and ring.caller_id is not None and ring.caller_id.number == "4930999"
    assert one(SipRing, out).code == 180
    out = rig.off_hook(1)
    assert one(SipAnswer, out).leg == "trunk:good#i1"
    assert Connect("trunk:good#i1", "fxs:1") in out or Connect("fxs:1", "trunk:good#i1") in out
    out = rig.sip_event(SipEnded("trunk:good#i1"))
    cdr = one(CdrRecord, out)
    assert cdr.disposition is Disposition.ANSWERED and cdr.line == "trunk:good" and cdr.from_number == "4930999"
    assert of(PlayTone, out)          # the handset hears the hang-up tone


def test_handset_out_over_trunks_fails_over_on_503_then_early_media_then_answer() -> None:
    rig = SipRig()
    rig.off_hook(1)
    out = rig.dial(1, "0301234") + rig.advance(5)
    first = one(SipDial, out)
    assert (first.trunk, first.number) == ("bad", "301234")
    out = rig.sip_event(SipEnded(first.leg, 503, "Service Unavailable"))
    second = one(SipDial, out)
    assert second.trunk == "good" and not of(CdrRecord, out)
    out = rig.sip_event(SipProgress(second.leg, 183, early_media=True))
    assert Connect("fxs:1", second.leg) in out
    out = rig.sip_event(SipAnswered(second.leg))
    assert not of(CdrRecord, out)
    out = rig.on_hook(1) + rig.advance(1)
    assert one(SipHangup, out).leg == second.leg
    cdr = one(CdrRecord, rig.log)
    assert cdr.disposition is Disposition.ANSWERED and cdr.line == "trunk:good"


def test_busy_far_end_gives_busy_tone_and_no_failover() -> None:
    rig = SipRig()
    rig.off_hook(1)
    out = rig.dial(1, "0301234") + rig.advance(5)
    leg = one(SipDial, out).leg
    out = rig.sip_event(SipEnded(leg, 486, "Busy Here"))
    assert not of(SipDial, out)
    assert one(CdrRecord, out).disposition is Disposition.BUSY
    assert one(PlayTone, out).spec.name.endswith("busy")


def test_ip_phone_calls_a_handset_and_the_handset_calls_back() -> None:
    rig = SipRig()
    out = rig.sip_event(SipIncoming("sip:301", caller="301", caller_name="Anna", to="202"))
    ring = one(StartRinging, out)
    assert ring.port == 2 and ring.caller_id.number == "301" and ring.caller_id.name == "Anna"
    out = rig.off_hook(2)
    assert one(SipAnswer, out).leg == "sip:301"
    rig.sip_event(SipEnded("sip:301"))
    rig.on_hook(2)
    rig.advance(3)
    rig.off_hook(1)
    out = rig.dial(1, "301") + rig.advance(5)
    dial = one(SipDial, out)
    assert (dial.leg, dial.number, dial.caller_number) == ("sip:301", "301", "201")
    out = rig.sip_event(SipAnswered("sip:301"))
    assert Connect("fxs:1", "sip:301") in out


def test_digits_cross_between_sip_and_analog() -> None:
    rig = SipRig()
    rig.sip_event(SipIncoming("trunk:good#i1", caller="4930999", to="201", trunk="good", did="4930123"))
    rig.off_hook(1)
    out = rig.sip_event(SipDigit("trunk:good#i1", "5"))
    assert one(PlayTone, out).spec.name == "dtmf-5"
    out = rig.sip.port_event(DigitReceived(1, rig.now, digit="7"))
    assert one(SipSendDigits, out) == SipSendDigits("trunk:good#i1", "7")


def test_ip_phone_outside_call_respects_permission_class() -> None:
    rig = SipRig()
    out = rig.sip_event(SipIncoming("sip:301", caller="301", to="00049301234"))    # 0 + international
    assert one(SipHangup, out).code == 403
    assert "international calls are not permitted" in one(CdrRecord, out).reason
    out = rig.sip_event(SipIncoming("sip:302", caller="302", to="00049301234"))
    assert one(SipDial, out).number == "0049301234"


def test_no_call_slot_means_no_free_line_and_no_alerting() -> None:
    rig = SipRig(capacity=1)
    rig.sip_event(SipIncoming("trunk:good#i1", caller="4930999", to="202", trunk="good", did="4930123"))
    rig.off_hook(1)
    out = rig.dial(1, "0301234") + rig.advance(5)
    assert not of(SipDial, out)
    assert one(CdrRecord, out).disposition is Disposition.CONGESTION
    rig.on_hook(1)
    out = rig.sip_event(SipEnded("trunk:good#i1"))
    assert of(StopRinging, out)


def test_a_phone_transfers_its_caller_to_another_handset() -> None:
    from firmware.pbx.sipmsg import SipRefer, SipReferStatus
    rig = SipRig()
    rig.sip_event(SipIncoming("sip:301", caller="301", caller_name="Anna", to="201"))
    rig.off_hook(1)
    out = rig.sip_event(SipRefer("sip:301", "202"))
    assert out.index(SipReferStatus("sip:301", 200)) < out.index(one(SipHangup, out))   # NOTIFY, then BYE
    ring = one(StartRinging, out)
    assert ring.port == 2 and ring.caller_id.number == "201"
    out = rig.off_hook(2)
    assert Connect("fxs:1", "fxs:2") in out
    out = rig.sip_event(SipRefer("sip:301", "202"))           # the phone is no longer in the call
    assert not out


def test_refer_target_parsing() -> None:
    from firmware.sip.calls import refer_target
    assert refer_target("<sip:202@box.example>") == ("202", "")
    replaces = "<sip:202@box?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>"
    assert refer_target(replaces) == ("202", "abc@h;to-tag=1;from-tag=2")


def test_an_ip_phone_in_a_call_is_offered_a_second_one() -> None:
    rig = SipRig()
    rig.off_hook(1)
    out = rig.dial(1, "301") + rig.advance(5)
    assert one(SipDial, out).leg == "sip:301"
    rig.sip_event(SipAnswered("sip:301"))
    rig.off_hook(2)
    out = rig.dial(2, "301") + rig.advance(5)
    second = one(SipDial, out)
    assert (second.leg, second.number, second.caller_number) == ("sip:301.2", "301", "202")


def test_a_phone_holding_gives_its_partner_music() -> None:
    from firmware.pbx.commands import PlayMusic, StopMusic
    from firmware.pbx.sipmsg import SipHold
    rig = SipRig()
    rig.sip_event(SipIncoming("sip:301", caller="301", to="201"))
    rig.off_hook(1)
    out = rig.sip_event(SipHold("sip:301", True))
    assert one(PlayMusic, out).leg == "fxs:1"
    out = rig.sip_event(SipHold("sip:301", False))
    assert one(StopMusic, out).leg == "fxs:1"


def _phone_with_two_calls(answer_second: bool) -> SipRig:
    """Phone 301 talks to handset 1 (holding it), then calls handset 2 as its consultation."""
    from firmware.pbx.sipmsg import SipHold
    rig = SipRig()
    rig.sip_event(SipIncoming("sip:301", caller="301", caller_name="Anna", to="201"))
    rig.off_hook(1)
    rig.sip_event(SipHold("sip:301", True))
    rig.sip_event(SipIncoming("sip:301.2", caller="301", caller_name="Anna", to="202"))
    if answer_second:
        rig.off_hook(2)
    return rig


def test_attended_transfer_from_the_phone_connects_its_two_partners() -> None:
    from firmware.pbx.sipmsg import SipRefer, SipReferStatus
    rig = _phone_with_two_calls(answer_second=True)
    out = rig.sip_event(SipRefer("sip:301", "202", replaces="sip:301.2"))
    assert SipReferStatus("sip:301", 200) in out
    assert sorted(h.leg for h in of(SipHangup, out)) == ["sip:301", "sip:301.2"]   # BYE on both calls
    assert Connect("fxs:1", "fxs:2") in out or Connect("fxs:2", "fxs:1") in out
    assert one(CdrRecord, out).to == "202"                 # the consultation call is over
    out = rig.on_hook(2)
    cdr = one(CdrRecord, out)
    assert cdr.disposition is Disposition.ANSWERED and cdr.extra["transferred_to"] == "202"


def test_semi_attended_transfer_lets_the_target_ring_on_for_the_partner() -> None:
    from firmware.pbx.sipmsg import SipRefer, SipReferStatus
    rig = _phone_with_two_calls(answer_second=False)
    out = rig.sip_event(SipRefer("sip:301", "202", replaces="sip:301.2"))
    assert SipReferStatus("sip:301", 200) in out
    assert SipHangup("sip:301.2", 487) in out and not of(StopRinging, out)
    assert any(isinstance(c, PlayTone) and c.leg == "fxs:1" and c.spec.name.endswith("ringback") for c in out)
    out = rig.off_hook(2)
    assert Connect("fxs:1", "fxs:2") in out or Connect("fxs:2", "fxs:1") in out


def test_attended_transfer_naming_an_unknown_call_changes_nothing() -> None:
    from firmware.pbx.sipmsg import SipRefer, SipReferStatus
    rig = _phone_with_two_calls(answer_second=True)
    out = rig.sip_event(SipRefer("sip:301", "202", replaces="?"))
    assert out == [SipReferStatus("sip:301", 481)]
    out = rig.sip_event(SipRefer("sip:301.2", "201", replaces="sip:301.2"))   # its own call: no
    assert out == [SipReferStatus("sip:301.2", 481)]


def test_an_analog_extension_presents_its_own_number_or_withholds_it_on_trunk_calls() -> None:
    rig = SipRig(config=CONFIG.replace("sip_extensions:", """extensions:
  - {number: '201', port: 1, caller_id: '4930123201'}
  - {number: '202', port: 2, privacy: true}
sip_extensions:"""))
    dials = []
    for port in (1, 2):
        rig.off_hook(port)
        dials.append(one(SipDial, rig.dial(port, "0301234") + rig.advance(5)))
    assert [(d.caller_number, d.privacy) for d in dials] == [("4930123201", False), ("", True)]


def test_the_withhold_code_hides_the_number_for_one_call_but_never_for_emergency() -> None:
    rig = SipRig()
    rig.off_hook(1)
    first = one(SipDial, rig.dial(1, "*310301234#") + rig.advance(1))
    assert (first.number, first.privacy) == ("301234", True)
    rig.on_hook(1)
    rig.off_hook(1)
    second = one(SipDial, rig.dial(1, "0301234#") + rig.advance(1))
    assert not second.privacy                              # only that one call
    rig.on_hook(1)
    rig.off_hook(1)
    out = rig.dial(1, "*31") + rig.advance(10)               # nothing after the code
    assert not of(SipDial, out)
    rig.on_hook(1)
    rig.off_hook(1)
    out = rig.dial(1, "*31112") + rig.advance(5)            # emergency: out on the line, number shown
    assert one(DialDigits, out).digits == "112"
    rig.on_hook(1)
    assert "privacy" not in rig.cdrs()[-1].extra and rig.cdrs()[-1].to == "112"
