"""Call detail records in SQLite, written so a crash or power cut never corrupts the database.

The database runs in WAL mode with `synchronous=FULL`: every committed record is on disk
before `add` returns, and a kill -9 or power cut at any moment leaves a database that opens
cleanly with every finished call in it (SQLite's atomic commit; see sqlite.org/atomiccommit).
Records are written by one writer thread fed through a queue, so the call engine's thread
never waits for the disk; readers (web page, CSV export) open their own connections.
"""

from __future__ import annotations

import csv
import io
import logging
import queue
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("pbxd.cdr")

COLUMNS: tuple[tuple[str, str], ...] = (
    ("call_id", "TEXT NOT NULL"),
    ("start", "TEXT NOT NULL"),          # ISO 8601 wall-clock time, local time zone offset included
    ("answer", "TEXT"),
    ("end", "TEXT NOT NULL"),
    ("duration", "REAL NOT NULL"),       # seconds, start to end
    ("billsec", "REAL NOT NULL"),        # seconds, answer to end
    ("src", "TEXT NOT NULL"),            # calling number
    ("src_name", "TEXT NOT NULL DEFAULT ''"),
    ("dst", "TEXT NOT NULL"),            # dialled / called number
    ("direction", "TEXT NOT NULL"),      # internal, outbound, inbound
    ("route", "TEXT NOT NULL DEFAULT ''"),
    ("line", "TEXT NOT NULL DEFAULT ''"),
    ("disposition", "TEXT NOT NULL"),    # answered, no_answer, busy, failed, congestion, cancelled
    ("hangup_side", "TEXT NOT NULL DEFAULT ''"),
    ("answer_source", "TEXT NOT NULL DEFAULT ''"),
    ("extra", "TEXT NOT NULL DEFAULT ''"),  # JSON for feature data (recording file, group, ...)
)
NAMES = tuple(name for name, _ in COLUMNS)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS cdr (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    {", ".join(f'"{n}" {t}' for n, t in COLUMNS)}
);
CREATE INDEX IF NOT EXISTS cdr_start ON cdr(start);
CREATE INDEX IF NOT EXISTS cdr_src ON cdr(src);
CREATE INDEX IF NOT EXISTS cdr_dst ON cdr(dst);
"""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=5.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(SCHEMA)
    conn.row_factory = sqlite3.Row
    return conn


@dataclass(frozen=True)
class CdrFilter:
    since: str | None = None        # ISO date/time, inclusive
    until: str | None = None        # exclusive
    direction: str | None = None
    extension: str | None = None    # src or dst
    number: str | None = None       # substring of src or dst
    disposition: str | None = None
    limit: int = 1000
    order: str = "start DESC"

    ORDERS = ("start DESC", "start ASC", "duration DESC", "duration ASC", "src ASC", "dst ASC")

    def sql(self) -> tuple[str, list[Any]]:
        where: list[str] = []
        args: list[Any] = []
        if self.since:
            where.append("start >= ?")
            args.append(self.since)
        if self.until:
            where.append("start < ?")
            args.append(self.until)
        for column, value in (("direction", self.direction), ("disposition", self.disposition)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if self.extension:
            where.append("(src = ? OR dst = ?)")
            args += [self.extension, self.extension]
        if self.number:
            where.append("(src LIKE ? OR dst LIKE ?)")
            args += [f"%{self.number}%", f"%{self.number}%"]
        order = self.order if self.order in self.ORDERS else "start DESC"
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return f"SELECT * FROM cdr {clause} ORDER BY {order} LIMIT ?", [*args, int(self.limit)]


class CdrStore:
    """Writer thread + query helpers over one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        connect(path).close()  # create schema in the caller's thread: errors surface at start-up
        self._queue: queue.Queue[Mapping[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._writer, name="pbx-cdr", daemon=True)
        self._thread.start()
        self.written = 0

    def add(self, record: Mapping[str, Any]) -> None:
        unknown = set(record) - set(NAMES)
        if unknown:
            raise ValueError(f"unknown CDR fields: {', '.join(sorted(unknown))}")
        self._queue.put(dict(record))

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every record added so far is committed."""
        done = threading.Event()
        self._queue.put({"__flush__": done})
        done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(5.0)

    def _writer(self) -> None:
        conn = connect(self.path)
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                if "__flush__" in item:
                    item["__flush__"].set()
                    continue
                self._insert(conn, item)
        finally:
            conn.close()

    def _insert(self, conn: sqlite3.Connection, record: Mapping[str, Any]) -> None:
        cols = [n for n in NAMES if n in record]
        names = ", ".join(f'"{c}"' for c in cols)
        sql = f"INSERT INTO cdr ({names}) VALUES ({', '.join('?' for _ in cols)})"
        try:
            with conn:
                conn.execute(sql, [record[c] for c in cols])
            self.written += 1
        except sqlite3.Error:
            log.exception("could not store a call record: %s", dict(record))

    # --- reading ---------------------------------------------------------------------------
    def query(self, flt: CdrFilter | None = None) -> list[dict[str, Any]]:
        sql, args = (flt or CdrFilter()).sql()
        conn = connect(self.path, readonly=True)
        try:
            return [dict(row) for row in conn.execute(sql, args)]
        finally:
            conn.close()

    def csv(self, flt: CdrFilter | None = None) -> str:
        return to_csv(self.query(flt))


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["id", *NAMES], extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


def iter_rows(path: Path) -> Iterator[dict[str, Any]]:
    conn = connect(path, readonly=True)
    try:
        for row in conn.execute("SELECT * FROM cdr ORDER BY id"):
            yield dict(row)
    finally:
        conn.close()
