"""Sends the engine's `SendMail` commands over SMTP (RFC 5321; STARTTLS per RFC 3207 and AUTH per
RFC 4954 when configured) on its own thread, so the runtime loop never waits for a mail server.
A mail that cannot be sent is logged and counted, never retried forever (the box is no mail queue)."""

from __future__ import annotations

import logging
import queue
import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from firmware.config.features import MailConfig
from firmware.pbx.commands import SendMail

log = logging.getLogger("pbxd.mail")


def message(cfg: MailConfig, mail: SendMail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = cfg.sender
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=cfg.sender.partition("@")[2] or "pbx.local")
    msg.set_content(mail.body)
    for att in mail.attachments:
        maintype, _, subtype = att.mimetype.partition("/")
        data = Path(att.path).read_bytes() if att.path else att.content.encode()
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=att.filename)
    return msg


def deliver(cfg: MailConfig, mail: SendMail) -> None:
    """Send one mail now (raises smtplib.SMTPException / OSError)."""
    with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s) as smtp:
        smtp.ehlo()
        if cfg.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if cfg.username:
            smtp.login(cfg.username, cfg.password)
        smtp.send_message(message(cfg, mail), from_addr=cfg.sender, to_addrs=list(mail.to))
    for att in mail.attachments:
        if att.path and att.remove:
            for path in (Path(att.path), Path(att.path).with_suffix(".json")):
                path.unlink(missing_ok=True)


class MailSender:
    """A queue and one sender thread; `send` never blocks. Each mail goes out with the settings in force
    when it was queued (`configure` changes them for the next mail)."""

    def __init__(self, cfg: MailConfig, *, maxsize: int = 100) -> None:
        self.cfg = cfg
        self.sent = 0
        self.failed = 0
        self.last_error = ""
        self._queue: queue.Queue[tuple[MailConfig, SendMail] | None] = queue.Queue(maxsize)
        self._flushed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pbx-mail", daemon=True)
        self._thread.start()

    def configure(self, cfg: MailConfig) -> None:
        """New mail settings (server, sender, login) for the mails sent from now on."""
        self.cfg = cfg
        log.info("mail settings changed: server %s", f"{cfg.host}:{cfg.port}" if cfg.host else "none")

    def send(self, mail: SendMail) -> None:
        cfg = self.cfg
        if not cfg.host:
            log.info("no mail server configured; not sent to %s: %s", ", ".join(mail.to), mail.subject)
            return
        try:
            self._queue.put_nowait((cfg, mail))
        except queue.Full:
            self.failed += 1
            log.error("mail queue full; dropped: %s", mail.subject)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every queued mail was tried (tests, shutdown)."""
        self._flushed = threading.Event()
        self._queue.put(None)
        self._flushed.wait(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self._flushed.set()
                continue
            cfg, mail = item
            try:
                deliver(cfg, mail)
                self.sent += 1
            except (smtplib.SMTPException, OSError) as exc:
                self.failed += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("mail to %s failed: %s", ", ".join(mail.to), self.last_error)
