"""Automatic line calibration: the measurements find how the virtual line was set up, the result is
saved into the config with its evidence, and the next start uses it (issue: FXO ports)."""

from __future__ import annotations

import time
from pathlib import Path

from firmware.app.calibration import LineCalibrator
from firmware.config.model import Config, FxoPortConfig
from firmware.config.store import ConfigStore, load_config
from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.ports import CalibrateLine, DisconnectMethod, LineCalibrated
from firmware.drivers.sim.exchange_party import DisconnectSignal, FarParty
from tests.scenario.rig import VirtualRig

LINE = 5


def calibrate(rig: VirtualRig, *, true_acim: int) -> LineCalibrated:
    ex = rig.exchange(LINE)
    ex.true_acim = true_acim                  # virtual-only: how this exchange line is built
    ex._echo.true_acim = true_acim
    ex.disconnect = DisconnectSignal(battery_drop=False, polarity_reversal=True)
    called = ex.add_party("555", FarParty(answer_after_rings=1, hangup_after_s=25.0))
    rig.command(CalibrateLine(LINE, number="555", incoming_wait_s=180.0))
    rang = False
    for _ in range(400):                      # at most 400 s of virtual time
        rig.wait(1.0)
        done = rig.events(LINE, LineCalibrated)
        if done:
            return done[0]  # type: ignore[return-value]
        if not rang and called.hung_up_at is not None and ex.state.value == "idle":
            ex.ring(CallerId(number="4930123456", name="Test"), answer_party=FarParty(hangup_after_s=12.0))
            rang = True
    raise AssertionError(f"calibration did not finish; exchange log: {ex.log[-5:]}")


def test_calibration_finds_the_line_settings_and_they_are_saved_and_used(tmp_path: Path) -> None:
    rig = VirtualRig(Config(country="DE"))
    event = calibrate(rig, true_acim=9)
    result = event.result
    assert result.complete, result.error
    assert result.acim == 9                                   # best echo return loss where the line is 9
    assert DisconnectMethod.POLARITY_REVERSAL in result.disconnect_methods
    assert DisconnectMethod.BATTERY_DROP not in result.disconnect_methods
    assert result.answer_on_polarity is False                 # this line reverses only on hang-up
    assert result.cid_standard is CidStandard.ETSI_V23        # what a German line sends
    assert any("ACIM 9" in line for line in result.evidence)

    store = ConfigStore(tmp_path / "pbx.yaml")
    store.save(Config(country="DE"))
    applied: list[Config] = []
    calibrator = LineCalibrator(command=lambda cmd: None, current=store.load, store=lambda: store,
                                apply=applied.append, fxo_ports=[5, 6])
    calibrator.on_events([event])
    for _ in range(100):
        if calibrator.view(LINE)["saved"]:
            break
        time.sleep(0.05)
    view = calibrator.view(LINE)
    assert view["saved"] and view["result"]["acim"] == 9 and view["result"]["evidence"]
    saved = load_config(store.path).fxo_port(LINE)
    assert (saved.acim, saved.answer_on_polarity, saved.caller_id) == (9, False, "etsi_v23")
    assert saved.disconnect == ["polarity_reversal"]
    assert applied and applied[-1].fxo_port(LINE) == saved

    rig2 = VirtualRig(load_config(store.path))                # the next start uses what was learnt
    rig2.wait(0.5)
    assert rig2.chip(LINE).acim == 9


def test_calibration_is_refused_without_a_number_or_an_incoming_wait(tmp_path: Path) -> None:
    calibrator = LineCalibrator(command=lambda cmd: None, current=Config, store=lambda: ConfigStore(tmp_path / "x"),
                                apply=lambda cfg: None, fxo_ports=[5, 6])
    for port, number, wait, message in ((5, "", 0.0, "give a number"), (2, "555", 0.0, "not an FXO line")):
        try:
            calibrator.start(port, number, wait)
        except Exception as exc:
            assert message in str(exc)
        else:
            raise AssertionError("accepted")
    sent: list[CalibrateLine] = []
    cfg = Config(fxo=[FxoPortConfig(port=5, calibration_number="0301234567")])
    calibrator = LineCalibrator(command=sent.append, current=lambda: cfg, store=lambda: ConfigStore(tmp_path / "x"),
                                apply=lambda c: None, fxo_ports=[5, 6])
    assert calibrator.start(5)["running"]
    assert sent == [CalibrateLine(5, number="0301234567", incoming_wait_s=0.0)]
