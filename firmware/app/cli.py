"""pbxctl: drive a running pbxd's virtual handsets and lines from the shell (control socket).

    pbxctl status                      ports and live calls
    pbxctl off-hook 1                  lift handset 1
    pbxctl dial 1 201                  key 201 on handset 1 (DTMF); --pulse for a rotary dial
    pbxctl flash 1 [ms]                hook flash
    pbxctl hang-up 2                   put handset 2 down (also: on-hook)
    pbxctl show 1                      what handset 1 shows and hears
    pbxctl ring-line 1 from 4930123456 [name "Anna"] [private]   incoming PSTN call on line 1
    pbxctl line-hangup 1               the far party on line 1 hangs up
    pbxctl calibrate-line 1 [number 0301234567] [incoming 120]
                                       measure line 1 by a test call and/or an incoming call
    pbxctl calibration 1               the result (with its evidence) of line 1's calibration
    pbxctl calls                       the latest call records
    pbxctl phonebook-import FILE [--merge]
                                       phone book from a CSV file (number,name per row; all rows or none)
    pbxctl phonebook-export [FILE]     the phone book as CSV (to FILE, else to standard output)
    pbxctl backup FILE [--recordings]  configuration, prompts, voicemail, call records as one file
    pbxctl restore FILE                put a backup (of this or an earlier version) back; restart pbxd after
Line numbers may be FXO port numbers (5, 6) or the line's position (1 = first FXO port).
"""

from __future__ import annotations

import argparse
import base64
import json
import socket
import sys
from pathlib import Path
from typing import Any


class ControlError(Exception):
    pass


