"""Call-progress tones by zone (dahdi-tools zonedata.c, ITU-T E.180 Suppl. 2, ETSI ES 201 970, GR-506)."""

# Further sources: North American precise tone plan levels; Asterisk main/callerid.c (SAS/CAS).

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from firmware.contracts.errors import ConfigError
from firmware.contracts.tones import ToneSpec, parse_tone

# Notation (firmware.contracts.tones.parse_tone, Asterisk/DAHDI style):
#   "f" or "f1+f2" summed, "f1*f2" modulated, "/ms" duration (none = steady), "0" = silence,
#   "!" = segment played once (looping restarts at the first segment without "!").
#
# What the analog ports play is DAHDI's zone data (fact sheet section 4.2), not Asterisk's
# indications.conf. The table below restates dahdi-tools zonedata.c (commit a5e40d50) in our
# notation; repeated play-once groups are written with `_once()`. Known typos/limits of that
# data are repaired in `_FIXES` (one place, each entry also listed in UNVERIFIED).
#
# Roles and when the call engine uses them (chan_dahdi/sig_analog practice):
#   dial          - off-hook, ready to dial
#   ringback      - the called party is being rung
#   busy          - called party busy
#   congestion    - network/trunk busy, number unobtainable ("fast busy", reorder)
#   call_waiting  - in-call beep to the far end of a call-waiting alert (zone tone; for an FXS
#                   port with caller ID on call waiting use SAS + CAS below instead)
#   dial_recall   - recall / confirmation dial tone (after a feature code is accepted, after a
#                   hook flash on some PBXs); DAHDI_TONE_DIALRECALL
#   stutter       - message-waiting ("stutter") dial tone, played instead of `dial` when the
#                   extension has new voicemail; DAHDI_TONE_STUTTER (sig_analog plays it when
#                   analog_has_voicemail()). NOTE: `dial_recall` is NOT the MWI tone.
#   record        - periodic beep while a call is being recorded
#   info          - special information tone (SIT, 950/1400/1800 Hz)

ROLES: tuple[str, ...] = (
    "dial", "ringback", "busy", "congestion", "call_waiting", "dial_recall", "stutter", "record", "info",
)

# DAHDI builds every zone tone at LEVEL -10 dBm0 per component (dahdi-tools tonezone.c: gain from
# 10^((LEVEL - 3.14)/20) of full scale, "@" segments x0.3 = about -10.5 dB lower).
DAHDI_GENERATOR_LEVEL_DBM0 = -10.0


def _once(segments: str, times: int) -> str:
    """`segments` (comma-separated) repeated `times`, each segment marked play-once ("!")."""
    marked = ",".join("!" + s for s in segments.split(","))
    return ",".join([marked] * times)


@dataclass(frozen=True)
class _Zone:
    description: str
    dtmf: tuple[int, int]  # DAHDI dtmf_low_level, dtmf_high_level (dBm0)
    dial: str
    ringback: str
    busy: str
    congestion: str
    call_waiting: str
    dial_recall: str
    stutter: str
    record: str | None
    info: str


