"""Call records of the calls Kamailio routes alone (IP phone to IP phone, a DID straight to an IP
phone, an IP phone out on a trunk-only route): Kamailio's accounting for them, imported into pbxd's
call records.

Kamailio keeps each such call's data in its dialog (dialog module, `$dlg_var`) from the INVITE and
makes one row per call (as the `acc` module's CDR engine would, but with the final SIP status the
`acc` CDRs lack): when the transaction fails (failure route: final status, cancelled or not, RFC 3261
§16.7) or when the confirmed dialog ends (`dialog:end`, with who sent the BYE). The SIP worker only
queues the row in shared memory (`mqueue`); a timer process writes the queue to Kamailio's own SQLite
file every `FLUSH_S` in one transaction (`sqlops`), so no SIP worker waits for SQLite's locks or its
sync. pbxd only reads that file while Kamailio runs (WAL readers never block Kamailio's writer), and
only when the file changed; `EdgeCallImporter` turns new rows into `CdrRecord`s with the same
dispositions as pbxd's own records (answered, busy, no answer, cancelled, failed, congestion) and
hands them to the runtime, remembering the last row imported in a small file. Imported rows are
pruned at the next start, before Kamailio opens the file.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from firmware.pbx.commands import AnswerSource, CdrRecord, Direction, Disposition, HangupSide

log = logging.getLogger("pbxd.edge")
FLUSH_S = 0.3          # Kamailio writes its queued rows this often (kamailio.cfg: rtimer edgecalls)
READ_LIMIT = 500       # rows per read

SCHEMA = """
CREATE TABLE IF NOT EXISTS edge_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sip_call_id TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'internal',     -- internal (phone to phone), inbound (DID to a phone), outbound
    src TEXT NOT NULL DEFAULT '',
    src_name TEXT NOT NULL DEFAULT '',
    dst TEXT NOT NULL DEFAULT '',
    line TEXT NOT NULL DEFAULT '',             -- the trunk of an inbound or outbound call
    route TEXT NOT NULL DEFAULT '',            -- the route of an outbound call
    dialled TEXT NOT NULL DEFAULT '',          -- the digits an outbound caller dialled
    start REAL NOT NULL DEFAULT 0,             -- Unix time of the INVITE
    answer REAL NOT NULL DEFAULT 0,            -- Unix time of the answer, 0 if none
    "end" REAL NOT NULL DEFAULT 0,
    code INTEGER NOT NULL DEFAULT 0,           -- final SIP status (200 for a call that was answered)
    cancelled INTEGER NOT NULL DEFAULT 0,      -- the caller gave up before the answer
    hangup TEXT NOT NULL DEFAULT 'system'      -- caller, callee, system
);
"""


@dataclass(frozen=True)
class EdgeCall:
    id: int
    sip_call_id: str
    kind: str
    src: str
    src_name: str
    dst: str
    line: str
    start: float
    answer: float
    end: float
    code: int
    cancelled: bool
    hangup: str
    route: str = ""
    dialled: str = ""


def create_calls_db(path: Path) -> bool:
    """The table Kamailio writes (WAL journaling, as the other shared files); True if it was new (row
    numbers start again at 1, so an old watermark must go)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        new = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'edge_calls'").fetchone() is None
        conn.executescript(SCHEMA)
        have = {str(r[1]) for r in conn.execute("PRAGMA table_info(edge_calls)")}
        for column in ("route", "dialled"):         # a file from before outbound records
            if column not in have:
                conn.execute(f"ALTER TABLE edge_calls ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    finally:
        conn.close()
    os.chmod(path, 0o600)
    return new


def disposition(code: int, cancelled: bool) -> Disposition:
    """The SIP outcome in pbxd's terms (RFC 3261 §21: 486/600 busy, 603 declined like busy,
    408/480 nobody answered or reachable, 5xx the system could not)."""
    if 200 <= code < 300:
        return Disposition.ANSWERED
    if cancelled or code == 487:
        return Disposition.CANCELLED
    if code in (486, 600, 603):
        return Disposition.BUSY
    if code in (408, 480):
        return Disposition.NO_ANSWER
    if code in (500, 502, 503, 504):
        return Disposition.CONGESTION
    return Disposition.FAILED


def _when(ts: float, tz: tzinfo | None) -> datetime:
    return datetime.fromtimestamp(ts, tz).astimezone(tz)


def to_record(call: EdgeCall, tz: tzinfo | None = None) -> CdrRecord:
    """A pbxd call record for a row (call_id: the row's number; extra says who routed it)."""
    end = max(call.end, call.start)
    answered = 200 <= call.code < 300 and call.answer > 0
    disp = disposition(call.code, call.cancelled)
    side = {"caller": HangupSide.CALLER, "callee": HangupSide.CALLEE}.get(call.hangup, HangupSide.SYSTEM)
    if disp is Disposition.CANCELLED:
        side = HangupSide.CALLER
    inbound, outbound = call.kind == "inbound", call.kind == "outbound"
    direction = Direction.INBOUND if inbound else Direction.OUTBOUND if outbound else Direction.INTERNAL
    return CdrRecord(
        call_id=call.id, direction=direction,
        start=_when(call.start, tz), answer=_when(call.answer, tz) if answered else None, end=_when(end, tz),
        duration_s=round(end - call.start), billable_s=round(end - call.answer) if answered else 0,
        from_number=call.src, from_name=call.src_name, to=call.dst,
        dialled="" if inbound else (call.dialled or call.dst),
        route="inbound" if inbound else call.route, line=f"trunk:{call.line}" if call.line else "",
        disposition=disp, hangup_side=side, answer_source=AnswerSource.OFF_HOOK if answered else None,
        reason="" if answered else f"SIP {call.code}",
        extra={"routed_by": "edge", "sip_call_id": call.sip_call_id})


def read_calls(path: Path, after: int, limit: int = READ_LIMIT) -> list[EdgeCall]:
    """Rows with id > `after`, oldest first (read-only: Kamailio may be writing)."""
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    try:
        rows = conn.execute(
            'SELECT id, sip_call_id, kind, src, src_name, dst, line, start, answer, "end", code, cancelled, hangup,'
            " route, dialled FROM edge_calls WHERE id > ? ORDER BY id LIMIT ?", (after, limit)).fetchall()
    finally:
        conn.close()
    return [EdgeCall(int(r[0]), str(r[1] or ""), str(r[2] or "internal"), str(r[3] or ""), str(r[4] or ""),
                     str(r[5] or ""), str(r[6] or ""), float(r[7] or 0), float(r[8] or 0), float(r[9] or 0),
                     int(r[10] or 0), bool(r[11]), str(r[12] or "system"), str(r[13] or ""), str(r[14] or ""))
            for r in rows]


class Watermark:
    """The last row imported, in a small file beside the database (written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self) -> int:
        try:
            return int(json.loads(self.path.read_text())["last_id"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def set(self, last_id: int) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"last_id": last_id}))
        os.replace(tmp, self.path)


def prune_imported(path: Path, mark: Watermark) -> int:
    """Delete the rows already imported (only while Kamailio is stopped); the number deleted."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(path, timeout=5.0)
    try:
        with conn:
            cur = conn.execute("DELETE FROM edge_calls WHERE id <= ?", (mark.get(),))
        return int(cur.rowcount)
    finally:
        conn.close()


def file_state(path: Path) -> tuple[int, ...]:
    """Modification time and size of the database and its WAL: every commit changes one of them."""
    out: list[int] = []
    for part in (path, path.with_name(path.name + "-wal")):
        try:
            st = part.stat()
        except OSError:
            out += [0, 0]
            continue
        out += [st.st_mtime_ns, st.st_size]
    return tuple(out)


class EdgeCallImporter:
    """A thread that polls the calls file and hands new records to `store` (which must have them
    stored when it returns); the watermark moves only after that. A poll opens the database only
    when the file changed since the last read that found nothing more (and at least every
    `reread_every` polls, in case a write fell inside the file system's timestamp granularity)."""

    def __init__(self, db: Path, mark: Watermark, store: Callable[[Sequence[CdrRecord]], None], *,
                 tz: tzinfo | None = None, interval_s: float = 1.0, reread_every: int = 30) -> None:
        self.db = db
        self.mark = mark
        self.store = store
        self.tz = tz
        self.interval_s = interval_s
        self.reread_every = reread_every
        self.imported = 0
        self.reads = 0               # times the database was opened (for tests and the benchmark)
        self._seen: tuple[int, ...] | None = None
        self._skipped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="edge-calls", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)
        time.sleep(FLUSH_S + 0.1)      # rows Kamailio still holds in its queue reach the file
        self._seen = None
        while self.poll() == READ_LIMIT:   # the calls that ended just before the stop
            pass

    def poll(self) -> int:
        """Import what is new now; the number of records handed over."""
        state = file_state(self.db)
        if state == self._seen and self._skipped < self.reread_every:
            self._skipped += 1
            return 0
        self._skipped = 0
        self.reads += 1
        try:
            calls = read_calls(self.db, self.mark.get())
        except sqlite3.Error as exc:
            log.warning("edge call records not readable: %s", exc)
            return 0
        if not calls:
            self._seen = state
            return 0
        try:
            self.store([to_record(c, self.tz) for c in calls])
        except Exception:
            log.exception("edge call records not stored; trying again")
            return 0
        self.mark.set(calls[-1].id)
        self.imported += len(calls)
        self._seen = state if len(calls) < READ_LIMIT else None
        return len(calls)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.poll()
