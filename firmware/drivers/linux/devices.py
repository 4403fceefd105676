"""Real bus backends: the only module that opens /dev (spidev, python-periphery, RPi.GPIO).

SPI: Linux spidev through the `spidev` package or python-periphery's SPI class.
GPIO: the gpio character device through python-periphery, or RPi.GPIO (imported lazily:
it only imports on a Raspberry Pi). Every OS error becomes a `BusError` naming the device.
"""

from __future__ import annotations

import importlib
from typing import Any, Literal

from firmware.config.model import GpioConfig, SpiConfig
from firmware.contracts.bus import GpioLine, SpiDevice
from firmware.contracts.errors import BusError


class SpidevDevice:
    """`SpiDevice` over the spidev package (xfer2 keeps CS low for the whole frame)."""

    def __init__(self, bus: int, cs: int, *, speed_hz: int, mode: int) -> None:
        import spidev

        self.path = f"/dev/spidev{bus}.{cs}"
        self._dev: Any = spidev.SpiDev()
        try:
            self._dev.open(bus, cs)
            self._dev.max_speed_hz = speed_hz
            self._dev.mode = mode
        except OSError as exc:
            raise BusError(f"cannot open {self.path}: {exc.strerror or exc}") from exc

    def transfer(self, data: bytes) -> bytes:
        try:
            return bytes(self._dev.xfer2(list(data)))
        except OSError as exc:
            raise BusError(f"SPI transfer on {self.path} failed: {exc.strerror or exc}") from exc

    def close(self) -> None:
        self._dev.close()


class PeripherySpiDevice:
    """`SpiDevice` over python-periphery."""

    def __init__(self, bus: int, cs: int, *, speed_hz: int, mode: int) -> None:
        from periphery import SPI, SPIError

        self.path = f"/dev/spidev{bus}.{cs}"
        self._error: type[Exception] = SPIError
        try:
            self._dev: Any = SPI(self.path, mode, speed_hz)
        except (OSError, SPIError) as exc:
            raise BusError(f"cannot open {self.path}: {exc}") from exc

    def transfer(self, data: bytes) -> bytes:
        try:
            return bytes(self._dev.transfer(bytes(data)))
        except (OSError, self._error) as exc:
            raise BusError(f"SPI transfer on {self.path} failed: {exc}") from exc

    def close(self) -> None:
        self._dev.close()


class PeripheryGpioLine:
    """`GpioLine` over the gpio character device (python-periphery)."""

    def __init__(self, chip: str, line: int, direction: Literal["in", "out"], initial: bool = True) -> None:
        from periphery import GPIO, GPIOError

        self.name = f"{chip} line {line}"
        self._error: type[Exception] = GPIOError
        mode = direction if direction == "in" else ("high" if initial else "low")
        try:
            self._gpio: Any = GPIO(chip, line, mode)
        except (OSError, GPIOError) as exc:
            raise BusError(f"cannot open GPIO {self.name}: {exc}") from exc

    def read(self) -> bool:
        try:
            return bool(self._gpio.read())
        except (OSError, self._error) as exc:
            raise BusError(f"GPIO {self.name} read failed: {exc}") from exc

    def write(self, value: bool) -> None:
        try:
            self._gpio.write(bool(value))
        except (OSError, self._error) as exc:
            raise BusError(f"GPIO {self.name} write failed: {exc}") from exc

    def close(self) -> None:
        self._gpio.close()


class RpiGpioLine:
    """`GpioLine` over RPi.GPIO (BCM numbering); the module is imported only when used."""

    def __init__(self, line: int, direction: Literal["in", "out"], initial: bool = True) -> None:
        try:
            self._gpio: Any = importlib.import_module("RPi.GPIO")
        except (ImportError, RuntimeError) as exc:
            raise BusError(f"RPi.GPIO is not usable here ({exc}); use gpio backend 'periphery'") from exc
        self.line = line
        self._gpio.setmode(self._gpio.BCM)
        if direction == "out":
            self._gpio.setup(line, self._gpio.OUT, initial=self._gpio.HIGH if initial else self._gpio.LOW)
        else:
            self._gpio.setup(line, self._gpio.IN)

    def read(self) -> bool:
        return bool(self._gpio.input(self.line))

    def write(self, value: bool) -> None:
        self._gpio.output(self.line, self._gpio.HIGH if value else self._gpio.LOW)

    def close(self) -> None:
        self._gpio.cleanup(self.line)


def open_spi(cfg: SpiConfig, cs: int) -> SpiDevice:
    if cfg.backend == "periphery":
        return PeripherySpiDevice(cfg.bus, cs, speed_hz=cfg.speed_hz, mode=cfg.mode)
    return SpidevDevice(cfg.bus, cs, speed_hz=cfg.speed_hz, mode=cfg.mode)


def open_gpio(cfg: GpioConfig, line: int, direction: Literal["in", "out"], initial: bool = True) -> GpioLine:
    if cfg.backend == "rpigpio":
        return RpiGpioLine(line, direction, initial)
    return PeripheryGpioLine(cfg.chip, line, direction, initial)
