"""The virtual appliance boots like a freshly flashed box: first boot, console banner with the generated admin
password, web page over the forwarded ports (127.0.0.1 only), pbxd READY, the password works once and must
be changed, a call between two virtual handsets driven with pbxctl over the serial console."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.image.conftest import overlay
from tests.image.vm import Vm, kvm_usable

pytestmark = [pytest.mark.image, pytest.mark.slow, pytest.mark.timeout(1500)]


class Browser:
    """Just enough of a browser for the login flow: cookies, redirects, self-signed certificate."""

    def __init__(self, vm: Vm) -> None:
        self.base = f"https://127.0.0.1:{vm.https_port}"
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                                  urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode()
        return self._open(urllib.request.Request(self.base + path, data=data))

    def _open(self, req: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.geturl(), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode("utf-8", "replace")

    @staticmethod
    def csrf(html: str) -> str:
        m = re.search(r'name="csrf" value="([^"]+)"', html)
        assert m, "no CSRF field in the page"
        return m.group(1)

    def login(self, user: str, password: str) -> tuple[int, str, str]:
        _, _, page = self.get("/login")
        return self.post("/login", {"user": user, "password": password, "csrf": self.csrf(page)})


@pytest.fixture(scope="module")
def box(service_disk: Path, workdir: Path, image_dir: Path) -> Iterator[Vm]:
    """The flashed image's first boot; records VM start -> pbxd READY (systemd's "Started pbxd.service" on
    the serial console) and -> login prompt in image/build/timings.json (tools/bench_image.py)."""
    disk = overlay(service_disk, workdir / "boot.qcow2")
    vm = Vm(disk, workdir, name="boot")
    started = time.monotonic()
    vm.start()
    try:
        vm.expect(r"Started pbxd\.service", 900, since=0)
        ready = time.monotonic() - started
        vm.expect(r"pbx login:", 300, since=0)
        login = time.monotonic() - started
        vm.wait_root_shell(60)
        record_timings(image_dir, {"first boot: VM start to pbxd READY": round(ready),
                                   "first boot: VM start to login prompt": round(login)}, vm)
        yield vm
    finally:
        vm.kill()


def record_timings(image_dir: Path, values: dict[str, float], vm: Vm) -> None:
    """Merge measurements into image/build/timings.json (with the accelerator and the image they were made on)."""
    path = image_dir.parent / "timings.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    build = json.loads((image_dir / "build.json").read_text())
    data.update(values)
    data.update({"accel": "kvm" if kvm_usable() else "tcg (software emulation)", "image": build["release"],
                 "measured": time.strftime("%Y-%m-%d %H:%M"), "host load (1 min)": round(os.getloadavg()[0], 1)})
    path.write_text(json.dumps(data, indent=1) + "\n")


def test_console_shows_the_first_boot_password_before_the_login_prompt(box: Vm) -> None:
    text = box.output
    m = re.search(r"first-boot admin password: user admin, password ([A-Za-z0-9]{12})", text)
    assert m, text[-3000:]
    assert m.start() < text.index("pbx login:")
    box.password = m.group(1)                                # type: ignore[attr-defined]
    assert box.ok("cat /var/lib/pbx/first-boot-password") == m.group(1)


def test_pbxd_is_ready_under_systemd(box: Vm) -> None:
    assert box.ok("systemctl is-active pbxd.service") == "active"
    status = box.ok("systemctl show -p StatusText --value pbxd.service")
    assert re.search(r"\d+/\d+ ports up", status), status
    shown = box.ok("systemctl show -p Type,WatchdogUSec,Restart pbxd.service").split()
    for expected in ("Type=notify", "Restart=on-failure", "WatchdogUSec=1min"):   # the console may add lines
        assert expected in shown, shown


def test_web_page_answers_on_the_forwarded_ports(box: Vm) -> None:
    req = urllib.request.Request(f"http://127.0.0.1:{box.http_port}/login")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kw: object) -> None:
            return None
    try:
        urllib.request.build_opener(NoRedirect).open(req, timeout=30)
        raise AssertionError("plain HTTP should redirect to HTTPS")
    except urllib.error.HTTPError as e:
        assert e.code == 301 and e.headers["Location"].startswith("https://127.0.0.1")
    status, _, page = Browser(box).get("/login")
    assert status == 200 and 'name="password"' in page


def test_first_boot_password_works_once_and_must_be_changed(box: Vm) -> None:
    password = box.password                                  # type: ignore[attr-defined]
    browser = Browser(box)
    status, url, page = browser.login("admin", password)
    assert status == 200 and url.endswith("/password"), (status, url)
    new = "Correct-Horse-42"
    status, url, _ = browser.post("/password", {"new": new, "again": new, "csrf": browser.csrf(page)})
    assert status == 200 and not url.endswith("/password")
    status, url, _ = Browser(box).login("admin", password)
    assert status == 401, "the first-boot password must not work after the change"
    status, url, _ = Browser(box).login("admin", new)
    assert status == 200 and not url.endswith("/password")
    box.ok("systemctl restart pbx-console-password.service", 150)
    assert "first-boot admin password" not in box.ok("cat /run/issue.d/50-pbx.issue")


def test_call_between_two_virtual_handsets(box: Vm) -> None:
    box.ok("pbxctl off-hook 1")
    box.ok("pbxctl dial 1 202")
    deadline = time.monotonic() + 60
    while "ringing" not in box.ok("pbxctl status").lower() and time.monotonic() < deadline:
        time.sleep(1)
    box.ok("pbxctl off-hook 2")
    status = ""
    while time.monotonic() < deadline:
        status = box.ok("pbxctl status")
        if re.search(r"call \d+: 201 -> 202 \w+", status):
            break
        time.sleep(1)
    assert re.search(r"call \d+: 201 -> 202 ", status), status
    time.sleep(2)
    box.ok("pbxctl hang-up 1")
    box.ok("pbxctl hang-up 2")
    deadline = time.monotonic() + 30
    calls = ""
    while time.monotonic() < deadline:
        calls = box.ok("pbxctl calls")
        if '"202"' in calls:
            break
        time.sleep(1)
    assert '"201"' in calls and '"202"' in calls, calls


def test_first_boot_grew_the_data_partition_and_made_host_keys(box: Vm) -> None:
    size = int(box.ok("lsblk -bno SIZE /dev/disk/by-partlabel/data"))
    assert size > 2.5 * 1024**3, "the data partition (192 MiB in the image) grows to the end of the 6 GiB disk"
    fs = int(box.ok("df -B1 --output=size /var/lib/pbx | tail -1"))
    assert fs > 2.4 * 1024**3
    keys = box.ok("ls /var/lib/pbx/.system/ssh/").split()
    assert "ssh_host_ed25519_key" in keys and "ssh_host_ecdsa_key" in keys
    assert box.ok("ls /etc/ssh/ | grep -c ssh_host_ || true") == "0"
    assert box.ok("ls /var/lib/pbx/web-cert.pem /var/lib/pbx/web-key.pem | wc -l") == "2"


def test_root_is_read_only_and_state_on_the_data_partition(box: Vm) -> None:
    assert "ro" in box.ok("findmnt -no OPTIONS /").split(",")
    status, _ = box.sh("touch /usr/x")
    assert status != 0
    assert box.ok("findmnt -no SOURCE /var/lib/pbx").endswith("4")
    assert box.ok("readlink /etc/pbx/pbx.yaml") == "/var/lib/pbx/pbx.yaml"
    assert box.ok("systemctl is-active systemd-timesyncd.service systemd-journald.service").split() == [
        "active", "active"]
    assert "SystemMaxUse=64M" in box.ok("cat /etc/systemd/journald.conf.d/pbx.conf")
    assert box.ok("findmnt -no TARGET /var/log") == "/var/log"


def test_ssh_is_off_until_switched_on(box: Vm) -> None:
    assert box.sh("systemctl is-active ssh.service")[1] != "active"
    box.ok("touch /var/lib/pbx/.system/switch/ssh")
    deadline = time.monotonic() + 180
    while box.sh("systemctl is-active ssh.service")[1] != "active" and time.monotonic() < deadline:
        time.sleep(1)
    assert box.sh("systemctl is-active ssh.service")[1] == "active"
    assert box.ok("ls /var/lib/pbx/.system/ssh/ | grep -c '^ssh_host_rsa_key$'") == "1"   # made when first on
    box.ok("rm /var/lib/pbx/.system/switch/ssh")
    deadline = time.monotonic() + 30
    while box.sh("systemctl is-active ssh.service")[1] == "active" and time.monotonic() < deadline:
        time.sleep(1)
    assert box.sh("systemctl is-active ssh.service")[1] != "active"
