"""FXO disconnect supervision: battery, polarity, loop current, tone, idle limit (fact sheet 2.6, 3.7)."""

# While the port is off-hook every selected method watches the line; the first that fires ends the
# call with one LineDisconnect naming it, and the supervisor stays DISCONNECTED until released.
#   BATTERY_DROP       debounced battery loss (LineMonitor)
#   POLARITY_REVERSAL  debounced reversal judged by PolarityDisconnect (answer delay 600 ms)
#   LOOP_CURRENT_DROP  loop current below threshold for >= 80 ms, not in the 650 ms safe zone after
#                      the loop closes (seize, end of a dial pulse or flash) - Xorcom power denial
#   BUSY_TONE          the cadence detector recognised one of the country's busy/disconnect tones
#   IDLE_LIMIT         both directions quieter than the idle level for idle_limit_s, or the call
#                      is older than max_call_s (when set)
# While the dialler holds the loop open (pulse break, flash) nothing is judged.

from __future__ import annotations

import enum
from collections.abc import Iterable

from firmware.contracts.ports import DisconnectMethod, LineDisconnect, PortEvent
from firmware.drivers.fxo.battery import PolarityDisconnect
from firmware.drivers.fxo.fsm import Machine
from firmware.drivers.fxo.settings import FxoSettings


class SupState(enum.Enum):
    ON_HOOK = "on_hook"
    SAFE_ZONE = "safe_zone"          # off-hook, loop current not yet trusted
    SUPERVISING = "supervising"
    HOOK_OPEN = "hook_open"          # dialler break or flash in progress
    DISCONNECTED = "disconnected"    # reported; waiting for release


class SupEvent(enum.Enum):
    SEIZE = "seize"
    RELEASE = "release"
    SAFE_ZONE_OVER = "safe_zone_over"
    BREAK = "break"
    MAKE = "make"
    DISCONNECT = "disconnect"


_S, _E = SupState, SupEvent
TABLE: dict[tuple[SupState, SupEvent], SupState] = {
    (_S.ON_HOOK, _E.SEIZE): _S.SAFE_ZONE,
    (_S.ON_HOOK, _E.RELEASE): _S.ON_HOOK,
    (_S.SAFE_ZONE, _E.SAFE_ZONE_OVER): _S.SUPERVISING,
    (_S.SAFE_ZONE, _E.BREAK): _S.HOOK_OPEN,
    (_S.SAFE_ZONE, _E.DISCONNECT): _S.DISCONNECTED,
    (_S.SAFE_ZONE, _E.RELEASE): _S.ON_HOOK,
    (_S.SUPERVISING, _E.BREAK): _S.HOOK_OPEN,
    (_S.SUPERVISING, _E.DISCONNECT): _S.DISCONNECTED,
    (_S.SUPERVISING, _E.RELEASE): _S.ON_HOOK,
    (_S.HOOK_OPEN, _E.MAKE): _S.SAFE_ZONE,
    (_S.HOOK_OPEN, _E.RELEASE): _S.ON_HOOK,
    (_S.DISCONNECTED, _E.BREAK): _S.DISCONNECTED,
    (_S.DISCONNECTED, _E.MAKE): _S.DISCONNECTED,
    (_S.DISCONNECTED, _E.RELEASE): _S.ON_HOOK,
}

_JUDGING = (SupState.SAFE_ZONE, SupState.SUPERVISING)


