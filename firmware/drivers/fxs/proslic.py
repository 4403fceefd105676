"""ProSLIC identification, init, power-up, calibration and fast re-init (fact sheet 1.5, 1.6, 1.7).

Every procedure that has to wait is a generator: it yields the delay (seconds) it wants before
being resumed and is resumed with `send(now)`. `run_blocking` drives one to completion with
`sleep_on` (used by `FxsPort.start`); the port's `tick` drives the same generators one step per
due tick, so recovery never sleeps inside `tick`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar

from firmware.contracts.clock import Clock, sleep_on
from firmware.contracts.errors import ChipAbsentError, ChipTimeoutError
from firmware.drivers.fxs import registers as r
from firmware.drivers.fxs.shadow import RegisterShadow

T = TypeVar("T")
Proc = Generator[float, float, T]

POWER_UP_TIMEOUT_S = 0.5      # DR82 must reach 0xC0 (fact 1.6 step 5)
POWER_UP_TARGET = 0xC0
CAL_TIMEOUT_S = 2.0           # DR96 must clear (fact 1.6 step 8)
MANUAL_CAL_TIMEOUT_S = 0.5
POLL_S = 0.010
LEAK_SETTLE_S, LEAK_WINDOW_S, LEAK_FLOOR = 0.020, 0.250, 0x06   # wctdm24xxp leakage test
DCDC_CAL_TIMEOUT_S = 0.2
CAL_AUTO = (0x1F, 0x5F)       # DR97, DR96
CAL_MANUAL = (0x18, 0x47)


class PowerUpError(ChipTimeoutError):
    """The DC-DC converter did not bring the battery up in time."""


class CalibrationError(ChipTimeoutError):
    """Calibration (DR96) did not finish in time, auto and manual."""


@dataclass(frozen=True)
class ChipId:
    part: str
    revision: int
    dr0: int


@dataclass(frozen=True)
class ChipConfig:
    """What init needs to know about the port (derived from FxsSettings by the port)."""

    pcm_slot: int = 0
    mulaw: bool = True
    loop_current_ma: int = 20
    on_hook_volts: float = 48.0
    ring_mode: str = "normal"
    rx_gain_db: float = 0.0
    tx_gain_db: float = 0.0
    manual_cal_fallback: bool = True
    interrupts: bool = False     # INT pin serviced: only loop-closure and ring-trip interrupts enabled


@dataclass
class InitResult:
    calibration: tuple[int, ...] = ()
    warnings: list[str] = field(default_factory=list)


def run_blocking(proc: Proc[T], clock: Clock) -> T:
    """Drive a procedure to completion, waiting with `sleep_on` (instant on a FakeClock)."""
    try:
        delay = next(proc)
        while True:
            sleep_on(clock, delay)
            delay = proc.send(clock.now())
    except StopIteration as stop:
        return stop.value


def poll(read: Callable[[], int], done: Callable[[int], bool], *, start: float, timeout: float,
         what: str, error: type[ChipTimeoutError] = ChipTimeoutError,
         every: float = POLL_S) -> Proc[tuple[int, float]]:
    """Read until `done(value)`; raise `error` once `timeout` has passed without it.

    `start` is when the caller last knew the time, which can be long before the write that set the
    chip going (SPI traffic in between takes its time on a slow or loaded box). The timeout therefore
    runs from the latest time known to precede that write: `start`, or the first wake-up minus the poll
    interval. A chip is declared dead only by a read made after that: the condition is always read
    again after a wait, however long the thread was preempted, before the timeout is checked.
    """
    now = begun = start
    first = True
    while True:
        value = read()
        if done(value):
            return value, now
        if now - begun >= timeout:
            raise error(f"{what} within {timeout * 1000:.0f} ms (read 0x{value:02X})")
        now = yield every
        if first:
            begun, first = max(start, now - every), False


# --- identification (fact 1.5) ---------------------------------------------------------------
def identify(regs: RegisterShadow, *, fresh: bool, expected: str | None = None) -> ChipId:
    """Check that a sane ProSLIC answers; `fresh` = just reset, so reset values must read back."""
    port = regs.port
    if regs.bus.daisy_channel is not None:
        regs.bus.enter_daisy_mode()
    dr0 = regs.read(r.SPI_MODE)
    rev = dr0 & 0x0F
    if dr0 == 0xFF or rev in (0x0, 0xF):
        raise ChipAbsentError(f"port {port}: no ProSLIC (DR0 read 0x{dr0:02X})")
    if rev < 2:
        raise ChipAbsentError(f"port {port}: ProSLIC revision {rev} too old (DR0 read 0x{dr0:02X}), "
                              "revision 2 or later needed")
    if regs.bus.daisy_channel is not None and not dr0 & 0x80:
        raise ChipAbsentError(f"port {port}: ProSLIC did not enter daisy-chain mode (DR0 read 0x{dr0:02X})")
    dr1 = regs.read(r.PCM_MODE)
    part = r.SI3215 if dr1 & 0x80 else r.SI3210
    _expect(regs, r.HYBRID, 0x33, "no ProSLIC")
    if fresh:
        _expect(regs, r.AUDIO_LOOPBACK, 0x02, "ProSLIC not in its reset state")
        _expect(regs, r.LINE_STATE, 0x00, "ProSLIC not in its reset state")
    if expected is not None and part != expected:
        raise ChipAbsentError(f"port {port}: expected {expected}, found {part} (DR1 read 0x{dr1:02X})")
    regs.part = part
    regs.write(r.I_ADDRESS, 0, force=True)
    return ChipId(part, rev, dr0)


def _expect(regs: RegisterShadow, reg: int, want: int, what: str) -> None:
    got = regs.read(reg)
    if got != want:
        raise ChipAbsentError(f"port {regs.port}: {what} (DR{reg} read 0x{got:02X}, expected 0x{want:02X})")


# --- power-up and calibration (fact 1.6 steps 5..9) -------------------------------------------
def _power_on(regs: RegisterShadow) -> None:
    regs.write(r.DCDC_PWM_OFF, 0xC0, force=True)   # wctdm24xxp period (TDM400: 0xFF)
    regs.write(r.PWR_DOWN1, 0x00, force=True)


def _engage(regs: RegisterShadow, cfg: ChipConfig) -> None:
    regs.write(r.LOOP_I_LIMIT, r.loop_current_code(cfg.loop_current_ma), force=True)
    regs.write(r.DCDC, 0x19, force=True)


def power_up(regs: RegisterShadow, cfg: ChipConfig, start: float) -> Proc[float]:
    """Converter on; DR82 must reach 0xC0 (about 72 V) within 500 ms."""
    _power_on(regs)
    _, now = yield from poll(
        lambda: regs.read(r.BAT_V_HI_SENSE), lambda v: v >= POWER_UP_TARGET, start=start,
        timeout=POWER_UP_TIMEOUT_S, error=PowerUpError,
        what=f"port {regs.port}: DC-DC converter did not bring the battery up to 72 V "
             "(check the module's power supply)")
    _engage(regs, cfg)
    return now


def leak_test(regs: RegisterShadow, start: float, result: InitResult) -> Proc[float]:
    """Converter off: the battery must hold above ~2.3 V for 250 ms, else warn of leakage."""
    regs.write(r.LINE_STATE, 0x00, force=True)
    regs.write(r.PWR_DOWN1, 0x10, force=True)
    now = yield LEAK_SETTLE_S
    try:
        value, now = yield from poll(lambda: regs.read(r.BAT_V_HI_SENSE), lambda v: v <= LEAK_FLOOR,
                                     start=now, timeout=LEAK_WINDOW_S, what="")
    except ChipTimeoutError:
        return now
    result.warnings.append(f"port {regs.port}: excessive leakage, battery fell to 0x{value:02X} "
                           "with the converter off (check for a short circuit)")
    return now


def calibrate(regs: RegisterShadow, start: float, cals: tuple[int, int],
              timeout: float = CAL_TIMEOUT_S) -> Proc[float]:
    """Start a calibration (DR97, DR96) and wait for DR96 to clear."""
    regs.write(r.CALIBR2, cals[0], force=True)
    regs.write(r.CALIBR1, cals[1], force=True)
    _, now = yield from poll(lambda: regs.read(r.CALIBR1), lambda v: v == 0, start=start, timeout=timeout,
                             error=CalibrationError,
                             what=f"port {regs.port}: calibration did not finish (DR96)")
    return now


def calibrate_manual(regs: RegisterShadow, start: float) -> Proc[float]:
    """Manual calibration fallback (fact 1.6 step 8, as wctdm24xxp)."""
    for reg in (r.IRQ_MASK1, r.IRQ_MASK2, r.IRQ_MASK3, r.LINE_STATE):
        regs.write(reg, 0x00, force=True)
    now = yield from calibrate(regs, start, CAL_MANUAL, MANUAL_CAL_TIMEOUT_S)
    now = yield 0.010
    for ir in r.IR_MANUAL_CAL:
        regs.write_indirect(ir, 0, force=True)
    regs.write(r.CAL_GAIN_RING, 0x10, force=True)
    regs.write(r.CAL_GAIN_TIP, 0x10, force=True)
    for cal_reg, null_reg in ((r.CAL_GAIN_RING, r.IQ5), (r.CAL_GAIN_TIP, r.IQ6)):
        for code in range(0x1F, 0, -1):
            regs.write(cal_reg, code, force=True)
            now = yield 0.040
            if regs.read(null_reg) == 0:
                break
    regs.write(r.LINE_STATE, 0x01, force=True)
    now = yield 0.100
    regs.write(r.LINE_STATE, 0x00, force=True)
    regs.write(r.IRQ_MASK3, 0x04, force=True)
    regs.write(r.CALIBR2, 0x01, force=True)
    regs.write(r.CALIBR1, 0x40, force=True)
    regs.read(r.CALIBR1)
    for reg in (r.IRQ_MASK1, r.IRQ_MASK2, r.IRQ_MASK3):
        regs.write(reg, 0xFF, force=True)
    return now


def calibrate_with_retry(regs: RegisterShadow, cfg: ChipConfig, start: float) -> Proc[float]:
    """Auto calibration, one retry, then the manual fallback (if configured)."""
    now = start
    for _attempt in range(2):
        try:
            return (yield from calibrate(regs, now, CAL_AUTO))
        except CalibrationError as exc:
            failure: CalibrationError = exc
            now = yield 0.0
    if not cfg.manual_cal_fallback:
        raise failure
    return (yield from calibrate_manual(regs, now))


def dcdc_calibrate(regs: RegisterShadow, start: float, result: InitResult) -> Proc[float]:
    regs.write(r.DCDC, 0x99, force=True)
    try:
        _, now = yield from poll(lambda: regs.read(r.DCDC), lambda v: not v & 0x80, start=start,
                                 timeout=DCDC_CAL_TIMEOUT_S, what="DC-DC calibration bit still set")
    except ChipTimeoutError as exc:
        result.warnings.append(f"port {regs.port}: {exc}")
        now = start + DCDC_CAL_TIMEOUT_S
    value = regs.read(r.DCDC_CAL)
    if not 0x02 <= value <= 0x0D:
        result.warnings.append(
            f"port {regs.port}: surprising DC-DC calibration DR107 0x{value:02X}, using 0x08")
        regs.write(r.DCDC_CAL, 0x08, force=True)
    return now


# --- whole sequences (fact 1.6) ---------------------------------------------------------------
def _load_indirect(regs: RegisterShadow) -> None:
    for reg in r.INDIRECT_INIT:
        regs.write_indirect(reg.addr, reg.init, force=True)
    regs.write_indirect(r.IR_SCRATCH, 0, force=True)
    regs.write(r.AUDIO_LOOPBACK, 0x00, force=True)
    regs.write(r.ENHANCE, 0xEB, force=True)
    regs.write(r.AUTO_STATE, 0x07, force=True)   # no automatic battery switching, auto-open kept
    regs.write(r.BAT_FEED, 0x01, force=True)     # Q7 off
    for ir in r.IR_FILTERS:                      # flush the digital filters while powering up
        regs.write_indirect(ir, 0x8000, force=True)


def _restore_filters_and_verify(regs: RegisterShadow) -> None:
    for ir in r.IR_FILTERS:
        regs.write_indirect(ir, r.INDIRECT[ir].init, force=True)
    regs.verify_indirect(reg.addr for reg in r.INDIRECT_INIT)


def full_init(regs: RegisterShadow, cfg: ChipConfig, start: float, *, live: bool) -> Proc[InitResult]:
    """Complete init with power-up, leakage test, calibration and DC-DC calibration."""
    result = InitResult()
    if live:
        regs.write(r.PWR_DOWN1, 0x10, force=True)   # converter off before touching anything
    _load_indirect(regs)
    now = yield from power_up(regs, cfg, start)
    now = yield from leak_test(regs, now, result)
    now = yield from power_up(regs, cfg, now)
    now = yield from calibrate_with_retry(regs, cfg, now)
    now = yield from dcdc_calibrate(regs, now, result)
    result.calibration = tuple(regs.read(reg) for reg in r.CAL_REGS)
    _restore_filters_and_verify(regs)
    configure(regs, cfg)
    return result


def fast_init(regs: RegisterShadow, cfg: ChipConfig, calibration: tuple[int, ...]) -> InitResult:
    """Re-init a chip that was reset behind our back: no power checks, saved calibration rewritten.

    Unlike DAHDI's fast path this also rewrites DR71 (loop current) and DR93 (converter engaged),
    which a real reset returns to their defaults.
    """
    if len(calibration) != len(r.CAL_REGS):
        raise ValueError("saved calibration must hold DR96..107")
    regs.forget()
    regs.write(r.PWR_DOWN1, 0x10, force=True)
    _load_indirect(regs)
    _power_on(regs)
    _engage(regs, cfg)
    for reg, value in zip(r.CAL_REGS, calibration):
        regs.write(reg, value & 0xBF if reg == r.CALIBR1 else value, force=True)   # never restart CAL
    _restore_filters_and_verify(regs)
    configure(regs, cfg)
    return InitResult(calibration)


def configure(regs: RegisterShadow, cfg: ChipConfig) -> None:
    """PCM, interrupts, feed voltages, debounce, ringing preset and gains (fact 1.6 steps 11-12)."""
    count = cfg.pcm_slot * 8
    if not 0 <= count <= 0x3FF:
        raise ValueError(f"PCM slot {cfg.pcm_slot} outside what DR2..5 can address")
    mode = r.RING_MODES[cfg.ring_mode]
    direct = (
        (r.PCM_MODE, r.pcm_mode(cfg.mulaw)),
        (r.PCM_TX_LO, count & 0xFF), (r.PCM_TX_HI, count >> 8),
        (r.PCM_RX_LO, count & 0xFF), (r.PCM_RX_HI, count >> 8),
        (r.COMMON_V, 0x04), (r.LOOP_DEBOUNCE, 0x04), (r.AUDIO_GAIN, 0x00),
        (r.OFF_HOOK_V, r.volts_code(cfg.on_hook_volts)),
        (r.LOOP_I_LIMIT, r.loop_current_code(cfg.loop_current_ma)),
        (r.BAT_V_HI, mode.vbath), (r.RING_OSC_CTL, mode.osc_ctl),
    )
    for reg in (r.IRQ_STATUS1, r.IRQ_STATUS2, r.IRQ_STATUS3):
        regs.write(reg, 0xFF, force=True)    # write 1 to clear whatever init left pending
    for reg, value in interrupt_masks(cfg.interrupts):
        regs.write(reg, value, force=True)
    for reg, value in direct:
        regs.write(reg, value, force=True)
    indirect = (
        (r.IR_RING_OSC, mode.ring_osc), (r.IR_RING_X, mode.ring_x), (r.IR_RING_Y, mode.ring_y),
        (r.IR_RING_TRIP_TRES, mode.ring_trip),
        (r.IR_RX_GAIN, r.digital_gain(cfg.rx_gain_db)), (r.IR_TX_GAIN, r.digital_gain(cfg.tx_gain_db)),
    )
    for ir, word in indirect:
        regs.write_indirect(ir, word, force=True)
    regs.verify_all(reg for reg, _ in direct)
    regs.verify_indirect(ir for ir, _ in indirect)


def interrupt_masks(interrupts: bool) -> tuple[tuple[int, int], ...]:
    """DR21..23 (fact sheet 1.1): polled like DAHDI (DR22 = 0xFF, pin unused), or for a serviced INT
    pin only loop closure and ring trip (DR22 bits 1, 0) so nothing else holds a shared line low."""
    if not interrupts:
        return ((r.IRQ_MASK2, 0xFF),)
    return ((r.IRQ_MASK1, 0x00), (r.IRQ_MASK2, r.IRQ_HOOK_BITS), (r.IRQ_MASK3, 0x00))


def bring_up(regs: RegisterShadow, cfg: ChipConfig, start: float, *, fresh: bool, expected: str | None,
             calibration: tuple[int, ...] | None) -> Proc[tuple[ChipId, InitResult]]:
    """Identify, then fast re-init when a calibration is saved, else full init."""
    chip = identify(regs, fresh=fresh, expected=expected)
    if calibration is not None:
        return chip, fast_init(regs, cfg, calibration)
    result = yield from full_init(regs, cfg, start, live=not fresh)
    return chip, result
