"""The web page in real headless Chromium (selenium + Debian's chromedriver) against a running box on the
virtual board: first login and forced change, the setup wizard, a call placed from the virtual board
seen live on the dashboard, an attended transfer from the operator panel, CSV export, switching
language. Screenshots of the main pages go to test-artifacts/screenshots/."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import ADMIN_PASSWORD, Box, start_box

pytestmark = pytest.mark.browser
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WAIT_S = 30

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Box, str]]:
    port = free_port()
    box = start_box(tmp_path_factory.mktemp("browserbox"), http=f"127.0.0.1:{port}")
    try:
        yield box, f"http://127.0.0.1:{port}"
    finally:
        box.daemon.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[Any]:
    opts = Options()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(flag)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: Any, condition: Callable[[Any], Any], what: str) -> Any:
    return WebDriverWait(driver, WAIT_S, poll_frequency=0.2).until(condition, message=f"waiting for {what}")


def click_row(driver: Any, what: str) -> None:
    """Click the first call in the operator table. The page redraws the table on every live update (the
    selection is kept by call id), so an element found just before a redraw may be gone when clicked:
    look it up again until the click lands, as a person's second click would."""
    def attempt(d: Any) -> bool:
        try:
            row = d.find_element(By.CSS_SELECTOR, "#op-calls-body tr[data-call]")
            if not (row.is_displayed() and row.is_enabled()):
                return False
            row.click()
            return True
        except (StaleElementReferenceException, NoSuchElementException):
            return False
    wait(driver, attempt, what)


