"""baresip as an IP phone for the tests: its own config directory (account registering to the box,
audio from a WAV tone, received audio dumped to WAV by the sndfile filter), driven over ctrl_tcp
(netstring JSON commands: dial, accept, hangup; events: REGISTER_OK, CALL_INCOMING, ...).
`codecs` takes baresip's own codec names: "PCMA,PCMU", or "G722/16000/1" for G.722 (baresip 1.0
does not find "G722" alone and falls back to G.711)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from firmware.dsp.levels import tone
from tests.sip.net import free_port, wait_until

MODULES = "/usr/lib/baresip/modules"


def write_tone_wav(path: Path, freq: float, level_dbm0: float = -10.0, seconds: float = 60.0) -> Path:
    samples = np.tile(tone(freq, level_dbm0, 8000), int(seconds))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(samples.astype("<i2").tobytes())
    return path


class Baresip:
    def __init__(self, root: Path, ip: str, *, user: str, password: str, registrar: str, domain: str,
                 tone_hz: float = 900.0, codecs: str = "PCMA,PCMU", transport: str = "udp",
                 extra_config: tuple[str, ...] = (), account_params: str = "") -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.ip = ip
        self.sip_port = free_port(ip)
        self.ctrl_port = free_port(ip)
        self.dumps = root / "dumps"
        self.dumps.mkdir(exist_ok=True)
        wav = write_tone_wav(root / "tone.wav", tone_hz)
        rtp = free_port(ip, tcp=False)
        (root / "config").write_text("\n".join([
            "poll_method epoll", f"net_interface {ip}", f"sip_listen {ip}:{self.sip_port}",
            f"sip_transports {transport}",
            "call_local_timeout 120", "call_max_calls 4",
            "audio_player alsa,null", f"audio_source aufile,{wav}", "audio_alert alsa,null",
            "ausrc_srate 8000", "auplay_srate 8000", "ausrc_channels 1", "auplay_channels 1",
            f"rtp_ports {rtp}-{rtp + 40}", "rtcp_mux no", "jitter_buffer_delay 1-10",
            f"module_path {MODULES}", "module g711.so", "module g722.so", "module aufile.so", "module alsa.so",
            "module sndfile.so",
            "module_app account.so", "module_app menu.so", "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen {ip}:{self.ctrl_port}", f"snd_path {self.dumps}", *extra_config, "",
        ]))
        (root / "accounts").write_text(
            f'<sip:{user}@{domain}>;auth_pass={password};outbound="sip:{registrar};lr";regint=60;'
            f"audio_codecs={codecs};answermode=manual{account_params}\n")
        (root / "contacts").write_text("")
        self.log_path = root / "baresip.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(["baresip", "-f", str(root)], stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.events: list[dict[str, Any]] = []
        self._sock: socket.socket | None = None
        self._buf = b""
        self._lock = threading.Lock()
        wait_until(self._connect, 15, 0.2, "baresip's ctrl_tcp did not come up")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _connect(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"baresip exited: {self.log()[-2000:]}")
        try:
            self._sock = socket.create_connection((self.ip, self.ctrl_port), timeout=1)
        except OSError:
            return False
        self._sock.settimeout(0.2)
        return True

    def _read(self) -> None:
        assert self._sock is not None
        while self.proc.poll() is None:
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            self._buf += chunk
            while b":" in self._buf:
                length, _, rest = self._buf.partition(b":")
                if not length.isdigit() or len(rest) < int(length) + 1:
                    break
                body, self._buf = rest[:int(length)], rest[int(length) + 1:]
                try:
                    msg = json.loads(body)
                except ValueError:
                    continue
                with self._lock:
                    self.events.append(msg)

    def command(self, command: str, params: str = "") -> None:
        body = json.dumps({"command": command, "params": params, "token": str(time.monotonic())}).encode()
        assert self._sock is not None
        self._sock.sendall(str(len(body)).encode() + b":" + body + b",")

    def event_types(self) -> list[str]:
        with self._lock:
            return [str(e.get("type")) for e in self.events if e.get("event")]

    def wait_event(self, kind: str, timeout: float = 15.0) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            with self._lock:
                return next((e for e in self.events if e.get("event") and e.get("type") == kind), None)
        found = wait_until(find, timeout, 0.1, f"baresip: no {kind} (got {self.event_types()})")
        assert found is not None
        return found

    def received_audio(self) -> np.ndarray:
        """What the phone decoded (the sndfile filter's *-dec.wav), newest call."""
        files = sorted(self.dumps.glob("*dec*.wav"), key=os.path.getmtime)
        if not files:
            return np.zeros(0, dtype=np.int16)
        with wave.open(str(files[-1])) as w:
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            if w.getnchannels() > 1:
                data = data[::w.getnchannels()]
            return data.astype(np.int16)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self._sock is not None:
            self._sock.close()
        self._log.close()