# fmt: off
_ZONES: dict[str, _Zone] = {
    "us": _Zone(
        "United States / North America", dtmf=(-10, -10),
        dial="350+440",
        ringback="440+480/2000,0/4000",
        busy="480+620/500,0/500",
        congestion="480+620/250,0/250",
        call_waiting="440/300,0/10000",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("350+440/100,0/100", 6) + ",350+440",
        record="1400/500,0/15000",
        info="!950/330,!1400/330,!1800/330,0",
    ),
    "au": _Zone(
        "Australia", dtmf=(-10, -10),
        dial="415+440",
        ringback="413+438/400,0/200,413+438/400,0/2000",
        busy="425/375,0/375",
        congestion="425/375,0/375,425@/375,0/375",
        call_waiting="425/100,0/200,425/200,0/4400",
        dial_recall="413+428",
        stutter="413+438/100,0/40",
        record="!425/1000,!0/15000,425/360,0/15000",
        info="425/2500,0/500",
    ),
    "fr": _Zone(
        "France", dtmf=(-11, -9),
        dial="440",
        ringback="440/1500,0/3500",
        busy="440/500,0/500",
        congestion="440/250,0/250",
        call_waiting="440/300,0/10000",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("440/100,0/100", 6) + ",440",
        record="1400/500,0/15000",
        info="!950/330,!1400/330,!1800/330,0",
    ),
    "nl": _Zone(
        "Netherlands", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/250,0/250",
        call_waiting="425/500,0/9500",
        dial_recall=_once("425/100,0/100", 3) + ",425",
        stutter="425/500,0/50",
        record="1400/500,0/15000",
        info="950/330,1400/330,1800/330,0/1000",
    ),
    "uk": _Zone(
        "United Kingdom", dtmf=(-11, -9),
        dial="350+440",
        ringback="400+450/400,0/200,400+450/400,0/2000",
        busy="400/375,0/375",
        congestion="400/400,0/350,400/225,0/525",
        call_waiting="400/100,0/4000",
        dial_recall="350+440",
        stutter="350+440/750,440/750",
        record="1400/500,0/60000",
        info="950/330,0/15,1400/330,0/15,1800/330,0/1000",
    ),
    "fi": _Zone(
        "Finland", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/300,0/300",
        congestion="425/200,0/200",
        call_waiting="425/150,0/150,425/150,0/8000",
        dial_recall="425/650,0/25",
        stutter="425/650,0/25",
        record="1400/500,0/15000",
        info="950/650,0/325,950/325,0/30,1400/1300,0/2600",
    ),
    "es": _Zone(
        "Spain", dtmf=(-11, -9),
        dial="425",
        ringback="425/1500,0/3000",
        busy="425/200,0/200",
        congestion="425/200,0/200,425/200,0/200,425/200,0/600",
        call_waiting="425/175,0/175,425/175,0/3500",
        dial_recall=_once("425/200,0/200", 3) + ",425",
        stutter="425/500,0/50",
        record="1400/500,0/15000",
        info="950/330,0/1000",
    ),
    "jp": _Zone(
        "Japan", dtmf=(-7, -7),
        dial="400",
        ringback="400+15/1000,0/2000",
        busy="400/500,0/500",
        congestion="400/500,0/500",
        call_waiting="400+16/500,0/8000",
        dial_recall=_once("400/200,0/200", 3) + ",400",
        stutter=_once("400/100,0/100", 6) + ",400",
        record="1400/500,0/15000",
        info="!950/330,!1400/330,!1800/330,0",
    ),
    "no": _Zone(
        "Norway", dtmf=(-10, -10),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/200,0/200",
        call_waiting="425/200,0/600,425/200,0/10000",
        dial_recall="470/400,425/400",
        stutter="470/400,425/400",
        record="1400/400,0/15000",
        info=_once("950/330,1400/330,1800/330,0/1000", 3) + ",0",
    ),
    "at": _Zone(
        "Austria", dtmf=(-11, -9),
        dial="420",
        ringback="420/1000,0/5000",
        busy="420/400,0/400",
        congestion="420/200,0/200",
        call_waiting="420/40,0/1960",
        dial_recall="420",
        stutter="380+420",
        record="1400/80,0/14920",
        info="950/330,1450/330,1850/330,0/1000",
    ),
    "nz": _Zone(
        "New Zealand", dtmf=(-9, -11),
        dial="400",
        ringback="400+450/400,0/200,400+450/400,0/2000",
        busy="400/500,0/500",
        congestion="400/250,0/250",
        call_waiting="400/250,0/250,400/250,0/3250",
        dial_recall="!400/100!0/100,!400/100,!0/100,!400/100,!0/100,400",
        stutter=_once("400/100!0/100,400/100,0/100,400/100,0/100", 2) + ",400",
        record="1400/425,0/15000",
        info="400/750,0/100,400/750,0/100,400/750,0/100,400/750,0/400",
    ),
    "it": _Zone(
        "Italy", dtmf=(-11, -9),
        dial="425/200,0/200,425/600,0/1000",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/200,0/200",
        call_waiting="425/400,0/100,425/250,0/100,425/150,0/14000",
        dial_recall="470/400,425/400",
        stutter="470/400,425/400",
        record="1400/400,0/15000",
        info=_once("950/330,1400/330,1800/330,0/1000", 3) + ",0",
    ),
    "us-old": _Zone(
        "United States Circa 1950 / North America", dtmf=(-10, -10),
        dial="600*120",
        ringback="420*40/2000,0/4000",
        busy="500*100/500,0/500",
        congestion="500*100/250,0/250",
        call_waiting="440/300,0/10000",
        dial_recall=_once("600*120/100,0/100", 3) + ",600*120",
        stutter=_once("600*120/100,0/100", 6) + ",600*120",
        record="1400/500,0/15000",
        info="!950/330,!1400/330,!1800/330,0",
    ),
    "gr": _Zone(
        "Greece", dtmf=(-11, -9),
        dial="425/200,0/300,425/700,0/800",
        ringback="425/1000,0/4000",
        busy="425/300,0/300",
        congestion="425/200,0/200",
        call_waiting="425/150,0/150,425/150,0/8000",
        dial_recall="425/650,0/25",
        stutter="425/650,0/25",
        record="1400/400,0/15000",
        info=_once("950/330,1400/330,1800/330,0/1000", 3) + ",0",
    ),
    "tw": _Zone(
        "Taiwan", dtmf=(-9, -11),
        dial="350+440",
        ringback="440+480/1000,0/2000",
        busy="480+620/500,0/500",
        congestion="480+620/250,0/250",
        call_waiting="350+440/250,0/250,350+440/250,0/3250",
        dial_recall="300/1500,0/500",
        stutter=_once("350+440/100,0/100", 6) + ",350+440",
        record="1400/500,0/15000",
        info="!950/330,!1400/330,!1800/330,0",
    ),
    "cl": _Zone(
        "Chile", dtmf=(-10, -10),
        dial="400",
        ringback="400/1000,0/3000",
        busy="400/500,0/500",
        congestion="400/200,0/200",
        call_waiting="400/250,0/8750",
        dial_recall=_once("400/100,0/100", 3) + ",400",
        stutter=_once("400/100,0/100", 6) + ",400",
        record="1400/500,0/15000",
        info="!950/333,!1400/333,!1800/333,0",
    ),
    "se": _Zone(
        "Sweden", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/5000",
        busy="425/250,0/250",
        congestion="425/250,0/750",
        call_waiting="425/200,0/500,425/200,0/9100",
        dial_recall=_once("425/100,0/100", 3) + ",425",
        stutter=_once("425/100,0/100", 6) + ",425",
        record="1400/500,0/15000",
        info=_once("950/332,0/24,1400/332,0/24,1800/332,0/2024", 4)
        + ",!950/332,!0/24,!1400/332,!0/24,!1800/332,0",
    ),
    "be": _Zone(
        "Belgium", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/3000",
        busy="425/500,0/500",
        congestion="425/167,0/167",
        call_waiting="1400/175,0/175,1400/175,0/3500",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter="425/1000,0/250",
        record="1400/500,0/15000",
        info="900/330,1400/330,1800/330,0/1000",
    ),
    "sg": _Zone(
        "Singapore", dtmf=(-9, -11),
        dial="425",
        ringback="425*24/400,0/200,425*24/400,0/2000",
        busy="425/750,0/750",
        congestion="425/250,0/250",
        call_waiting="425*24/300,0/200,425*24/300,0/3200",
        dial_recall="425*24/500,0/500,425/500,0/2500",
        stutter=_once("425/200,0/200,425/600,0/200", 4) + ",425",
        record="1400/500,0/15000",
        info="950/330,1400/330,1800/330,0/1000",
    ),
    "il": _Zone(
        "Israel", dtmf=(-10, -10),
        dial="414",
        ringback="414/1000,0/3000",
        busy="414/500,0/500",
        congestion="414/250,0/250",
        call_waiting="414/100,0/100,414/100,0/100,414/600,0/3000",
        dial_recall=_once("414/100,0/100", 3) + ",414",
        stutter=_once("414/160,0/160", 10) + ",414",
        record="1400/500,0/15000",
        info="1000/330,1400/330,1800/330,0/1000",
    ),
    "br": _Zone(
        "Brazil", dtmf=(-12, -10),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/250,0/250",
        congestion="425/250,0/250,425/750,0/250",
        call_waiting="425/50,0/1000",
        dial_recall="350+440",
        stutter="350+440",
        record="425/250,0/250",
        info="950/330,1400/330,1800/330",
    ),
    "hu": _Zone(
        "Hungary", dtmf=(-11, -9),
        dial="425",
        ringback="425/1250,0/3750",
        busy="425/300,0/300",
        congestion="425/300,0/300",
        call_waiting="425/40,0/1960",
        dial_recall="425+450",
        stutter="350+375+400",
        record="1400/400,0/15000",
        info=_once("950/330,1400/330,1800/330,0/1000", 3) + ",0",
    ),
    "lt": _Zone(
        "Lithuania", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/350,0/350",
        congestion="425/200,0/200",
        call_waiting="425/150,0/150,425/150,0/4000",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("425/100,0/100", 6) + ",425",
        record="1400/500,0/15000",
        info=_once("950/330,1400/330,1800/330,0/1000", 3) + ",0",
    ),
    "pl": _Zone(
        "Poland", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/500,0/500",
        call_waiting="425/150,0/150,425/150,0/4000",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("425/100,0/100", 6) + ",425",
        record="1400/500,0/15000",
        info=_once("950/330,1400/330,1800/330,0/1000", 2) + ",!950/330,!1400/330,!1800/330,0",
    ),
    "za": _Zone(
        "South Africa", dtmf=(-13, -11),
        dial="400*33",
        ringback="400*33/400,0/200,400*33/400,0/2000",
        busy="400/500,0/500",
        congestion="400/250,0/250",
        call_waiting="400*33/250,0/250,400*33/250,0/250,400*33/250,0/250,400*33/250,0/250",
        dial_recall="350+440",
        stutter=_once("400*33/100,0/100", 6) + ",400*33",
        record="1400/500,0/15000",
        info=_once("950/330,1400/330,1800/330,0/1000", 3) + ",0",
    ),
    "pt": _Zone(
        "Portugal", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/5000",
        busy="425/500,0/500",
        congestion="425/200,0/200",
        call_waiting="425/200,425/200,425/200,0/5000",
        dial_recall="425/1000,0/200",
        stutter=_once("425/100,0/100", 6) + ",425",
        record="1400/500,0/15000",
        info="950/330,1400/330,1800/330,0/1000",
    ),
    "ee": _Zone(
        "Estonia", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/300,0/300",
        congestion="425/200,0/200",
        call_waiting="950/650,0/325,950/325,0/30,1400/1300,0/2600",
        dial_recall="425/650,0/25",
        stutter=_once("425/100,0/100", 6) + ",425",
        record="1400/500,0/15000",
        info="950/0,0/325,950/325,0/30,1400/1300,0/2600",
    ),
    "mx": _Zone(
        "Mexico", dtmf=(-6, -8),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/250,0/250",
        congestion="425/250,0/250",
        call_waiting="425/200,0/600,425/200,0/10000",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("350+440/100,0/100", 6) + ",350+440",
        record="1400/500,0/15000",
        info="950/330,0/30,1400/330,0/30,1800/330,0/1000",
    ),
    "in": _Zone(
        "India", dtmf=(-10, -10),
        dial="400*25",
        ringback="400*25/400,0/200,400*25/400,0/2000",
        busy="400/750,0/750",
        congestion="400/250,0/250",
        call_waiting="400/200,0/100,400/200,0/7500",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("350+440/100,0/100", 6) + ",350+440",
        record="1400/500,0/15000",
        info="!950/330,!1400/330,!1800/330,0/1000",
    ),
    "de": _Zone(
        "Germany", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/480,0/480",
        congestion="425/240,0/240",
        call_waiting=_once("425/200,0/200,425/200,0/5000", 4) + ",!425/200,!0/200,!425/200,0",
        dial_recall=_once("425/100,0/100", 3) + ",425",
        stutter="425+400",
        record="1400/80,0/15000",
        info="950/330,1400/330,1800/330,0/1000",
    ),
    "ch": _Zone(
        "Switzerland", dtmf=(-10, -10),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/200,0/200",
        call_waiting="425/200,0/200,425/200,0/4000",
        dial_recall=_once("425/100,0/100", 3) + ",425",
        stutter="425+340/1100,0/1100",
        record="1400/80,0/15000",
        info="950/330,1400/330,1800/330,0/1000",
    ),
    "dk": _Zone(
        "Denmark", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/200,0/200",
        call_waiting="!425/200,!0/600,!425/200,!0/3000,!425/200,!0/200,!425/200,0",
        dial_recall=_once("425/100,0/100", 3) + ",425",
        stutter="425/450,0/50",
        record="1400/80,0/15000",
        info="950/330,1400/330,1800/330,0/1000",
    ),
    "cz": _Zone(
        "Czech Republic", dtmf=(-11, -9),
        dial="425/330,0/330,425/660,0/660",
        ringback="425/1000,0/4000",
        busy="425/330,0/330",
        congestion="425/165,0/165",
        call_waiting="425/330,0/9000",
        dial_recall=_once("425/100,0/100", 3) + ",425/330,0/330,425/660,0/660",
        stutter="425/450,0/50",
        record="1400/500,0/14000",
        info="950/330,0/30,1400/330,0/30,1800/330,0/1000",
    ),
    "cn": _Zone(
        "China", dtmf=(-9, -11),
        dial="450",
        ringback="450/1000,0/4000",
        busy="450/350,0/350",
        congestion="450/700,0/700",
        call_waiting="450/400,0/4000",
        dial_recall="450",
        stutter="450+425",
        record="950/400,0/10000",
        info="450/100,0/100,450/100,0/100,450/100,0/100,450/400,0/400",
    ),
    "ar": _Zone(
        "Argentina", dtmf=(-9, -11),
        dial="425",
        ringback="425/1000,0/4500",
        busy="425/300,0/300",
        congestion="425/200,0/300",
        call_waiting="425/200,0/9000",
        dial_recall=_once("425/100,0/100", 3) + ",425/330,0/330,425/660,0/660",
        stutter="425/450,0/50",
        record="1400/500,0/14000",
        info="425/100,0/100",
    ),
    "my": _Zone(
        "Malaysia", dtmf=(-10, -10),
        dial="425",
        ringback="425/400,0/200,425/400,0/2000",
        busy="425/500,0/500",
        congestion="425/500,0/500",
        call_waiting="425/100,0/4000",
        dial_recall="350+440",
        stutter="450+425",
        record="1400/500,0/60000",
        info="950/330,0/15,1400/330,0/15,1800/330,0/1000",
    ),
    "th": _Zone(
        "Thailand", dtmf=(-9, -11),
        dial="400*50",
        ringback="400/1000,0/4000",
        busy="400/500,0/500",
        congestion="400/300,0/300",
        call_waiting="1000/400,10000/400,1000/400",
        dial_recall="400*50/400,0/100,400*50/400,0/100",
        stutter=_once("400/200,0/200,400/600,0/200", 4) + ",400",
        record="1400/500,0/15000",
        info="950/330,1400/330,1800/330",
    ),
    "bg": _Zone(
        "Bulgaria", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/250,0/250",
        call_waiting="425/150,0/150,425/150,0/4000",
        dial_recall=_once("425/100,0/100", 3) + ",425",
        stutter="425/1500,0/100",
        record="1400/425,0/15000",
        info="950/330,1400/330,1800/330,0/1000",
    ),
    "ve": _Zone(
        "Venezuela", dtmf=(-9, -7),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/250,0/250",
        call_waiting="400+450/300,0/6000",
        dial_recall="425",
        stutter=_once("425/100,0/100", 6) + ",425",
        record="1400/500,0/15000",
        info="!950/330,!1440/330,!1800/330,0/1000",
    ),
    "ph": _Zone(
        "Philippines", dtmf=(-10, -10),
        dial="425",
        ringback="425+480/1000,0/4000",
        busy="480+620/500,0/500",
        congestion="480+620/250,0/250",
        call_waiting="440/300,0/10000",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("350+440/100,0/100", 6) + ",350+440",
        record="1400/500,0/15000",
        info="!950/330,!1400/330,!1800/330,0",
    ),
    "ru": _Zone(
        "Russian Federation", dtmf=(-10, -10),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/350,0/350",
        congestion="425/175,0/175",
        call_waiting="425/200,0/5000",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("425/100,0/100", 6) + ",425",
        record="1400/400,0/15000",
        info="950/330,1440/330,1800/330,0/1000",
    ),
    "tr": _Zone(
        "Turkey", dtmf=(-10, -10),
        dial="450",
        ringback="450/2000,0/4000",
        busy="450/500,0/500",
        congestion=_once("450/200,0/200", 3) + ",450/600,0/200",
        call_waiting="450/200,0/600,450/200,0/800",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("450/100,0/100", 6) + ",450",
        record=None,
        info=_once("950+1400/300,0/1000", 2) + ",!950+1400/1000,0",
    ),
    "pa": _Zone(
        "Panama", dtmf=(-11, -9),
        dial="425",
        ringback="425/1200,0/4650",
        busy="425/320,0/320",
        congestion="425/320,0/320",
        call_waiting="425/180,0/180,425/180",
        dial_recall=_once("425/100,0/100", 3) + ",425",
        stutter=_once("425/100,0/100", 6) + ",425",
        record="1400/500,0/15000",
        info="!950/330,!1400/330,!1800/330,0",
    ),
    "mo": _Zone(
        "Macao,China", dtmf=(-10, -10),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/250,0/250",
        call_waiting="425/200,0/600",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter=_once("425/100,0/100", 6) + ",425",
        record="1400/400,0/15000",
        info="950/333,1400/333,1800/333,0/1000",
    ),
    "cr": _Zone(
        "Costa Rica", dtmf=(-11, -9),
        dial="450",
        ringback="450/1203,0/4900",
        busy="450/330,0/330",
        congestion="450/330,0/330",
        call_waiting="450/150,0/150,450/150,450/8000",
        dial_recall=_once("450/100,0/100", 3) + ",450",
        stutter=_once("450/100,0/100", 6) + ",450",
        record="1400/500,0/15000",
        info="!950/330,!1400/330,!1800/330,0",
    ),
    "ae": _Zone(
        "United Arab Emirates", dtmf=(-10, -10),
        dial="350+440",
        ringback="400+425/400,0/200,400+425/400,0/2000",
        busy="400/375,0/375",
        congestion="425/400,0/350,425/225,0/525",
        call_waiting="420/40,0/1960",
        dial_recall=_once("350+440/100,0/100", 3) + ",350+440",
        stutter="380+420",
        record="1400/80,0/14920",
        info="950/330,1450/330,1850/330,0/1000",
    ),
    # Not a DAHDI zone: our generic ETSI/CEPT 425 Hz plan (ETSI ES 201 970, ITU-T E.180 Suppl. 2) for
    # countries without a zone of their own. Entries marked in UNVERIFIED are our choice.
    "etsi": _Zone(
        "Generic ETSI/CEPT 425 Hz tones", dtmf=(-11, -9),
        dial="425",
        ringback="425/1000,0/4000",
        busy="425/500,0/500",
        congestion="425/250,0/250",
        call_waiting="425/200,0/200,425/200,0/4000",
        dial_recall=_once("425/100,0/100", 3) + ",425",
        stutter="425/400,0/40",
        record="1400/400,0/15000",
        info="950/330,1400/330,1800/330,0/1000",
    ),
}
# fmt: on

