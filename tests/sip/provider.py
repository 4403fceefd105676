"""A SIP provider for the tests: a second Kamailio (registrar with digest auth for the box's trunk
account, proxy to a far end), its own config rendered from provider.cfg on its own 127.0.x.y."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from firmware.edge.db import schema_sql
from firmware.edge.process import KamailioProcess, check_config
from firmware.edge.rpc import KamailioRpc
from tests.sip.net import free_port

TEMPLATE = Path(__file__).with_name("provider.cfg")


class Provider:
    def __init__(self, root: Path, ip: str, *, far_ip: str, far_port: int, far2: str = "", account: str = "box",
                 password: str = "provider-secret", realm: str = "provider.test", port: int | None = None) -> None:
        self.root = root
        self.ip = ip
        self.port = port or free_port(ip)
        self.account, self.password, self.realm = account, password, realm
        root.mkdir(parents=True, exist_ok=True)
        db = root / "provider.sqlite"
        if not db.exists():
            conn = sqlite3.connect(db)
            for name in ("standard", "auth_db"):
                conn.executescript(schema_sql(name))
            conn.execute("INSERT INTO subscriber (username, domain, password) VALUES (?, ?, ?)",
                         (account, realm, password))
            conn.commit()
            conn.close()
        run = Path("/tmp") / f"pbx-prov-{abs(hash(str(root))) % 10**10}"
        run.mkdir(exist_ok=True)
        rpc_path = run / "rpc.sock"
        text = TEMPLATE.read_text()
        for key, value in {"IP": ip, "PORT": str(self.port), "DOMAIN": realm, "REALM": realm, "DB": str(db),
                           "RPC": str(rpc_path), "FAR_IP": far_ip, "FAR_URI": f"sip:{far_ip}:{far_port}",
                           "ACCOUNT": account, "FAR2_URI": f"sip:{far2 or f'{far_ip}:{far_port}'}"}.items():
            text = text.replace(f"@@{key}@@", value)
        cfg = root / "provider.kamailio.cfg"
        cfg.write_text(text)
        check_config("/usr/sbin/kamailio", cfg)
        self.rpc = KamailioRpc(rpc_path)
        self.process = KamailioProcess("/usr/sbin/kamailio", cfg, run, self.rpc, shm_mb=32, name="provider")

    @property
    def hostport(self) -> str:
        return f"{self.ip}:{self.port}"

    def start(self) -> None:
        self.process.start()

    def stop(self) -> None:
        self.process.stop()

    def registered(self) -> list[str]:
        """Contacts registered for the box's account."""
        dump = self.rpc.call("ul.dump") or {}
        out = []
        for domain in dump.get("Domains", []):
            for record in domain.get("Domain", {}).get("AoRs", []):
                for c in record.get("Info", {}).get("Contacts", []):
                    out.append(str(c.get("Contact", {}).get("Address", "")))
        return out
