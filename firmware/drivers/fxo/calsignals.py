"""Disconnect-signal log for FXO line calibration: what the line did after the far end hung up (fact 2.6)."""

# Each test call logs the first occurrence of every disconnect signal with its time and a
# measured detail; the first one is the reference ("+0 ms") for the others. The same rules as live
# supervision apply: loop current is not trusted during the safe zone after seizing, and a polarity
# reversal within the polarity-on-answer delay of seizing/answering is not a hang-up.

from __future__ import annotations

from dataclasses import dataclass

from firmware.contracts.ports import DisconnectMethod
from firmware.drivers.fxo.calmeasure import LearntTone
from firmware.drivers.fxo.fsm import ms


@dataclass(frozen=True)
class Signal:
    method: DisconnectMethod
    at: float
    detail: str


class SignalLog:
    def __init__(self, *, loop_threshold_ma: float = 3.3, loop_debounce_ms: int = 80,
                 loop_safe_zone_ms: int = 650, polarity_delay_ms: int = 600,
                 battery_threshold_v: float = 3.0) -> None:
        self.loop_threshold_ma = loop_threshold_ma
        self.battery_threshold_v = battery_threshold_v
        self.loop_debounce_s = loop_debounce_ms / 1000.0
        self.safe_zone_s = loop_safe_zone_ms / 1000.0
        self.polarity_delay_s = polarity_delay_ms / 1000.0
        self.label = ""
        self.call_start = 0.0
        self.reference = 0.0
        self.low_since: float | None = None
        self.lowest_ma = 0.0
        self.current: dict[DisconnectMethod, Signal] = {}
        self.seen: list[DisconnectMethod] = []
        self.learnt_tone: LearntTone | None = None

    def new_call(self, now: float, *, outgoing: bool, label: str) -> None:
        self.label = label
        self.call_start = self.reference = now
        self.low_since = None
        self.current = {}

    def answered(self, now: float) -> None:
        self.reference = now

    def _log(self, method: DisconnectMethod, at: float, detail: str) -> bool:
        if method in self.current:
            return False
        self.current[method] = Signal(method, at, detail)
        if method not in self.seen:
            self.seen.append(method)
        return True

    # --- signals ---------------------------------------------------------------------------
    def polarity(self, now: float, onset: float) -> bool:
        """A debounced reversal reported at `now` that began at `onset`."""
        if now - self.reference <= self.polarity_delay_s:
            return False
        self.reference = now
        return self._log(DisconnectMethod.POLARITY_REVERSAL, onset, "polarity reversed")

    def battery_lost(self, onset: float, volts: float) -> bool:
        return self._log(DisconnectMethod.BATTERY_DROP, onset, f"battery dropped to {abs(volts):.0f} V")

    def loop_current(self, ma: float, volts: float, now: float) -> bool:
        """Loop current below threshold for the debounce time while the battery is still there (a
        current drop without battery is the battery drop, as Xorcom's power-denial check has it)."""
        if now - self.call_start < self.safe_zone_s or abs(volts) < self.battery_threshold_v:
            self.low_since = None
            return False
        if abs(ma) >= self.loop_threshold_ma:
            self.low_since = None
            return False
        if self.low_since is None:
            self.low_since = now
            self.lowest_ma = abs(ma)
        self.lowest_ma = min(self.lowest_ma, abs(ma))
        if now - self.low_since < self.loop_debounce_s - 1e-9:
            return False
        detail = (f"loop current fell to {self.lowest_ma:.1f} mA (threshold {self.loop_threshold_ma:g} mA, "
                  f"line {abs(volts):.0f} V)")
        return self._log(DisconnectMethod.LOOP_CURRENT_DROP, self.low_since, detail)

    def tone(self, tone: LearntTone, now: float) -> bool:
        if self.learnt_tone is None:
            self.learnt_tone = tone
        return self._log(DisconnectMethod.BUSY_TONE, now, tone.describe())

    # --- results ---------------------------------------------------------------------------
    def evidence_for_call(self) -> list[str]:
        if not self.current:
            return [f"{self.label}: no disconnect signal seen"]
        ordered = sorted(self.current.values(), key=lambda s: s.at)
        first = ordered[0]
        lines = [f"{self.label}: first disconnect signal: {first.detail} "
                 f"({ms(first.at - self.call_start)} ms after seizing)"]
        lines += [f"{self.label}: {s.detail} {ms(s.at - first.at)} ms after the first signal"
                  for s in ordered[1:]]
        return lines

    def methods(self) -> list[DisconnectMethod]:
        return list(self.seen)
