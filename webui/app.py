"""The bottle web app: login (no default password), status of ports and calls (more in issue 6)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import bottle

from firmware.api.facade import Api
from firmware.api.users import UserStore

VIEWS = Path(__file__).parent / "views"
IDLE_TIMEOUT_S = 15 * 60


class Sessions:
    def __init__(self) -> None:
        self._data: dict[str, dict[str, Any]] = {}

    def new(self, user: str) -> str:
        sid = secrets.token_urlsafe(32)
        self._data[sid] = {"user": user, "csrf": secrets.token_urlsafe(24), "seen": time.monotonic()}
        return sid

    def get(self, sid: str | None) -> dict[str, Any] | None:
        s = self._data.get(sid or "")
        if s is None or time.monotonic() - s["seen"] > IDLE_TIMEOUT_S:
            self._data.pop(sid or "", None)
            return None
        s["seen"] = time.monotonic()
        return s

    def drop(self, sid: str | None) -> None:
        self._data.pop(sid or "", None)


def make_app(api: Api, users: UserStore) -> bottle.Bottle:
    app = bottle.Bottle()
    sessions = Sessions()
    lookup = [str(VIEWS)]

    def render(name: str, **kw: Any) -> str:
        return str(bottle.template(name, template_lookup=lookup, **kw))

    def current() -> dict[str, Any] | None:
        return sessions.get(bottle.request.get_cookie("pbx_session"))

    def require() -> dict[str, Any]:
        s = current()
        if s is None:
            bottle.redirect("/login")
        assert s is not None
        user = users.get(s["user"])
        if user is not None and user.must_change and bottle.request.path != "/password":
            bottle.redirect("/password")
        return s

    def check_csrf(s: dict[str, Any]) -> None:
        if not secrets.compare_digest(bottle.request.forms.get("csrf", ""), s["csrf"]):
            bottle.abort(403, "CSRF token missing or wrong")

    @app.get("/login")
    def login_form() -> str:
        return render("login", error="")

    @app.post("/login")
    def login() -> str:
        name = bottle.request.forms.get("user", "")
        password = bottle.request.forms.get("password", "")
        if users.authenticate(name, password) is None:
            return render("login", error="wrong user name or password")
        sid = sessions.new(name)
        bottle.response.set_cookie("pbx_session", sid, httponly=True, samesite="strict", path="/")
        bottle.redirect("/")
        return ""

    @app.post("/logout")
    def logout() -> None:
        s = require()
        check_csrf(s)
        sessions.drop(bottle.request.get_cookie("pbx_session"))
        bottle.redirect("/login")

    @app.get("/password")
    def password_form() -> str:
        s = require()
        return render("password", csrf=s["csrf"], error="")

    @app.post("/password")
    def password() -> str:
        s = require()
        check_csrf(s)
        new = bottle.request.forms.get("new", "")
        if new != bottle.request.forms.get("again", ""):
            return render("password", csrf=s["csrf"], error="the two passwords differ")
        try:
            users.set_password(s["user"], new)
        except Exception as exc:
            return render("password", csrf=s["csrf"], error=str(exc))
        bottle.redirect("/")
        return ""

    @app.get("/")
    def index() -> str:
        s = require()
        return render("status", status=api.status(), csrf=s["csrf"], user=s["user"])

    @app.get("/api/status")
    def status_json() -> dict[str, Any]:
        require()
        return api.status()

    return app
