"""Fixtures for the web page tests: a real pbxd Daemon on the virtual board (no fakes), its WSGI app
driven in-process with WebTest, and logged-in clients per role."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from webtest import TestApp

from firmware.app.daemon import Daemon
from firmware.config.model import Config

ADMIN_PASSWORD = "Adm1n-pass-for-tests"
USER_PASSWORD = "Us3r-pass-for-tests"


@dataclass
class Box:
    daemon: Daemon
    state: Path
    first_password: str

    @property
    def app(self) -> Any:
        return self.daemon.web.app

    @property
    def ctx(self) -> Any:
        """The web page's context (sessions, login guard, setup state)."""
        return self.app.config["pbx.web"]

    def client(self, address: str = "127.0.0.2") -> TestApp:
        return TestApp(self.app, extra_environ={"REMOTE_ADDR": address, "HTTP_HOST": "localhost:80"})

    def login(self, user: str, password: str, address: str = "127.0.0.2") -> TestApp:
        c = self.client(address)
        form = c.get("/login").forms[0]
        form["user"], form["password"] = user, password
        r = form.submit()
        assert r.status_int == 302, r.text[:500]
        return c

    def wait(self, predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
        """Poll a condition on the live box (explicit wait; never a sleep used as an assertion)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)


def csrf_of(page: Any) -> str:
    m = re.search(r'name="csrf" content="([^"]+)"', page.text)
    assert m, "page has no CSRF meta tag"
    return m.group(1)


def start_box(state: Path, cfg: Config | None = None, http: str = "127.0.0.1:0") -> Box:
    daemon = Daemon(cfg or Config(), state_dir=state, http=http, media=False)
    daemon.start()
    first = (state / "first-boot-password").read_text().strip()
    return Box(daemon, state, first)


def add_staff(b: Box) -> Box:
    """The admin's changed password, an operator "op" and user "anna" (extension 201)."""
    users = b.daemon.web.users
    users.set_password("admin", ADMIN_PASSWORD)
    users.add("op", "operator", "x")
    users.set_password("op", USER_PASSWORD)
    users.add("anna", "user", "x", extension="201")
    users.set_password("anna", USER_PASSWORD)
    return b


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    """A running box whose admin has changed the first-boot password, with an operator and a user."""
    b = add_staff(start_box(tmp_path_factory.mktemp("box")))
    try:
        users = b.daemon.web.users
        users.add("boris", "user", "x", extension="202")
        users.set_password("boris", USER_PASSWORD)
        yield b
    finally:
        b.daemon.stop()


@pytest.fixture
def admin(box: Box) -> TestApp:
    return box.login("admin", ADMIN_PASSWORD)


@pytest.fixture
def operator(box: Box) -> TestApp:
    return box.login("op", USER_PASSWORD)


@pytest.fixture
def anna(box: Box) -> TestApp:
    return box.login("anna", USER_PASSWORD)
