"""Bus/PCM backends for the composition root: the virtual board or the real board's /dev devices."""

from __future__ import annotations

from firmware.app.compose import Backend
from firmware.config.model import Config
from firmware.contracts.bus import GpioLine, SpiDevice
from firmware.contracts.clock import Clock, FakeClock
from firmware.contracts.errors import BusError
from firmware.contracts.pcm import PcmChannel
from firmware.drivers.linux.devices import open_gpio, open_spi
from firmware.drivers.sim.board import VirtualBoard


class VirtualBackend(Backend):
    def __init__(self, cfg: Config, clock: Clock, *, absent_ports: frozenset[int] = frozenset()) -> None:
        # on a real clock the board renders at most 100 ms per port-loop step (a slow host lags, see advance)
        self.board = VirtualBoard(clock, cfg.board.modules, country=cfg.country, absent_ports=absent_ports,
                                  catch_up_s=None if isinstance(clock, FakeClock) else 0.100)

    def spi(self, cs: int) -> SpiDevice:
        return self.board.spi_device(cs)

    def gpio(self, line: int, direction: str = "out") -> GpioLine:
        return self.board.gpio_line(line)

    def pcm(self, slot: int) -> PcmChannel:
        return self.board.pcm_channel(slot)

    def step(self) -> None:
        self.board.advance()


class LinuxBackend(Backend):
    """The real board: spidev/periphery SPI, GPIO character device or RPi.GPIO."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self._spi: dict[int, SpiDevice] = {}
        self._gpio: dict[int, GpioLine] = {}

    def spi(self, cs: int) -> SpiDevice:
        if cs not in self._spi:
            self._spi[cs] = open_spi(self.cfg.board.spi, cs)
        return self._spi[cs]

    def gpio(self, line: int, direction: str = "out") -> GpioLine:
        """Reset lines are outputs driven high; interrupt lines (open drain, shared) are inputs."""
        if line not in self._gpio:
            self._gpio[line] = open_gpio(self.cfg.board.gpio, line, "in" if direction == "in" else "out", True)
        return self._gpio[line]

    def pcm(self, slot: int) -> PcmChannel:
        raise BusError(
            f"PCM slot {slot}: the TDM highway ({self.cfg.board.pcm.device}) is provided by the board's "
            "device-tree overlay and ALSA driver, which this build does not include yet")
