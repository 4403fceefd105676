"""What IP phones do on their own buttons, carried out by the engine: hold by re-INVITE (RFC 3264
§8.4; the partner hears music meanwhile), blind transfer by REFER (RFC 3515; the partner rings the
target, the phone gets a NOTIFY with a message/sipfrag status and leaves with BYE) and attended
transfer by REFER with Replaces (RFC 3891, RFC 5589 §7: the phone's two partners are connected and
both of the phone's calls end; semi-attended when the consulted party still rings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.contracts.callerid import CallerId
from firmware.pbx.commands import Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.sipmsg import SipHangup, SipRefer, SipReferStatus
from firmware.pbx.sipparties import SipParty, SipPhoneParty
from firmware.pbx.state import Call
from firmware.pbx.talk import talk

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
    BYE). Refused (NOTIFY 403/486) when it cannot be done; the call goes on."""
    core = flow.core
    partner = core.parties.get(call.other(phone.id))
    dest = core.hooks.resolve(core, ev.target)
    target = core.parties.get(dest.legs[0]) if dest is not None and dest.kind == "extension" and dest.legs \
        else None
    if partner is None or call.answer is None or not isinstance(phone, SipPhoneParty):
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


def attended_transfer(flow: SipCalls, phone: SipParty, call: Call, ev: SipRefer) -> None:
    """REFER on `call` whose Refer-To carries Replaces of the phone's other call (`ev.replaces`, the
    consultation): the partner of `call` and the party of the consultation talk to each other, and
    the phone leaves both calls (NOTIFY 200, BYE on each). When the consulted phone still rings
    (semi-attended), it rings on for the partner, who hears ringback. NOTIFY 481 when Replaces names
    no call of this extension, 403 when the two calls cannot be joined; nothing changes then."""
    core = flow.core
    second = core.parties.get(ev.replaces)
    consult = core.calls.get(second.call) if second is not None and second.call is not None else None
    partner = core.parties.get(call.other(phone.id))
    if (not isinstance(phone, SipPhoneParty) or not isinstance(second, SipPhoneParty) or consult is None
            or second.ext.number != phone.ext.number or consult.id == call.id):
        core.out.emit(SipReferStatus(phone.id, 481))
        return
    target = core.parties.get(consult.other(second.id))
    ringing = consult.answer is None and target is not None and target.alerting
    if partner is None or call.answer is None or target is None or target.id == partner.id \
            or not (consult.answer is not None or ringing):
        core.out.emit(SipReferStatus(phone.id, 403))
        return
    core.out.emit(SipReferStatus(phone.id, 200))
    core.unbridge(call)
    core.unbridge(consult)
    partner.silence()                                      # the phone's hold music stops
    phone.call = None
    phone.hang_up_device(None)                             # BYE: out of the first call
    second.call = None
    if consult.answer is not None:
        second.hang_up_device(None)                        # BYE: out of the consultation
    else:
        core.out.emit(SipHangup(second.id, 487))           # its INVITE ends (Request Terminated)
        second.gone()
    call.extra.update(transferred_by=phone.ext.number, transferred_to=target.identity().number,
                      transfer={"kind": "attended" if consult.answer is not None else "semi_attended",
                                "by": phone.ext.number, "to": target.identity().number})
    if consult.answer is not None:
        core.end_call(consult, Disposition.ANSWERED, HangupSide.CALLER, f"transferred to call {call.id}")
        first, other = (partner.id, target.id) if call.caller == partner.id else (target.id, partner.id)
        talk(core, call, first, other)
        return
    core.timers.cancel_owner(consult.owner)
    target.call = call.id                                  # it rings on, now for the first call
    core.end_call(consult, Disposition.CANCELLED, HangupSide.CALLER, f"transferred to call {call.id}")
    call.caller, call.callee, call.flow = partner.id, target.id, flow.flow_name
    call.alerting[:] = [target.id]
    partner.play("ringback")
    if core.settings.calls.no_answer_s > 0:
        core.after(call.owner, "no_answer", core.settings.calls.no_answer_s, lambda at: flow.no_answer(call))
