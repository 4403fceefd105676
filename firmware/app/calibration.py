"""Automatic line calibration from the user's side: start it on an FXO port, keep the result with its
evidence, save what it learnt into the config and put it in force for the next call on that line.

The measurement itself is the FXO driver's (firmware/drivers/fxo/calibration.py). What the result
changes in the config: the disconnect methods the line really gives (idle limit always stays on),
whether the exchange reverses polarity on answer, the best AC termination (ACIM) and the caller-ID
format seen on the incoming test call.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

from firmware.config.model import Config, FxoPortConfig
from firmware.config.store import ConfigStore
from firmware.contracts.errors import ApiError
from firmware.contracts.ports import CalibrateLine, DisconnectMethod, LineCalibrated, LineCalibration, PortEvent

log = logging.getLogger("pbxd.calibration")

CONFIG_METHODS = {
    DisconnectMethod.BATTERY_DROP: "battery_drop",
    DisconnectMethod.POLARITY_REVERSAL: "polarity_reversal",
    DisconnectMethod.LOOP_CURRENT_DROP: "loop_current_drop",
    DisconnectMethod.BUSY_TONE: "busy_tone",
}


def learnt_port_config(old: FxoPortConfig, result: LineCalibration) -> FxoPortConfig:
    """The port's config with what a complete calibration measured."""
    changes: dict[str, Any] = {}
    methods = [CONFIG_METHODS[m] for m in result.disconnect_methods if m in CONFIG_METHODS]
    if methods:
        changes["disconnect"] = methods
    if result.acim is not None:
        changes["acim"] = result.acim
    if result.answer_on_polarity is not None:
        changes["answer_on_polarity"] = result.answer_on_polarity
    if result.cid_standard is not None:
        changes["caller_id"] = result.cid_standard.value
    return dataclasses.replace(old, **changes)


def with_port(cfg: Config, port_cfg: FxoPortConfig) -> Config:
    others = [p for p in cfg.fxo if p.port != port_cfg.port]
    return dataclasses.replace(cfg, fxo=sorted([*others, port_cfg], key=lambda p: p.port))


def result_view(port: int, result: LineCalibration | None, running: bool, saved: bool) -> dict[str, Any]:
    view: dict[str, Any] = {"port": port, "running": running, "saved": saved, "result": None}
    if result is not None:
        tone = result.disconnect_tone
        view["result"] = {
            "complete": result.complete, "error": result.error,
            "disconnect_methods": [m.value for m in result.disconnect_methods],
            "disconnect_tone": None if tone is None else {
                "frequencies": list(tone.frequencies),
                "cadence_ms": [seg.ms for seg in tone.segments]},
            "caller_id": result.cid_standard.value if result.cid_standard else None,
            "acim": result.acim, "erl_db_by_acim": {str(k): round(v, 1) for k, v in result.erl_db_by_acim},
            "answer_on_polarity": result.answer_on_polarity,
            "ring_cadence_ms": list(result.ring_cadence_ms), "evidence": list(result.evidence),
        }
    return view


class LineCalibrator:
    def __init__(self, *, command: Callable[[CalibrateLine], None], current: Callable[[], Config],
                 store: Callable[[], ConfigStore], apply: Callable[[Config], Any], fxo_ports: list[int]) -> None:
        self._command, self._current, self._store, self._apply = command, current, store, apply
        self.fxo_ports = fxo_ports
        self.results: dict[int, LineCalibration] = {}
        self.running: set[int] = set()
        self.saved: set[int] = set()
        self._lock = threading.Lock()

    def start(self, port: int, number: str = "", incoming_wait_s: float = 0.0) -> dict[str, Any]:
        if port not in self.fxo_ports:
            raise ApiError(f"port {port} is not an FXO line; lines: {', '.join(map(str, self.fxo_ports))}")
        cfg_port = self._current().fxo_port(port)
        number = number or cfg_port.calibration_number
        if number and not number.replace("*", "").replace("#", "").isdigit():
            raise ApiError(f"the test number must be digits, got {number!r}")
        if not number and incoming_wait_s <= 0:
            raise ApiError("give a number to call for the test, or wait for an incoming test call (or both)")
        if not 0 <= incoming_wait_s <= 600:
            raise ApiError("wait for the incoming test call at most 600 s")
        with self._lock:
            if port in self.running:
                raise ApiError(f"line {port} is already being calibrated")
            self.running.add(port)
            self.saved.discard(port)
        self._command(CalibrateLine(port, number=number, incoming_wait_s=incoming_wait_s))
        log.info("line %d: calibration started (number %s, incoming wait %.0f s)", port, number or "-",
                 incoming_wait_s, extra={"port": port, "event": "CalibrateLine"})
        return self.view(port)

    def view(self, port: int) -> dict[str, Any]:
        return result_view(port, self.results.get(port), port in self.running, port in self.saved)

    def on_events(self, events: list[PortEvent]) -> None:
        """Port-thread listener: keep results; save them on a worker thread (never on the port thread)."""
        for ev in events:
            if isinstance(ev, LineCalibrated):
                with self._lock:
                    self.results[ev.port] = ev.result
                    self.running.discard(ev.port)
                if ev.result.complete:
                    threading.Thread(target=self._save, args=(ev.port, ev.result), daemon=True,
                                     name="pbx-calibration-save").start()
                else:
                    log.warning("line %d: calibration incomplete: %s", ev.port, ev.result.error,
                                extra={"port": ev.port, "event": "LineCalibrated"})

    def _save(self, port: int, result: LineCalibration) -> None:
        try:
            cfg = self._current()
            new = with_port(cfg, learnt_port_config(cfg.fxo_port(port), result))
            stored = self._store().save(new)
            self._apply(stored)
            with self._lock:
                self.saved.add(port)
            log.info("line %d: calibration saved: %s", port, "; ".join(result.evidence[-3:]),
                     extra={"port": port, "event": "LineCalibrated"})
        except Exception:
            log.exception("line %d: could not save the calibration", port)
