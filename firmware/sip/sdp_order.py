"""A trunk's codec order applied to pbxd's own SDP (RFC 4566 §5.14 m= lines, RFC 3264 §5.1 offers,
§6.1 answers, §8.3.2 re-offers), as plain text in and out: no pjsua2 here.

pjmedia answers an offer in the *offer's* codec order (PJMEDIA_SDP_NEG_PREFER_REMOTE_CODEC_ORDER),
whatever the local priorities say. pjsua2 lets pbxd rewrite its local SDP before negotiation
(`Call.onCallSdpCreated`, for the first answer of an incoming call and for every later offer and
answer), so for a trunk call the local SDP is cut down to what the trunk's codec list allows:

* answering an offer: the one codec to use - the one in use now if the offer still has it (a
  re-INVITE keeps the choice), else the trunk's first codec the offer has; pjmedia can then
  only answer with that codec;
* making an offer (a late-offer INVITE, hold, a re-INVITE): the trunk's codecs in the trunk's
  order, the one in use now first.

A trunk's list means "only these" (as for pbxd's offers and the edge's filter of a provider's
offer): codecs not in it are left out. Formats that choose no codec - telephone-event (RFC 4733)
and comfort noise (RFC 3389) - stay, after the codecs, as do every other line and attribute.
Only m=audio sections with a non-zero port are touched; an SDP this module cannot improve comes
back unchanged (the caller compares).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# RFC 3551 §6, Table 4: static audio payload types (an rtpmap line, when present, wins)
STATIC_PAYLOADS = {
    "0": "PCMU", "3": "GSM", "4": "G723", "5": "DVI4", "6": "DVI4", "7": "LPC", "8": "PCMA", "9": "G722",
    "10": "L16", "11": "L16", "12": "QCELP", "13": "CN", "14": "MPA", "15": "G728", "16": "DVI4",
    "17": "DVI4", "18": "G729",
}
NOT_CODECS = frozenset({"TELEPHONE-EVENT", "CN"})     # RFC 4733 events, RFC 3389 comfort noise
_PT_ATTR = re.compile(r"^a=(rtpmap|fmtp|rtcp-fb):(\S+)", re.I)
_RTPMAP = re.compile(r"^a=rtpmap:(\S+)\s+([^/\s]+)", re.I)


@dataclass
class _Section:
    """One m= section: its m= line split into words, and its other lines."""

    words: list[str]
    lines: list[str]

    @property
    def is_live_audio(self) -> bool:
        return (len(self.words) >= 4 and self.words[0].lower() == "m=audio" and self.words[1] != "0"
                and "RTP/" in self.words[2].upper())

    @property
    def formats(self) -> list[str]:
        return self.words[3:]

    def encoding(self, pt: str) -> str:
        for line in self.lines:
            m = _RTPMAP.match(line)
            if m and m.group(1) == pt:
                return m.group(2).upper()
        return STATIC_PAYLOADS.get(pt, "")

    def codecs(self) -> list[str]:
        """The codecs this section offers, in its order (events and comfort noise left out)."""
        out: list[str] = []
        for pt in self.formats:
            name = self.encoding(pt)
            if name and name not in NOT_CODECS and name not in out:
                out.append(name)
        return out

    def keep(self, wanted: Sequence[str]) -> None:
        """Only the codecs named in `wanted`, in that order, then the formats that are no codec;
        nothing changes if none of `wanted` is here (a section without a codec would be invalid)."""
        by_name: dict[str, list[str]] = {}
        others: list[str] = []
        for pt in self.formats:
            name = self.encoding(pt)
            if name in NOT_CODECS:
                others.append(pt)
            else:
                by_name.setdefault(name, []).append(pt)
        kept = [pt for name in dict.fromkeys(w.upper() for w in wanted) for pt in by_name.get(name, [])]
        if not kept:
            return
        dropped = set(self.formats) - set(kept) - set(others)
        self.words = self.words[:3] + kept + others
        self.lines = [line for line in self.lines
                      if not ((m := _PT_ATTR.match(line)) and m.group(2) in dropped)]

    def text(self) -> list[str]:
        return [" ".join(self.words), *self.lines]


def _split(sdp: str) -> tuple[str, list[str], list[_Section]]:
    eol = "\r\n" if "\r\n" in sdp else "\n"
    lines = [line for line in sdp.replace("\r\n", "\n").split("\n") if line.strip()]
    head: list[str] = []
    sections: list[_Section] = []
    for line in lines:
        if line.startswith("m="):
            sections.append(_Section(line.split(), []))
        elif sections:
            sections[-1].lines.append(line)
        else:
            head.append(line)
    return eol, head, sections


def _join(eol: str, head: list[str], sections: list[_Section]) -> str:
    lines = head + [line for s in sections for line in s.text()]
    return eol.join(lines) + eol


def offered_codecs(sdp: str) -> list[str]:
    """Codec names of the first live m=audio section, in the SDP's order of preference."""
    _eol, _head, sections = _split(sdp)
    return next((s.codecs() for s in sections if s.is_live_audio), [])


def answer_codec(offered: Sequence[str], trunk: Sequence[str], current: str = "") -> str:
    """The codec to answer with: the one in use if still offered and allowed, else the trunk's
    first codec the offer has; "" when the offer has none of the trunk's codecs."""
    allowed = [c.upper() for c in trunk]
    have = {c.upper() for c in offered}
    if current and current.upper() in allowed and current.upper() in have:
        return current.upper()
    return next((c for c in allowed if c in have), "")


def offer_order(trunk: Sequence[str], current: str = "") -> list[str]:
    """The codecs to offer: the trunk's, the one in use (if the trunk allows it) first."""
    allowed = [c.upper() for c in trunk]
    cur = current.upper()
    return ([cur] if cur in allowed else []) + [c for c in allowed if c != cur]


def trunk_local_sdp(local: str, remote: str, trunk: Sequence[str], current: str = "") -> str:
    """pbxd's local SDP rewritten for a trunk call. `remote` is the far end's offer when pbxd
    answers ("" when pbxd offers); `current` the codec in use now ("" before the first answer).

    Answering: each live audio section keeps only the codec `answer_codec` picks among those that
    both it and the offer's section at the same index have (RFC 3264 §6: the answer's m= lines
    follow the offer's); when the offer has none of the trunk's codecs, the trunk's codecs (the
    negotiation then fails with 488, as the edge refuses such an offer). Offering: the trunk's
    codecs in `offer_order`."""
    if not trunk:
        return local
    eol, head, sections = _split(local)
    if not sections:
        return local
    offer = _split(remote)[2] if remote.strip() else []
    for i, section in enumerate(sections):
        if not section.is_live_audio:
            continue
        if offer:
            theirs = offer[i] if i < len(offer) else None
            if theirs is None or not theirs.is_live_audio:
                continue
            ours = section.codecs()
            chosen = answer_codec([c for c in theirs.codecs() if c in ours], trunk, current)
            section.keep([chosen] if chosen else offer_order(trunk))
        else:
            section.keep(offer_order(trunk, current))
    out = _join(eol, head, sections)
    return out if out.replace("\r\n", "\n").strip() != local.replace("\r\n", "\n").strip() else local
