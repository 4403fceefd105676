"""Every route of the web page in-process against a real daemon on the virtual board: login required,
CSRF enforced on every state change, role limits, and what each page and JSON endpoint does."""

from __future__ import annotations

import re
from typing import Any

import pytest
from webtest import TestApp

from tests.web.conftest import Box, csrf_of

PUBLIC = {"/login", "/favicon.ico"}
ARGS = {"page": "general", "kind": "voicemail", "path": "201/a.wav", "name": "anna", "action": "reset",
        "step": "country"}


def concrete(rule: str) -> str:
    return re.sub(r"<(\w+)(?::[^>]*)?>", lambda m: ARGS.get(m.group(1), "x"), rule)


def app_routes(box: Box) -> list[tuple[str, str]]:
    out = []
    for route in box.app.routes:
        if route.rule.startswith("/static/") or route.rule in PUBLIC:
            continue
        out.append((route.method, concrete(route.rule)))
    return out


def test_every_route_needs_a_login(box: Box) -> None:
    c = box.client()
    routes = app_routes(box)
    assert len(routes) >= 30
    for method, path in routes:
        r = c.request(path, method=method, expect_errors=True)
        if path.startswith("/api/"):
            assert r.status_int == 401, (method, path, r.status)
        else:
            assert r.status_int == 302 and r.headers["Location"].endswith("/login"), (method, path, r.status)


def test_every_post_needs_the_csrf_token(box: Box, admin: TestApp) -> None:
    for method, path in app_routes(box):
        if method != "POST":
            continue
        r = admin.post(path, {"csrf": "wrong"}, expect_errors=True)
        assert r.status_int == 403, (path, r.status)
        if path.startswith("/api/"):
            r = admin.post_json(path, {"port": 1}, expect_errors=True)     # no X-CSRF-Token header
            assert r.status_int == 403 and "CSRF" in r.json["error"], path


def test_login_form_has_its_own_csrf_token(box: Box) -> None:
    c = box.client()
    r = c.post("/login", {"user": "admin", "password": "whatever", "csrf": "forged"}, expect_errors=True)
    assert r.status_int == 403


def test_a_request_from_another_site_is_refused_even_with_the_token(box: Box, admin: TestApp) -> None:
    token = csrf_of(admin.get("/dashboard"))
    r = admin.post_json("/api/handset", {"port": 1, "action": "on-hook"}, headers={
        "X-CSRF-Token": token, "Origin": "http://evil.example"}, expect_errors=True)
    assert r.status_int == 403


@pytest.mark.parametrize(("who", "path", "status"), [
    ("operator", "/config", 403), ("operator", "/users", 403), ("operator", "/setup", 403),
    ("operator", "/config/download", 403), ("operator", "/portal", 403), ("operator", "/dashboard", 200),
    ("operator", "/operator", 200), ("operator", "/history", 200), ("operator", "/board", 200),
    ("anna", "/dashboard", 403), ("anna", "/operator", 403), ("anna", "/history", 403), ("anna", "/board", 403),
    ("anna", "/config/general", 403), ("anna", "/api/status", 403), ("anna", "/portal", 200),
    ("admin", "/config/ports", 200), ("admin", "/users", 200),
])
def test_role_limits(box: Box, request: pytest.FixtureRequest, who: str, path: str, status: int) -> None:
    client: TestApp = request.getfixturevalue(who)
    assert client.get(path, expect_errors=True).status_int == status


def test_root_sends_each_role_home(box: Box, admin: TestApp, operator: TestApp, anna: TestApp) -> None:
    assert operator.get("/").headers["Location"].endswith("/operator")
    assert anna.get("/").headers["Location"].endswith("/portal")
    assert admin.get("/").headers["Location"].endswith(("/setup", "/dashboard"))


def test_status_json_lists_ports_calls_and_system(admin: TestApp) -> None:
    s = admin.get("/api/status").json
    assert [p["port"] for p in s["ports"]] == [1, 2, 3, 4, 5, 6]
    assert s["virtual"] is True and s["trunks"] == [] and s["parked"] == []
    assert "cpu_percent" in s["system"] and s["system"]["disk"]["free_mb"] > 0


