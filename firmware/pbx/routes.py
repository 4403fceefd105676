"""Outbound routes: pattern match, strip/prepend, line hunting and failover, permission classes
(Asterisk outbound-route practice as in FreePBX: first matching route wins, its trunks in order).

Lines are named by leg id ("fxo:5"; SIP trunks later "trunk:<name>") so FXO ports and trunks share
one table. Emergency numbers bypass permission classes and may use every line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from firmware.pbx.numbering import EmergencyTarget
from firmware.pbx.numbering_plans import DiallingPrefixes, Permission, classify
from firmware.pbx.patterns import Pattern

IN_ORDER = "in_order"
ROUND_ROBIN = "round_robin"
EMERGENCY_ROUTE = "emergency"


@dataclass(frozen=True)
class Route:
    name: str
    pattern: Pattern
    lines: tuple[str, ...]
    strip: int = 0
    prepend: str = ""
    strategy: str = IN_ORDER
    permission: Permission | None = None  # None: classify the number sent by the country's prefixes

    def number_for(self, digits: str) -> str:
        """The digits sent to the line: `strip` leading digits removed, `prepend` put in front."""
        return self.prepend + digits[self.strip:]


@dataclass(frozen=True)
class RouteChoice:
    route: Route
    number: str             # what is dialled on the line
    needs: Permission       # class the caller needs
    emergency: bool = False

    def allows(self, permission: Permission) -> bool:
        return self.emergency or permission >= self.needs


class RouteTable:
    """Routes in priority order plus the country prefixes for "auto" classes."""

    def __init__(self, routes: Iterable[Route], prefixes: DiallingPrefixes, all_lines: Sequence[str]) -> None:
        self.routes = tuple(routes)
        self.prefixes = prefixes
        self.all_lines = tuple(all_lines)

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        return tuple(r.pattern for r in self.routes)

    def find(self, digits: str, allowed: tuple[str, ...] | None = None) -> RouteChoice | None:
        """The first route whose pattern matches `digits` completely (among `allowed` route names)."""
        for route in self.routes:
            if allowed is not None and route.name not in allowed:
                continue
            if route.pattern.matches(digits):
                number = route.number_for(digits)
                needs = route.permission if route.permission is not None else classify(number, self.prefixes)
                return RouteChoice(route, number, needs)
        return None

    def emergency(self, target: EmergencyTarget) -> RouteChoice:
        """Emergency calls: the lines of a matching route first, then every other line; the bare number."""
        found = self.find(target.digits)
        preferred = found.route.lines if found is not None else ()
        lines = tuple(dict.fromkeys([*preferred, *self.all_lines]))
        route = Route(EMERGENCY_ROUTE, Pattern.parse(target.number), lines)
        return RouteChoice(route, target.number, Permission.INTERNAL, emergency=True)


@dataclass
class Hunter:
    """Line hunting order per route; remembers where round-robin routes start next time."""

    next_start: dict[str, int] = field(default_factory=dict)

    def order(self, route: Route) -> list[str]:
        lines = list(route.lines)
        if route.strategy != ROUND_ROBIN or not lines:
            return lines
        start = self.next_start.get(route.name, 0) % len(lines)
        return lines[start:] + lines[:start]

    def used(self, route: Route, line: str) -> None:
        if route.strategy == ROUND_ROBIN and line in route.lines:
            self.next_start[route.name] = route.lines.index(line) + 1


def default_routes(prefixes: DiallingPrefixes, outside_prefix: str,
                   lines: Sequence[str]) -> tuple[Route, ...]:
    """The routes used when the config has none: outside prefix + international prefix ->
    international, + national prefix -> national, + anything else -> local; every line in order,
    the outside prefix stripped."""
    if not lines:
        return ()
    op, strip = outside_prefix, len(outside_prefix)
    rows = [("international", op + prefixes.international, Permission.INTERNATIONAL)]
    if prefixes.national:
        rows.append(("national", op + prefixes.national, Permission.NATIONAL))
    rows.append(("local", op, Permission.LOCAL))
    return tuple(Route(name, Pattern.parse(f"_{prefix}X."), tuple(lines), strip=strip, permission=perm)
                 for name, prefix, perm in rows)
