"""Outside calls that features place (ring-group mobiles, transfers and forwards to outside numbers,
the operator's route choice): the route for the digits - the first matching route among those the
extension may use, or the route chosen by number -, the permission class of the extension it is
placed for, and the first free line of the route (FreePBX outbound-route practice, as outbound.py)."""

from __future__ import annotations

from firmware.pbx.core import Core
from firmware.pbx.features.common import extension_of
from firmware.pbx.numbering_plans import Permission, classify
from firmware.pbx.party import Party
from firmware.pbx.routes import RouteChoice
from firmware.pbx.settings import PbxSettings
from firmware.pbx.state import Call


def choose_route(core: Core, who: str, digits: str, route_index: int | None = None,
                 route_name: str = "") -> RouteChoice | None:
    """The route `digits` (as dialled, with the outside prefix) go out on for party `who` ("" = the
    system, e.g. a configured mobile: no permission check); None if no permitted route fits."""
    return route_for(core.settings, extension_of(core, who) if who else "", digits, route_index, route_name,
                     checked=bool(who))


def permitted_for(settings: PbxSettings, extension: str, digits: str) -> bool:
    """May `extension` reach outside number `digits` (its routes and permission class)? A user's own
    forwarding to an outside number is placed with the rights of the extension that set it."""
    return route_for(settings, extension, digits, checked=True) is not None


def route_for(settings: PbxSettings, number: str, digits: str, route_index: int | None = None,
              route_name: str = "", *, checked: bool) -> RouteChoice | None:
    """choose_route by extension number (`checked`: apply its permission class; an unknown number has
    the internal class only)."""
    table = settings.routes
    if route_name:
        names = [r.name for r in table.routes]
        route_index = names.index(route_name) + 1 if route_name in names else 0
    allowed = settings.allowed_routes(number) if number else None
    if route_index is not None:
        if not 1 <= route_index <= len(table.routes):
            return None
        route = table.routes[route_index - 1]
        sent = route.number_for(digits)
        needs = route.permission if route.permission is not None else classify(sent, table.prefixes)
        choice: RouteChoice | None = RouteChoice(route, sent, needs)
    else:
        choice = table.find(digits, allowed)
    if choice is None or (allowed is not None and choice.route.name not in allowed):
        return None
    if checked:
        ext = settings.extension(number) if number else None
        if not choice.allows(ext.permission if ext else Permission.INTERNAL):
            return None
    return choice


def free_line(core: Core, choice: RouteChoice) -> Party | None:
    """The first free line of the route, in its hunting order."""
    for line_id in core.hunter.order(choice.route):
        party = core.parties.get(line_id)
        if party is not None and party.available:
            core.hunter.used(choice.route, line_id)
            return party
    return None


def dial_outside(core: Core, call: Call, who: str, digits: str, route_index: int | None = None,
                 route_name: str = "") -> Party | None:
    """Seize a line for `call` and dial `digits` on behalf of `who`; the line party, or None when no
    permitted route or no free line. The call's flow hears `party_answered` / `party_gone` of it."""
    choice = choose_route(core, who, digits, route_index, route_name)
    line = free_line(core, choice) if choice is not None else None
    if line is None or choice is None:
        return None
    line.dial_out(call, choice.number)
    call.extra.setdefault("route", choice.route.name)
    return line