def request(path: Path, req: dict[str, Any]) -> Any:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(str(path))
            sock.sendall(json.dumps(req).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        raise ControlError(f"cannot reach pbxd at {path} ({exc.strerror or exc}); is it running?") from exc
    reply = json.loads(data or b"{}")
    if not reply.get("ok"):
        raise ControlError(reply.get("error", "no answer"))
    return reply["result"]


def line_port(path: Path, n: int) -> int:
    ports = request(path, {"op": "status"})["ports"]
    fxo = [p["port"] for p in ports if p["kind"] == "fxo"]
    if n in fxo:
        return n
    if 1 <= n <= len(fxo):
        return int(fxo[n - 1])
    raise ControlError(f"no line {n}; FXO ports are {', '.join(map(str, fxo)) or 'none'}")


def render_status(status: dict[str, Any]) -> str:
    lines = ["port  kind  ext   status     detail"]
    for p in status["ports"]:
        detail = p.get("alarm") or p.get("digits") or ""
        lines.append(f"{p['port']:>4}  {p['kind']:<4}  {p.get('extension') or '-':<5} {p['status']:<10} {detail}")
    for c in status["calls"]:
        lines.append(f"call {c['call_id']}: {c['from_number']} -> {c['to']} {c['state']} "
                     f"{c['duration_s']:.0f}s ({', '.join(c['parties'])})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="pbxctl", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--socket", type=Path, default=Path("var/pbxd.sock"))
    p.add_argument("--json", action="store_true", help="print raw JSON")
    p.add_argument("command")
    p.add_argument("args", nargs="*")
    p.add_argument("--pulse", action="store_true", help="dial with the rotary dial")
    p.add_argument("--state-dir", type=Path, default=None,
                   help="pbxd's state directory for backup/restore (default: the socket's directory)")
    p.add_argument("--recordings", action="store_true", help="backup: include call recordings")
    p.add_argument("--merge", action="store_true", help="phonebook-import: keep the current entries")
    a = p.parse_intermixed_args(argv)       # (options anywhere: "phonebook-import --merge FILE")
    cmd, args, path = a.command, a.args, a.socket
    if cmd in ("backup", "restore"):
        return backup_command(cmd, args, a.state_dir or path.parent, recordings=a.recordings)
    if cmd in ("phonebook-import", "phonebook-export"):
        return phonebook_command(path, cmd, args, merge=a.merge)
    try:
        result = run(path, cmd, args, pulse=a.pulse)
    except ControlError as exc:
        print(f"pbxctl: {exc}", file=sys.stderr)
        return 1
    except (IndexError, ValueError):
        print(f"pbxctl: bad arguments for {cmd!r}; see pbxctl --help", file=sys.stderr)
        return 2
    if a.json or not isinstance(result, dict) or "ports" not in result:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(render_status(result))
    return 0


def run(path: Path, cmd: str, args: list[str], *, pulse: bool = False) -> Any:
    handset_ops = {"off-hook": "off-hook", "on-hook": "on-hook", "hang-up": "on-hook", "flash": "flash"}
    if cmd == "status":
        return request(path, {"op": "status"})
    if cmd in handset_ops:
        return request(path, {"op": "handset", "port": int(args[0]), "action": handset_ops[cmd],
                              "arg": args[1] if len(args) > 1 else ""})
    if cmd in ("dial", "press"):
        action = "dial" if pulse else "press"
        return request(path, {"op": "handset", "port": int(args[0]), "action": action, "arg": args[1]})
    if cmd == "show":
        return request(path, {"op": "show", "port": int(args[0])})
    if cmd == "ring-line":
        port = line_port(path, int(args[0]))
        opts = dict(zip(args[1::2], args[2::2]))
        return request(path, {"op": "ring-line", "port": port, "number": opts.get("from", ""),
                              "name": opts.get("name", ""), "private": "private" in args[1:]})
    if cmd == "line-hangup":
        return request(path, {"op": "line-hangup", "port": line_port(path, int(args[0]))})
    if cmd == "calibrate-line":
        opts = dict(zip(args[1::2], args[2::2]))
        return request(path, {"op": "calibrate-line", "port": line_port(path, int(args[0])),
                              "number": opts.get("number", ""), "incoming_wait_s": float(opts.get("incoming", 0))})
    if cmd == "calibration":
        return request(path, {"op": "calibration", "port": line_port(path, int(args[0]))})
    if cmd == "calls":
        return request(path, {"op": "calls"})
    raise ControlError(f"unknown command {cmd!r}; see pbxctl --help")


def phonebook_command(path: Path, cmd: str, args: list[str], *, merge: bool) -> int:
    """`pbxctl phonebook-import FILE [--merge]` / `pbxctl phonebook-export [FILE]` through the control socket."""
    try:
        if cmd == "phonebook-import":
            if len(args) != 1:
                print("pbxctl: phonebook-import needs one FILE", file=sys.stderr)
                return 2
            data = base64.b64encode(Path(args[0]).read_bytes()).decode()
            result = request(path, {"op": cmd, "data": data, "merge": merge})
            print(f"{args[0]}: {result['imported']} rows imported, the phone book holds {result['entries']} entries"
                  + (f" ({result['skipped']} repeated rows skipped)" if result.get("skipped") else ""))
            return 0
        text = request(path, {"op": cmd})
        if args:
            Path(args[0]).write_text(text, encoding="utf-8", newline="")
        else:
            sys.stdout.write(text)
        return 0
    except ControlError as exc:
        print(f"pbxctl: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"pbxctl: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def backup_command(cmd: str, args: list[str], state_dir: Path, *, recordings: bool) -> int:
    """`pbxctl backup FILE` / `pbxctl restore FILE` on the state directory (firmware.app.backup)."""
    from firmware.app.backup import BackupError, create_backup, restore_backup

    if len(args) != 1:
        print(f"pbxctl: {cmd} needs one FILE", file=sys.stderr)
        return 2
    try:
        if cmd == "backup":
            manifest = create_backup(state_dir, Path(args[0]), recordings=recordings)
            print(f"{args[0]}: {len(manifest['files'])} files, config schema {manifest['config_schema_version']}")
        else:
            report = restore_backup(state_dir, Path(args[0]))
            print(json.dumps(report.as_dict(), indent=2))
            print("restart pbxd to use the restored data (systemctl restart pbxd)", file=sys.stderr)
    except (BackupError, OSError) as exc:
        print(f"pbxctl: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
