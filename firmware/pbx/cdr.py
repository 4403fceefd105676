"""Call detail records from finished calls (fields and rounding as Asterisk cdr: duration, billsec)."""

from __future__ import annotations

from datetime import datetime

from firmware.pbx.commands import CdrRecord, Disposition, HangupSide
from firmware.pbx.state import Call


def whole_seconds(seconds: float) -> int:
    """Round half up to whole seconds (a 0.5 s call bills 1 s, a 0.4 s call 0 s)."""
    return max(0, int(seconds + 0.5))


def make_cdr(call: Call, end: float, end_wall: datetime, disposition: Disposition, side: HangupSide,
             reason: str = "") -> CdrRecord:
    answered = disposition is Disposition.ANSWERED and call.answer is not None
    billable = whole_seconds(end - call.answer) if answered and call.answer is not None else 0
    return CdrRecord(
        call_id=call.id,
        direction=call.direction,
        start=call.start_wall,
        answer=call.answer_wall if answered else None,
        end=end_wall,
        duration_s=whole_seconds(end - call.start),
        billable_s=billable,
        from_number=call.from_number,
        from_name=call.from_name,
        to=call.to,
        dialled=call.dialled,
        route=call.route,
        line=call.line,
        disposition=disposition,
        hangup_side=side,
        answer_source=call.answer_source if answered else None,
        caller_leg=call.caller,
        callee_leg=call.callee,
        reason=reason,
    )
