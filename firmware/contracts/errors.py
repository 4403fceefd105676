"""Error hierarchy: one root per layer; concrete errors also inherit a builtin (architecture guide)."""

from __future__ import annotations


class FirmwareError(Exception):
    """Root of every error this package raises on purpose."""


# --- bus layer -------------------------------------------------------------------------
class BusError(FirmwareError, OSError):
    """An SPI or GPIO transfer failed (device missing, I/O error, injected fault)."""


# --- DSP layer -------------------------------------------------------------------------
class DspError(FirmwareError, RuntimeError):
    """The DSP library (spandsp) is missing or refused a request."""


# --- driver layer ----------------------------------------------------------------------
class DriverError(FirmwareError):
    """Root of chip-driver errors."""


class ChipAbsentError(DriverError, LookupError):
    """No chip, or not the expected chip, answered at this position."""


class ChipTimeoutError(DriverError, TimeoutError):
    """A chip did not finish an operation (power-up, calibration, link) in time."""


class ChipVerifyError(DriverError, ValueError):
    """A register read back differs from what was written."""


# --- config ----------------------------------------------------------------------------
class PbxError(FirmwareError):
    """Root of call-engine and configuration errors."""


class ConfigError(PbxError, ValueError):
    """A configuration file or value is wrong; names the key path and, when known, the line."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None,
                 source: str = "") -> None:
        self.key_path = path
        self.line = line
        self.source = source
        self.message = message
        where = ""
        if source:
            where += source
        if line is not None:
            where += f":{line}" if where else f"line {line}"
        prefix = f"{where}: " if where else ""
        key = f"{path}: " if path else ""
        super().__init__(f"{prefix}{key}{message}")


class IllegalTransition(PbxError, RuntimeError):
    """A state machine got an event its current state does not accept."""

    def __init__(self, machine: str, name: str, state: str, event: str) -> None:
        self.machine, self.name, self.state, self.event = machine, name, state, event
        super().__init__(f"{machine} {name}: event {event!r} is illegal in state {state!r}")


# --- SIP / media -----------------------------------------------------------------------
class SipError(FirmwareError, RuntimeError):
    """The SIP/media layer (pjsua2, Kamailio) failed."""


# --- API -------------------------------------------------------------------------------
class ApiError(FirmwareError, ValueError):
    """A command from the web page or CLI was refused; the message is for the user."""
