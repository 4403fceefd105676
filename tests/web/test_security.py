"""Security of the web page: first-boot password and forced change, brute-force lockout, session cookie
flags, security headers, script injection rendered escaped, path traversal refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from webtest import TestApp

from firmware.api.guard import LockoutPolicy, LoginGuard, LoginLocked
from tests.web.conftest import ADMIN_PASSWORD, USER_PASSWORD, Box, csrf_of, start_box

XSS = "<script>alert(1)</script>"


def attempt(c: TestApp, user: str, password: str) -> int:
    form = c.get("/login").forms[0]
    form["user"], form["password"] = user, password
    return int(form.submit(expect_errors=True).status_int)


def test_first_login_with_the_generated_password_forces_a_change(tmp_path: Path) -> None:
    box = start_box(tmp_path)
    try:
        users = (tmp_path / "users.json").read_text()
        assert box.first_password not in users and "scrypt$" in users          # only the hash is stored
        assert (tmp_path / "users.json").stat().st_mode & 0o777 == 0o600
        assert attempt(box.client(), "admin", "admin") == 401                   # no default password
        c = box.login("admin", box.first_password)
        for path in ("/", "/dashboard", "/config", "/setup"):
            assert c.get(path).headers["Location"].endswith("/password"), path
        assert c.get("/api/status", expect_errors=True).status_int == 403
        form = c.get("/password").forms["password-form"]
        form["new"] = form["again"] = box.first_password
        assert "different" in form.submit().text                                # not the same password again
        form = c.get("/password").forms["password-form"]
        form["new"] = form["again"] = "short"
        assert "10 characters" in form.submit().text
        form = c.get("/password").forms["password-form"]
        form["new"] = form["again"] = ADMIN_PASSWORD
        assert form.submit().status_int == 302
        assert c.get("/").headers["Location"].endswith("/setup")                # new box: the wizard first
    finally:
        box.daemon.stop()


def test_five_wrong_passwords_lock_the_user_even_for_the_right_one(box: Box) -> None:
    c = box.client("127.0.0.21")
    for _ in range(5):
        assert attempt(c, "op", "wrong-password") == 401
    assert attempt(c, "op", USER_PASSWORD) == 429
    other = box.client("127.0.0.22")                  # another address: still locked (per user)
    assert attempt(other, "op", USER_PASSWORD) == 429
    box.ctx.guard._records.clear()              # end the lockout for the other tests


def test_one_address_guessing_many_users_is_locked(box: Box) -> None:
    c = box.client("127.0.0.23")
    for i in range(5):
        assert attempt(c, f"nobody{i}", "guess") == 401
    assert attempt(c, "anna", USER_PASSWORD) == 429      # per source address
    assert attempt(box.client("127.0.0.24"), "anna", USER_PASSWORD) == 302
    box.ctx.guard._records.clear()


def test_lockouts_grow_and_are_capped() -> None:
    now = [0.0]
    guard = LoginGuard(LockoutPolicy(failures=2, first_lockout_s=60, max_lockout_s=200), clock=lambda: now[0])
    spans = []
    for _ in range(4):
        guard.failed("u", "a")
        spans.append(guard.failed("u", "a"))
        with pytest.raises(LoginLocked):
            guard.check("u", "a")
        now[0] += spans[-1] + 1
        guard.check("u", "a")
    assert spans == [60, 120, 200, 200]


def test_session_cookie_flags(box: Box) -> None:
    c = box.client()
    form = c.get("/login").forms[0]
    form["user"], form["password"] = "anna", USER_PASSWORD
    r = form.submit()
    cookie = next(v for k, v in r.headerlist if k == "Set-Cookie" and v.startswith("pbx_session="))
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
    assert "Secure" not in cookie                          # plain HTTP in development


def test_security_headers(admin: TestApp) -> None:
    r = admin.get("/dashboard")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-store"


def test_session_ends_after_the_idle_time(box: Box, anna: TestApp) -> None:
    sessions = box.ctx.sessions
    real = sessions._clock
    sessions._clock = lambda: real() + 16 * 60          # 15 min is the default idle limit
    try:
        assert anna.get("/portal").headers["Location"].endswith("/login")
    finally:
        sessions._clock = real


def test_logout_ends_the_session(box: Box) -> None:
    c = box.login("anna", USER_PASSWORD)
    token = csrf_of(c.get("/portal"))
    c.post("/logout", {"csrf": token})
    assert c.get("/portal").headers["Location"].endswith("/login")


def test_script_in_every_text_field_is_rendered_escaped(box: Box, admin: TestApp, operator: TestApp) -> None:
    form = admin.get("/config/extensions").forms["config-form"]
    form["extensions[0].name"] = XSS
    assert form.submit().status_int == 302
    form = admin.get("/config/ports").forms["config-form"]
    form["fxo[0].calibration_number"] = XSS               # invalid: shown back in the error page
    bad = form.submit(expect_errors=True)
    assert XSS not in bad.text and "&lt;script&gt;" in bad.text
    token = csrf_of(operator.get("/board"))
    operator.post_json("/api/ring-line", {"port": 5, "number": "0301234567", "name": XSS[:32]},
                       headers={"X-CSRF-Token": token})
    box.wait(lambda: any(c["from_name"] == XSS[:32] for c in box.daemon.api.status()["calls"]), what="inbound call")
    for client, path in ((admin, "/config/extensions"), (operator, "/dashboard"), (operator, "/operator"),
                         (operator, "/board"), (admin, "/setup?step=extensions"), (admin, "/users"),
                         (operator, "/history?number=" + XSS)):
        text = client.get(path).text
        assert "<script>alert" not in text, path
    operator.post_json("/api/line-hangup", {"port": 5}, headers={"X-CSRF-Token": token})
    box.wait(lambda: not box.daemon.api.status()["calls"], what="line call over")
    assert box.daemon.cdr is not None
    box.daemon.cdr.flush()
    text = operator.get("/history").text
    assert "<script>alert" not in text and "&lt;script&gt;" in text


def test_media_path_traversal_is_refused(box: Box, anna: TestApp) -> None:
    mailbox = box.state / "voicemail" / "201"
    mailbox.mkdir(parents=True, exist_ok=True)
    (mailbox / "msg1.wav").write_bytes(b"RIFF0000WAVE")
    (box.state / "voicemail" / "202").mkdir(exist_ok=True)
    (box.state / "voicemail" / "202" / "msg2.wav").write_bytes(b"RIFF0000WAVE")
    link = mailbox / "escape.wav"
    if not link.exists():
        os.symlink(box.state / "users.json", link)
    assert anna.get("/media/voicemail/201/msg1.wav").body.startswith(b"RIFF")
    assert anna.get("/media/voicemail/202/msg2.wav", expect_errors=True).status_int == 403   # not hers
    for path in ("/media/voicemail/../users.json", "/media/voicemail/201/../../users.json",
                 "/media/voicemail/%2e%2e/users.json", "/media/voicemail/201/escape.wav",
                 "/media/voicemail/201/msg1.txt", "/media/recordings//etc/passwd",
                 "/media/voicemail/201%2f..%2f..%2fusers.json"):
        r = anna.get(path, expect_errors=True)
        assert r.status_int in (403, 404), path
        assert b"scrypt" not in r.body, path
    token = csrf_of(anna.get("/portal"))
    r = anna.post("/portal/voicemail/delete", {"csrf": token, "path": "202/msg2.wav"}, expect_errors=True)
    assert r.status_int == 404 and (box.state / "voicemail" / "202" / "msg2.wav").exists()
    anna.post("/portal/voicemail/delete", {"csrf": token, "path": "201/msg1.wav"})
    assert not (mailbox / "msg1.wav").exists()


def test_portal_settings_are_validated_and_stored_per_extension(box: Box, anna: TestApp) -> None:
    form = anna.get("/portal").forms["portal-settings"]
    form["forward_busy"] = "0301234567"
    form["voicemail_pin"] = "12"
    r = form.submit(expect_errors=True)
    assert r.status_int == 400 and "4-8 digits" in r.text
    form = anna.get("/portal").forms["portal-settings"]
    form["forward_busy"] = "0301234567"
    form["voicemail_pin"] = "4711"
    assert form.submit().status_int == 302
    stored = (box.state / "portal.json").read_text()
    assert "0301234567" in stored and "4711" not in stored                 # the PIN only as a hash
    assert "forwarding-inactive" not in anna.get("/portal").text     # forwarding reaches the engine (issue 8)


def test_the_portal_refuses_forwarding_where_the_extension_may_not_call(box: Box, anna: TestApp) -> None:
    """201 has national rights: forwarding (or follow-me) to an international number would let any caller
    reach abroad on the office's line, so the portal says no and keeps what was stored."""
    before = (box.state / "portal.json").read_text() if (box.state / "portal.json").exists() else ""
    for field, value in (("forward_always", "00048221234567"), ("follow_me", "203, 00048221234567")):
        form = anna.get("/portal").forms["portal-settings"]
        form[field] = value
        r = form.submit(expect_errors=True)
        assert r.status_int == 400 and "may not call 00048221234567" in r.text, r.text[-800:]
    after = (box.state / "portal.json").read_text() if (box.state / "portal.json").exists() else ""
    assert after == before