# Repairs to the zone data above: (zone, role) -> text we play instead. Each one is in UNVERIFIED.
_FIXES: dict[tuple[str, str], str] = {
    ("au", "congestion"): "425/375,0/375,425/375,0/375",  # "@" (-10.5 dB burst) not representable
    ("nz", "dial_recall"): _once("400/100,0/100", 3) + ",400",  # DAHDI text lacks a comma
    ("nz", "stutter"): _once("400/100,0/100", 6) + ",400",  # DAHDI text lacks commas
    ("ee", "info"): "950/650,0/325,950/325,0/30,1400/1300,0/2600",  # DAHDI "950/0" = steady forever
    ("cr", "call_waiting"): "450/150,0/150,450/150,0/8000",  # DAHDI ends with "450/8000" (no pause)
    ("th", "call_waiting"): "1000/400,0/10000",  # DAHDI has a 10000 Hz segment
    ("hu", "stutter"): "350+400",  # DAHDI "350+375+400": our segments carry at most 2 components
    ("tr", "record"): "1400/500,0/15000",  # zone defines no record tone; DAHDI's common default
}

# --- levels (dBm0 per frequency component) ----------------------------------------------------
# Zones following the North American precise tone plan (350/440/480/620 Hz): AT&T "Notes on
# Distance Dialing" levels: dial -13, audible ringing -19, busy/reorder -24 dBm0 per component.
_PRECISE_ZONES = frozenset({"us", "us-old", "tw", "ph"})
_PRECISE_LEVELS: dict[str, float] = {
    "dial": -13.0, "ringback": -19.0, "busy": -24.0, "congestion": -24.0,
    "call_waiting": -13.0, "dial_recall": -13.0, "stutter": -13.0, "record": -13.0, "info": -24.0,
}
# Every other zone: -13 dBm0 per component (ETSI practice as stated by the product brief).
_DEFAULT_LEVEL = -13.0

