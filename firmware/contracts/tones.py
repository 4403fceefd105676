"""Call-progress tone descriptions as data (notation of ITU-T E.180 / Asterisk indications).

A tone is a list of segments; each segment is silence or one/two summed frequencies for a
duration. After the list is played once, playback loops from `repeat_from` (None: play
once, then silence). A segment with `ms == 0` lasts forever (steady tone).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ToneSegment:
    freqs: tuple[float, ...]  # () = silence; (f,) or (f1, f2) summed
    ms: int                   # 0 = steady (forever)
    modulated: bool = False   # f1*f2 (amplitude modulation) instead of f1+f2

    def __post_init__(self) -> None:
        if len(self.freqs) > 2 or self.ms < 0:
            raise ValueError(f"bad tone segment {self!r}")


@dataclass(frozen=True)
class ToneSpec:
    name: str
    segments: tuple[ToneSegment, ...]
    repeat_from: int | None = 0
    level_dbm0: float = -13.0  # per frequency component

    def __post_init__(self) -> None:
        if not self.segments:
            raise ValueError(f"tone {self.name!r} has no segments")
        if self.repeat_from is not None and not 0 <= self.repeat_from < len(self.segments):
            raise ValueError(f"tone {self.name!r}: repeat_from out of range")

    @property
    def frequencies(self) -> tuple[float, ...]:
        seen: list[float] = []
        for seg in self.segments:
            for f in seg.freqs:
                if f not in seen:
                    seen.append(f)
        return tuple(seen)


def parse_tone(name: str, text: str, level_dbm0: float = -13.0) -> ToneSpec:
    """Parse Asterisk-style notation: "425/200,0/200", "350+440", "!950/330,!1400/330".

    A leading "!" marks a segment that is played only once; looping restarts at the first
    segment without "!" (if every segment has "!", the tone plays once).
    """
    segments: list[ToneSegment] = []
    repeat_from: int | None = None
    for i, raw in enumerate(p.strip() for p in text.split(",")):
        once = raw.startswith("!")
        body = raw[1:] if once else raw
        if not once and repeat_from is None:
            repeat_from = i
        freq_part, _, ms_part = body.partition("/")
        ms = int(ms_part) if ms_part else 0
        modulated = "*" in freq_part
        parts = freq_part.replace("*", "+").split("+")
        freqs = tuple(float(f) for f in parts if float(f) != 0.0)
        segments.append(ToneSegment(freqs, ms, modulated))
    return ToneSpec(name, tuple(segments), repeat_from, level_dbm0)
