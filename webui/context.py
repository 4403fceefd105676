"""What every route needs: the API, users, sessions, login guard, templates, role checks and CSRF checks.

Roles: `admin` (everything), `operator` (dashboard, operator panel, call history, virtual board),
`user` (their extension's portal). Every state-changing request needs the session's CSRF token,
in the `csrf` form field or, for JSON requests, the `X-CSRF-Token` header; a request whose
Origin header names another site is refused as well. Pages are rendered from templates only
(`{{ }}` escapes everything).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import bottle

from firmware.api.facade import Api
from firmware.api.guard import LockoutPolicy, LoginGuard
from firmware.api.setup import Setup
from firmware.api.users import UserStore
from webui.i18n import LANGUAGES, js_messages, label, pick, translator
from webui.sessions import COOKIE, Session, Sessions

VIEWS = Path(__file__).parent / "views"
ROLES_HOME = {"admin": "/dashboard", "operator": "/operator", "user": "/portal"}
NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/dashboard", "nav.dashboard", ("admin", "operator")),
    ("/operator", "nav.operator", ("admin", "operator")),
    ("/history", "nav.history", ("admin", "operator")),
    ("/office", "nav.office", ("admin", "operator")),
    ("/config", "nav.config", ("admin",)),
    ("/lines", "nav.lines", ("admin",)),
    ("/users", "nav.users", ("admin",)),
    ("/setup", "nav.setup", ("admin",)),
    ("/board", "nav.board", ("admin", "operator")),
    ("/portal", "nav.portal", ("user",)),
)


class Web:
    def __init__(self, api: Api, users: UserStore, *, secure: bool = False) -> None:
        self.api = api
        self.users = users
        self.secure = secure      # served over HTTPS: cookies get the Secure flag
        self.setup = Setup(api.config, api.bp.state_dir)
        self.sessions = Sessions(lambda: float(self.api.web_settings().session_idle_min * 60))
        web = api.web_settings()
        self.guard = LoginGuard(LockoutPolicy.from_minutes(web.lockout_failures, web.lockout_min,
                                                           web.lockout_max_min))
        self.lookup = [str(VIEWS)]

    # --- sessions and roles -----------------------------------------------------------------
    def current(self) -> Session | None:
        return self.sessions.get(bottle.request.get_cookie(COOKIE))

    def wants_json(self) -> bool:
        return bottle.request.path.startswith("/api/")

    def deny(self, status: int, message: str) -> NoReturn:
        if self.wants_json():
            raise bottle.HTTPResponse(json.dumps({"ok": False, "error": message}), status,
                                      {"Content-Type": "application/json"})
        bottle.abort(status, message)
        raise AssertionError("unreachable")

    def require(self, *roles: str) -> Session:
        """The logged-in session with one of `roles` (any role if none given); else login / 403."""
        s = self.current()
        if s is None:
            if self.wants_json():
                self.deny(401, "not logged in")
            bottle.redirect("/login")
        assert s is not None
        user = self.users.get(s.user)
        if user is None:
            self.sessions.drop(s.sid)
            bottle.redirect("/login")
        assert user is not None
        if user.must_change and bottle.request.path not in ("/password", "/logout", "/language"):
            if self.wants_json():
                self.deny(403, "change your password first")
            bottle.redirect("/password")
        if roles and s.role not in roles:
            self.deny(403, "your role may not use this page")
        return s

    def check_csrf(self, s: Session) -> None:
        req = bottle.request
        token = req.headers.get("X-CSRF-Token") or ("" if self.wants_json() else req.forms.get("csrf", ""))
        if not token or not secrets.compare_digest(str(token), s.csrf):
            self.deny(403, "CSRF token missing or wrong: reload the page and try again")
        self.check_origin()

    def check_origin(self) -> None:
        origin = bottle.request.headers.get("Origin")
        if origin and origin != "null":
            host = bottle.request.headers.get("Host", "")
            if origin.split("://", 1)[-1] != host:
                self.deny(403, "request from another site refused")

    def set_cookie(self, name: str, value: str, **kw: Any) -> None:
        bottle.response.set_cookie(name, value, httponly=True, samesite="strict", path="/", secure=self.secure, **kw)

    # --- rendering ------------------------------------------------------------------------
    def lang(self, s: Session | None) -> str:
        if s is not None:
            return pick(s.lang)
        return pick(bottle.request.get_cookie("pbx_lang"), self.setup.language())

    def render(self, template: str, s: Session | None, page: str = "", **kw: Any) -> str:
        lang = self.lang(s)
        t = translator(lang)
        nav = [(href, key) for href, key, roles in NAV if s is not None and s.role in roles
               and (href != "/board" or self.api.bp.board is not None)]
        flash, s_flash = (list(s.flash), s.flash) if s is not None else ([], None)
        if s_flash is not None:
            s_flash.clear()
        values = {"_": t, "label": lambda n: label(t, n), "lang": lang, "languages": LANGUAGES, "nav": nav,
                  "page": page or template, "csrf": s.csrf if s is not None else kw.pop("login_csrf", ""),
                  "user": s.user if s is not None else "", "role": s.role if s is not None else "",
                  "flash": flash, "i18n_js": json.dumps(js_messages(lang), ensure_ascii=False),
                  "virtual": self.api.bp.board is not None, **kw}
        return str(bottle.template(template, template_lookup=self.lookup, **values))

    def form(self) -> Mapping[str, str]:
        """The posted form (decoded as UTF-8 text)."""
        forms: Mapping[str, str] = bottle.request.forms.decode()
        return forms

    def json_body(self) -> dict[str, Any]:
        try:
            data = bottle.request.json
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.deny(400, "a JSON object is expected")
        return data

    def back(self, default: str) -> NoReturn:
        """Redirect to the page the request came from (same site paths only)."""
        ref = bottle.request.headers.get("Referer", "")
        host = bottle.request.headers.get("Host", "")
        path = ref.split(host, 1)[1] if host and host in ref else ""
        bottle.redirect(path if path.startswith("/") and not path.startswith("//") else default)
        raise AssertionError("unreachable")