# --- FXS call-waiting and on-hook alerting signals ------------------------------------------------
# Levels derived from Asterisk main/callerid.c amplitudes (SAS 8192, CAS 2048 per tone of 16-bit
# full scale; full-scale sine = +3.14 dBm0): SAS about -8.9 dBm0, CAS about -20.9 dBm0 per tone.
SAS = parse_tone("sas", "!440/300", level_dbm0=-8.9)  # subscriber alerting signal, Bellcore GR-506
CAS = parse_tone("cas", "!2130+2750/85", level_dbm0=-20.9)  # CPE alerting signal, Bellcore GR-30
DT_AS = parse_tone("dt_as", "!2130+2750/100", level_dbm0=-13.0)  # ETSI EN 300 659-1 dual-tone alert

# --- everything we could not confirm, in one place --------------------------------------------------
UNVERIFIED: Mapping[str, str] = MappingProxyType({
    "levels.default": "-13 dBm0 per component for non-precise zones; DAHDI itself plays -10 dBm0",
    "levels.precise.call_waiting": "-13 dBm0 assumed for the 440 Hz call-waiting beep",
    "levels.precise.record": "-13 dBm0 assumed for the 1400 Hz record beep",
    "levels.precise.info": "-24 dBm0 assumed for SIT segments",
    "levels.dt_as": "-13 dBm0 per tone assumed; EN 300 659-1 gives receive limits only",
    "au.congestion": "second burst should be about 10 dB quieter (DAHDI '425@'); played at full level",
    "nz.dial_recall": "DAHDI text '!400/100!0/100' repaired to 3 x (400/100, 0/100) then 400",
    "nz.stutter": "DAHDI text missing commas repaired to 6 x (400/100, 0/100) then 400",
    "ee.info": "DAHDI '950/0' (endless) repaired to 950/650 as in the fi zone",
    "ee.call_waiting": "DAHDI uses the Finnish info-tone pattern as call waiting; kept as is",
    "cr.call_waiting": "DAHDI final '450/8000' read as a typo for '0/8000'",
    "th.call_waiting": "DAHDI '1000/400,10000/400,1000/400' (10 kHz) read as 1000 Hz 400 ms every 10 s",
    "hu.stutter": "DAHDI '350+375+400' (3 components) reduced to 350+400",
    "tr.record": "zone has no record tone; 1400/500,0/15000 used",
    "pt.call_waiting": "DAHDI '425/200,425/200,425/200,0/5000' plays 600 ms continuous; kept as is",
    "pa.call_waiting": "DAHDI pattern has no long pause (repeats every 540 ms); kept as is",
    "br.info": "DAHDI SIT repeats without a pause; kept as is",
    "dtmf.high_below_low": "DAHDI gives the high group 2 dB below the low group for nz, tw, sg, cn, ar, th "
                           "(ETSI/Q.23 practice is the reverse); kept as DAHDI has it",
    "etsi.call_waiting": "generic-zone call waiting 425/200,0/200,425/200,0/4000 is our choice",
    "etsi.stutter": "generic-zone special dial tone 425/400,0/40 is our choice",
    "etsi.record": "generic-zone record tone 1400/400,0/15000 is our choice",
    "etsi.dtmf": "generic-zone DTMF levels -11/-9 dBm0 copied from the DAHDI EU zones",
})


