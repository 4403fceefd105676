"""The virtual telephony board: chip models on a virtual SPI bus, GPIO lines, a PCM highway,
and on every port a two-wire line with something plugged in (a handset on FXS, an exchange
line on FXO), built from the same board description as the real board.

`advance()` renders everything up to the clock's `now` in blocks of at most `block_ms`:
exchange models' timers tick, then each line carries one block of audio both ways.
FXS and FXO ports can be wired to each other as on a test rig (`wire_fxs_to_fxo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from firmware.config.model import ModuleConfig
from firmware.contracts.clock import Clock
from firmware.drivers.sim.exchange import VirtualExchange
from firmware.drivers.sim.gpio import VirtualGpioLine
from firmware.drivers.sim.handset import NoTerminal, VirtualHandset
from firmware.drivers.sim.line import TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmChannel, VirtualPcmHighway
from firmware.drivers.sim.si321x import Si321xModel
from firmware.drivers.sim.si3050 import Si3050Model
from firmware.drivers.sim.spi import Family, VirtualSpiBus, VirtualSpiDevice

RATE = 8000
MAX_LAG_S = 5.0      # with `catch_up_s`: audio further behind the clock than this is skipped
PROSLIC_PARTS = {"si3210": "Si3210", "si3215": "Si3215", "auto": "Si3215"}


@dataclass
class VirtualModule:
    config: ModuleConfig
    chip: Any             # Si321xModel or Si3050Model
    line: TwoWireLine
    terminal: Any         # VirtualHandset / NoTerminal on FXS; the chip itself on FXO
    feed: Any             # the chip on FXS; VirtualExchange on FXO
    reset: VirtualGpioLine | None


class VirtualBoard:
    def __init__(self, clock: Clock, modules: list[ModuleConfig], *, country: str = "DE",
                 block_ms: int = 10, absent_ports: frozenset[int] = frozenset(),
                 catch_up_s: float | None = None) -> None:
        self.clock = clock
        self.country = country
        self.bus = VirtualSpiBus(clock)
        self.highway = VirtualPcmHighway()
        self.block = block_ms * RATE // 1000
        self.gpio: dict[int, VirtualGpioLine] = {}
        self.modules: dict[int, VirtualModule] = {}
        self._t0 = clock.now()
        self._rendered = 0
        self._catch_up = None if catch_up_s is None else max(self.block, int(catch_up_s * RATE))
        self.skipped = 0     # samples never rendered: the host fell more than MAX_LAG_S behind
        for m in modules:
            if m.port in absent_ports:
                continue  # an empty socket: nothing answers on its chip select
            self.modules[m.port] = self._build(m)

    # --- construction ------------------------------------------------------------------------
    def _reset_line(self, m: ModuleConfig) -> VirtualGpioLine | None:
        if m.reset_gpio is None:
            return None
        return self.gpio.setdefault(m.reset_gpio, VirtualGpioLine(f"GPIO{m.reset_gpio}"))

    def _build(self, m: ModuleConfig) -> VirtualModule:
        line = TwoWireLine(self.clock, name=f"port {m.port}")
        reset = self._reset_line(m)
        if m.type == "fxs":
            chip = Si321xModel(self.clock, part=PROSLIC_PARTS[m.chip], line=line, highway=self.highway)
            terminal: Any = VirtualHandset(self.clock, line, name=f"handset {m.port}")
            line.connect(chip, terminal)
            self.bus.attach(m.cs, Family.PROSLIC, m.position, chip)
            if reset is not None:
                chip.attach_reset(reset)
            if m.int_gpio is not None:   # open drain, wired-OR with the other modules on that line
                chip.attach_interrupt(self.gpio_line(m.int_gpio))
            return VirtualModule(m, chip, line, terminal, chip, reset)
        daa = Si3050Model(self.clock, line=line, highway=self.highway)
        exchange = VirtualExchange(self.clock, line, country=self.country)
        exchange.attach_daa(daa)
        line.connect(exchange, daa)
        self.bus.attach(m.cs, Family.DAA, m.position, daa)
        if reset is not None:
            daa.attach_reset(reset)
        return VirtualModule(m, daa, line, daa, exchange, reset)

    # --- what the drivers get ----------------------------------------------------------------
    def spi_device(self, cs: int) -> VirtualSpiDevice:
        return self.bus.device(cs)

    def gpio_line(self, number: int) -> VirtualGpioLine:
        return self.gpio.setdefault(number, VirtualGpioLine(f"GPIO{number}"))

    def pcm_channel(self, slot: int) -> VirtualPcmChannel:
        return self.highway.channel(slot)

    # --- what tests and the virtual-board panel use ---------------------------------------------
    def handset(self, port: int) -> VirtualHandset:
        terminal = self.modules[port].terminal
        if not isinstance(terminal, VirtualHandset):
            raise KeyError(f"port {port} has no handset plugged in")
        return terminal

    def exchange(self, port: int) -> VirtualExchange:
        feed = self.modules[port].feed
        if not isinstance(feed, VirtualExchange):
            raise KeyError(f"port {port} is not an FXO port on an exchange line")
        return feed

    def chip(self, port: int) -> Any:
        return self.modules[port].chip

    def line(self, port: int) -> TwoWireLine:
        return self.modules[port].line

    def unplug_handset(self, port: int) -> None:
        mod = self.modules[port]
        mod.terminal = NoTerminal()
        mod.line.connect(mod.chip, mod.terminal)

    def wire_fxs_to_fxo(self, fxs_port: int, fxo_port: int) -> None:
        """Connect an FXS port's pair to an FXO port (test rig): the SLIC feeds the DAA."""
        fxs, fxo = self.modules[fxs_port], self.modules[fxo_port]
        fxo.chip.line = fxs.line  # the DAA now reads battery, ringing and loop from the SLIC's pair
        fxs.line.connect(fxs.chip, fxo.chip)
        fxs.terminal = fxo.chip
        fxo.feed = fxs.chip
        fxo.line.connect(NoTerminal(), NoTerminal())
        fxo.line = fxs.line

    # --- time --------------------------------------------------------------------------------
    @property
    def lag(self) -> float:
        """Seconds of line audio not rendered yet (only with `catch_up_s` can this stay above a block)."""
        return max(0.0, self.clock.now() - self._t0 - self._rendered / RATE)

    def advance(self) -> None:
        """Render the board up to `clock.now()`.

        With `catch_up_s` (the daemon on a real clock) at most that much per call: on a host slower
        than real time (software emulation, overload) each call would otherwise have to render all the
        time the previous one took, and the port loop's steps would grow without bound. The audio then
        lags the clock and catches up when the load drops; beyond MAX_LAG_S of lag the oldest part is
        skipped. Hook, ringing and power behaviour is evaluated from the clock, never lags."""
        target = int((self.clock.now() - self._t0) * RATE)
        if self._catch_up is not None:
            lag = target - self._rendered
            if lag > MAX_LAG_S * RATE:
                skip = lag - int(MAX_LAG_S * RATE)
                self.skipped += skip
                self._rendered += skip
            target = min(target, self._rendered + self._catch_up)
        while self._rendered < target:
            n = min(self.block, target - self._rendered)
            now = self._t0 + (self._rendered + n) / RATE
            for mod in self.modules.values():
                tick = getattr(mod.feed, "tick", None)
                if tick is not None:
                    tick(now)
            seen: set[int] = set()
            for mod in self.modules.values():
                if id(mod.line) in seen:
                    continue
                seen.add(id(mod.line))
                mod.line.exchange(n)
            self._rendered += n
