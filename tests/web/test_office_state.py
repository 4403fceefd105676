"""The office on a real daemon (virtual board): the phone book imported as CSV on the web page and with
pbxctl, naming the next caller on the handset without a restart, and exported again; a voicemail deleted
in the portal puts the handset's message lamp out; and a restart keeps the day/night switch and what the
users set in the portal (forwarding rings the other phone after the restart)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from webtest import TestApp

from firmware.app.cli import main as pbxctl
from firmware.config.attendant import TimeConditionConfig
from firmware.config.dialplan import InboundConfig
from firmware.config.model import Config
from firmware.config.ringgroups import ScheduleWindow
from firmware.config.voicemail import MailboxConfig, VoicemailConfig
from tests.runtime.test_voicemail_mail import write_tone
from tests.web.conftest import ADMIN_PASSWORD, USER_PASSWORD, Box, add_staff, csrf_of, start_box
from webui.i18n import LANGUAGES, translator

OFFICE = TimeConditionConfig(name="office", number="510", hours=[ScheduleWindow("mon-sun", "00:00", "24:00")],
                             open="201", closed="voicemail:201", override_code="*60")
CONFIG = Config(voicemail=VoicemailConfig(boxes=[MailboxConfig("201")]), time_conditions=[OFFICE],
                inbound=[InboundConfig("fxo:5", "time:office")])


def message(state: Path, box: str, name: str, directory: str = "voicemail") -> None:
    """A new voicemail message as the runtime stores it (WAV + JSON)."""
    wav = state / directory / box / f"{name}.wav"
    write_tone(wav, 2.0)
    wav.with_suffix(".json").write_text(json.dumps({"folder": "new", "caller": "0301234567", "duration_s": 2.0}))


prepare = add_staff


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    state = tmp_path_factory.mktemp("office")
    message(state, "201", "msg-1")                       # waiting before the box starts
    b = prepare(start_box(state, CONFIG))
    try:
        yield b

    finally:
        b.daemon.stop()


def entries(box: Box) -> list[tuple[str, str]]:
    """The phone book in use (what the export gives)."""
    return box.daemon.api.phonebook_entries()


def upload(client: TestApp, data: bytes, merge: bool = False, status: int = 302) -> object:
    token = csrf_of(client.get("/office"))
    fields = {"csrf": token, **({"merge": "1"} if merge else {})}
    return client.post("/office/phonebook", fields, upload_files=[("file", "book.csv", data)], status=status)


# --- the phone book -------------------------------------------------------------------------------------
def test_the_imported_phone_book_names_the_next_caller_on_the_handset(office: Box) -> None:
    admin = office.login("admin", ADMIN_PASSWORD)
    csv = "\ufeffNummer;Name\r\n+49 30 1234-567;Firma Weber\r\n0172 / 555 66 77;\"Dr. Müller; Praxis\"\r\n"
    upload(admin, csv.encode("utf-8"))
    assert entries(office) == [("+49301234567", "Firma Weber"), ("01725556677", "Dr. Müller; Praxis")]
    assert (office.state / "phonebook.csv").is_file() and not office.daemon.current_config().phonebook.entries
    page = admin.get("/office").text
    assert any(translator(lang)("office.phonebook_entries", count=2) in page for lang in LANGUAGES)
    api = office.daemon.api
    api.ring_line(5, "0301234567")                       # no name from the exchange: the phone book's
    try:
        office.wait(lambda: any(d["name"] == "Firma Weber" for d in api.handset_view(1)["display"]),
                    what="the phone book's name on handset 1")
    finally:
        api.line_hangup(5)                               # the caller gives up
        office.wait(lambda: not api.status()["calls"], timeout=30, what="the call to end")


def test_a_file_with_bad_rows_names_them_and_imports_nothing(office: Box) -> None:
    admin = office.login("admin", ADMIN_PASSWORD)
    upload(admin, b"number,name\n0301111,Alpha\n")
    r = upload(admin, b"0302222,Beta\nnot-a-number,Gamma\n0303333,\n0302222,Delta\n", status=400)
    text = r.text  # type: ignore[attr-defined]
    assert "line 2" in text and "not-a-number" in text and "line 3" in text and "line 4" in text
    assert entries(office) == [("0301111", "Alpha")]


def test_merge_keeps_entries_and_the_export_reads_back(office: Box) -> None:
    admin = office.login("admin", ADMIN_PASSWORD)
    upload(admin, b"0301111,Alpha\n0302222,Beta\n")
    upload(admin, "0302222,Beta Neu\n0304444,Ωmega, \"Ltd\"\n".encode(), merge=True)
    book = [("0301111", "Alpha"), ("0302222", "Beta Neu"), ("0304444", "Ωmega")]
    assert entries(office) == book
    exported = admin.get("/office/phonebook.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert exported.text.splitlines()[0] == "number,name"
    upload(admin, exported.body)
    assert entries(office) == book


def test_only_the_admin_imports(office: Box) -> None:
    op = office.login("op", USER_PASSWORD)
    assert "phonebook-import" not in op.get("/office").text
    assert op.get("/office/phonebook.csv").status_int == 200
    token = csrf_of(op.get("/office"))
    r = op.post("/office/phonebook", {"csrf": token}, upload_files=[("file", "b.csv", b"0301,X\n")], status=403)
    assert r.status_int == 403


def test_pbxctl_imports_and_exports_the_phone_book(office: Box, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    sock = str(office.state / "pbxd.sock")
    good = tmp_path / "book.csv"
    good.write_bytes("number;name\n0305555;Epsilon\n+48 22 123 45 67;Żaneta\n".encode())
    assert pbxctl(["--socket", sock, "phonebook-import", str(good)]) == 0
    assert "2 rows imported" in capsys.readouterr().out
    assert entries(office) == [("0305555", "Epsilon"), ("+48221234567", "Żaneta")]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"0306666;Zeta\n0307777\n")
    assert pbxctl(["--socket", sock, "phonebook-import", str(bad)]) == 1
    assert "line 2: a row needs a number and a name" in capsys.readouterr().err
    assert pbxctl(["--socket", sock, "phonebook-import", "--merge", str(tmp_path / "missing.csv")]) == 1
    out = tmp_path / "export.csv"
    assert pbxctl(["--socket", sock, "phonebook-export", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["number,name", "0305555,Epsilon", "+48221234567,Żaneta"]


# --- voicemail deleted on the web page ----------------------------------------------------------------
def lamp(box: Box, port: int) -> bool | None:
    """What the port's driver was told to show on the handset's message lamp (the FSK spill that lights
    the virtual handset's lamp is covered by tests/scenario/test_ivr_mwi.py; here the box may be busy)."""
    driver = box.daemon.analog.fxs[port]                 # type: ignore[union-attr]
    return box.daemon.on_ports(lambda: driver.signals.mwi_wanted)


def test_deleting_voicemail_in_the_portal_puts_the_lamp_out(office: Box) -> None:
    api = office.daemon.api
    office.wait(lambda: lamp(office, 1) is True, what="the lamp of 201 on (a message found at start)")
    anna = office.login("anna", USER_PASSWORD)
    token = csrf_of(anna.get("/portal"))
    assert "msg-1.wav" in anna.get("/portal").text
    anna.post("/portal/voicemail/delete", {"csrf": token, "path": "201/msg-1.wav"}, status=302)
    box = next(b for b in api.office_status()["mailboxes"] if b["box"] == "201")
    assert (box["new"], box["old"]) == (0, 0)            # the engine knows at once
    engine = office.daemon.runtime.engine               # type: ignore[union-attr]
    assert office.daemon.on_runtime(lambda: engine.features.office.boxes.waiting("201")) == (0, 0)  # no stutter
    assert lamp(office, 1) is False                      # the lamp goes out


def test_the_portal_finds_messages_where_the_config_keeps_them(tmp_path: Path) -> None:
    """`voicemail.directory` moved to another disk: the portal lists, plays and deletes the messages there."""
    state, elsewhere = tmp_path / "state", tmp_path / "usb-disk"
    message(elsewhere, "201", "msg-9", directory="mail")
    cfg = Config(voicemail=VoicemailConfig(directory=str(elsewhere / "mail"), boxes=[MailboxConfig("201")]))
    b = prepare(start_box(state, cfg))
    try:
        anna = b.login("anna", USER_PASSWORD)
        page = anna.get("/portal")
        assert "msg-9.wav" in page.text
        assert anna.get("/media/voicemail/201/msg-9.wav").content_type == "audio/wav"
        anna.post("/portal/voicemail/delete", {"csrf": csrf_of(page), "path": "201/msg-9.wav"}, status=302)
        assert not (elsewhere / "mail" / "201" / "msg-9.wav").exists()
    finally:
        b.daemon.stop()


# --- a restart ---------------------------------------------------------------------------------------------
def test_a_restart_keeps_the_day_night_switch_and_the_portal_settings(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = prepare(start_box(state, CONFIG))
    try:
        admin = first.login("admin", ADMIN_PASSWORD)
        token = csrf_of(admin.get("/office"))
        admin.post("/office/daynight", {"csrf": token, "condition": "office", "mode": "night"}, status=302)
        anna = first.login("anna", USER_PASSWORD)
        form = anna.get("/portal").forms["portal-settings"]
        form["forward_always"] = "202"
        form["follow_me"] = "203, 01701234567"
        form["follow_me_enabled"] = True
        form["follow_me_after_s"] = "15"
        form["follow_me_order"] = "in_order"
        form.submit(status=302)
        first.daemon.api.phonebook_import(b"0301234567,Firma Weber\n")
    finally:
        first.daemon.stop()
    second = start_box(state, first.daemon.current_config())
    try:
        api = second.daemon.api
        assert api.office_status()["time_conditions"][0]["mode"] == "night"
        engine = second.daemon.runtime.engine           # type: ignore[union-attr]
        forwarding = engine.features.office.forwarding
        assert second.daemon.on_runtime(lambda: forwarding.target("201", "always")) == "202"
        book = engine.features.office.screening.book
        assert second.daemon.on_runtime(lambda: book.name("+49301234567")) == "Firma Weber"
        follow = engine.features.follow_me
        group = second.daemon.on_runtime(lambda: follow.group("201"))
        assert second.daemon.on_runtime(lambda: follow.after_s("201")) == 15.0
        assert [[m.extension or m.number for m in stage.members] for stage in group.stages] == [
            ["201", "203"], ["201", "01701234567"]]                 # one number after another
    finally:
        second.daemon.stop()
