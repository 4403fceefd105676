"""Routes: strip/prepend, permission classes by the country's prefixes, default routes, hunting."""

from __future__ import annotations

import pytest

from firmware.config.dialplan import RouteConfig
from firmware.config.model import Config
from firmware.pbx.numbering import EmergencyTarget
from firmware.pbx.numbering_plans import PREFIXES, Permission, classify, dialling_prefixes
from firmware.pbx.patterns import Pattern
from firmware.pbx.routes import Hunter, Route, RouteTable, default_routes
from firmware.pbx.settings import PbxSettings

LINES = ("fxo:5", "fxo:6")


def test_the_prefix_table_covers_the_required_countries() -> None:
    for iso in ("DE", "PL", "RU", "GB", "US", "FR", "IT", "NL", "AT", "CH"):
        assert iso in PREFIXES
    assert (PREFIXES["DE"].national, PREFIXES["DE"].international) == ("0", "00")
    assert (PREFIXES["RU"].national, PREFIXES["RU"].international) == ("8", "810")
    assert (PREFIXES["US"].national, PREFIXES["US"].international) == ("1", "011")


@pytest.mark.parametrize(("iso", "number", "needs"), [
    ("DE", "0049301234", Permission.INTERNATIONAL), ("DE", "030123456", Permission.NATIONAL),
    ("DE", "123456", Permission.LOCAL), ("RU", "81049301234", Permission.INTERNATIONAL),
    ("RU", "84951234567", Permission.NATIONAL), ("RU", "1234567", Permission.LOCAL),
    ("US", "011493012345", Permission.INTERNATIONAL), ("US", "12125550100", Permission.NATIONAL),
    ("US", "5550100", Permission.LOCAL), ("PL", "00493012345", Permission.INTERNATIONAL),
    ("PL", "221234567", Permission.LOCAL),
])
def test_classify_by_the_country_prefixes(iso: str, number: str, needs: Permission) -> None:
    assert classify(number, dialling_prefixes(iso)) is needs


def test_unknown_country_gets_the_itu_default() -> None:
    assert dialling_prefixes("ZZ").international == "00"


def test_default_routes_germany() -> None:
    routes = default_routes(dialling_prefixes("DE"), "0", LINES)
    assert [(r.name, r.pattern.text, r.strip, r.permission) for r in routes] == [
        ("international", "_000X.", 1, Permission.INTERNATIONAL),
        ("national", "_00X.", 1, Permission.NATIONAL),
        ("local", "_0X.", 1, Permission.LOCAL)]
    assert all(r.lines == LINES for r in routes)


def test_default_routes_russia_and_us() -> None:
    ru = default_routes(dialling_prefixes("RU"), "0", LINES)
    us = default_routes(dialling_prefixes("US"), "9", LINES)
    assert [r.pattern.text for r in ru] == ["_0810X.", "_08X.", "_0X."]
    assert [r.pattern.text for r in us] == ["_9011X.", "_91X.", "_9X."]


def test_closed_plan_has_no_national_route() -> None:
    assert [r.name for r in default_routes(dialling_prefixes("PL"), "0", LINES)] == ["international", "local"]


def test_no_lines_no_default_routes() -> None:
    assert default_routes(dialling_prefixes("DE"), "0", ()) == ()


def test_first_matching_route_wins_with_strip_and_prepend() -> None:
    table = RouteTable([Route("city", Pattern.parse("_9NXXXXX"), LINES, strip=1, prepend="030"),
                        Route("any", Pattern.parse("_9X."), LINES, strip=1)], dialling_prefixes("DE"), LINES)
    choice = table.find("9234567")
    assert choice is not None
    assert (choice.route.name, choice.number, choice.needs) == ("city", "030234567", Permission.NATIONAL)
    other = table.find("91234")
    assert other is not None and (other.route.name, other.number) == ("any", "1234")
    assert table.find("8") is None


def test_emergency_route_uses_every_line_and_the_bare_number() -> None:
    table = RouteTable([Route("only6", Pattern.parse("_0X."), ("fxo:6",), strip=1)], dialling_prefixes("DE"),
                       LINES)
    choice = table.emergency(EmergencyTarget("112", "0112"))
    assert choice.number == "112" and choice.route.lines == ("fxo:6", "fxo:5")
    assert choice.allows(Permission.INTERNAL)


def test_round_robin_starts_after_the_line_used_last() -> None:
    route = Route("rr", Pattern.parse("_0X."), ("fxo:5", "fxo:6", "fxo:7"), strategy="round_robin")
    hunter = Hunter()
    assert hunter.order(route) == ["fxo:5", "fxo:6", "fxo:7"]
    hunter.used(route, "fxo:5")
    assert hunter.order(route) == ["fxo:6", "fxo:7", "fxo:5"]
    hunter.used(route, "fxo:7")
    assert hunter.order(route) == ["fxo:5", "fxo:6", "fxo:7"]


def test_in_order_always_starts_at_the_first_line() -> None:
    route = Route("io", Pattern.parse("_0X."), LINES)
    hunter = Hunter()
    hunter.used(route, "fxo:5")
    assert hunter.order(route) == list(LINES)


def test_settings_build_configured_routes_with_auto_class() -> None:
    cfg = Config(routes=[RouteConfig(name="out", pattern="_0X.", lines=["fxo:6"], strip=1)])
    table = PbxSettings.from_config(cfg).routes
    choice = table.find("0001234")
    assert choice is not None and choice.needs is Permission.INTERNATIONAL
    assert choice.route.lines == ("fxo:6",)
