"""Caller-ID names with German, Polish and Russian letters reach an analog display readable."""

from __future__ import annotations

from firmware.contracts.callerid import CallerId, CidFormat, CidStandard
from firmware.dsp.callerid import CidReceiver, CidSender, encode_message
from firmware.dsp.translit import to_ascii


def test_names_are_spelt_as_people_write_them_without_special_letters() -> None:
    assert to_ascii("Müller & Söhne GmbH") == "Mueller & Soehne GmbH"
    assert to_ascii("Straße") == "Strasse"
    assert to_ascii("Łódź Wrocław") == "Lodz Wroclaw"
    assert to_ascii("Иванов Пётр") == "Ivanov Pyotr"
    assert to_ascii("Zoë Renée") == "Zoe Renee"
    assert to_ascii("李") == "?"


def test_a_german_name_arrives_transliterated_on_the_display() -> None:
    msg = encode_message(CallerId(number="4930123456", name="Jürgen Weiß"), CidStandard.ETSI_V23, CidFormat.MDMF)
    sender = CidSender(CidStandard.ETSI_V23)
    sender.start(msg)
    audio = sender.generate(8000 * 2)
    got = [m for m in CidReceiver(CidStandard.ETSI_V23).feed(audio) if isinstance(m, CallerId)]
    assert got and got[0].name == "Juergen Weiss"
