"""pbxd as a user starts it: bad config refused with key path and line, READY only when ports are up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PBXD = [sys.executable, "-m", "firmware"]


def run_pbxd(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PBXD, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_bad_config_exits_non_zero_naming_key_and_line_and_starts_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "pbx.yaml"
    cfg.write_text(textwrap.dedent("""\
        country: DE
        fxs:
          - port: 1
            ring_mod: boost
        """))
    state = tmp_path / "state"
    result = run_pbxd("--config", str(cfg), "--state-dir", str(state))
    assert result.returncode == 2
    assert f"{cfg}: fxs[0].ring_mod (line 4): unknown key 'ring_mod' (did you mean 'ring_mode'?)" in result.stderr
    assert "nothing was started" in result.stderr
    assert not state.exists()  # not even the state directory was created


def test_check_accepts_a_good_file(tmp_path: Path) -> None:
    cfg = tmp_path / "pbx.yaml"
    cfg.write_text("country: PL\nfxs:\n  - {port: 2, ring_mode: boost}\n")
    result = run_pbxd("--config", str(cfg), "--check")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_explain_lists_keys_with_their_meaning() -> None:
    result = run_pbxd("--explain")
    assert result.returncode == 0
    assert "board.daisy_chain: ProSLICs share one chip select" in result.stdout
    assert "country: ISO country code" in result.stdout


def test_starts_on_the_virtual_board_without_config_and_notifies_ready(tmp_path: Path) -> None:
    sock_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    sock.settimeout(60)
    proc = subprocess.Popen([*PBXD, "--state-dir", str(tmp_path / "state"), "--http", "127.0.0.1:0"],
                            cwd=ROOT, env={**os.environ, "NOTIFY_SOCKET": str(sock_path)},
                            stderr=subprocess.PIPE, text=True)
    try:
        messages = []
        while not any(m.startswith("READY=1") for m in messages):
            messages.append(sock.recv(4096).decode())
        status = next(m for m in [*messages, sock.recv(4096).decode()] if m.startswith("STATUS="))
        assert status == "STATUS=6/6 ports up"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        sock.close()
    assert proc.returncode == 0, err
    assert "6 of 6 ports up" in err
