"""Call records of the calls the SIP edge routes alone (Kamailio dialog accounting, firmware/edge/acc.py):
two IP phones (baresip) call each other through the box without any of pbxd's call slots, and the call
history shows each call with its numbers, name and outcome - answered (with who hung up), busy,
cancelled by the caller, not answered - like the records of pbxd's own calls, CSV export included."""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware.runtime.cdr import CdrStore
from tests.sip.baresip import Baresip
from tests.sip.conftest import sip_section
from tests.sip.net import Net, wait_until
from tests.sip.pbxd import Pbxd

pytestmark = pytest.mark.slow
PASSWORDS = {"301": "edge-cdr-301-secret", "302": "edge-cdr-302-secret"}


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net), "calls": {"no_answer_s": 10}, "sip_extensions": [
        {"number": "301", "name": "Anna Phone", "password": PASSWORDS["301"]},
        {"number": "302", "name": "Bob Phone", "password": PASSWORDS["302"]}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


@pytest.fixture
def phones(box: Pbxd, net: Net, tmp_path: Path) -> Iterator[tuple[Baresip, Baresip]]:
    sip = box.config["sip"]
    made: list[Baresip] = []
    try:
        for user, ip, hz in (("301", net.phone, 900.0), ("302", net.phone2, 1300.0)):
            made.append(Baresip(tmp_path / f"phone{user}", ip, user=user, password=PASSWORDS[user],
                                registrar=f"{sip['bind']}:{sip['udp_port']}", domain=sip["bind"], tone_hz=hz))
        wait_until(lambda: all(box.rpc.contacts().get(u) for u in PASSWORDS), 30, 0.2, "the phones did not register")
        yield made[0], made[1]
    finally:
        for bs in made:
            bs.stop()


def records(box: Pbxd) -> list[dict[str, Any]]:
    return [r for r in box.records() if r["src"] in PASSWORDS and r["dst"] in PASSWORDS]


def new_record(box: Pbxd, seen: int, what: str) -> dict[str, Any]:
    rows = wait_until(lambda: records(box)[: len(records(box)) - seen], 30, 0.2, f"no call record for {what}")
    return rows[0]       # newest first


def slots_in_use(box: Pbxd) -> int:
    return int(box.ctl("sip")["slots"]["calls"])


def test_phone_to_phone_call_is_in_the_call_history(box: Pbxd, phones: tuple[Baresip, Baresip]) -> None:
    anna, bob = phones
    domain = box.config["sip"]["bind"]
    anna.command("dial", f"sip:302@{domain}")
    bob.wait_event("CALL_INCOMING", 20)
    bob.command("accept")
    anna.wait_event("CALL_ESTABLISHED", 15)
    bob.wait_event("CALL_ESTABLISHED", 15)
    during = (slots_in_use(box), box.ctl("status")["calls"])
    time.sleep(2.0)                                  # a call of a couple of seconds
    anna.command("hangup")
    bob.wait_event("CALL_CLOSED", 15)
    record = new_record(box, 0, "the answered call")
    assert during == (0, [])                         # Kamailio alone: no pjsua2 call slot, no engine call
    assert (record["src"], record["src_name"], record["dst"]) == ("301", "Anna Phone", "302")
    assert record["direction"] == "internal" and record["disposition"] == "answered"
    assert record["hangup_side"] == "caller" and record["answer"]
    assert 1.0 <= record["billsec"] <= record["duration"] < 60, record
    assert '"routed_by": "edge"' in record["extra"]
    # the CSV export of the call history has it too
    exported = list(csv.DictReader(io.StringIO(CdrStore(box.state / "cdr.sqlite").csv())))
    assert [(r["src"], r["dst"], r["disposition"]) for r in exported] == [("301", "302", "answered")]


def test_unanswered_phone_to_phone_calls_are_in_the_call_history(box: Pbxd,
                                                                 phones: tuple[Baresip, Baresip]) -> None:
    anna, bob = phones
    domain = box.config["sip"]["bind"]
    # busy: Bob rejects the ringing call
    anna.command("dial", f"sip:302@{domain}")
    bob.wait_event("CALL_INCOMING", 20)
    bob.command("hangup")
    anna.wait_event("CALL_CLOSED", 15)
    busy = new_record(box, 0, "the rejected call")
    # cancelled: Anna gives up while Bob's phone rings
    bob.events.clear()
    anna.events.clear()
    anna.command("dial", f"sip:302@{domain}")
    bob.wait_event("CALL_INCOMING", 20)
    anna.command("hangup")
    bob.wait_event("CALL_CLOSED", 15)
    cancelled = new_record(box, 1, "the cancelled call")
    # not answered: Bob's phone rings until the box's no-answer time (10 s)
    bob.events.clear()
    anna.events.clear()
    bob.command("dial", f"sip:301@{domain}")
    anna.wait_event("CALL_INCOMING", 20)
    bob.wait_event("CALL_CLOSED", 60)
    unanswered = new_record(box, 2, "the call nobody answered")
    assert (busy["src"], busy["dst"], busy["disposition"]) == ("301", "302", "busy")
    assert (cancelled["src"], cancelled["dst"], cancelled["disposition"]) == ("301", "302", "cancelled")
    assert cancelled["hangup_side"] == "caller"
    assert (unanswered["src"], unanswered["src_name"], unanswered["dst"]) == ("302", "Bob Phone", "301")
    assert unanswered["disposition"] == "no_answer"
    assert not any(r["answer"] for r in (busy, cancelled, unanswered))
    assert all(r["billsec"] == 0 for r in (busy, cancelled, unanswered))


def test_records_are_imported_once_and_pruned_at_the_next_start(tmp_path: Path) -> None:
    from firmware.edge.acc import EdgeCallImporter, Watermark, create_calls_db, prune_imported
    db, mark = tmp_path / "calls.sqlite", Watermark(tmp_path / "calls.imported")
    assert create_calls_db(db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute('INSERT INTO edge_calls (src, dst, start, answer, "end", code, hangup)'
                     " VALUES ('301', '302', 1000.0, 1002.0, 1010.4, 200, 'callee')")
        conn.execute('INSERT INTO edge_calls (src, dst, start, "end", code, cancelled)'
                     " VALUES ('302', '301', 1000.0, 1003.0, 487, 1)")
    conn.close()
    stored: list[Any] = []
    importer = EdgeCallImporter(db, mark, stored.extend)
    assert importer.poll() == 2 and importer.poll() == 0
    assert [(r.from_number, r.disposition.value, r.duration_s, r.billable_s, r.hangup_side.value) for r in stored] \
        == [("301", "answered", 10, 8, "callee"), ("302", "cancelled", 3, 0, "caller")]
    assert EdgeCallImporter(db, Watermark(mark.path), stored.extend).poll() == 0     # after a restart too
    # a call that ends after a poll found nothing new is imported at the next poll (the importer skips
    # only while the file is unchanged)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute('INSERT INTO edge_calls (src, dst, start, "end", code)'
                     " VALUES ('301', '302', 1100.0, 1101.0, 486)")
    conn.close()
    assert importer.poll() == 1 and stored[-1].disposition.value == "busy" and importer.poll() == 0
    assert prune_imported(db, mark) == 3 and not create_calls_db(db)
