"""DC side of the virtual exchange line: battery, polarity, ringing voltage, neon MWI and the ways an exchange
signals a far-end clear (fact sheet 2.5, 2.6; DAHDI battery/polarity supervision as the box will see it).

The exchange feeds through `feed_ohms` (two 200 ohm coils by default) with a current limit; the line
model turns that into loop current and terminal voltage. Clear signalling (any combination):
battery drop (no feed for `battery_drop_ms`, or until the box hangs up), polarity reversal, loop-current
drop (the voltage stays, the current limit falls to 0 mA), and busy tone (started by the exchange).

[unverified]: ringing is 20 Hz in the "us" zone, 16 Hz in "jp", 25 Hz elsewhere, superimposed on the
battery voltage.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from firmware.drivers.sim.exchange_party import DisconnectSignal
from firmware.drivers.sim.exchange_plan import Timers
from firmware.drivers.sim.line import NO_FEED, Feed, TwoWireLine

RING_HZ_BY_ZONE = {"us": 20.0, "jp": 16.0}


def ring_hz_for(zone: str) -> float:
    return RING_HZ_BY_ZONE.get(zone, 25.0)


class FeedControl:
    """What the exchange applies to the pair; `apply(t)` writes it to the line's feed log."""

    def __init__(self, line: TwoWireLine, *, battery_volts: float, feed_ohms: float, current_limit_ma: float,
                 ring_vrms: float, ring_hz: float, neon_volts: float, idle: Callable[[], bool]) -> None:
        self.line = line
        self.battery_volts, self.feed_ohms, self.current_limit_ma = battery_volts, feed_ohms, current_limit_ma
        self.ring_vrms, self.ring_hz, self.neon_volts = ring_vrms, ring_hz, neon_volts
        self.plugged = True
        self.neon = False
        self.reversed = self.ringing = self.battery_off = self.current_denied = False
        self._idle = idle

    @property
    def live(self) -> bool:
        """Battery on the pair (audio can pass)."""
        return self.plugged and not self.battery_off

    def feed(self) -> Feed:
        if not self.live:
            return NO_FEED
        neon = self.neon and self._idle() and not self.ringing
        volts = (self.neon_volts if neon else self.battery_volts) * (-1.0 if self.reversed else 1.0)
        return Feed(volts=volts, ringing=self.ringing, ring_vrms=self.ring_vrms if self.ringing else 0.0,
                    ring_hz=self.ring_hz if self.ringing else 0.0, source_ohms=self.feed_ohms,
                    current_limit_ma=0.0 if self.current_denied else self.current_limit_ma)

    def apply(self, t: float) -> None:
        last = self.line.feed_log(math.inf)[0][0]
        self.line.set_feed(self.feed(), at=max(t, last))

    def reset(self, t: float) -> None:
        """Back to the idle feed: normal polarity, battery on, no ringing, current allowed."""
        self.reversed = self.ringing = self.battery_off = self.current_denied = False
        self.apply(t)

    def signal_clear(self, t: float, d: DisconnectSignal, timers: Timers) -> float | None:
        """Apply the clear signalling at `t`; returns when a disconnect tone may start (None: never)."""
        tone_at: float | None = t
        if d.polarity_reversal:
            self.reversed = not self.reversed
        if d.loop_current_drop:
            self.current_denied = True
            if d.loop_current_drop_ms is not None:
                timers.add(t + d.loop_current_drop_ms / 1000, "restore", self._restore_current)
        if d.battery_drop:
            self.battery_off = True
            tone_at = None if d.battery_drop_ms is None else t + d.battery_drop_ms / 1000
            if tone_at is not None:
                timers.add(tone_at, "restore", self._restore_battery)
        self.apply(t)
        return tone_at

    def _restore_battery(self, t: float) -> None:
        self.battery_off = False
        self.apply(t)

    def _restore_current(self, t: float) -> None:
        self.current_denied = False
        self.apply(t)
