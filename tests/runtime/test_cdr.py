"""Call records: stored, filtered, exported; a kill -9 while writing never corrupts the database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from firmware.runtime.cdr import CdrFilter, CdrStore, iter_rows


def record(i: int, **over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "call_id": f"c{i}", "start": f"2026-11-{10 + i % 10:02d}T09:00:00+01:00",
        "answer": None, "end": f"2026-11-{10 + i % 10:02d}T09:01:00+01:00", "duration": 60.0,
        "billsec": 0.0, "src": "201", "src_name": "Anna", "dst": "202", "direction": "internal",
        "disposition": "no_answer", "hangup_side": "caller"}
    base.update(over)
    return base


def test_records_are_filtered_sorted_and_exported(tmp_path: Path) -> None:
    store = CdrStore(tmp_path / "cdr.sqlite")
    store.add(record(1, disposition="answered", billsec=42.0, answer="2026-11-11T09:00:18+01:00"))
    store.add(record(2, src="203", dst="0301234567", direction="outbound", disposition="busy"))
    store.add(record(3, src="4930999", dst="201", direction="inbound"))
    store.flush()
    assert [r["call_id"] for r in store.query(CdrFilter(disposition="busy"))] == ["c2"]
    assert {r["call_id"] for r in store.query(CdrFilter(extension="201"))} == {"c1", "c3"}
    assert [r["call_id"] for r in store.query(CdrFilter(number="4930"))] == ["c3"]
    assert [r["call_id"] for r in store.query(CdrFilter(order="start ASC"))] == ["c1", "c2", "c3"]
    window = CdrFilter(since="2026-11-12", until="2026-11-14")
    assert [r["call_id"] for r in store.query(window)] == ["c3", "c2"]
    text = store.csv(CdrFilter(order="start ASC"))
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,call_id,start,answer,end,duration,billsec,src")
    assert len(lines) == 4 and ",42.0," in lines[1]
    store.close()


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    store = CdrStore(tmp_path / "cdr.sqlite")
    try:
        store.add({"call_id": "x", "colour": "red"})
    except ValueError as exc:
        assert "colour" in str(exc)
    else:
        raise AssertionError("an unknown field was accepted")
    finally:
        store.close()


WRITER = """
import sys
from pathlib import Path
from firmware.runtime.cdr import CdrStore
store = CdrStore(Path(sys.argv[1]))
i = 0
while True:
    store.add({"call_id": f"k{i}", "start": "2026-11-22T10:00:00", "end": "2026-11-22T10:01:00",
               "duration": 60.0, "billsec": 30.0, "src": "201", "dst": "202", "direction": "internal",
               "disposition": "answered"})
    store.flush()
    print(i, flush=True)
    i += 1
"""


def test_kill_9_while_recording_calls_keeps_every_finished_call(tmp_path: Path) -> None:
    db = tmp_path / "cdr.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout is not None
    confirmed = -1
    deadline = time.monotonic() + 30
    while confirmed < 40 and time.monotonic() < deadline:
        confirmed = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    ids = {r["call_id"] for r in iter_rows(db)}
    assert {f"k{i}" for i in range(confirmed + 1)} <= ids  # every call reported written is there
