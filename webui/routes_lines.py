"""The PSTN lines page: each FXO line with its settings, and the automatic line calibration button.

Calibration calls a test number (and/or waits for an incoming test call), measures how the line
signals a hang-up, which caller-ID format it sends and which AC termination echoes least, then
saves that into the config; the page shows the result with the measurements behind it.
"""

from __future__ import annotations

import bottle

from firmware.contracts.errors import ApiError
from webui.context import Web


def register(app: bottle.Bottle, web: Web) -> None:
    api = web.api

    def lines() -> list[dict[str, object]]:
        cfg = api.config.current()
        out = []
        for port in [p["port"] for p in api.status()["ports"] if p["kind"] == "fxo"]:
            out.append({"port": port, "config": cfg.fxo_port(port), "calibration": api.calibration(port)})
        return out

    @app.get("/lines")
    def lines_page() -> str:
        s = web.require("admin")
        found = lines()
        running = any(line["calibration"]["running"] for line in found)  # type: ignore[index]
        return web.render("lines", s, lines=found, refresh=running, error="")

    @app.post("/lines/<port>/calibrate")
    def calibrate(port: str) -> str:
        s = web.require("admin")
        web.check_csrf(s)
        if not port.isdigit():
            bottle.abort(404, "no such line")
        number = bottle.request.forms.get("number", "").strip()
        wait = bottle.request.forms.get("incoming", "0").strip() or "0"
        try:
            if not wait.isdigit():
                raise ApiError("the incoming wait must be whole seconds")
            api.calibrate_line(int(port), number, float(wait))
        except ApiError as exc:
            return web.render("lines", s, lines=lines(), refresh=False, error=str(exc))
        bottle.redirect("/lines")
        return ""
