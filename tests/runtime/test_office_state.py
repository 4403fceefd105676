"""Runtime jobs that keep the office right over time: the day/night switch written to the state directory
(and read back, a broken file meaning "all automatic"), recording retention on a box where nobody records
(at start and every hour), and new mail settings used for the next mail without a restart."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from firmware.config.features import FeaturesConfig, MailConfig, RecordingConfig
from firmware.contracts.clock import FakeClock
from firmware.pbx.commands import SendMail
from firmware.pbx.features.control import SetDayNight
from firmware.pbx.settings import PbxSettings
from firmware.runtime.cdr import CdrStore
from firmware.runtime.loop import RETENTION_S, Runtime
from firmware.runtime.office import DAY_NIGHT_FILE, load_day_night
from tests.pbx.features.test_timecond_lists import hours_rig
from tests.pbx.rig import Rig
from tests.runtime.test_mail import Inbox, free_port

DAY = 86400.0


def runtime_for(rig: Rig, state: Path) -> Runtime:
    """A runtime (not started: its steps are called directly) around the rig's engine, state in `state`."""
    return Runtime(rig.engine, FakeClock(), ports=None, cdr=CdrStore(state / "cdr.sqlite"))  # type: ignore[arg-type]


# --- the day/night switch -------------------------------------------------------------------------------
def test_the_switch_is_written_to_the_state_directory_and_read_back(tmp_path: Path) -> None:
    rig = hours_rig()
    runtime = runtime_for(rig, tmp_path)
    runtime.execute(rig.engine.office(SetDayNight("office", "night"), rig.now, rig.wall))
    assert load_day_night(tmp_path) == (("office", "night"),)
    runtime.execute(rig.engine.office(SetDayNight("", "auto"), rig.now, rig.wall))
    assert load_day_night(tmp_path) == ()
    assert not list(tmp_path.glob(f".{DAY_NIGHT_FILE}*"))             # no temporary file left behind


def test_a_broken_file_means_every_condition_is_automatic(tmp_path: Path) -> None:
    (tmp_path / DAY_NIGHT_FILE).write_text("{not json")
    assert load_day_night(tmp_path) == ()
    assert load_day_night(tmp_path / "missing") == ()


# --- retention on an idle box ------------------------------------------------------------------------------
def old_recording(state: Path, name: str, age_days: float) -> Path:
    path = state / "recordings" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + b"\0" * 1000)
    stamp = time.time() - age_days * DAY
    os.utime(path, (stamp, stamp))
    return path


def test_old_recordings_go_at_start_and_every_hour_while_nobody_records(tmp_path: Path) -> None:
    rig = Rig(features=FeaturesConfig(recording=RecordingConfig(max_age_days=30, min_free_mb=0)))
    runtime = runtime_for(rig, tmp_path)
    old, fresh = old_recording(tmp_path, "2024-01-01/a.wav", 40), old_recording(tmp_path, "2024-05-01/b.wav", 2)
    runtime.housekeeping(runtime.clock.now())                        # the first loop of the runtime
    assert not old.exists() and fresh.exists()
    older = old_recording(tmp_path, "2024-01-02/c.wav", 31)
    runtime.housekeeping(runtime.clock.now() + RETENTION_S - 1)
    assert older.exists()                                            # not yet: once an hour
    runtime.housekeeping(runtime.clock.now() + RETENTION_S)
    assert not older.exists() and fresh.exists()


# --- mail settings changed on the web page ------------------------------------------------------------
@pytest.fixture
def two_servers() -> Iterator[tuple[tuple[Inbox, int], tuple[Inbox, int]]]:
    servers = []
    for _ in range(2):
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append((inbox, port, controller))
    try:
        yield (servers[0][0], servers[0][1]), (servers[1][0], servers[1][1])
    finally:
        for _inbox, _port, controller in servers:
            controller.stop()


def test_new_mail_settings_take_the_next_mail(tmp_path: Path,
                                              two_servers: tuple[tuple[Inbox, int], tuple[Inbox, int]]) -> None:
    (old_inbox, old_port), (new_inbox, new_port) = two_servers
    mail = MailConfig(host="127.0.0.1", port=old_port, sender="pbx@office.example", starttls=False, timeout_s=5)
    rig = Rig(mail=mail)
    runtime = runtime_for(rig, tmp_path)
    runtime.execute([SendMail(("a@example.com",), "first", "body")])
    runtime.mail.flush()
    new_cfg = replace(rig.cfg, mail=replace(mail, port=new_port, sender="office@new.example"))
    runtime.execute(rig.engine.reconfigure(PbxSettings.from_config(new_cfg)))
    runtime.execute([SendMail(("a@example.com",), "second", "body")])
    runtime.mail.flush()
    assert [m["Subject"] for _f, _t, m in old_inbox.messages] == ["first"]
    assert [(f, m["Subject"]) for f, _t, m in new_inbox.messages] == [("office@new.example", "second")]
