"""Routes for logging in and out, the forced password change, the language choice and static files.

Login: the form carries a CSRF token that is also in a short-lived cookie (double submit, as
no session exists yet). A locked user name or source address is refused before the password
is even checked (HTTP 429); every failure counts toward a lockout (firmware.api.guard). A
successful login gets a fresh session id; a user whose password is the generated first-boot
or reset one must change it before anything else.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import bottle

from firmware.api.guard import LoginLocked
from firmware.contracts.errors import ApiError
from webui.context import ROLES_HOME, Web
from webui.i18n import LANGUAGES, pick
from webui.sessions import COOKIE, LOGIN_COOKIE

STATIC = Path(__file__).parent / "static"


def client_address() -> str:
    return str(bottle.request.environ.get("REMOTE_ADDR") or "unknown")


def register(app: bottle.Bottle, web: Web) -> None:
    def login_page(error: str = "", user: str = "", status: int = 200) -> str:
        token = bottle.request.get_cookie(LOGIN_COOKIE) or secrets.token_urlsafe(32)
        web.set_cookie(LOGIN_COOKIE, token, max_age=3600)
        bottle.response.status = status
        return web.render("login", None, login_csrf=token, error=error, name=user)

    @app.get("/")
    def root() -> None:
        s = web.require()
        home = ROLES_HOME.get(s.role, "/portal")
        if s.role == "admin" and not web.setup.done:
            home = "/setup"
        bottle.redirect(home)

    @app.get("/login")
    def login_form() -> str:
        lang = bottle.request.query.get("lang", "")
        if lang in LANGUAGES:
            web.set_cookie("pbx_lang", lang, max_age=365 * 86400)
            bottle.request.cookies["pbx_lang"] = lang   # this page already in that language
        return login_page()

    @app.post("/login")
    def login() -> str:
        form = web.form()
        cookie = bottle.request.get_cookie(LOGIN_COOKIE) or ""
        if not cookie or not secrets.compare_digest(cookie, form.get("csrf", "")):
            return login_page("error.csrf", status=403)
        web.check_origin()
        name, password = form.get("user", "").strip(), form.get("password", "")
        address = client_address()
        try:
            web.guard.check(name, address)
        except LoginLocked as exc:
            bottle.response.set_header("Retry-After", str(int(exc.retry_after_s) + 1))
            return login_page(str(exc), name, status=429)
        user = web.users.authenticate(name, password)
        if user is None:
            web.guard.failed(name, address)
            return login_page("error.login", name, status=401)
        web.guard.succeeded(name, address)
        lang = pick(form.get("lang"), user.language, bottle.request.get_cookie("pbx_lang"), web.setup.language())
        if form.get("lang") in LANGUAGES:
            web.users.set_language(user.name, lang)
        s = web.sessions.new(user.name, user.role, user.extension, lang)
        web.set_cookie(COOKIE, s.sid)
        bottle.response.delete_cookie(LOGIN_COOKIE, path="/")
        bottle.redirect("/password" if user.must_change else "/")
        return ""

    @app.post("/logout")
    def logout() -> None:
        s = web.require()
        web.check_csrf(s)
        web.sessions.drop(s.sid)
        bottle.response.delete_cookie(COOKIE, path="/")
        bottle.redirect("/login")

    @app.get("/password")
    def password_form() -> str:
        s = web.require()
        user = web.users.get(s.user)
        return web.render("password", s, error="", forced=bool(user and user.must_change))

    @app.post("/password")
    def password() -> str:
        s = web.require()
        web.check_csrf(s)
        form = web.form()
        user = web.users.get(s.user)
        forced = bool(user and user.must_change)
        if not forced and web.users.authenticate(s.user, form.get("current", "")) is None:
            return web.render("password", s, error="error.current_password", forced=forced)
        new = form.get("new", "")
        if new != form.get("again", ""):
            return web.render("password", s, error="error.password_differ", forced=forced)
        try:
            web.users.set_password(s.user, new)
        except ApiError as exc:
            return web.render("password", s, error=str(exc), forced=forced)
        web.sessions.drop_user(s.user, keep=s.sid)
        s.flash.append("msg.password_changed")
        bottle.redirect("/")
        return ""

    @app.post("/language")
    def language() -> None:
        s = web.require()
        web.check_csrf(s)
        lang = web.form().get("lang", "")
        if lang not in LANGUAGES:
            bottle.abort(400, "unknown language")
        s.lang = lang
        web.users.set_language(s.user, lang)
        web.back("/")

    @app.get("/static/<name:re:[a-z0-9_-]+\\.(?:js|css|svg)>")
    def static(name: str) -> bottle.HTTPResponse:
        return bottle.static_file(name, root=str(STATIC))

    @app.get("/favicon.ico")
    def favicon() -> bottle.HTTPResponse:
        return bottle.static_file("favicon.svg", root=str(STATIC), mimetype="image/svg+xml")

    for code in (400, 403, 404, 405, 429, 500):
        app.error(code)(lambda err: web.render("error", web.current(), status=err.status_code,
                                               message=str(err.body or err.status_line)))