def shot(driver: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def fill(driver: Any, element_id: str, text: str) -> None:
    el = driver.find_element(By.ID, element_id)
    el.clear()
    el.send_keys(text)


def test_first_login_forced_change_and_setup_wizard(site: tuple[Box, str], browser: Any) -> None:
    box, url = site
    browser.get(url + "/")
    wait(browser, ec.presence_of_element_located((By.ID, "login-form")), "login page")
    shot(browser, "login")
    fill(browser, "user", "admin")
    fill(browser, "password", box.first_password)
    browser.find_element(By.ID, "login").click()
    wait(browser, ec.presence_of_element_located((By.ID, "password-form")), "forced password change")
    fill(browser, "new", ADMIN_PASSWORD)
    fill(browser, "again", ADMIN_PASSWORD)
    browser.find_element(By.ID, "save-password").click()
    wait(browser, ec.url_contains("/setup"), "the setup wizard")
    Select(browser.find_element(By.ID, "country")).select_by_value("PL")
    assert browser.find_element(By.ID, "timezone").get_attribute("value") == "Europe/Warsaw"   # set by the page
    shot(browser, "setup-country")
    browser.find_element(By.ID, "setup-next").click()
    wait(browser, ec.url_contains("step=password"), "password step")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "pl"   # country sets the language
    browser.find_element(By.ID, "setup-next").click()
    wait(browser, ec.url_contains("step=extensions"), "extensions step")
    fill(browser, "name_1", "Recepcja")
    browser.find_element(By.ID, "setup-next").click()
    wait(browser, ec.url_contains("step=lines"), "lines step")
    Select(browser.find_element(By.ID, "destination_5")).select_by_value("202")
    browser.find_element(By.ID, "setup-next").click()
    if "trunk" in box.ctx.setup.steps():
        wait(browser, ec.url_contains("step=trunk"), "SIP trunk step")
        browser.find_element(By.ID, "setup-next").click()
    wait(browser, ec.url_contains("step=test"), "test-call step")
    browser.find_element(By.ID, "test-ring-2").click()
    wait(browser, lambda d: "ok" in d.find_element(By.ID, "test-result").get_attribute("class"), "test ring sent")
    box.wait(lambda: bool(box.daemon.api.handset_view(2)["ringing"]), what="handset 2 rings")
    shot(browser, "setup-test")
    browser.find_element(By.ID, "setup-next").click()
    wait(browser, ec.url_contains("/dashboard"), "dashboard after setup")
    cfg = box.daemon.current_config()
    assert cfg.country == "PL" and cfg.extension_list()[0].name == "Recepcja"
    assert {(i.line, i.destination) for i in cfg.inbound} >= {("fxo:5", "202")}
    assert box.ctx.setup.done


def test_call_from_the_virtual_board_is_live_on_the_dashboard(site: tuple[Box, str], browser: Any) -> None:
    box, url = site
    browser.get(url + "/board")
    wait(browser, ec.presence_of_element_located((By.ID, "handset-1")), "virtual board")
    browser.find_element(By.ID, "offhook-1").click()
    wait(browser, lambda d: "offhook" in d.find_element(By.ID, "handset-1").get_attribute("class"), "1 off-hook")
    fill(browser, "digits-1", "202")
    browser.find_element(By.ID, "press-1").click()
    box.wait(lambda: any(c["to"] == "202" for c in box.daemon.api.status()["calls"]), what="the call to 202")
    wait(browser, lambda d: "ringing" in d.find_element(By.ID, "handset-2").get_attribute("class"), "2 ringing")
    browser.find_element(By.ID, "offhook-2").click()
    wait(browser, lambda d: "offhook" in d.find_element(By.ID, "handset-2").get_attribute("class"), "2 answered")
    shot(browser, "board")
    browser.get(url + "/dashboard")
    wait(browser, lambda d: "202" in d.find_element(By.ID, "calls-body").text, "the call on the dashboard")
    wait(browser, lambda d: any(c["state"] == "connected" for c in box.daemon.api.status()["calls"]), "connected")
    first = browser.find_element(By.ID, "calls-body").text
    assert "201" in first and "202" in first                     # who calls whom, as the operator sees it
    wait(browser, lambda d: d.find_element(By.ID, "calls-body").text != first, "live duration update")
    shot(browser, "dashboard")
    box.daemon.api.handset(1, "on-hook")
    box.daemon.api.handset(2, "on-hook")
    wait(browser, lambda d: d.find_element(By.ID, "calls-empty").get_attribute("hidden") is None,
         "the call gone from the dashboard")
    assert "202" not in browser.find_element(By.ID, "calls-body").text


def test_attended_transfer_from_the_operator_panel(site: tuple[Box, str], browser: Any) -> None:
    box, url = site
    api = box.daemon.api
    if not box.daemon.operator_available():
        pytest.xfail("the call engine's operator API (Engine.operator + OperatorCommand) has not landed yet")
    api.handset(1, "off-hook")
    api.handset(1, "press", "202")
    box.wait(lambda: bool(api.handset_view(2)["ringing"]), what="202 ringing")
    api.handset(2, "off-hook")
    box.wait(lambda: any(c["state"] == "connected" for c in api.status()["calls"]), what="201-202 connected")
    browser.get(url + "/operator")
    Select(browser.find_element(By.ID, "op-line")).select_by_value("201")
    click_row(browser, "the call row")
    browser.find_element(By.ID, "op-consult").click()
    dialog_input = wait(browser, ec.visibility_of_element_located((By.ID, "number-dialog-input")), "number dialog")
    dialog_input.send_keys("203")
    browser.find_element(By.ID, "number-dialog-ok").click()
    box.wait(lambda: bool(api.handset_view(3)["ringing"]), what="consultation call rings 203")
    api.handset(3, "off-hook")
    click_row(browser, "the calls")
    browser.find_element(By.ID, "op-confirm").click()
    wait(browser, lambda d: "ok" in d.find_element(By.ID, "op-result").get_attribute("class"), "transfer confirmed")
    box.wait(lambda: any({"fxs:2", "fxs:3"} <= set(c["parties"]) for c in api.status()["calls"]),
             what="202 talks to 203")
    (call,) = [c for c in api.status()["calls"] if {"fxs:2", "fxs:3"} <= set(c["parties"])]
    assert "fxs:1" not in call["parties"]                          # the transferring extension is out of it
    shot(browser, "operator-transfer")
    for port in (1, 2, 3):
        if api.handset_view(port)["off_hook"]:
            api.handset(port, "on-hook")


def test_operator_panel_and_csv_export(site: tuple[Box, str], browser: Any, downloads: Path) -> None:
    box, url = site
    browser.get(url + "/operator")
    wait(browser, ec.presence_of_element_located((By.ID, "op-calls")), "operator panel")
    shot(browser, "operator")
    box.wait(lambda: bool(box.daemon.api.call_records(extension="201")), what="the call record of 201")
    browser.get(url + "/history")
    wait(browser, ec.presence_of_element_located((By.ID, "history")), "call history")
    shot(browser, "history")
    for old in downloads.glob("*"):
        old.unlink()
    browser.find_element(By.ID, "csv").click()
    deadline = time.monotonic() + WAIT_S
    files: list[Path] = []
    while time.monotonic() < deadline and not files:
        files = [f for f in downloads.glob("calls-*.csv") if f.stat().st_size > 0]
        time.sleep(0.2)
    assert files, "no CSV downloaded"
    lines = files[0].read_text().splitlines()
    assert lines[0].startswith("start,answer,end") and any(",201," in line for line in lines[1:]), lines
    browser.get(url + "/config/extensions")
    wait(browser, ec.presence_of_element_located((By.ID, "config-form")), "config page")
    shot(browser, "config-extensions")


def test_switching_language(site: tuple[Box, str], browser: Any) -> None:
    _, url = site
    browser.get(url + "/dashboard")
    Select(wait(browser, ec.presence_of_element_located((By.ID, "language")), "language menu")).select_by_value("ru")
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru", "Russian page")
    assert "Звонки" in browser.find_element(By.TAG_NAME, "nav").text
    shot(browser, "dashboard-ru")
    Select(browser.find_element(By.ID, "language")).select_by_value("de")
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de", "German page")
    assert "Anrufe" in browser.find_element(By.TAG_NAME, "nav").text


def test_screenshots_were_saved() -> None:
    assert (SHOTS / "dashboard.png").exists() and (SHOTS / "login.png").exists()