def test_config_page_error_is_shown_at_its_field_and_nothing_is_saved(box: Box, admin: TestApp) -> None:
    page = admin.get("/config/dialling")
    form = page.forms["config-form"]
    form["calls.no_answer_s"] = "601"
    r = form.submit(expect_errors=True)
    assert r.status_int == 400
    assert 'data-path="calls.no_answer_s"' in r.text and "outside 0..600" in r.text
    assert box.daemon.current_config().calls.no_answer_s == 60


def test_config_text_in_a_number_field_is_reported_by_the_loader(admin: TestApp) -> None:
    form = admin.get("/config/dialling").forms["config-form"]
    form["numbering.first_digit_s"] = "soon"
    r = form.submit(expect_errors=True)
    assert r.status_int == 400 and 'data-path="numbering.first_digit_s"' in r.text


def test_config_change_is_applied_live_and_versioned(box: Box, admin: TestApp) -> None:
    form = admin.get("/config/extensions").forms["config-form"]
    form["extensions[1].name"] = "Reception"
    r = form.submit()
    assert r.status_int == 302
    assert box.daemon.current_config().extension_list()[1].name == "Reception"
    snap = box.daemon.engine_snapshot()
    assert next(p for p in snap.ports if p.port == 2).name == "Reception"     # the engine has it now
    form = admin.get("/config/extensions").forms["config-form"]
    form["extensions[1].name"] = "Front desk"
    form.submit()
    versions = admin.get("/config").forms
    restore = next(f for f in versions.values() if f.action == "/config/restore")
    assert restore.submit().status_int == 302
    assert box.daemon.current_config().extension_list()[1].name == "Reception"
    text = admin.get("/config/download").text
    assert "Reception" in text and text.startswith("# pbx configuration")


def test_config_upload_with_a_bad_key_names_it(admin: TestApp) -> None:
    page = admin.get("/config")
    form = next(f for f in page.forms.values() if f.action == "/config/upload")
    form["file"] = ("pbx.yaml", b"country: DE\ncalls:\n  no_answr_s: 5\n")
    r = form.submit(expect_errors=True)
    assert r.status_int == 400 and "calls.no_answr_s" in r.text and "no_answer_s" in r.text


def test_every_config_page_renders(box: Box, admin: TestApp) -> None:
    links = re.findall(r'href="/config/([a-z_]+)"', admin.get("/config").text)
    assert {"general", "extensions", "ports", "routes", "dialling", "web", "board"} <= set(links)
    for page in links:
        if page != "download":
            assert admin.get(f"/config/{page}").status_int == 200


def test_operator_action_answers_honestly(box: Box, operator: TestApp) -> None:
    token = csrf_of(operator.get("/operator"))
    r = operator.post_json("/api/operator", {"action": "hold", "call_id": None}, headers={"X-CSRF-Token": token},
                           expect_errors=True)
    assert r.status_int == 409 and "line" in r.json["error"]
    r = operator.post_json("/api/operator", {"action": "transfer", "call_id": 1, "number": "", "line": "201"},
                           headers={"X-CSRF-Token": token}, expect_errors=True)
    assert r.status_int == 409 and "number" in r.json["error"]
    r = operator.post_json("/api/operator", {"action": "hold", "call_id": 1, "line": "204"},
                           headers={"X-CSRF-Token": token}, expect_errors=True)
    if not box.daemon.operator_available():
        assert r.status_int == 409 and "not available yet" in r.json["error"]
    else:
        assert r.status_int == 409 and r.json["error"]          # 204 is on-hook with no call: refused, with why


