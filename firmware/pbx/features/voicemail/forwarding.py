"""Forwarding of an extension when busy or unanswered: to its mailbox (the box's forward_busy and
forward_no_answer_s), or to the numbers the user set in the web portal (forward_always/busy/no_answer:
an extension, group, menu or outside number as the extension would dial it; an outside number only
if the extension may call it itself - its routes and permission class -, otherwise its mailbox).
It works for calls dialled directly (internal, inbound lines, SIP: the busy and alerted hooks) and
for calls the office features route (ReachFlow.forward). A busy hook runs after call waiting: only a
call it refused is forwarded.
The take-over runs on a zero-delay timer, after the flow that offered the call has finished its step.
With follow-me switched on (firmware.pbx.features.followme) an unanswered extension goes to its
follow-me numbers first; the no-answer forwarding is where follow-me ends."""

from __future__ import annotations

from collections import deque
from typing import Protocol

from firmware.config.attendant import parse_destination
from firmware.config.ringgroups import RingGroupConfig
from firmware.contracts.callerid import CallerId
from firmware.pbx.core import Core
from firmware.pbx.features.common import extension_of
from firmware.pbx.features.goto import ReachFlow, Router
from firmware.pbx.features.outdial import permitted_for
from firmware.pbx.features.voicemail.boxes import Mailboxes
from firmware.pbx.state import Call

DEFAULT_NO_ANSWER_S = 20.0


class FollowMePort(Protocol):
    """What forwarding asks of follow-me (installed once the ring groups exist)."""

    def after_s(self, extension: str) -> float | None: ...

    def group(self, extension: str) -> RingGroupConfig | None: ...

    def start(self, call: Call, extension: str, group: RingGroupConfig) -> None: ...


class Forwarding:
    def __init__(self, core: Core, router: Router, reach: ReachFlow, boxes: Mailboxes) -> None:
        self.core = core
        self.router = router
        self.reach = reach
        self.boxes = boxes
        self.taken: deque[tuple[int, str, str]] = deque(maxlen=100)   # (call, extension, reason), latest
        self.refused: deque[tuple[str, str, str]] = deque(maxlen=100)  # (extension, reason, number) not permitted
        self.follow_me: FollowMePort | None = None
        reach.forward = self._reach_forward
        reach.ring_time = self.no_answer_s
        core.hooks.busy.append(self._busy)
        core.hooks.alerted.append(self._alerted)

    # --- where to -----------------------------------------------------------------------------------------
    def target(self, extension: str, reason: str) -> str:
        """The destination text for `extension` being busy / not answering / always ("" = none)."""
        user = self.boxes.users.get(extension)
        number = {"busy": user.forward_busy, "no_answer": user.forward_no_answer,
                  "always": user.forward_always}.get(reason, "") if user is not None else ""
        if number:
            if parse_destination(number).kind == "number":
                return number
            if permitted_for(self.core.settings, extension, number):
                return f"outside:{number}"
            self.refused.append((extension, reason, number))   # the extension's rights have shrunk since
        return self._mailbox(extension, reason)

    def _mailbox(self, extension: str, reason: str) -> str:
        box = self.boxes.box(extension)
        if box is None:
            return ""
        if reason == "busy" and box.forward_busy:
            return f"voicemail:{box.number}:busy"
        if reason == "no_answer" and box.forward_no_answer_s:
            return f"voicemail:{box.number}"
        return ""

    def no_answer_s(self, extension: str) -> float | None:
        """How long the extension rings before its follow-me or no-answer forwarding (None: it has none)."""
        after = self.follow_me.after_s(extension) if self.follow_me is not None else None
        if after is not None:
            return after
        box = self.boxes.box(extension)
        if box is not None and box.forward_no_answer_s:
            return float(box.forward_no_answer_s)
        user = self.boxes.users.get(extension)
        return DEFAULT_NO_ANSWER_S if user is not None and user.forward_no_answer else None

    # --- calls the office features route ----------------------------------------------------------------
    def _reach_forward(self, call: Call, extension: str, reason: str) -> bool:
        group = self._follow_me_group(extension) if reason == "no_answer" else None
        if group is not None and self.follow_me is not None:
            self.taken.append((call.id, extension, "follow_me"))
            self.reach.forwarded(call)
            call.flow = ""
            self.follow_me.start(call, extension, group)
            return True
        dest = self.target(extension, reason)
        if not dest:
            return False
        self.taken.append((call.id, extension, reason))
        self.reach.forwarded(call)
        call.flow = ""
        self.router.send(call, dest)
        return True

    # --- calls dialled directly ---------------------------------------------------------------------------
    def _busy(self, core: Core, call: Call, party: str, caller_id: CallerId) -> bool:
        ext = extension_of(core, party)
        dest = self.target(ext, "busy") if ext else ""
        if not dest or party == call.caller:
            return False
        core.after(call.owner, "forward", 0.0, lambda at: self._take(call, ext, "busy", dest, ""))
        return True

    def _alerted(self, core: Core, call: Call, party: str) -> None:
        ext = extension_of(core, party)
        if not ext:
            return
        always = self.target(ext, "always")
        if always:
            core.after(call.owner, "forward", 0.0, lambda at: self._take(call, ext, "always", always, party))
            return
        after = self.follow_me.after_s(ext) if self.follow_me is not None else None
        if after is not None:
            core.after(call.owner, "forward", after, lambda at: self._take(call, ext, "follow_me", "", party))
            return
        seconds = self.no_answer_s(ext)
        dest = self.target(ext, "no_answer")
        if seconds is not None and dest:
            core.after(call.owner, "forward", seconds, lambda at: self._take(call, ext, "no_answer", dest, party))

    def _take(self, call: Call, extension: str, reason: str, dest: str, ringing: str) -> None:
        """Take the still unanswered call away from the flow that rang (or refused) the extension."""
        core = self.core
        if call.id not in core.calls or call.answer is not None:
            return
        if ringing and ringing not in (call.callee, *call.alerting):
            return
        group = self._follow_me_group(extension) if reason == "follow_me" else None
        if reason == "follow_me" and group is None:         # none of the numbers can ring (any more)
            reason, dest = "no_answer", self.target(extension, "no_answer")
            if not dest:
                return
        for name in ("no_answer", "cid_wait", "gone"):
            core.timers.cancel(call.owner, name)
        for party in {p for p in (call.callee, *call.alerting) if p and p != call.caller}:
            core.party(party).stop_alert(call)
        call.alerting.clear()
        call.callee, call.rung, call.flow = "", True, ""
        self.taken.append((call.id, extension, reason))
        trail = call.extra.setdefault("forwarded", [])
        if isinstance(trail, list):
            trail.append(f"{extension} ({reason})")
        if group is not None and self.follow_me is not None:
            self.follow_me.start(call, extension, group)
            return
        self.router.send(call, dest)

    def _follow_me_group(self, extension: str) -> RingGroupConfig | None:
        return self.follow_me.group(extension) if self.follow_me is not None else None
