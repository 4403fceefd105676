"""Numbering plan: what the digits dialled so far mean (Asterisk dialplan matching semantics:
match / match-or-more / need-more / no-match, with first-digit, inter-digit and match timeouts).

Candidates, in priority order when several match: emergency numbers (bare or after the outside
prefix; they complete at once), extensions, feature codes (`*`/`**`), outbound route patterns.
`#` ends dialling: the caller's digits so far must then be a complete match.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from firmware.pbx.patterns import Fit, Pattern, literal_fit


class Outcome(enum.Enum):
    MATCH = "match"                  # complete: act now
    MATCH_OR_MORE = "match_or_more"  # complete, but a longer number could follow: wait match_s
    NEED_MORE = "need_more"          # a prefix of something: wait inter_digit_s for more
    NO_MATCH = "no_match"            # nothing starts like this


@dataclass(frozen=True)
class ExtensionTarget:
    number: str


@dataclass(frozen=True)
class FeatureTarget:
    code: str
    feature: str
    argument: str  # the digits after the code ("" for argument "none")


@dataclass(frozen=True)
class OutsideTarget:
    digits: str  # as dialled, including the outside prefix; the route table decides the rest


@dataclass(frozen=True)
class EmergencyTarget:
    number: str  # the bare emergency number, as sent to the line
    digits: str  # as dialled (with or without the outside prefix)


Target = ExtensionTarget | FeatureTarget | OutsideTarget | EmergencyTarget


@dataclass(frozen=True)
class FeatureCode:
    code: str
    feature: str
    argument: str = "none"  # "none", "extension" or "digits"


@dataclass(frozen=True)
class DigitTimeouts:
    first_digit_s: float = 16.0
    inter_digit_s: float = 8.0
    match_s: float = 3.0


@dataclass(frozen=True)
class DialResult:
    outcome: Outcome
    target: Target | None = None     # the complete match (MATCH and MATCH_OR_MORE)
    timeout_s: float | None = None   # wait this long for another digit (None: decide now)


class NumberingPlan:
    """Immutable; built from settings, shared by every FXS leg."""

    def __init__(self, *, extensions: Iterable[str], feature_codes: Iterable[FeatureCode] = (),
                 outside_prefix: str = "", emergency: Iterable[str] = (),
                 route_patterns: Sequence[Pattern] = (), timeouts: DigitTimeouts = DigitTimeouts()) -> None:
        self.extensions = tuple(extensions)
        self.feature_codes = tuple(feature_codes)
        self.outside_prefix = outside_prefix
        self.emergency = tuple(emergency)
        self.route_patterns = tuple(route_patterns)
        self.timeouts = timeouts
        dialled = {e: e for e in self.emergency}
        if outside_prefix:
            dialled.update({outside_prefix + e: e for e in self.emergency})
        self._emergency_dialled = dialled
        self._feature_patterns = tuple((fc, self._feature_pattern(fc)) for fc in self.feature_codes)

    @staticmethod
    def _feature_pattern(fc: FeatureCode) -> Pattern | None:
        if fc.argument != "digits":
            return None
        return Pattern(fc.code + "X.", (*fc.code, "0123456789"), ".")

    def is_extension(self, number: str) -> bool:
        return number in self.extensions

    def evaluate(self, digits: str) -> DialResult:
        """What `digits` (no "#") mean so far."""
        if digits in self._emergency_dialled:
            return DialResult(Outcome.MATCH, EmergencyTarget(self._emergency_dialled[digits], digits))
        full: Target | None = None
        more = False
        for fit, target in self._candidates(digits):
            if fit in (Fit.FULL, Fit.FULL_OR_MORE) and full is None:
                full = target
            more = more or fit in (Fit.MORE, Fit.FULL_OR_MORE)
        if full is not None and not more:
            return DialResult(Outcome.MATCH, full)
        if full is not None:
            return DialResult(Outcome.MATCH_OR_MORE, full, self.timeouts.match_s)
        if more:
            return DialResult(Outcome.NEED_MORE, None, self.timeouts.inter_digit_s)
        return DialResult(Outcome.NO_MATCH)

    def finish(self, digits: str) -> Target | None:
        """Dialling ended ("#" or the match timeout): the complete match for `digits`, if any."""
        return self.evaluate(digits).target

    def _candidates(self, digits: str) -> Iterable[tuple[Fit, Target]]:
        for number in self._emergency_dialled:
            yield literal_fit(number, digits), EmergencyTarget(self._emergency_dialled[number], number)
        for number in self.extensions:
            yield literal_fit(number, digits), ExtensionTarget(number)
        for fc, pattern in self._feature_patterns:
            yield from self._feature_fits(fc, pattern, digits)
        for pattern in self.route_patterns:
            yield pattern.fit(digits), OutsideTarget(digits)

    def _feature_fits(self, fc: FeatureCode, pattern: Pattern | None,
                      digits: str) -> Iterable[tuple[Fit, Target]]:
        argument = digits[len(fc.code):]
        if pattern is not None:
            yield pattern.fit(digits), FeatureTarget(fc.code, fc.feature, argument)
        elif fc.argument == "extension":
            for number in self.extensions:
                yield literal_fit(fc.code + number, digits), FeatureTarget(fc.code, fc.feature, argument)
        else:
            yield literal_fit(fc.code, digits), FeatureTarget(fc.code, fc.feature, "")
