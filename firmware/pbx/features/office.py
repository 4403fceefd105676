"""Wires the caller-facing office features into an engine core: dialogues, routing to destination texts,
IVR menus, time conditions, voicemail (mailboxes, deposit, access, forwarding), screening (lists, caller
routes, phone book), DISA and paging; and their part of the snapshot and of `Engine.office`."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.pbx.core import Core
from firmware.pbx.features.control import OfficeStatus
from firmware.pbx.features.disa import Disa
from firmware.pbx.features.goto import Dialogues, ReachFlow, Router
from firmware.pbx.features.ivr import Menus
from firmware.pbx.features.lists import Screening
from firmware.pbx.features.paging import Paging
from firmware.pbx.features.timecond import TimeConditions
from firmware.pbx.features.voicemail import Deposits, Forwarding, MailboxAccess, Mailboxes


@dataclass
class Office:
    dialogues: Dialogues
    reach: ReachFlow
    router: Router
    menus: Menus
    times: TimeConditions
    boxes: Mailboxes
    deposits: Deposits
    access: MailboxAccess
    forwarding: Forwarding
    screening: Screening
    disa: Disa
    paging: Paging

    def view(self, core: Core, now: float) -> dict[str, object]:
        """Live state for the web page and pbxctl (JSON-ready)."""
        menus = [{"call_id": mc.call, "menu": mc.menu.name, "state": mc.machine.state.value,
                  "caller": core.calls[mc.call].from_number if mc.call in core.calls else "",
                  "seconds": round(now - mc.since, 1)} for mc in self.menus.active.values()]
        pages = [{"call_id": p.call, "name": p.cfg.name, "state": p.machine.state.value, "members": len(p.members)}
                 for p in self.paging.pages.values()]
        return {"menus": menus, "time_conditions": self.times.status(), "mailboxes": self.boxes.status(),
                "disa_lockouts": self.disa.lockouts(), "pages": pages, "phonebook": self.screening.book.status()}


def install_office(core: Core) -> Office:
    dialogues = Dialogues(core)
    reach = ReachFlow(core)
    router = Router(core, reach, dialogues)
    boxes = Mailboxes(core)
    office = Office(
        dialogues=dialogues, reach=reach, router=router, menus=Menus(core, router, dialogues),
        times=TimeConditions(core, router), boxes=boxes, deposits=Deposits(core, router, dialogues, boxes),
        access=MailboxAccess(core, dialogues, boxes), forwarding=Forwarding(core, router, reach, boxes),
        screening=Screening(core, router), disa=Disa(core, router, dialogues, reach), paging=Paging(core, router))
    for flow in (reach, office.menus, office.deposits, office.access, office.disa, office.paging):
        core.hooks.flows[flow.flow_name] = flow

    def status(c: Core, cmd: object) -> dict[str, object] | None:
        return office.view(c, c.now) if isinstance(cmd, OfficeStatus) else None
    core.hooks.office.append(status)
    return office
