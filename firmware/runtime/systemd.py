"""systemd integration: sd_notify (READY, WATCHDOG, STATUS, STOPPING) and structured journald logging.

Works without systemd too: notify() is a no-op when NOTIFY_SOCKET is unset, and logging
falls back to stderr. Log records carry structured fields (PORT, CALL_ID, EVENT) via
`extra={"port": 1, "call_id": "...", "event": "..."}`; journald stores them as fields.
"""

from __future__ import annotations

import logging
import os
import sys

try:
    from systemd import daemon as _sd_daemon
    from systemd import journal as _sd_journal
except ImportError:  # not installed (e.g. a minimal image): degrade gracefully
    _sd_daemon = None
    _sd_journal = None


def notify(message: str) -> bool:
    """Send an sd_notify message ("READY=1", "WATCHDOG=1", "STATUS=..."); False if not under systemd."""
    if not os.environ.get("NOTIFY_SOCKET") or _sd_daemon is None:
        return False
    return bool(_sd_daemon.notify(message))


def watchdog_interval() -> float | None:
    """Half the watchdog timeout systemd gave us (seconds), or None when there is no watchdog."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and int(pid) != os.getpid()):
        return None
    return int(usec) / 2_000_000


class _FieldsFilter(logging.Filter):
    """Copies our structured extras into the JOURNAL field names."""

    def filter(self, record: logging.LogRecord) -> bool:
        for attr, field in (("port", "PORT"), ("call_id", "CALL_ID"), ("event", "EVENT")):
            value = getattr(record, attr, None)
            if value is not None:
                setattr(record, field, str(value))
        return True


class _ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extras = [f"{a}={getattr(record, a)}" for a in ("port", "call_id", "event") if hasattr(record, a)]
        return f"{text} [{' '.join(extras)}]" if extras else text


def setup_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    root.setLevel(level)
    for h in list(root.handlers):
        root.removeHandler(h)
    handler: logging.Handler
    if os.environ.get("JOURNAL_STREAM") and _sd_journal is not None:
        handler = _sd_journal.JournalHandler(SYSLOG_IDENTIFIER="pbxd")
        handler.addFilter(_FieldsFilter())
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_ConsoleFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
