"""Port contract: what an analog port tells the call engine (events) and what it is told
(commands). The engine knows FXS/FXO ports only through these types; chip drivers produce
and consume them. Times are `Clock.now()` seconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.tones import ToneSpec


class PortKind(enum.Enum):
    FXS = "fxs"
    FXO = "fxo"


class LineState(enum.Enum):
    """Abstract linefeed states of an FXS port; mapped to chip values in one table per chip."""

    OPEN = "open"                      # no battery: forward disconnect, alarm
    ACTIVE = "active"                  # forward active: idle and talk
    REVERSE_ACTIVE = "reverse_active"  # reversed polarity (answer supervision, line-reversal CID)
    ON_HOOK_TX = "oht"                 # forward on-hook transmission (caller ID to an on-hook set)
    REVERSE_ON_HOOK_TX = "reverse_oht"
    RINGING = "ringing"
    TIP_OPEN = "tip_open"
    RING_OPEN = "ring_open"


@dataclass(frozen=True)
class RingCadence:
    """Ringing on/off durations in ms, alternating, starting with 'on', repeated.

    `cid_after` is the number of ring bursts after which the caller-ID spill is sent when the
    timing is after-ring (1 = in the first silent interval).
    """

    name: str
    pattern: tuple[int, ...]
    cid_after: int = 1

    def __post_init__(self) -> None:
        if not self.pattern or len(self.pattern) % 2 or any(p <= 0 for p in self.pattern):
            raise ValueError(f"ring cadence {self.name!r}: need on/off pairs of positive ms")

    @property
    def period_ms(self) -> int:
        return sum(self.pattern)


class DigitMethod(enum.Enum):
    DTMF_HW = "dtmf_hw"     # the chip's DTMF decoder (Si3210)
    DTMF_SW = "dtmf_sw"     # software receiver on the port's PCM (spandsp)
    PULSE = "pulse"         # rotary dial pulses


class AlarmCode(enum.Enum):
    CHIP_ABSENT = "chip_absent"
    CHIP_NOT_ANSWERING = "chip_not_answering"
    CALIBRATION_FAILED = "calibration_failed"
    POWER_ALARM = "power_alarm"
    CHIP_RESET = "chip_reset"
    LINE_UNPLUGGED = "line_unplugged"
    LINK_FAILED = "link_failed"


class DisconnectMethod(enum.Enum):
    BATTERY_DROP = "battery_drop"
    POLARITY_REVERSAL = "polarity_reversal"
    LOOP_CURRENT_DROP = "loop_current_drop"
    BUSY_TONE = "busy_tone"
    IDLE_LIMIT = "idle_limit"


# --- events: port -> engine -------------------------------------------------------------------
@dataclass(frozen=True)
class PortEvent:
    port: int
    at: float


@dataclass(frozen=True)
class OffHook(PortEvent):
    pass


@dataclass(frozen=True)
class OnHook(PortEvent):
    """Hang-up: the loop stayed open longer than the flash window."""


@dataclass(frozen=True)
class HookFlash(PortEvent):
    duration_ms: int = 0


@dataclass(frozen=True)
class DigitReceived(PortEvent):
    digit: str = ""
    method: DigitMethod = DigitMethod.DTMF_SW


@dataclass(frozen=True)
class CallerIdAck(PortEvent):
    """The off-hook set acknowledged a call-waiting alert (CAS) with DTMF A or D."""

    digit: str = "D"


@dataclass(frozen=True)
class PortAlarm(PortEvent):
    code: AlarmCode = AlarmCode.CHIP_NOT_ANSWERING
    reason: str = ""


@dataclass(frozen=True)
class PortAlarmCleared(PortEvent):
    pass


@dataclass(frozen=True)
class LineRingStart(PortEvent):
    pass


@dataclass(frozen=True)
class LineRingStop(PortEvent):
    on_ms: int = 0


@dataclass(frozen=True)
class LineCallerId(PortEvent):
    caller_id: CallerId = field(default_factory=CallerId)


@dataclass(frozen=True)
class LineDisconnect(PortEvent):
    method: DisconnectMethod = DisconnectMethod.BATTERY_DROP


@dataclass(frozen=True)
class LinePolarityReversal(PortEvent):
    pass


@dataclass(frozen=True)
class LineBattery(PortEvent):
    present: bool = True


@dataclass(frozen=True)
class LineCalibration:
    """What automatic line calibration measured on an FXO line, with the evidence."""

    disconnect_methods: tuple[DisconnectMethod, ...] = ()
    disconnect_tone: ToneSpec | None = None        # learnt frequencies and cadence
    cid_standard: CidStandard | None = None        # None: no caller ID arrived (or no incoming test)
    acim: int | None = None                        # best AC termination (Si3050 reg 30)
    erl_db_by_acim: tuple[tuple[int, float], ...] = ()
    ring_cadence_ms: tuple[int, ...] = ()
    answer_on_polarity: bool | None = None         # the exchange reverses polarity on answer (None: no outgoing test)
    evidence: tuple[str, ...] = ()                 # human-readable measurements behind each finding
    complete: bool = False
    error: str = ""


@dataclass(frozen=True)
class LineCalibrated(PortEvent):
    result: LineCalibration = field(default_factory=LineCalibration)


# --- commands: engine -> port -----------------------------------------------------------------
@dataclass(frozen=True)
class PortCommand:
    port: int


@dataclass(frozen=True)
class StartRinging(PortCommand):
    cadence: RingCadence
    caller_id: CallerId | None = None


@dataclass(frozen=True)
class StopRinging(PortCommand):
    pass


@dataclass(frozen=True)
class SetPolarity(PortCommand):
    reversed: bool


@dataclass(frozen=True)
class ForwardDisconnect(PortCommand):
    """Remove battery for `ms` (tells the set, or a PBX behind it, that the far end hung up)."""

    ms: int = 500


@dataclass(frozen=True)
class SendCallWaiting(PortCommand):
    """Call-waiting tone (SAS) to an off-hook set, then CAS and caller ID if it acknowledges."""

    caller_id: CallerId | None = None


@dataclass(frozen=True)
class SetMessageWaiting(PortCommand):
    on: bool


@dataclass(frozen=True)
class Seize(PortCommand):
    pass


@dataclass(frozen=True)
class Release(PortCommand):
    pass


@dataclass(frozen=True)
class DialDigits(PortCommand):
    digits: str
    pulse: bool = False


@dataclass(frozen=True)
class SendHookFlash(PortCommand):
    ms: int = 0  # 0 = the country preset


@dataclass(frozen=True)
class CalibrateLine(PortCommand):
    """Run automatic line calibration: an outgoing test call to `number` (echo/ACIM and
    disconnect signalling), and/or wait up to `incoming_wait_s` for an incoming test call
    (caller-ID format, ring cadence, disconnect signalling)."""

    number: str = ""
    incoming_wait_s: float = 0.0
