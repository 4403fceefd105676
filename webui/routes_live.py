"""Routes for live state: the dashboard, the operator panel, the virtual board panel and their JSON.

The pages render the current state on the server and a small script (static/app.js) refreshes it
once a second from `/api/status` or `/api/handsets`. Actions are JSON POSTs carrying the CSRF
token in the X-CSRF-Token header; an action the box cannot do is answered with the API's
message (e.g. "not available yet"), never with a pretended success.
"""

from __future__ import annotations

import json
from typing import Any

import bottle

from firmware.contracts.errors import ApiError
from webui.context import Web

STAFF = ("admin", "operator")


def answer(data: Any, status: int = 200) -> bottle.HTTPResponse:
    return bottle.HTTPResponse(json.dumps(data), status, {"Content-Type": "application/json",
                                                          "Cache-Control": "no-store"})


def refused(exc: Exception) -> bottle.HTTPResponse:
    return answer({"ok": False, "error": str(exc)}, 409)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not str(value).isdigit():
        raise ApiError(f"{what} must be a number")
    return int(value)


def register(app: bottle.Bottle, web: Web) -> None:
    api = web.api

    def full_status() -> dict[str, Any]:
        return {**api.status(), "system": api.system()}

    @app.get("/dashboard")
    def dashboard() -> str:
        s = web.require(*STAFF)
        return web.render("dashboard", s, status=full_status())

    @app.get("/api/status")
    def status_json() -> bottle.HTTPResponse:
        web.require(*STAFF)
        return answer(full_status())

    @app.get("/operator")
    def operator_page() -> str:
        s = web.require(*STAFF)
        cfg = api.config.current()
        routes = [r.name for r in cfg.routes]
        return web.render("operator", s, status=api.status(), extensions=cfg.extension_list(), routes=routes)

    @app.post("/api/operator")
    def operator_action() -> bottle.HTTPResponse:
        s = web.require(*STAFF)
        web.check_csrf(s)
        body = web.json_body()
        call = body.get("call_id")
        try:
            call_id = None if call in (None, "") else _int(call, "call_id")
            result = api.operator(str(body.get("action", "")), call_id, str(body.get("number", "")).strip(),
                                  line=str(body.get("line", "")), route=str(body.get("route", "")))
        except ApiError as exc:
            return refused(exc)
        return answer({"ok": True, **result})

    # --- virtual board ------------------------------------------------------------------------
    def board_ports() -> tuple[list[int], list[int]]:
        ports = api.status()["ports"]
        return ([p["port"] for p in ports if p["kind"] == "fxs"], [p["port"] for p in ports if p["kind"] == "fxo"])

    def handsets() -> dict[str, Any]:
        fxs, fxo = board_ports()
        views = []
        for port in fxs:
            try:
                views.append(api.handset_view(port))
            except ApiError as exc:
                views.append({"port": port, "error": str(exc)})
        return {"handsets": views, "lines": fxo}

    @app.get("/board")
    def board_page() -> str:
        s = web.require(*STAFF)
        if api.bp.board is None:
            bottle.abort(404, "this box runs on real hardware: there is no virtual board")
        exts = {e.port: e for e in api.config.current().extension_list()}
        return web.render("board", s, board=handsets(), extensions=exts)

    @app.get("/api/handsets")
    def handsets_json() -> bottle.HTTPResponse:
        web.require(*STAFF)
        if api.bp.board is None:
            return refused(ApiError("no virtual board"))
        return answer(handsets())

    @app.post("/api/handset")
    def handset_action() -> bottle.HTTPResponse:
        s = web.require(*STAFF)
        web.check_csrf(s)
        body = web.json_body()
        try:
            view = api.handset(_int(body.get("port"), "port"), str(body.get("action", "")), str(body.get("arg", "")))
        except ApiError as exc:
            return refused(exc)
        return answer({"ok": True, "handset": view})

    @app.post("/api/ring-line")
    def ring_line() -> bottle.HTTPResponse:
        s = web.require(*STAFF)
        web.check_csrf(s)
        body = web.json_body()
        try:
            result = api.ring_line(_int(body.get("port"), "port"), str(body.get("number", "")).strip(),
                                   str(body.get("name", ""))[:32], bool(body.get("private", False)))
        except ApiError as exc:
            return refused(exc)
        return answer({"ok": True, **result})

    @app.post("/api/line-hangup")
    def line_hangup() -> bottle.HTTPResponse:
        s = web.require(*STAFF)
        web.check_csrf(s)
        try:
            result = api.line_hangup(_int(web.json_body().get("port"), "port"))
        except ApiError as exc:
            return refused(exc)
        return answer({"ok": True, **result})

    @app.post("/api/test-ring")
    def test_ring() -> bottle.HTTPResponse:
        s = web.require("admin")
        web.check_csrf(s)
        try:
            result = api.test_ring(_int(web.json_body().get("port"), "port"))
        except ApiError as exc:
            return refused(exc)
        return answer({"ok": True, **result})
