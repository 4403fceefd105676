"""FXO port settings, explicit values; country presets from the DAA table (fact sheet 2.3, 2.5, 2.6, 3.1)."""

# Every timing default is the DAHDI/Asterisk/Xorcom value quoted in the fact sheet unless marked
# "our choice". `FxoSettings.for_country` fills the country-dependent fields from firmware.telephony
# (DAA register values, busy/congestion tones, DTMF levels); `for_iso` goes through the country table.

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from firmware.contracts.callerid import CidStandard
from firmware.contracts.ports import DisconnectMethod
from firmware.contracts.tones import ToneSpec
from firmware.dsp.g711 import Law
from firmware.telephony import countries
from firmware.telephony import tones as zone_tones
from firmware.telephony.daa import FAST_PICKUP_DEFAULT, TX_GAIN_OVERRIDE_DB, DaaCountry

ECHO_TAILS_MS = (32, 64, 128)  # what spandsp 0.0.6's canceller accepts

DEFAULT_FLASH_MS = 750  # DAHDI default (fact 3.1); the country preset normally wins

ALL_METHODS: frozenset[DisconnectMethod] = frozenset(DisconnectMethod)


@dataclass(frozen=True)
class FxoSettings:
    """Everything one FXO port needs, explicit values only (no hidden lookups at run time)."""

    port: int
    # DAA country registers (fact 2.3): reg16 OHS/RZ/RT, reg26 DCV/MINI/ILIM, reg30 ACIM, reg31 FOH/OHS2...
    reg16: int = 0x00
    reg26: int = 0xC0
    reg30: int = 0x00
    reg31: int = 0xA3
    country: str = "FCC"
    law: Law = Law.MULAW
    pcm_slot: int = 0
    # --- disconnect supervision (fact 2.6) ---------------------------------------------------
    disconnect_methods: frozenset[DisconnectMethod] = ALL_METHODS
    busy_tones: tuple[ToneSpec, ...] = ()
    idle_limit_s: float = 120.0     # our choice: both directions below idle_level_dbm0 this long
    idle_level_dbm0: float = -45.0
    max_call_s: float = 0.0         # absolute call-length cap, 0 = off
    battery_threshold_v: float = 3.0
    battery_debounce_ms: int = 64
    battery_alarm_ms: int = 1000
    polarity_debounce_ms: int = 64
    polarity_on_answer_delay_ms: int = 600
    answer_on_polarity: bool = True         # the exchange reverses polarity when the far end answers
    loop_current_threshold_ma: float = 3.3  # Xorcom: reg 28 below 3 LSB
    loop_current_debounce_ms: int = 80
    loop_safe_zone_ms: int = 650
    # --- ringing and caller ID (fact 2.5, 3.3, 3.5) --------------------------------------------
    ring_debounce_ms: int = 128
    ring_timeout_ms: int = 8000
    full_wave_ring_detect: bool = True   # reg 18 = 0x02, reg 24 = 0x00 (wctdm24xxp)
    cid_enabled: bool = True                 # False: never listen for caller ID (calibration still does)
    cid_standard: CidStandard | None = None  # None = auto: every receiver in parallel
    cid_window_ms: int = 6000              # our choice: how long one reception window stays open
    cid_energy_level: float = 256.0        # mean |sample| that opens a window on an idle line (Asterisk)
    # --- audio ---------------------------------------------------------------------------------
    echo_tail_ms: int = 32
    echo_cancel: bool = True
    rx_gain_db: float = 0.0
    tx_gain_db: float = 0.0
    # --- dialling (fact 3.1) -----------------------------------------------------------------
    dtmf_level_dbm0: float = -10.0          # low-group tone (spandsp convention)
    dtmf_twist_db: float = 2.0              # high group this much louder
    dtmf_on_ms: int = 100
    dtmf_off_ms: int = 100
    pulse_make_ms: int = 40
    pulse_break_ms: int = 60
    pulse_interdigit_ms: int = 700
    flash_ms: int = DEFAULT_FLASH_MS
    dial_pulse: bool = False               # how calibration dials its test call (engine: DialDigits.pulse)
    predial_ms: int = 500                  # pause after seizing when not waiting for dial tone (DAHDI 'w')
    wait_for_dial_tone: bool = False
    dial_tone_timeout_ms: int = 3000       # then dial anyway
    dial_tone_freqs: tuple[float, ...] = (350.0, 400.0, 425.0, 440.0, 450.0)
    dial_tone_min_ms: int = 200
    # --- scanning, chip, recovery ----------------------------------------------------------------
    scan_idle_ms: int = 20
    scan_active_ms: int = 5
    fast_pickup: bool = False
    sanity_interval_ms: int = 1000
    recovery_max_s: float = 60.0
    link_timeout_s: float = 2.0

    def __post_init__(self) -> None:
        for name in ("reg16", "reg26", "reg30", "reg31"):
            value = getattr(self, name)
            if not 0 <= value <= 0xFF:
                raise ValueError(f"FXO port {self.port}: {name}=0x{value:X} is not a byte")
        if self.reg30 > 15:
            raise ValueError(f"FXO port {self.port}: ACIM (reg30) {self.reg30} outside 0..15")
        if self.echo_tail_ms not in ECHO_TAILS_MS:
            raise ValueError(f"FXO port {self.port}: echo_tail_ms must be one of {ECHO_TAILS_MS}")
        if not 1 <= self.scan_active_ms <= self.scan_idle_ms:
            raise ValueError(f"FXO port {self.port}: need 1 <= scan_active_ms <= scan_idle_ms")
        if self.scan_active_ms > 10:
            raise ValueError(f"FXO port {self.port}: scan_active_ms above 10 ms cannot time dial pulses")
        for name in ("pulse_make_ms", "pulse_break_ms", "pulse_interdigit_ms", "flash_ms", "dtmf_on_ms"):
            if getattr(self, name) <= 0:
                raise ValueError(f"FXO port {self.port}: {name} must be positive")
        if self.idle_limit_s < 0 or self.max_call_s < 0:
            raise ValueError(f"FXO port {self.port}: idle_limit_s and max_call_s must be >= 0")

    # --- derived ---------------------------------------------------------------------------------
    @property
    def acim(self) -> int:
        return self.reg30

    def uses(self, method: DisconnectMethod) -> bool:
        return method in self.disconnect_methods

    def replace(self, **changes: Any) -> FxoSettings:
        return dataclasses.replace(self, **changes)

    # --- country presets -------------------------------------------------------------------------
    @classmethod
    def for_country(cls, daa: DaaCountry, *, port: int, tone_zone: str | None = None,
                    flash_ms: int = DEFAULT_FLASH_MS, **overrides: Any) -> FxoSettings:
        """Settings for a DAHDI opermode: its register values (fast pickup and TX gain side rules
        applied), the zone's busy and congestion tones and DTMF level; `overrides` win."""
        fast = bool(overrides.pop("fast_pickup", daa.name in FAST_PICKUP_DEFAULT))
        regs = daa.registers(fast_pickup=fast)
        values: dict[str, Any] = {
            "reg16": regs[16], "reg26": regs[26], "reg30": regs[30], "reg31": regs[31],
            "country": daa.name, "fast_pickup": fast, "flash_ms": flash_ms,
            "tx_gain_db": TX_GAIN_OVERRIDE_DB.get(daa.name, 0.0),
        }
        zone = tone_zone or zone_tones.GENERIC_ZONE
        tone_set = zone_tones.tone_set(zone)
        values["busy_tones"] = (tone_set.busy, tone_set.congestion)
        low, high = zone_tones.ZONE_DTMF_LEVELS[zone]
        values["dtmf_level_dbm0"] = float(low)       # low group; spandsp: high group = low + twist
        values["dtmf_twist_db"] = float(high - low)
        values.update(overrides)
        return cls(port=port, **values)

    @classmethod
    def for_iso(cls, iso: str, *, port: int, **overrides: Any) -> FxoSettings:
        """Settings for an ISO 3166 country code ("DE", "GB", "US", ...) from the country table:
        its DAHDI DAA mode, tone zone and hook-flash time. Unknown codes raise ConfigError."""
        c = countries.country(iso)
        overrides.setdefault("flash_ms", c.hook_flash_ms)
        return cls.for_country(c.daa, port=port, tone_zone=c.tone_zone, **overrides)
