"""Routes for configuration (generated forms per page, download, upload, restore), users and the setup wizard.

A saved page is validated as a whole config file; problems are shown next to their field by key
path. A valid change is stored (ten previous versions kept) and applied at once without
dropping calls; sections that need a restart are named on the page.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import bottle

from firmware.api.configure import SaveResult, pages
from firmware.api.forms import Widget
from firmware.api.setup import countries, timezones
from firmware.api.users import ROLES
from firmware.contracts.errors import ApiError
from webui.context import Web
from webui.sessions import Session

MAX_UPLOAD = 256 * 1024


def paths(widgets: list[Widget]) -> Iterator[str]:
    """Every input's key path (to tell which problems the form shows at a field)."""
    for w in widgets:
        yield w.path
        yield from paths(w.children)
        for row in w.rows:
            yield from paths(row)


def register(app: bottle.Bottle, web: Web) -> None:
    api = web.api

    def saved(s: Session, result: SaveResult, where: str) -> None:
        s.flash.append("msg.saved")
        if result["restart"]:
            s.flash.append("msg.restart:" + ", ".join(result["restart"]))
        bottle.redirect(where)

    @app.get("/config")
    def config_index() -> str:
        s = web.require("admin")
        return web.render("config_index", s, pages=pages(), versions=api.config.versions(), result=None)

    @app.get("/config/download")
    def config_download() -> str:
        web.require("admin")
        bottle.response.content_type = "application/x-yaml; charset=utf-8"
        stamp = time.strftime("%Y%m%d-%H%M")
        bottle.response.set_header("Content-Disposition", f'attachment; filename="pbx-{stamp}.yaml"')
        return api.config.download()

    @app.post("/config/restore")
    def config_restore() -> str:
        s = web.require("admin")
        web.check_csrf(s)
        result = api.config.restore(web.form().get("version", ""))
        if result["ok"]:
            saved(s, result, "/config")
        bottle.response.status = 400
        return web.render("config_index", s, pages=pages(), versions=api.config.versions(), result=result)

    @app.post("/config/upload")
    def config_upload() -> str:
        s = web.require("admin")
        web.check_csrf(s)
        upload = bottle.request.files.get("file")
        data = upload.file.read(MAX_UPLOAD + 1) if upload is not None else b""
        if len(data) > MAX_UPLOAD:
            result = SaveResult(ok=False, errors={}, general=["file too large"], restart=[])
        else:
            try:
                result = api.config.save_text(data.decode("utf-8"))
            except UnicodeDecodeError:
                result = SaveResult(ok=False, errors={}, general=["not UTF-8 text"], restart=[])
        if result["ok"]:
            saved(s, result, "/config")
        bottle.response.status = 400
        return web.render("config_index", s, pages=pages(), versions=api.config.versions(), result=result)

    @app.get("/config/<page:re:[a-z_]+>")
    def config_page(page: str) -> str:
        s = web.require("admin")
        try:
            widgets = api.config.form(page)
        except ApiError as exc:
            bottle.abort(404, str(exc))
            raise AssertionError("unreachable") from exc
        return web.render("config_page", s, name=page, widgets=widgets, errors={}, general=[], unmatched=[],
                          posted={})

    @app.post("/config/<page:re:[a-z_]+>")
    def config_save(page: str) -> str:
        s = web.require("admin")
        web.check_csrf(s)
        try:
            result = api.config.submit(page, web.form())
        except ApiError as exc:
            bottle.abort(404, str(exc))
            raise AssertionError("unreachable") from exc
        if result["ok"]:
            saved(s, result, f"/config/{page}")
        bottle.response.status = 400
        widgets = api.config.form(page)
        shown = set(paths(widgets))
        unmatched = [p for p in result["errors"] if p not in shown]
        return web.render("config_page", s, name=page, widgets=widgets, errors=result["errors"],
                          general=result["general"], unmatched=unmatched, posted=web.form())

    # --- users -------------------------------------------------------------------------------
    def users_page(s: Session, error: str = "", new_password: str = "", who: str = "") -> str:
        exts = api.config.current().extension_list()
        return web.render("users", s, users=web.users.all(), roles=ROLES, extensions=exts, error=error,
                          new_password=new_password, who=who)

    @app.get("/users")
    def users() -> str:
        return users_page(web.require("admin"))

    @app.post("/users/add")
    def users_add() -> str:
        s = web.require("admin")
        web.check_csrf(s)
        form = web.form()
        name, role = form.get("name", "").strip(), form.get("role", "")
        try:
            web.users.add(name, role, "!unset", extension=form.get("extension", "") if role == "user" else "")
            password = web.users.reset_password(name)
        except ApiError as exc:
            bottle.response.status = 400
            return users_page(s, error=str(exc))
        return users_page(s, new_password=password, who=name)

    @app.post("/users/<name:re:[A-Za-z0-9._-]{1,32}>/<action:re:reset|delete>")
    def users_action(name: str, action: str) -> str:
        s = web.require("admin")
        web.check_csrf(s)
        try:
            if action == "delete":
                if name == s.user:
                    raise ApiError("you cannot delete yourself")
                web.users.delete(name)
                web.sessions.drop_user(name)
                return users_page(s)
            password = web.users.reset_password(name)
            web.sessions.drop_user(name, keep=s.sid if name == s.user else "")
        except ApiError as exc:
            bottle.response.status = 400
            return users_page(s, error=str(exc))
        return users_page(s, new_password=password, who=name)

    # --- setup wizard ------------------------------------------------------------------------
    def wizard(s: Session, step: str, result: SaveResult | None = None, **kw: Any) -> str:
        steps = web.setup.steps()
        cfg = api.config.current()
        trunk = web.setup.trunk_form()
        return web.render("setup", s, step=step, steps=steps, cfg=cfg, countries=countries(),
                          timezones=timezones(), exts=web.setup.extensions(), lines=web.setup.lines(),
                          extension_list=cfg.extension_list(), trunk=trunk,
                          errors=result["errors"] if result else {}, general=result["general"] if result else [],
                          status=api.status(), **kw)

    def next_step(step: str) -> str:
        steps = web.setup.steps()
        return steps[min(steps.index(step) + 1, len(steps) - 1)]

    @app.get("/setup")
    def setup_page() -> str:
        s = web.require("admin")
        step = bottle.request.query.get("step") or web.setup.steps()[0]
        if step not in web.setup.steps():
            bottle.abort(404, "no such setup step")
        return wizard(s, step)

    @app.post("/setup/<step:re:[a-z]+>")
    def setup_step(step: str) -> str:
        s = web.require("admin")
        web.check_csrf(s)
        if step not in web.setup.steps():
            bottle.abort(404, "no such setup step")
        form = web.form()
        result: SaveResult | None = None
        try:
            result = setup_action(s, step, form)
        except ApiError as exc:
            result = SaveResult(ok=False, errors={}, general=[str(exc)], restart=[])
        if result is not None and not result["ok"]:
            bottle.response.status = 400
            return wizard(s, step, result)
        if step == "test":
            s.flash.append("msg.setup_done")
            bottle.redirect("/dashboard")
        bottle.redirect(f"/setup?step={next_step(step)}")
        return ""

    def setup_action(s: Session, step: str, form: Any) -> SaveResult | None:
        if step == "country":
            result = web.setup.set_country(form.get("country", ""), form.get("timezone", "").strip())
            if result["ok"]:
                s.lang = web.setup.language()
            return result
        if step == "password":
            if not form.get("new"):
                return None           # keep the password chosen at first login
            if form.get("new") != form.get("again"):
                return SaveResult(ok=False, errors={"again": "error.password_differ"}, general=[], restart=[])
            web.users.set_password(s.user, form.get("new", ""))
            web.sessions.drop_user(s.user, keep=s.sid)
            return None
        if step == "extensions":
            ports = [p["port"] for p in web.setup.extensions()]
            return web.setup.set_extensions([{"port": str(p), "number": form.get(f"number_{p}", ""),
                                              "name": form.get(f"name_{p}", "")} for p in ports])
        if step == "lines":
            ports = [p["port"] for p in web.setup.lines()]
            return web.setup.set_lines([{"port": str(p), "destination": form.get(f"destination_{p}", ""),
                                         "dial": form.get(f"dial_{p}", "dtmf")} for p in ports])
        if step == "trunk":
            return web.setup.set_trunk(form)
        web.setup.finish()
        return None
