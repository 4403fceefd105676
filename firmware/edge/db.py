"""The SQLite databases shared with Kamailio: subscribers (RFC 3261 §22 digest credentials as HA1,
RFC 2617 §3.2.2.2) and trunk registrations (Kamailio uac `uacreg`), written by pbxd; and
Kamailio's own state tables (presence, RFC 3856/3265), created here from Kamailio's schema.

Table layouts come from the installed Kamailio's `db_sqlite/*-create.sql`, so the versions in
the `version` table always match the modules that read them. The subscriber table gets extra
columns that Kamailio loads at authentication (`auth_db` load_credentials): devices allowed,
permission class, presented number, privacy and name. Both files use WAL journaling, so
Kamailio reads while pbxd replaces rows in one transaction.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from firmware.contracts.errors import SipError

SCHEMA_DIR = Path("/usr/share/kamailio/db_sqlite")
SUBSCRIBER_SCHEMAS = ("standard", "auth_db", "uac")
STATE_SCHEMAS = ("standard", "presence", "usrloc")
EXTRA_COLUMNS = (("max_devices", "INTEGER DEFAULT 1 NOT NULL"), ("permission", "INTEGER DEFAULT 2 NOT NULL"),
                 ("caller_id", "VARCHAR(32) DEFAULT '' NOT NULL"), ("privacy", "INTEGER DEFAULT 0 NOT NULL"),
                 ("display_name", "VARCHAR(64) DEFAULT '' NOT NULL"))


def ha1(user: str, realm: str, password: str) -> str:
    """RFC 2617 §3.2.2.2 HA1 = MD5(user ":" realm ":" password) (what the digest is checked against)."""
    return hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()


@dataclass(frozen=True)
class Subscriber:
    number: str
    password: str
    devices: int = 1
    permission: int = 2          # firmware.pbx Permission value (0 internal .. 3 international)
    caller_id: str = ""
    privacy: bool = False
    name: str = ""


@dataclass(frozen=True)
class TrunkRegistration:
    token: str                   # l_uuid: user part of the contact we register (unguessable)
    trunk: str
    local_domain: str
    username: str
    domain: str
    realm: str
    auth_username: str
    password: str
    proxy: str                   # sip: URI REGISTER is sent to
    expires: int
    socket: str = ""


def schema_sql(name: str, schema_dir: Path = SCHEMA_DIR) -> str:
    path = schema_dir / f"{name}-create.sql"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SipError(f"Kamailio's SQLite schema {path} is missing (package kamailio-sqlite-modules)") from exc


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def _create(conn: sqlite3.Connection, names: Iterable[str], schema_dir: Path) -> None:
    have = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "version" in have:
        return
    with conn:
        for name in names:
            conn.executescript(schema_sql(name, schema_dir))


class SubscriberDb:
    """pbxd's side of the subscriber database: replace extensions and trunk registrations."""

    def __init__(self, path: Path, *, schema_dir: Path = SCHEMA_DIR) -> None:
        self.path = path
        conn = _connect(path)
        try:
            _create(conn, SUBSCRIBER_SCHEMAS, schema_dir)
            cols = {row[1] for row in conn.execute("PRAGMA table_info(subscriber)")}
            with conn:
                for name, decl in EXTRA_COLUMNS:
                    if name not in cols:
                        conn.execute(f"ALTER TABLE subscriber ADD COLUMN {name} {decl}")
        finally:
            conn.close()

    def write(self, realm: str, domain: str, subscribers: Sequence[Subscriber],
              trunks: Sequence[TrunkRegistration]) -> None:
        """Replace every row (one transaction: Kamailio sees the old or the new set)."""
        conn = _connect(self.path)
        try:
            with conn:
                conn.execute("DELETE FROM subscriber")
                conn.executemany(
                    "INSERT INTO subscriber (username, domain, password, ha1, ha1b, max_devices, permission,"
                    " caller_id, privacy, display_name) VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?)",
                    [(s.number, domain, ha1(s.number, realm, s.password),
                      ha1(f"{s.number}@{domain}", realm, s.password),
                      s.devices, s.permission, s.caller_id, int(s.privacy), s.name) for s in subscribers])
                conn.execute("DELETE FROM uacreg")
                conn.executemany(
                    "INSERT INTO uacreg (l_uuid, l_username, l_domain, r_username, r_domain, realm, auth_username,"
                    " auth_password, auth_ha1, auth_proxy, expires, flags, reg_delay, contact_addr, socket)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, 0, 0, '', ?)",
                    [(t.token, t.trunk, t.local_domain, t.username, t.domain, t.realm, t.auth_username, t.password,
                      t.proxy, t.expires, t.socket) for t in trunks])
        finally:
            conn.close()

    def subscribers(self) -> list[tuple[str, int]]:
        """(number, devices) of every subscriber (for status and tests)."""
        conn = _connect(self.path)
        try:
            return [(str(u), int(d)) for u, d in conn.execute(
                "SELECT username, max_devices FROM subscriber ORDER BY username")]
        finally:
            conn.close()


def create_state_db(path: Path, *, schema_dir: Path = SCHEMA_DIR) -> None:
    """Kamailio's own tables (presence, location) in a separate file Kamailio writes."""
    conn = _connect(path)
    try:
        _create(conn, STATE_SCHEMAS, schema_dir)
    finally:
        conn.close()
