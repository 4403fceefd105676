"""A QEMU virtual machine of the box for the image tests: serial console as an expect-style stream, user-mode
networking with forwards bound to 127.0.0.1 only, power cut = kill -9 of QEMU.

KVM is used when /dev/kvm opens and a probe VM starts with it, else TCG (software emulation, the usual case
on CI machines here). The disk is a qcow2 overlay on a prepared copy of the image, so every VM starts from
the same state and the image itself is never written.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS.fd")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[@-Z\\-_]|\r")


class VmError(AssertionError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_kvm: bool | None = None


def kvm_usable() -> bool:
    """True when a tiny KVM guest really starts (the device exists on machines where KVM does not work)."""
    global _kvm
    if _kvm is None:
        _kvm = False
        if os.environ.get("PBX_VM_ACCEL") == "tcg" or not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return False
        # run the firmware for a few seconds: on machines where KVM is broken it fails at once in OVMF
        cmd = ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-machine", "q35", "-display", "none",
               "-nodefaults", "-m", "128", "-serial", "stdio",
               "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}"]
        try:
            probe = subprocess.run(cmd, capture_output=True, text=True, timeout=8)
            _kvm = not (probe.returncode or "error" in (probe.stdout + probe.stderr).lower())
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"") + (exc.stderr or b"")
            text = out.decode(errors="replace") if isinstance(out, bytes) else str(out)
            _kvm = "error" not in text.lower() and "failure" not in text.lower()
        except OSError:
            _kvm = False
    return _kvm


def partitions(image: Path) -> dict[str, tuple[int, int]]:
    """name -> (offset bytes, size bytes) from the image's partition table."""
    table = json.loads(subprocess.run(["sfdisk", "-J", str(image)], check=True, capture_output=True,
                                      text=True).stdout)["partitiontable"]
    sector = int(table.get("sectorsize", 512))
    return {p.get("name", p["node"]): (int(p["start"]) * sector, int(p["size"]) * sector)
            for p in table["partitions"]}


def debugfs(image: Path, offset: int, *commands: str) -> str:
    """Edit an ext4 file system inside a disk image file (no loop device): debugfs -w 'file?offset=N'."""
    script = "\n".join(commands) + "\n"
    result = subprocess.run(["debugfs", "-w", "-f", "-", f"{image}?offset={offset}"], input=script,
                            capture_output=True, text=True, check=True)
    return result.stdout + result.stderr


class Vm:
    def __init__(self, disk: Path, workdir: Path, *, memory_mb: int = 1536, extra_drives: Sequence[Path] = (),
                 name: str = "vm") -> None:
        self.disk = disk
        self.workdir = workdir
        self.memory_mb = memory_mb
        self.extra_drives = list(extra_drives)
        self.name = name
        self.http_port = free_port()
        self.https_port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.output = ""
        self._pos = 0
        self._lock = threading.Lock()
        self.log = workdir / f"{name}-console.log"
        self.boots = 0

    # --- lifecycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        vars_fd = self.workdir / f"{self.name}-OVMF_VARS.fd"
        if not vars_fd.exists():
            shutil.copy(OVMF_VARS, vars_fd)
        accel = ["-accel", "kvm", "-cpu", "host"] if kvm_usable() else ["-accel", "tcg,thread=multi", "-cpu", "max"]
        cmd = ["qemu-system-x86_64", "-machine", "q35", *accel, "-smp", "2", "-m", str(self.memory_mb),
               "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
               "-drive", f"if=pflash,format=raw,file={vars_fd}",
               "-drive", f"file={self.disk},if=virtio,format=qcow2,cache=unsafe",
               "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{self.http_port}-:80,"
                          f"hostfwd=tcp:127.0.0.1:{self.https_port}-:443",
               "-device", "virtio-net-pci,netdev=n0", "-device", "i6300esb", "-watchdog-action", "reset",
               "-device", "virtio-rng-pci",
               "-display", "none", "-monitor", "none", "-serial", "stdio"]
        for extra in self.extra_drives:
            cmd += ["-drive", f"file={extra},if=virtio,format=raw,readonly=on"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.boots += 1
        threading.Thread(target=self._reader, args=(self.proc,), daemon=True).start()

    def _reader(self, proc: subprocess.Popen[bytes]) -> None:
        """Console bytes -> text without terminal escapes. Reads end anywhere, also inside a UTF-8 character
        or an escape sequence (systemd's status lines are full of them): both are carried to the next read."""
        assert proc.stdout is not None
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pending = ""
        with open(self.log, "ab") as log:
            while True:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                log.write(chunk)
                log.flush()
                text = pending + decoder.decode(chunk)
                cut = text.rfind("\x1b")
                if cut != -1 and len(text) - cut < 32 and not ANSI.match(text, cut):
                    text, pending = text[:cut], text[cut:]
                else:
                    pending = ""
                with self._lock:
                    self.output += ANSI.sub("", text)

    def kill(self) -> None:
        """Power cut: QEMU is killed at once, nothing is flushed by the guest."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        self.kill()

    # --- console --------------------------------------------------------------------------------------------
    def mark(self) -> int:
        with self._lock:
            self._pos = len(self.output)
            return self._pos

    def expect(self, pattern: str, timeout: float, *, since: int | None = None) -> re.Match[str]:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        start = self._pos if since is None else since
        while True:
            with self._lock:
                m = rx.search(self.output, start)
            if m:
                with self._lock:
                    self._pos = m.end()
                return m
            if (self.proc is None or self.proc.poll() is not None) and not self._wait_more(0.5):
                raise VmError(f"VM exited while waiting for {pattern!r}; console tail:\n{self.output[-3000:]}")
            if time.monotonic() > deadline:
                raise VmError(f"no {pattern!r} within {timeout:.0f} s; console tail:\n{self.output[-3000:]}")
            time.sleep(0.2)

    def _wait_more(self, seconds: float) -> bool:
        before = len(self.output)
        time.sleep(seconds)
        return len(self.output) != before

    def send(self, text: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def sh(self, command: str, timeout: float = 60) -> tuple[int, str]:
        """Run a shell command on the logged-in serial console; (exit status, output)."""
        token = f"@@{time.monotonic_ns()}@@"
        start = self.mark()
        self.send(f"{command}; echo \"{token[:2]}\"\"{token[2:]}$?\"\n")
        m = self.expect(re.escape(token) + r"(\d+)", timeout)
        with self._lock:
            body = self.output[start:m.start()]
        # the console does not echo (stty -echo): the output is what the command printed, after the prompt
        lines = [line for line in body.split("\n") if '"@@""' not in line]
        while lines and lines[0].strip() in ("", "#"):
            lines.pop(0)
        while lines and lines[0].startswith("# "):
            lines[0] = lines[0][2:]
        return int(m.group(1)), "\n".join(lines).strip()

    def ok(self, command: str, timeout: float = 60) -> str:
        status, out = self.sh(command, timeout)
        if status != 0:
            raise VmError(f"`{command}` exited {status}:\n{out}")
        return out

    def login_prompt(self, timeout: float = 300) -> None:
        self.expect(r"pbx login:", timeout)

    def wait_root_shell(self, timeout: float = 300) -> None:
        """With the service-mode autologin flag on the data partition: the root shell prompt."""
        self.expect(r"root@pbx:~# ", timeout)
        self.send("stty -echo cols 250; export PS1='# ' TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0\n")
        self.sh("true", 60)           # the settings are in force once this round trip is done