def test_virtual_board_call_shows_in_status_and_history(box: Box, operator: TestApp) -> None:
    token = csrf_of(operator.get("/board"))

    def act(port: int, action: str, arg: str = "") -> dict[str, Any]:
        r = operator.post_json("/api/handset", {"port": port, "action": action, "arg": arg},
                               headers={"X-CSRF-Token": token})
        return dict(r.json)
    act(3, "off-hook")
    act(3, "press", "204")
    box.wait(lambda: operator.get("/api/handsets").json["handsets"][3]["ringing"], what="204 ringing")
    act(4, "off-hook")
    box.wait(lambda: any(c["state"] == "connected" for c in operator.get("/api/status").json["calls"]),
             what="connected call")
    assert "203" in operator.get("/dashboard").text
    act(3, "on-hook")
    act(4, "on-hook")
    box.wait(lambda: not operator.get("/api/status").json["calls"], what="call ended")
    assert box.daemon.cdr is not None
    box.daemon.cdr.flush()
    page = operator.get("/history?extension=204&disposition=answered")
    assert "<svg" in page.text and "203" in page.text
    csv = operator.get("/history.csv?extension=204")
    assert csv.content_type == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    assert csv.text.splitlines()[0].startswith("start,answer,end")
    assert any(line.split(",")[5] == "203" for line in csv.text.splitlines()[1:])


def test_history_filter_validation(operator: TestApp) -> None:
    r = operator.get("/history?since=yesterday")
    assert "since: a date is YYYY-MM-DD" in r.text
    assert operator.get("/history.csv?disposition=everything", expect_errors=True).status_int == 400


def test_ring_line_and_far_hangup(box: Box, operator: TestApp) -> None:
    token = csrf_of(operator.get("/board"))
    r = operator.post_json("/api/ring-line", {"port": 1}, headers={"X-CSRF-Token": token}, expect_errors=True)
    assert r.status_int == 409 and "not an FXO port" in r.json["error"]
    r = operator.post_json("/api/handset", {"port": 1, "action": "press", "arg": "12x"},
                           headers={"X-CSRF-Token": token}, expect_errors=True)
    assert r.status_int == 409 and "digits" in r.json["error"]


def test_test_ring_rings_an_idle_extension_only_for_admin(box: Box, admin: TestApp, operator: TestApp) -> None:
    token = csrf_of(admin.get("/setup?step=test"))
    r = admin.post_json("/api/test-ring", {"port": 2}, headers={"X-CSRF-Token": token})
    assert r.json["ringing"] is True
    box.wait(lambda: box.daemon.api.handset_view(2)["ringing"], what="test ring")
    op_token = csrf_of(operator.get("/operator"))
    r = operator.post_json("/api/test-ring", {"port": 2}, headers={"X-CSRF-Token": op_token}, expect_errors=True)
    assert r.status_int == 403


def test_users_admin_adds_and_resets(box: Box, admin: TestApp) -> None:
    page = admin.get("/users")
    form = page.forms["add-user"]
    form["name"], form["role"], form["extension"] = "carla", "user", "203"
    r = form.submit()
    password = re.search(r"<code>([A-Za-z0-9]+)</code>", r.text)
    assert password, r.text
    c = box.login("carla", password.group(1))
    assert c.get("/").headers["Location"].endswith("/password")      # must change the one-time password
    assert c.get("/portal").headers["Location"].endswith("/password")
    form = next(f for f in admin.get("/users").forms.values() if f.action == "/users/carla/delete")
    form.submit()
    assert box.daemon.web.users.get("carla") is None
    assert c.get("/portal").headers["Location"].endswith("/login")   # her sessions ended with her


def test_language_choice_is_per_login(box: Box, anna: TestApp) -> None:
    page = anna.get("/portal")
    form = page.forms["language-form"]
    form["lang"] = "pl"
    form.submit()
    assert "Moje połączenia" in anna.get("/portal").text
    fresh = box.login("anna", "Us3r-pass-for-tests")
    assert "Moje połączenia" in fresh.get("/portal").text            # kept with the user
    form = fresh.get("/portal").forms["language-form"]
    form["lang"] = "ru"
    form.submit()
    assert "Мои звонки" in fresh.get("/portal").text