@dataclass(frozen=True)
class ToneSet:
    """The call-progress tones of one zone, by role (see ROLES)."""

    zone: str
    dial: ToneSpec
    ringback: ToneSpec
    busy: ToneSpec
    congestion: ToneSpec
    call_waiting: ToneSpec
    dial_recall: ToneSpec
    stutter: ToneSpec
    record: ToneSpec
    info: ToneSpec

    def by_role(self, role: str) -> ToneSpec:
        if role not in ROLES:
            raise KeyError(f"unknown tone role {role!r}; roles: {', '.join(ROLES)}")
        spec: ToneSpec = getattr(self, role)
        return spec


ZONES: tuple[str, ...] = tuple(_ZONES)
GENERIC_ZONE = "etsi"

ZONE_DESCRIPTIONS: Mapping[str, str] = MappingProxyType({z: d.description for z, d in _ZONES.items()})

# (low group, high group) DTMF levels in dBm0 that DAHDI uses for the zone.
ZONE_DTMF_LEVELS: Mapping[str, tuple[float, float]] = MappingProxyType(
    {z: (float(d.dtmf[0]), float(d.dtmf[1])) for z, d in _ZONES.items()}
)


def tone_text(zone: str, role: str) -> str:
    """The notation we play for `role` in `zone` (zone data with `_FIXES` applied)."""
    z = _zone(zone)
    if (zone, role) in _FIXES:
        return _FIXES[(zone, role)]
    if role not in ROLES:
        raise KeyError(f"unknown tone role {role!r}")
    text: str | None = getattr(z, role)
    if text is None:  # pragma: no cover - every gap is covered by _FIXES
        raise KeyError(f"zone {zone!r} has no {role} tone")
    return text


def level_dbm0(zone: str, role: str) -> float:
    """Per-component level we generate `role` at in `zone`."""
    _zone(zone)
    if zone in _PRECISE_ZONES:
        return _PRECISE_LEVELS[role]
    return _DEFAULT_LEVEL


@functools.cache
def tone_set(zone: str) -> ToneSet:
    """All tones of a zone, parsed. Raises ConfigError for an unknown zone."""
    _zone(zone)
    specs = {role: parse_tone(f"{zone}.{role}", tone_text(zone, role), level_dbm0(zone, role))
             for role in ROLES}
    return ToneSet(zone=zone, **specs)


def _zone(zone: str) -> _Zone:
    try:
        return _ZONES[zone]
    except KeyError:
        raise ConfigError(f"unknown tone zone {zone!r}; known zones: {', '.join(ZONES)}",
                          path="tone_zone") from None
