"""Ring-group accounting: every group call is recorded when it ends; a missed call (by the group's
rule) is mailed at once to the group's address - so one person calls back, not every member -; a
daily activity mail per group at its report time (the box's wall clock, engine timers) gives the
counts and the call list (CSV attachment). Mails are `SendMail` commands; the runtime sends them."""

from __future__ import annotations

import csv
import io
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from firmware.config.ringgroups import RingGroupConfig, minutes
from firmware.pbx.commands import Attachment, SendMail
from firmware.pbx.core import Core
from firmware.pbx.features.ringgroup.table import GroupCall, GroupOutcome, is_missed


@dataclass(frozen=True)
class GroupRecord:
    start: datetime
    caller: str
    caller_name: str
    outcome: GroupOutcome
    answered_by: str
    stage: int | None
    wait_s: float
    missed: bool


class GroupReports:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.today: dict[str, list[GroupRecord]] = {}
        self.sent: deque[tuple[str, datetime]] = deque(maxlen=100)          # (group, when) of daily reports
        self.armed: dict[str, str] = {}                     # group -> report time of its pending timer
        self._hooked = False
        if self._reporting():
            self._hook()
        core.hooks.reconfigured.append(lambda c: self.rearm())

    def _reporting(self) -> dict[str, RingGroupConfig]:
        return {g.number: g for g in self.core.settings.features.ring_groups if g.report.email}

    def _hook(self) -> None:
        self._hooked = True
        self.core.hooks.start.append(lambda c: self.arm())

    def record(self, gc: GroupCall, answered: bool, waited_s: float) -> GroupRecord:
        wait = (gc.answered_at - gc.start) if gc.answered_at is not None else waited_s
        rec = GroupRecord(gc.start_wall, gc.caller_number, gc.caller_name, gc.outcome or GroupOutcome.UNANSWERED,
                          gc.answered_by, gc.answered_stage, round(wait, 1), is_missed(gc, answered, waited_s))
        self.today.setdefault(gc.group.number, []).append(rec)
        if rec.missed and gc.group.missed.email:
            self.core.out.emit(missed_mail(gc.group, rec))
        return rec

    def counts(self, number: str) -> dict[str, int]:
        records = self.today.get(number, [])
        return {"calls": len(records), "answered": sum(r.outcome is GroupOutcome.ANSWERED for r in records),
                "missed": sum(r.missed for r in records)}

    # --- the daily report ------------------------------------------------------------------------
    def arm(self) -> None:
        for group in self._reporting().values():
            self._arm(group)

    def rearm(self) -> None:
        """New settings: groups that now report get their timer, a changed report time moves it, groups
        that no longer report (or are gone) lose it. Before the engine started, `arm` does it at start."""
        wanted = self._reporting()
        if not self.core.started:
            if wanted and not self._hooked:
                self._hook()
            return
        for number in [n for n in self.armed if n not in wanted]:
            self.core.timers.cancel(f"group:{number}", "report")
            del self.armed[number]
        for number, group in wanted.items():
            if self.armed.get(number) != group.report.time:
                self._arm(group)

    def _arm(self, group: RingGroupConfig) -> None:
        core = self.core
        at = next_time(core.wall, group.report.time)
        seconds = (at - core.wall).total_seconds()
        core.after(f"group:{group.number}", "report", seconds, lambda t: self._report(group.number))
        self.armed[group.number] = group.report.time

    def _report(self, number: str) -> None:
        core = self.core
        group = next((g for g in core.settings.features.ring_groups if g.number == number), None)
        self.armed.pop(number, None)
        if group is None or not group.report.email:
            return
        records = self.today.pop(number, [])
        core.out.emit(daily_mail(group, records, core.wall))
        self.sent.append((number, core.wall))
        self._arm(group)


def next_time(wall: datetime, hhmm: str) -> datetime:
    """The next wall-clock moment at HH:MM strictly after `wall` (same time zone)."""
    mins = minutes(hhmm) % (24 * 60)
    at = wall.replace(hour=mins // 60, minute=mins % 60, second=0, microsecond=0)
    return at if at > wall else at + timedelta(days=1)


def _who(rec: GroupRecord) -> str:
    if rec.caller and rec.caller_name:
        return f"{rec.caller_name} <{rec.caller}>"
    return rec.caller or rec.caller_name or "anonymous"


def missed_mail(group: RingGroupConfig, rec: GroupRecord) -> SendMail:
    when = rec.start.strftime("%Y-%m-%d %H:%M:%S")
    body = (f"Missed call for {group.label} ({group.number})\n\n"
            f"Caller:   {_who(rec)}\n"
            f"When:     {when}\n"
            f"Waited:   {rec.wait_s:.0f} s\n"
            f"Outcome:  {rec.outcome.value.replace('_', ' ')}\n\n"
            "Please call back (this mail went to the group's address, not to every member).\n")
    return SendMail(tuple(group.missed.email), f"Missed call for {group.label} from {_who(rec)}", body)


def daily_mail(group: RingGroupConfig, records: list[GroupRecord], wall: datetime) -> SendMail:
    answered = sum(r.outcome is GroupOutcome.ANSWERED for r in records)
    missed = sum(r.missed for r in records)
    lines = [f"Activity of {group.label} ({group.number}) up to {wall:%Y-%m-%d %H:%M}", "",
             f"Calls:     {len(records)}", f"Answered:  {answered}", f"Missed:    {missed}",
             f"Other:     {len(records) - answered - missed}"]
    attachments: tuple[Attachment, ...] = ()
    if group.report.include_calls and records:
        lines += ["", "Calls:"]
        lines += [f"  {r.start:%H:%M:%S}  {_who(r):<32} {r.outcome.value:<18} "
                  f"{r.answered_by or '-':<8} {'MISSED' if r.missed else ''}".rstrip() for r in records]
        attachments = (Attachment(f"{group.number}-{wall:%Y-%m-%d}.csv", calls_csv(records)),)
    subject = f"Daily activity of {group.label}: {len(records)} calls, {answered} answered, {missed} missed"
    return SendMail(tuple(group.report.email), subject, "\n".join(lines) + "\n", attachments)


def calls_csv(records: list[GroupRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["start", "caller", "caller_name", "outcome", "answered_by", "stage", "wait_s", "missed"])
    for r in records:
        writer.writerow([r.start.isoformat(timespec="seconds"), r.caller, r.caller_name, r.outcome.value,
                         r.answered_by, r.stage or "", r.wait_s, "yes" if r.missed else "no"])
    return out.getvalue()
