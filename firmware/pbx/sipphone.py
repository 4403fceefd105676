"""What IP phones do on their own buttons, carried out by the engine: hold by re-INVITE (RFC 3264
§8.4; the partner hears music meanwhile) and blind transfer by REFER (RFC 3515; the partner rings the
target, the phone gets a NOTIFY with a message/sipfrag status and leaves with BYE)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.contracts.callerid import CallerId
from firmware.pbx.core import Core
from firmware.pbx.sipmsg import SipRefer, SipReferStatus
from firmware.pbx.sipparties import SipParty, SipPhoneParty
from firmware.pbx.state import Call

if TYPE_CHECKING:
    from firmware.pbx.sipcalls import SipCalls


def far_hold(core: Core, party: SipParty, call: Call, held: bool) -> None:
    """The far end put the call on hold (re-INVITE sendonly/inactive) or resumed it. A phone on our
    side plays nothing to its partner, so the partner hears the music on hold meanwhile; a provider
    plays its own."""
    call.extra["far_hold"] = held
    partner = core.parties.get(call.other(party.id))
    if not isinstance(party, SipPhoneParty) or partner is None or call.answer is None:
        return
    if held:
        partner.music("default")
    else:
        partner.silence()


def blind_transfer(flow: SipCalls, phone: SipParty, call: Call, ev: SipRefer) -> None:
    """The phone's partner rings `ev.target` (an extension here) and the phone leaves (NOTIFY 200,
    BYE). Refused (NOTIFY 403/486) when it cannot be done; the call goes on. Attended transfer
    (Replaces) to a call of pbxd's is not done here: 403."""
    core = flow.core
    partner = core.parties.get(call.other(phone.id))
    dest = core.hooks.resolve(core, ev.target)
    target = core.parties.get(dest.legs[0]) if dest is not None and dest.kind == "extension" and dest.legs \
        else None
    if ev.replaces or partner is None or call.answer is None or not isinstance(phone, SipPhoneParty):
        core.out.emit(SipReferStatus(phone.id, 403))
        return
    if target is None or target.id == partner.id or not target.available:
        core.out.emit(SipReferStatus(phone.id, 486))
        return
    core.out.emit(SipReferStatus(phone.id, 200))
    core.unbridge(call)
    phone.call = None
    phone.hang_up_device(None)                 # BYE: the phone is out of the call
    call.extra.update(transferred_by=phone.ext.number, transferred_to=ev.target)
    call.caller, call.callee, call.flow = partner.id, target.id, flow.flow_name
    me = partner.identity()
    target.alert(call, CallerId(number=me.number or None, name=me.name or None, when=core.wall))
    partner.play("ringback")
    if core.settings.calls.no_answer_s > 0:
        core.after(call.owner, "no_answer", core.settings.calls.no_answer_s, lambda at: flow.no_answer(call))
