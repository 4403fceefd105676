"""Routes for the office features (issue 8): day/night switch of the time conditions, live state of menus,
mailboxes and DISA lockouts, uploading the customer's own prompt recordings (converted with sox), and the
phone book as a CSV file (import by the admin: every row or none; export)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import bottle

from firmware.contracts.errors import ApiError
from webui.context import Web

STAFF = ("admin", "operator")


def register(app: bottle.Bottle, web: Web) -> None:
    api = web.api

    def page(s: object, error: str = "", result: dict[str, object] | None = None) -> str:
        try:
            status = api.office_status()
        except ApiError as exc:
            status, error = {}, error or str(exc)
        return web.render("office", s, status=status, error=error, result=result or {},  # type: ignore[arg-type]
                          phonebook=len(api.phonebook_entries()))

    @app.get("/office")
    def office() -> str:
        return page(web.require(*STAFF))

    @app.post("/office/daynight")
    def day_night() -> str:
        s = web.require(*STAFF)
        web.check_csrf(s)
        form = web.form()
        try:
            api.day_night(form.get("condition", ""), form.get("mode", ""))
        except ApiError as exc:
            bottle.response.status = 400
            return page(s, str(exc))
        s.flash.append("msg.saved")
        bottle.redirect("/office")
        return ""

    def uploaded(handle: Callable[[Mapping[str, str], bytes, str], dict[str, Any]]) -> tuple[Any, Any, str]:
        """An admin's file upload handed to `handle(form, data, suffix)`: (session, result, error)."""
        s = web.require("admin")
        web.check_csrf(s)
        form = web.form()
        upload = bottle.request.files.get("file")
        try:
            if upload is None:
                raise ApiError("choose a file")
            return s, handle(form, upload.file.read(), Path(upload.raw_filename or "").suffix), ""
        except ApiError as exc:
            bottle.response.status = 400
            return s, None, str(exc)

    @app.post("/office/prompt")
    def prompt_upload() -> str:
        s, result, error = uploaded(lambda form, data, suffix: api.upload_prompt(
            form.get("language", ""), form.get("name", ""), data, suffix))
        return page(s, error) if error else page(s, result=result)

    @app.post("/office/phonebook")
    def phonebook_import() -> str:
        s, result, error = uploaded(lambda form, data, suffix: api.phonebook_import(
            data, merge=bool(form.get("merge"))))
        if error:
            return page(s, error)
        s.flash.append(f"office.phonebook_imported:{result['entries']}")
        bottle.redirect("/office")
        return ""

    @app.get("/office/phonebook.csv")
    def phonebook_export() -> str:
        web.require(*STAFF)
        bottle.response.content_type = "text/csv; charset=utf-8"
        stamp = time.strftime("%Y%m%d")
        bottle.response.set_header("Content-Disposition", f'attachment; filename="phonebook-{stamp}.csv"')
        return api.phonebook_export()
