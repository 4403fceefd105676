"""Composition root for the analog side: config + country -> bus backends -> chip drivers -> port loop.

Only this package knows both the drivers and the backends (virtual chip models or the real
/dev devices). The same board description (`board.modules`) drives both, so a scenario
test on the virtual board and the hardware-in-the-loop rig exercise the same code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from firmware.config.model import Config, ModuleConfig
from firmware.contracts.bus import GpioLine, SpiDevice
from firmware.contracts.callerid import CidFormat, CidStandard, CidTiming
from firmware.contracts.clock import Clock, sleep_on
from firmware.contracts.errors import BusError
from firmware.contracts.pcm import PcmChannel
from firmware.contracts.ports import DisconnectMethod, PortKind
from firmware.drivers.fxo.port import FxoPort
from firmware.drivers.fxo.settings import FxoSettings
from firmware.drivers.fxs.port import FxsPort
from firmware.drivers.fxs.settings import FxsSettings
from firmware.dsp.g711 import Law
from firmware.runtime.ports import PortLoop, PortSlot
from firmware.telephony.countries import Country, country

# Countries whose networks use mu-law (T1/J1 heritage); A-law everywhere else.
MULAW_COUNTRIES = frozenset({"US", "CA", "JP", "GU", "TW"})
RESET_PULSE_S = 0.1  # reset held low this long, then chips need time to come up
RESET_RECOVER_S = 0.1


def companding(cfg: Config, ctry: Country) -> Law:
    choice = cfg.board.pcm.companding
    if choice == "mulaw":
        return Law.MULAW
    if choice == "alaw":
        return Law.ALAW
    return Law.MULAW if ctry.iso in MULAW_COUNTRIES else Law.ALAW


def fxs_settings(cfg: Config, ctry: Country, module: ModuleConfig) -> FxsSettings:
    port = cfg.fxs_port(module.port)
    standard = ctry.cid.standard if port.caller_id in ("country", "off") else CidStandard(port.caller_id)
    timing = ctry.cid.timing if port.caller_id_timing == "country" else CidTiming(port.caller_id_timing)
    part = {"si3210": "Si3210", "si3215": "Si3215"}.get(module.chip)
    return FxsSettings(
        port=module.port, expected_part=part, law=companding(cfg, ctry), pcm_slot=module.slot,
        loop_current_ma=port.loop_current_ma, ring_mode=port.ring_mode, cid_standard=standard,
        cid_format=CidFormat(port.caller_id_format), cid_timing=timing, dtmf=port.dtmf,
        rx_gain_db=port.rx_gain_db, tx_gain_db=port.tx_gain_db)


def fxo_settings(cfg: Config, ctry: Country, module: ModuleConfig) -> FxoSettings:
    port = cfg.fxo_port(module.port)
    overrides: dict[str, Any] = {
        "law": companding(cfg, ctry), "pcm_slot": module.slot,
        "disconnect_methods": frozenset(DisconnectMethod(m) for m in port.disconnect)
        | {DisconnectMethod.IDLE_LIMIT},
        "idle_limit_s": float(port.idle_limit_s), "max_call_s": float(port.max_call_s),
        "echo_cancel": port.echo_cancel, "echo_tail_ms": port.echo_tail_ms,
        "answer_on_polarity": port.answer_on_polarity,
        "rx_gain_db": port.rx_gain_db, "tx_gain_db": port.tx_gain_db,
    }
    if port.caller_id == "off":
        overrides["cid_enabled"] = False
    elif port.caller_id != "auto":
        overrides["cid_standard"] = CidStandard(port.caller_id)
    overrides["dial_pulse"] = port.dial == "pulse"
    if port.acim is not None:
        overrides["reg30"] = port.acim
    settings = FxoSettings.for_country(ctry.daa, port=module.port, tone_zone=ctry.tone_zone,
                                       flash_ms=ctry.hook_flash_ms, **overrides)
    return settings


@dataclass
class Analog:
    """The analog side of a running box."""

    config: Config
    country: Country
    loop: PortLoop
    fxs: dict[int, FxsPort] = field(default_factory=dict)
    fxo: dict[int, FxoPort] = field(default_factory=dict)
    board: Any = None  # VirtualBoard on the virtual board


class Backend:
    """Where chip selects, GPIO lines and PCM slots come from (virtual board or /dev)."""

    def spi(self, cs: int) -> SpiDevice:
        raise NotImplementedError

    def gpio(self, line: int, direction: str = "out") -> GpioLine:
        """A GPIO line: "out" (resets, driven high = not in reset) or "in" (interrupt inputs)."""
        raise NotImplementedError

    def pcm(self, slot: int) -> PcmChannel:
        raise NotImplementedError

    def step(self) -> None:
        """Render the hardware up to now (virtual board); nothing on real hardware."""


def pulse_shared_resets(modules: list[ModuleConfig], backend: Backend, clock: Clock) -> set[int]:
    """Pulse each reset line shared by several modules once; return those line numbers."""
    counts = Counter(m.reset_gpio for m in modules if m.reset_gpio is not None)
    shared = {line for line, n in counts.items() if n > 1}
    for line in sorted(shared):
        gpio = backend.gpio(line)
        gpio.write(False)
        sleep_on(clock, RESET_PULSE_S)
        gpio.write(True)
    if shared:
        sleep_on(clock, RESET_RECOVER_S)
    return shared


class FailedSpi:
    """Stands in for a chip select that could not be opened: every transfer fails, so only
    that port goes into alarm (with the reason) while the others work."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def transfer(self, data: bytes) -> bytes:
        raise BusError(self.reason)

    def close(self) -> None:
        pass


def open_spi(backend: Backend, cs: int) -> SpiDevice:
    try:
        return backend.spi(cs)
    except BusError as exc:
        return FailedSpi(str(exc))


def build_analog(cfg: Config, backend: Backend, clock: Clock) -> Analog:
    ctry = country(cfg.country)
    modules = cfg.board.modules
    shared = pulse_shared_resets(modules, backend, clock)
    slots: list[PortSlot] = []
    fxs: dict[int, FxsPort] = {}
    fxo: dict[int, FxoPort] = {}
    for m in sorted(modules, key=lambda m: m.port):
        reset = backend.gpio(m.reset_gpio) if m.reset_gpio is not None and m.reset_gpio not in shared else None
        spi = open_spi(backend, m.cs)
        if m.type == "fxs":
            daisy = m.position if cfg.board.daisy_chain else None
            irq = backend.gpio(m.int_gpio, "in") if m.int_gpio is not None else None
            driver = FxsPort(fxs_settings(cfg, ctry, m), spi, clock, reset=reset, daisy_channel=daisy,
                             interrupt=irq)
            fxs[m.port] = driver
            slots.append(PortSlot(m.port, PortKind.FXS, driver, backend.pcm(m.slot)))
        else:
            line = FxoPort(fxo_settings(cfg, ctry, m), spi, clock, reset=reset, chip_address=m.position)
            fxo[m.port] = line
            slots.append(PortSlot(m.port, PortKind.FXO, line, backend.pcm(m.slot)))
    loop = PortLoop(slots, board_step=backend.step)
    return Analog(cfg, ctry, loop, fxs, fxo)