class Supervisor:
    """Combines every selected disconnect method for one port; returns LineDisconnect once per call."""

    def __init__(self, settings: FxoSettings) -> None:
        self.s = settings
        self.port = settings.port
        self.fsm: Machine[SupState, SupEvent] = Machine("disconnect supervisor", self.port, TABLE,
                                                          SupState.ON_HOOK)
        self.polarity = PolarityDisconnect(answer_delay_ms=settings.polarity_on_answer_delay_ms,
                                           answer_on_polarity=settings.answer_on_polarity)
        self.seized_at = 0.0
        self.safe_until = 0.0
        self.low_since: float | None = None
        self.last_activity = 0.0
        self.method: DisconnectMethod | None = None

    # --- state ---------------------------------------------------------------------------------
    @property
    def state(self) -> SupState:
        return self.fsm.state

    @property
    def answered(self) -> bool:
        return self.polarity.answered

    def _on(self, method: DisconnectMethod) -> bool:
        return method in self.s.disconnect_methods and self.state in _JUDGING

    @property
    def next_deadline(self) -> float | None:
        if self.state not in _JUDGING:
            return None
        times: list[float] = []
        if self.state is SupState.SAFE_ZONE:
            times.append(self.safe_until)
        if self.low_since is not None:
            times.append(self.low_since + self.s.loop_current_debounce_ms / 1000.0)
        if DisconnectMethod.IDLE_LIMIT in self.s.disconnect_methods and self.s.idle_limit_s > 0:
            times.append(self.last_activity + self.s.idle_limit_s)
        if self.s.max_call_s > 0:
            times.append(self.seized_at + self.s.max_call_s)
        return min(times) if times else None

    # --- hook ----------------------------------------------------------------------------------
    def seize(self, now: float, *, outgoing: bool) -> None:
        self.fsm.fire(SupEvent.SEIZE)
        self.seized_at = self.last_activity = now
        self.safe_until = now + self.s.loop_safe_zone_ms / 1000.0
        self.low_since = None
        self.method = None
        self.polarity.seized(now, outgoing=outgoing)

    def mark_outgoing(self) -> None:
        self.polarity.mark_outgoing()

    def release(self) -> None:
        self.fsm.fire(SupEvent.RELEASE)
        self.low_since = None

    def hook_open(self) -> None:
        if self.state is not SupState.ON_HOOK:
            self.fsm.fire(SupEvent.BREAK)
            self.low_since = None

    def hook_closed(self, now: float) -> None:
        if self.state in (SupState.HOOK_OPEN, SupState.DISCONNECTED) and \
                self.fsm.fire(SupEvent.MAKE) is SupState.SAFE_ZONE:
            self.safe_until = now + self.s.loop_safe_zone_ms / 1000.0

    # --- signals -------------------------------------------------------------------------------
    def battery(self, present: bool, now: float) -> list[PortEvent]:
        if not present and self._on(DisconnectMethod.BATTERY_DROP):
            return self._disconnect(DisconnectMethod.BATTERY_DROP, now)
        return []

    def polarity_reversal(self, now: float) -> list[PortEvent]:
        if self.state not in _JUDGING:
            return []
        verdict = self.polarity.reversal(now)
        if verdict == "hangup" and self._on(DisconnectMethod.POLARITY_REVERSAL):
            return self._disconnect(DisconnectMethod.POLARITY_REVERSAL, now)
        return []

    def loop_current(self, ma: float, now: float) -> list[PortEvent]:
        if self.state is not SupState.SUPERVISING or DisconnectMethod.LOOP_CURRENT_DROP not in \
                self.s.disconnect_methods:
            self.low_since = None
            return []
        if abs(ma) >= self.s.loop_current_threshold_ma:
            self.low_since = None
            return []
        if self.low_since is None:
            self.low_since = now
        if now - self.low_since >= self.s.loop_current_debounce_ms / 1000.0 - 1e-9:
            return self._disconnect(DisconnectMethod.LOOP_CURRENT_DROP, now)
        return []

    def tones(self, names: Iterable[str], now: float) -> list[PortEvent]:
        busy = {t.name for t in self.s.busy_tones}
        if any(n in busy for n in names) and self._on(DisconnectMethod.BUSY_TONE):
            return self._disconnect(DisconnectMethod.BUSY_TONE, now)
        return []

    def audio(self, active: bool, now: float) -> None:
        if active:
            self.last_activity = now

    def tick(self, now: float) -> list[PortEvent]:
        if self.state is SupState.SAFE_ZONE and now >= self.safe_until:
            self.fsm.fire(SupEvent.SAFE_ZONE_OVER)
        if self.state not in _JUDGING:
            return []
        if self.s.max_call_s > 0 and now - self.seized_at >= self.s.max_call_s:
            return self._disconnect(DisconnectMethod.IDLE_LIMIT, now)
        if self._on(DisconnectMethod.IDLE_LIMIT) and self.s.idle_limit_s > 0 \
                and now - self.last_activity >= self.s.idle_limit_s:
            return self._disconnect(DisconnectMethod.IDLE_LIMIT, now)
        return []

    def _disconnect(self, method: DisconnectMethod, now: float) -> list[PortEvent]:
        self.fsm.fire(SupEvent.DISCONNECT)
        self.method = method
        self.low_since = None
        return [LineDisconnect(self.port, now, method=method)]
