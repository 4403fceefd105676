"""Routes for the call history (filters, sorting, CSV, per-day SVG charts), the user portal and media files.

Admins and operators see every call; a user sees only the calls of their own extension (the API
applies the scope). Recordings and voicemail are served only as WAV files from inside their
folders and only to those allowed to hear them; everything else is 404/403.
"""

from __future__ import annotations

import time
from typing import Any

import bottle

from firmware.api.history import DIRECTIONS, DISPOSITIONS, SORTS, HistoryQuery
from firmware.contracts.errors import ApiError
from webui.charts import bars
from webui.context import Web

STAFF = ("admin", "operator")


def register(app: bottle.Bottle, web: Web) -> None:
    api = web.api

    def query() -> tuple[HistoryQuery | None, str]:
        params = {k: bottle.request.query.getunicode(k, "") or "" for k in
                  ("since", "until", "direction", "extension", "number", "disposition", "sort")}
        try:
            return HistoryQuery.from_form(params), ""
        except ApiError as exc:
            return None, str(exc)

    def scope(role: str, extension: str) -> str:
        return "" if role in STAFF else extension or "-"

    @app.get("/history")
    def history() -> str:
        s = web.require(*STAFF)
        q, error = query()
        rows = api.history.rows(q) if q is not None else []
        days = api.history.per_day(rows)
        t_calls = bars("chart.calls", days, ["calls", "missed"])
        t_avg = bars("chart.avg", days, ["avg_s"])
        return web.render("history", s, rows=rows, q=q or HistoryQuery(), error=error, charts=[t_calls, t_avg],
                          directions=DIRECTIONS, dispositions=list(DISPOSITIONS), sorts=list(SORTS),
                          qs=bottle.request.query_string)

    @app.get("/history.csv")
    def history_csv() -> str:
        s = web.require(*STAFF, "user")
        q, error = query()
        if q is None:
            bottle.abort(400, error)
        assert q is not None
        rows = api.history.rows(HistoryQuery(**{**q.__dict__, "limit": 0}), only_extension=scope(s.role, s.extension))
        bottle.response.content_type = "text/csv; charset=utf-8"
        stamp = time.strftime("%Y%m%d-%H%M")
        bottle.response.set_header("Content-Disposition", f'attachment; filename="calls-{stamp}.csv"')
        return api.history.csv(rows)

    # --- media --------------------------------------------------------------------------------
    @app.get("/media/<kind:re:recordings|voicemail>/<path:path>")
    def media(kind: str, path: str) -> bottle.HTTPResponse:
        s = web.require(*STAFF, "user")
        try:
            target = api.media.resolve(kind, path)
        except ApiError as exc:
            bottle.abort(404, str(exc))
            raise AssertionError("unreachable") from exc
        rows: list[dict[str, Any]] = []
        if s.role == "user" and kind == "recordings":
            rows = api.history.rows(HistoryQuery(limit=0), only_extension=scope(s.role, s.extension))
        if not api.media.may_hear(kind, path, role=s.role, extension=s.extension, call_rows=rows):
            bottle.abort(403, "not yours to hear")
        return bottle.static_file(target.name, root=str(target.parent), mimetype="audio/wav")

    # --- the user portal ------------------------------------------------------------------------
    @app.get("/portal")
    def portal() -> str:
        s = web.require("user")
        ext = s.extension
        rows = api.history.rows(HistoryQuery(limit=100), only_extension=scope(s.role, ext))
        recordings = [r for r in rows if r.get("recording")]
        return web.render("portal", s, extension=ext, rows=rows, voicemail=api.media.voicemail(ext),
                          recordings=recordings, settings=api.portal.get(ext), error="",
                          active=portal_features())

    def portal_features() -> dict[str, bool]:
        """Which of the portal's settings the running call engine uses."""
        names = set(api.config.plain())
        return {"forwarding": True, "follow_me": True, "voicemail": "voicemail" in names}

    @app.post("/portal/settings")
    def portal_settings() -> str:
        s = web.require("user")
        web.check_csrf(s)
        form = web.form()
        try:
            api.portal_update(s.extension, dict(form.items()))
        except ApiError as exc:
            rows = api.history.rows(HistoryQuery(limit=100), only_extension=scope(s.role, s.extension))
            bottle.response.status = 400
            return web.render("portal", s, extension=s.extension, rows=rows,
                              voicemail=api.media.voicemail(s.extension),
                              recordings=[r for r in rows if r.get("recording")],
                              settings=api.portal.get(s.extension), error=str(exc), active=portal_features())
        s.flash.append("msg.saved")
        bottle.redirect("/portal")
        return ""

    @app.post("/portal/voicemail/delete")
    def voicemail_delete() -> None:
        s = web.require("user")
        web.check_csrf(s)
        try:
            api.delete_voicemail(s.extension, web.form().get("path", ""))
        except ApiError as exc:
            bottle.abort(404, str(exc))
        s.flash.append("msg.deleted")
        bottle.redirect("/portal")
