"""Message catalogues complete in every language; templates escape everything; no HTML built in Python."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from webui.i18n import LANGUAGES, catalogue, label, translator

WEBUI = Path(__file__).resolve().parents[2] / "webui"
TEMPLATES = sorted((WEBUI / "views").glob("*.tpl"))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_every_language_with_the_same_placeholders() -> None:
    english = catalogue("en")
    for lang in LANGUAGES:
        cat = json.loads((WEBUI / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
        assert set(cat) == set(english), f"{lang}: missing {set(english) - set(cat)}, extra {set(cat) - set(english)}"
        for key, text in cat.items():
            assert text.strip(), f"{lang}: {key} is empty"
            assert placeholders(text) == placeholders(english[key]), f"{lang}: {key}"


def test_every_literal_key_in_templates_and_script_is_in_the_catalogue() -> None:
    english = catalogue("en")
    used: set[str] = set()
    for tpl in TEMPLATES:
        used |= {k for k in re.findall(r"_\('([a-z_]+\.[a-z_.]+)'", tpl.read_text()) if not k.endswith(("_", "."))}
    used |= {k for k in re.findall(r't\("([a-z_]+\.[a-z_.]+)"', (WEBUI / "static" / "app.js").read_text())
             if not k.endswith(".")}
    assert not used - set(english), sorted(used - set(english))


@pytest.mark.parametrize("prefix", ["status.", "dir.", "disp.", "sort.", "role.", "setup.", "cfgpage.", "op.action."])
def test_dynamic_key_families_are_complete(prefix: str) -> None:
    wanted = {
        "status.": ["idle", "dialling", "ringing", "in call", "releasing", "alarm", "setup", "connected"],
        "dir.": ["internal", "outbound", "inbound"], "disp.": ["answered", "missed", "busy", "failed"],
        "sort.": ["newest", "oldest", "longest", "shortest", "from", "to"], "role.": ["admin", "operator", "user"],
        "setup.": ["country", "password", "extensions", "lines", "trunk", "test"],
        "cfgpage.": ["general", "extensions", "ports", "trunks", "routes", "dialling", "web", "board"],
        "op.action.": ["call", "hold", "retrieve", "transfer", "consult", "confirm", "conference", "record_start",
                       "record_stop", "pickup", "park", "unpark"],
    }[prefix]
    assert [w for w in wanted if prefix + w not in catalogue("en")] == []


def test_translator_falls_back_and_formats() -> None:
    t = translator("ru")
    assert t("nav.history") == "Звонки"
    assert t("no.such.key", "fallback") == "fallback"
    assert "201" in translator("de")("msg.restart", detail="201")
    assert label(translator("en"), "no_answer_s") == "No answer (s)"


def test_templates_only_ever_print_escaped() -> None:
    for tpl in TEMPLATES:
        raw = re.findall(r"\{\{!\s*(\w+)", tpl.read_text())
        assert raw in ([], ["base"]), f"{tpl.name} prints unescaped: {raw}"
        assert "<script>" not in tpl.read_text() and " on" + "click=" not in tpl.read_text(), tpl.name


def test_no_html_is_built_in_python() -> None:
    for module in WEBUI.glob("*.py"):
        code = module.read_text()
        assert not re.search(r"""["'f]<(?:[a-zA-Z]+[ >/]|/[a-zA-Z])""", code), module.name
