"""Mail through a real SMTP server on loopback (aiosmtpd in a thread): the ring group's missed-call mail
and its daily report, made by the engine on the fake clock and sent by the runtime's mail executor."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from firmware.config.dialplan import InboundConfig
from firmware.config.features import FeaturesConfig, MailConfig
from firmware.config.ringgroups import MemberConfig, MissedConfig, ReportConfig, RingGroupConfig, StageConfig
from firmware.contracts.clock import FakeClock
from firmware.contracts.ports import LineDisconnect
from firmware.pbx.commands import SendMail
from firmware.runtime.loop import Runtime
from firmware.runtime.mail import MailSender
from tests.pbx.features.helpers import incoming
from tests.pbx.rig import WALL0, Rig, of


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"pbx", b"secret")
        return AuthResult(success=ok)

    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=check,
                            auth_require_tls=False)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def group_rig(port: int) -> Rig:
    group = RingGroupConfig(number="600", name="Sales", stages=[StageConfig(members=[MemberConfig(extension="201")],
                                                                            ring_s=10)],
                            missed=MissedConfig(email=["sales@example.com"]),
                            report=ReportConfig(email=["boss@example.com"], time="18:00"))
    mail = MailConfig(host="127.0.0.1", port=port, sender="pbx@office.example", starttls=False,
                      username="pbx", password="secret", timeout_s=5)
    return Rig(features=FeaturesConfig(ring_groups=[group]), inbound=[InboundConfig("fxo:5", "600")], mail=mail)


def send_through_runtime(rig: Rig, mails: list[SendMail]) -> MailSender:
    runtime = Runtime(rig.engine, FakeClock(), ports=None)  # type: ignore[arg-type]
    runtime.execute(list(mails))
    sender: MailSender = runtime.mail
    sender.flush()
    return sender


def body(msg: Message) -> str:
    part = msg.get_body(("plain",)) if hasattr(msg, "get_body") else None  # type: ignore[attr-defined]
    payload = (part or next(p for p in msg.walk() if p.get_content_type() == "text/plain")).get_payload(decode=True)
    return payload.decode()


def test_the_missed_call_and_the_daily_report_arrive_with_their_content(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    rig = group_rig(port)
    rig.advance(0)
    incoming(rig, number="0301112233", name="Kunde AG")
    rig.advance(12)                         # the stage rings out; the line keeps ringing
    rig.ev(LineDisconnect, 5)               # the caller gives up: a missed call
    incoming(rig, number="0304445566", name="")
    rig.off_hook(1)
    rig.advance(30)
    rig.on_hook(1)
    until_six = (WALL0.replace(hour=18) - rig.wall).total_seconds()
    rig.advance(until_six)
    mails = of(SendMail, rig.log)
    assert len(mails) == 2
    sender = send_through_runtime(rig, mails)
    assert (sender.sent, sender.failed) == (2, 0)
    (frm1, to1, missed), (frm2, to2, report) = inbox.messages
    assert (frm1, to1) == ("pbx@office.example", ["sales@example.com"])
    assert missed["Subject"] == "Missed call for Sales from Kunde AG <0301112233>"
    assert "Caller:   Kunde AG <0301112233>" in body(missed) and "When:     2024-05-06 09:00:00" in body(missed)
    assert (frm2, to2) == ("pbx@office.example", ["boss@example.com"])
    assert report["Subject"] == "Daily activity of Sales: 2 calls, 1 answered, 1 missed"
    text = body(report)
    assert "Calls:     2" in text and "Missed:    1" in text and "0304445566" in text and "MISSED" in text
    [csv_part] = [p for p in report.walk() if p.get_filename() == "600-2024-05-06.csv"]
    rows = csv_part.get_payload(decode=True).decode().splitlines()
    assert rows[0].startswith("start,caller") and len(rows) == 3
    assert rows[1].split(",")[1:4] == ["0301112233", "Kunde AG", "unanswered"]


def test_a_wrong_password_is_counted_and_logged_not_raised(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    sender = MailSender(MailConfig(host="127.0.0.1", port=port, starttls=False, username="pbx", password="nope",
                                   timeout_s=2))
    sender.send(SendMail(("a@example.com",), "test", "body"))
    sender.flush()
    assert (sender.sent, sender.failed) == (0, 1) and sender.last_error.startswith("SMTP")
    assert inbox.messages == []


def test_without_a_mail_server_mails_are_only_logged() -> None:
    sender = MailSender(MailConfig())
    sender.send(SendMail(("a@example.com",), "test", "body"))
    sender.flush()
    assert (sender.sent, sender.failed) == (0, 0)
