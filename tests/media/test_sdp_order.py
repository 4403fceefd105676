"""A trunk's codec order in pbxd's local SDP (firmware.sip.sdp_order): what a provider's offer gets
as an answer (RFC 3264 §6.1) and what pbxd offers (§5.1, §8.3.2), on SDP text as pjsua2 prints it."""

from __future__ import annotations

import re

from firmware.sip.sdp_order import answer_codec, offer_order, offered_codecs, trunk_local_sdp

# pbxd's local SDP as pjsua2 hands it to onCallSdpCreated (all three codecs enabled, CRLF)
LOCAL = ("v=0\r\no=- 3917 3917 IN IP4 127.0.0.10\r\ns=pbx\r\nb=AS:117\r\nt=0 0\r\n"
         "m=audio 40000 RTP/AVP 8 0 9 101\r\nc=IN IP4 127.0.0.10\r\nb=TIAS:96000\r\n"
         "a=rtcp:40001 IN IP4 127.0.0.10\r\na=sendrecv\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
         "a=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ssrc:1 cname:x\r\n")


def offer(formats: str, *maps: str) -> str:
    return "\r\n".join(["v=0", "o=far 1 1 IN IP4 127.0.1.30", "s=-", "c=IN IP4 127.0.1.30", "t=0 0",
                        f"m=audio 4000 RTP/AVP {formats}", *maps, "a=sendrecv"]) + "\r\n"


PROVIDER = offer("0 8 9 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:9 G722/8000",
                 "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15")


def m_line(sdp: str) -> list[str]:
    return re.search(r"^m=audio (.*?)\r?$", sdp, re.M).group(1).split()[2:]  # type: ignore[union-attr]


def test_the_answer_offers_only_the_trunks_first_codec_the_provider_offered() -> None:
    out = trunk_local_sdp(LOCAL, PROVIDER, ["G722", "PCMA"])
    assert m_line(out) == ["9", "101"]
    assert "a=rtpmap:8 " not in out and "a=rtpmap:0 " not in out      # their rtpmaps went with them
    assert "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16" in out   # events kept as they were
    assert "a=rtcp:40001" in out and "a=ssrc:1 cname:x" in out and out.startswith("v=0\r\no=- 3917")
    assert out.endswith("\r\n") and "\n\n" not in out


def test_the_offers_own_order_does_not_matter() -> None:
    provider = offer("9 0 8", "a=rtpmap:9 G722/8000")
    assert m_line(trunk_local_sdp(LOCAL, provider, ["PCMA", "PCMU"])) == ["8", "101"]
    assert m_line(trunk_local_sdp(LOCAL, provider, ["PCMU", "G722"])) == ["0", "101"]


def test_a_codec_the_provider_did_not_offer_is_passed_over() -> None:
    provider = offer("0 8", "a=rtpmap:0 PCMU/8000")
    assert m_line(trunk_local_sdp(LOCAL, provider, ["G722", "PCMA", "PCMU"])) == ["8", "101"]


def test_codecs_are_known_by_rtpmap_name_also_on_dynamic_payload_types() -> None:
    provider = offer("0 112 101", "a=rtpmap:112 g722/8000", "a=rtpmap:101 telephone-event/8000")
    assert offered_codecs(provider) == ["PCMU", "G722"]
    assert m_line(trunk_local_sdp(LOCAL, provider, ["G722", "PCMU"])) == ["9", "101"]


def test_a_reoffer_keeps_the_codec_in_use() -> None:
    """The provider re-INVITEs with its old order: the call stays on the codec in use, even when a
    codec the trunk ranks higher is now offered too."""
    assert m_line(trunk_local_sdp(LOCAL, PROVIDER, ["G722", "PCMA"], current="G722")) == ["9", "101"]
    assert m_line(trunk_local_sdp(LOCAL, PROVIDER, ["G722", "PCMA"], current="PCMA")) == ["8", "101"]
    # the codec in use is gone from the re-offer: the trunk's order decides again
    assert m_line(trunk_local_sdp(LOCAL, offer("0 8"), ["G722", "PCMA"], current="G722")) == ["8", "101"]


def test_an_offer_without_a_trunk_codec_leaves_only_trunk_codecs_to_fail_on() -> None:
    """pjmedia then answers 488, as the edge does for such an offer; pbxd never answers PCMU here."""
    out = trunk_local_sdp(LOCAL, offer("0 3"), ["G722", "PCMA"])
    assert m_line(out) == ["9", "8", "101"]


def test_pbxds_own_offer_follows_the_trunk_and_drops_other_codecs() -> None:
    assert m_line(trunk_local_sdp(LOCAL, "", ["G722", "PCMU"])) == ["9", "0", "101"]
    # a re-INVITE (hold, refresh) names the codec in use first
    assert m_line(trunk_local_sdp(LOCAL, "", ["G722", "PCMU"], current="PCMU")) == ["0", "9", "101"]


def test_sdp_that_needs_no_change_comes_back_as_it_was() -> None:
    assert trunk_local_sdp(LOCAL, "", []) is LOCAL                         # no trunk: no policy
    assert trunk_local_sdp(LOCAL, "", ["PCMA", "PCMU", "G722"]) is LOCAL   # already the trunk's order
    held = LOCAL.replace("m=audio 40000", "m=audio 0")
    assert trunk_local_sdp(held, PROVIDER, ["G722"]) is held               # a refused stream stays so
    # nothing of the trunk's in the local SDP: unchanged rather than an m= line without a codec
    narrow = LOCAL.replace("8 0 9 101", "8 101")
    assert trunk_local_sdp(narrow, "", ["G722"]) is narrow


def test_comfort_noise_is_no_codec_choice() -> None:
    local = LOCAL.replace("8 0 9 101", "8 0 9 13 101")
    assert m_line(trunk_local_sdp(local, offer("0 9 13"), ["G722"])) == ["9", "13", "101"]


def test_lf_only_sdp_keeps_its_line_ends() -> None:
    out = trunk_local_sdp(LOCAL.replace("\r\n", "\n"), PROVIDER.replace("\r\n", "\n"), ["PCMA"])
    assert "\r" not in out and m_line(out) == ["8", "101"]


def test_choice_helpers() -> None:
    assert answer_codec(["PCMU", "PCMA", "G722"], ["g722", "PCMA"]) == "G722"
    assert answer_codec(["PCMU"], ["G722", "PCMA"]) == ""
    assert answer_codec(["PCMA", "G722"], ["G722", "PCMA"], current="PCMA") == "PCMA"
    assert answer_codec(["PCMU", "G722"], ["G722", "PCMA"], current="PCMU") == "G722"   # not the trunk's
    assert offer_order(["G722", "PCMA", "PCMU"], current="PCMU") == ["PCMU", "G722", "PCMA"]
    assert offer_order(["G722", "PCMA"], current="GSM") == ["G722", "PCMA"]
