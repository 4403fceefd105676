"""A trunk's codec order on calls the provider offers (RFC 3264 §6.1: the answerer chooses), against
real SIP programs: a far caller (SIPp) behind the provider (Kamailio) offers PCMU first, then PCMA and
G.722, to a DID that rings handset 1 of a box whose trunk lists other codecs first.

pjmedia on its own answers in the offer's order, so such a provider got PCMU (or the first codec of
the trunk's it happened to list) whatever the trunk said. Now the box's 200 OK has the trunk's first
codec the provider offered, and only that one (with telephone-event); the audio is right both ways
in that codec (tone frequency and level at the handset and at the far end's RTP port; the G.722 far
end codes with spandsp, as baresip, Asterisk and FreeSWITCH do, so a level off by pjmedia's G.722
scaling shows here too); and the provider's re-INVITE with the same offer gets the same answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from firmware.dsp.levels import dbm0, dominant_frequency
from tests.sip.net import Net, free_port, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.provider import Provider
from tests.sip.rtp import RtpPeer
from tests.sip.rtp_g722 import G722Peer
from tests.sip.sipp import SippServer
from tests.sip.test_dtmf_codecs import sipp_messages
from tests.sip.test_trunk_calls import DID, box_config

pytestmark = pytest.mark.slow

SENT_DBM0 = -10.0       # both tones (the far end's 1000 Hz, the handset's 700 Hz)
LEVEL_TOLERANCE = 2.5   # G.711 and G.722 both arrive within this; a 6 dB scaling error does not


def answers(path: Path) -> list[list[str]]:
    """The payload types of the m=audio line of every 200 OK to an INVITE the far caller received."""
    out = []
    for msg in sipp_messages(path):
        if msg.startswith("SIP/2.0 200") and re.search(r"^CSeq:\s*\d+\s+INVITE", msg, re.M | re.I):
            m = re.search(r"^m=audio \d+ \S+ ([\d ]+?)\s*$", msg, re.M)
            out.append(m.group(1).split() if m else [])
    return out


def far_audio_8k(peer: RtpPeer, seconds: float) -> np.ndarray:
    """What the far end received, as 8 kHz samples for the frequency measurement."""
    audio = peer.audio(seconds)
    return audio[::2] if isinstance(peer, G722Peer) else audio


@pytest.mark.parametrize(("codecs", "chosen"), [
    (["PCMA", "PCMU"], "8"),          # the edge leaves "0 8 101": pjmedia alone answered PCMU
    (["G722", "PCMA"], "9"),          # the edge leaves "8 9 101": pjmedia alone answered PCMA
], ids=["pcma-over-pcmu", "g722-over-pcma"])
def test_the_answer_takes_the_trunks_first_codec_and_keeps_it_on_a_reinvite(
        tmp_path: Path, net: Net, provider: Provider, codecs: list[str], chosen: str) -> None:
    cfg = box_config(net, provider)
    cfg["trunks"][0]["codecs"] = codecs
    box = Pbxd(tmp_path / "box", cfg)
    rtp_port = free_port(net.far, tcp=False)
    peer: RtpPeer = (G722Peer(net.far, rtp_port, tone_hz=1000.0, level_dbm0=SENT_DBM0) if chosen == "9"
                     else RtpPeer(net.far, rtp_port, tone_hz=1000.0, level_dbm0=SENT_DBM0, payload_type=8))
    messages = tmp_path / "far.msg"
    caller = None
    try:
        wait_until(lambda: box.trunk_state("prov") == "registered", 30, 0.5)
        caller = SippServer("uac_call_reinvite.xml", provider.hostport, net.far,  # type: ignore[attr-defined]
                            provider.far_port, calls=1, keys={"rtpport": str(rtp_port)}, timeout_s=90,
                            extra=["-d", "9000", "-s", DID, "-trace_msg", "-message_file", str(messages)])
        wait_until(lambda: box.show(1)["ringing"], 15, 0.2, "handset 1 did not ring")
        box.handset(1, "off-hook")
        box.handset(1, "tone", "700")
        wait_until(lambda: len(peer.audio(1.0)) > 1000, 10, 0.2,
                   f"no audio in payload type {chosen} from the box (it sent {peer.payload_types}; "
                   f"answers: {answers(messages)})")
        heard = box.hearing(1, 1000)
        far = far_audio_8k(peer, 1.0)
        wait_until(lambda: len(answers(messages)) >= 2, 20, 0.2, f"no answer to the re-INVITE: {answers(messages)}")
        heard_after = box.hearing(1, 1000)
        far_after = far_audio_8k(peer, 1.0)
        result = caller.wait(40)
    finally:
        if caller is not None:
            caller.stop()
        peer.close()
        box.stop()
    assert result.ok, result
    first, second = answers(messages)[:2]
    assert [f for f in first if f != "101"] == [chosen], first        # only the trunk's choice ...
    assert first[0] == chosen and "101" in first                        # ... and digits as events
    assert second == first                                              # the re-INVITE kept it
    assert peer.payload_types - {101} == {int(chosen)}                  # the box sent that codec only
    for tone_heard in (heard, heard_after):
        assert abs(tone_heard["frequency_hz"] - 1000) < 20, tone_heard
        assert abs(tone_heard["level_dbm0"] - SENT_DBM0) < LEVEL_TOLERANCE, tone_heard
    for audio in (far, far_after):
        assert abs(dominant_frequency(audio) - 700) < 20
        assert abs(dbm0(audio) - SENT_DBM0) < LEVEL_TOLERANCE, dbm0(audio)
