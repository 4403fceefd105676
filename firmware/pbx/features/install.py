"""Wires the feature packages into an engine core: their flows, hooks and cross references."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.pbx.core import Core
from firmware.pbx.features.callwaiting import CallWaiting
from firmware.pbx.features.conference import Conferences
from firmware.pbx.features.followme import FollowMe
from firmware.pbx.features.handset import Handsets
from firmware.pbx.features.hold import Hold
from firmware.pbx.features.office import Office, install_office
from firmware.pbx.features.park import Park
from firmware.pbx.features.pickup import Pickup
from firmware.pbx.features.recording import Recording
from firmware.pbx.features.ringgroup import RingGroups
from firmware.pbx.features.routechoice import RouteChoiceFeature
from firmware.pbx.features.transfer import Transfer
from firmware.pbx.outbound import OutboundCalls
from firmware.pbx.state import Call


@dataclass
class Features:
    hold: Hold
    transfer: Transfer
    conferences: Conferences
    waiting: CallWaiting
    recording: Recording
    handsets: Handsets
    pickup: Pickup
    park: Park
    groups: RingGroups
    routes: RouteChoiceFeature
    office: Office
    follow_me: FollowMe


def install(core: Core, outbound: OutboundCalls) -> Features:
    hold = Hold(core)
    transfer = Transfer(core, hold)
    conferences = Conferences(core, hold)
    waiting = CallWaiting(core)

    def legs_of(call: Call) -> tuple[str, ...]:
        room = conferences.of(call)
        return tuple(room.connected) if room is not None else call.parties

    recording = Recording(core, legs_of)
    features = Features(
        hold=hold, transfer=transfer, conferences=conferences, waiting=waiting, recording=recording,
        handsets=Handsets(core, hold, transfer, conferences, waiting, recording),
        pickup=Pickup(core), park=Park(core, hold), groups=(groups := RingGroups(core)),
        routes=RouteChoiceFeature(core, outbound), office=(office := install_office(core)),
        follow_me=FollowMe(core, groups, office.forwarding))
    for flow in (hold, transfer, conferences, features.park, features.groups):
        core.hooks.flows[flow.flow_name] = flow
    return features
