"""The bottle web app: every route of the local web page behind the `api` facade, with security headers.

Routes live in routes_auth (login, password, language), routes_live (dashboard, operator panel,
virtual board), routes_history (call history, user portal, media) and routes_config
(configuration, users, setup wizard). Every response carries a Content-Security-Policy that
allows only the box's own scripts, styles and media (nothing from the internet, no inline
script), forbids framing, and (over HTTPS) Strict-Transport-Security.
"""

from __future__ import annotations

import bottle

from firmware.api.facade import Api
from firmware.api.users import UserStore
from webui import routes_auth, routes_config, routes_history, routes_lines, routes_live, routes_office
from webui.context import Web

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
bottle.BaseRequest.MEMFILE_MAX = 512 * 1024     # largest request body kept in memory (config upload)


def make_app(api: Api, users: UserStore, *, secure: bool = False) -> bottle.Bottle:
    app = bottle.Bottle()
    app.catchall = True
    web = Web(api, users, secure=secure)
    app.config["pbx.web"] = web

    @app.hook("after_request")
    def headers() -> None:
        h = bottle.response.headers
        h["Content-Security-Policy"] = CSP
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "same-origin"
        if not bottle.request.path.startswith("/static/"):
            h["Cache-Control"] = "no-store"
        if secure:
            h["Strict-Transport-Security"] = "max-age=31536000"

    routes_auth.register(app, web)
    routes_live.register(app, web)
    routes_history.register(app, web)
    routes_config.register(app, web)
    routes_lines.register(app, web)
    routes_office.register(app, web)
    return app
