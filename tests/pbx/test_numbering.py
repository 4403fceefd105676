"""Numbering plan and dial patterns: match / match-or-more / need-more / no-match, emergency first."""

from __future__ import annotations

import pytest

from firmware.pbx.numbering import (
    DigitTimeouts,
    EmergencyTarget,
    ExtensionTarget,
    FeatureCode,
    FeatureTarget,
    NumberingPlan,
    Outcome,
    OutsideTarget,
)
from firmware.pbx.patterns import Fit, Pattern


def plan(**kw: object) -> NumberingPlan:
    args: dict[str, object] = dict(
        extensions=["201", "202", "2011"], outside_prefix="0", emergency=["112", "110"],
        route_patterns=[Pattern.parse("_0X.")], timeouts=DigitTimeouts(16, 8, 3))
    args.update(kw)
    return NumberingPlan(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("pattern", "digits", "fit"), [
    ("_0X.", "0", Fit.MORE), ("_0X.", "01", Fit.MORE), ("_0X.", "012", Fit.FULL_OR_MORE),
    ("_0X.", "1", Fit.NO), ("_0X!", "01", Fit.FULL_OR_MORE), ("_0!", "0", Fit.FULL_OR_MORE),
    ("_NXX", "2", Fit.MORE), ("_NXX", "1", Fit.NO), ("_NXX", "299", Fit.FULL), ("_NXX", "2999", Fit.NO),
    ("_Z", "0", Fit.NO), ("_Z", "9", Fit.FULL), ("_[1-35]X", "4", Fit.NO), ("_[1-35]X", "51", Fit.FULL),
    ("112", "112", Fit.FULL), ("_*8", "*8", Fit.FULL), ("_.", "", Fit.MORE), ("_.", "7", Fit.FULL_OR_MORE),
])
def test_asterisk_pattern_fits(pattern: str, digits: str, fit: Fit) -> None:
    assert Pattern.parse(pattern).fit(digits) is fit


@pytest.mark.parametrize("bad", ["", "0X.1", "[9-1]", "abc", "0..", "_"])
def test_bad_patterns_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        Pattern.parse(bad)


def test_literal_prefix() -> None:
    assert Pattern.parse("_0049X.").literal_prefix == "0049"


def test_extension_prefix_needs_more_with_the_inter_digit_timeout() -> None:
    result = plan().evaluate("20")
    assert (result.outcome, result.target, result.timeout_s) == (Outcome.NEED_MORE, None, 8)


def test_extension_that_a_longer_one_extends_is_match_or_more_with_the_match_timeout() -> None:
    result = plan().evaluate("201")
    assert result.outcome is Outcome.MATCH_OR_MORE
    assert result.target == ExtensionTarget("201") and result.timeout_s == 3


def test_unique_extension_matches_at_once() -> None:
    assert plan().evaluate("2011").outcome is Outcome.MATCH
    assert plan().evaluate("202") .target == ExtensionTarget("202")


def test_nothing_starts_like_this() -> None:
    assert plan().evaluate("3").outcome is Outcome.NO_MATCH
    assert plan().evaluate("2019").outcome is Outcome.NO_MATCH


@pytest.mark.parametrize(("digits", "bare"),
                         [("112", "112"), ("0112", "112"), ("110", "110"), ("0110", "110")])
def test_emergency_numbers_complete_at_once_with_or_without_the_prefix(digits: str, bare: str) -> None:
    result = plan().evaluate(digits)
    assert result.outcome is Outcome.MATCH
    assert result.target == EmergencyTarget(bare, digits)


def test_emergency_prefix_waits_for_more() -> None:
    assert plan().evaluate("11").outcome is Outcome.NEED_MORE


def test_outside_numbers_are_open_ended() -> None:
    assert plan().evaluate("0").outcome is Outcome.NEED_MORE
    result = plan().evaluate("0301234")
    assert result.outcome is Outcome.MATCH_OR_MORE and result.target == OutsideTarget("0301234")


def test_finish_takes_the_complete_match_or_nothing() -> None:
    assert plan().finish("201") == ExtensionTarget("201")
    assert plan().finish("20") is None


def test_feature_codes_are_recognised() -> None:
    p = plan(feature_codes=[FeatureCode("*8", "pickup"), FeatureCode("**", "pickup_ext", "extension"),
                            FeatureCode("*72", "forward", "digits")])
    assert p.evaluate("*").outcome is Outcome.NEED_MORE
    assert p.evaluate("*8").target == FeatureTarget("*8", "pickup", "")
    assert p.evaluate("**20").outcome is Outcome.NEED_MORE
    assert p.evaluate("**202").target == FeatureTarget("**", "pickup_ext", "202")
    fwd = p.evaluate("*72301")
    assert fwd.outcome is Outcome.MATCH_OR_MORE and fwd.target == FeatureTarget("*72", "forward", "301")
    assert p.evaluate("*9").outcome is Outcome.NO_MATCH


def test_without_an_outside_prefix_only_bare_emergency_numbers_count() -> None:
    p = plan(outside_prefix="", route_patterns=[])
    assert p.evaluate("112").target == EmergencyTarget("112", "112")
    assert p.evaluate("0112").outcome is Outcome.NO_MATCH
