"""Per-port FXS driver settings as explicit values (fact sheet 1.1, 1.7, 1.9, 3.3; product decisions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from firmware.contracts.callerid import CidFormat, CidStandard, CidTiming
from firmware.contracts.tones import ToneSpec, parse_tone
from firmware.drivers.fxs import registers as r
from firmware.drivers.fxs.dtmf import MODES as DTMF_MODES
from firmware.drivers.fxs.hook import HookWindows
from firmware.drivers.fxs.proslic import ChipConfig
from firmware.dsp.g711 import Law


def _sas() -> ToneSpec:      # Bellcore GR-506 subscriber alerting signal (Asterisk level)
    return parse_tone("sas", "!440/300", level_dbm0=-8.9)


def _cas() -> ToneSpec:      # Bellcore GR-30 CPE alerting signal
    return parse_tone("cas", "!2130+2750/85", level_dbm0=-20.9)


def _dtas() -> ToneSpec:     # ETSI EN 300 659-1 dual-tone alerting signal
    return parse_tone("dtas", "!2130+2750/100", level_dbm0=-13.0)


@dataclass(frozen=True)
class FxsSettings:
    port: int
    expected_part: str | None = None          # None: accept Si3210 or Si3215
    law: Law = Law.MULAW
    pcm_slot: int = 0                         # timeslot start count = slot x 8 PCLK
    loop_current_ma: int = 20                 # 20..41 (DR71)
    on_hook_volts: float = 48.0               # DR72, 1.5 V/LSB
    ring_mode: str = "normal"                 # key of registers.RING_MODES
    cid_standard: CidStandard = CidStandard.BELL202
    cid_format: CidFormat = CidFormat.MDMF
    cid_timing: CidTiming = CidTiming.AFTER_FIRST_RING
    sas: ToneSpec = field(default_factory=_sas)
    cas: ToneSpec = field(default_factory=_cas)
    dtas: ToneSpec = field(default_factory=_dtas)
    glitch_ms: int = 15
    pulse_max_ms: int = 100
    flash_max_ms: int = 1250
    pulse_digit_end_ms: int = 250
    oht_after_ring_ms: int = 6000
    dtmf: str = "auto"                        # "auto" | "hardware" | "software"
    scan_idle_ms: int = 20                    # idle on-hook DR68 poll without an interrupt line
    scan_active_ms: int = 10
    scan_int_ms: int = 5                      # idle on-hook INT line check (DR68 only when asserted)
    safety_scan_ms: int = 1000                # with an INT line, DR68 is still read at least this often
    sanity_ms: int = 250
    max_power_alarms: int = 10
    power_alarm_decay_s: float = 10.0
    rx_gain_db: float = 0.0                   # toward the handset (chip receive path, IR26)
    tx_gain_db: float = 0.0                   # from the handset (chip transmit path, IR27)
    cid_level_dbm0: float = -13.0
    manual_cal_fallback: bool = True
    recovery_first_s: float = 1.0
    recovery_max_s: float = 60.0

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValueError(f"port {self.port}: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        out: list[str] = []
        if self.expected_part not in (None, *r.PARTS):
            out.append(f"expected_part must be one of {', '.join(r.PARTS)} or None")
        if not 0 <= self.pcm_slot * 8 <= 0x3FF:
            out.append(f"pcm_slot {self.pcm_slot} outside 0..127")
        if self.ring_mode not in r.RING_MODES:
            out.append(f"ring_mode must be one of {', '.join(r.RING_MODES)}")
        if self.dtmf not in DTMF_MODES:
            out.append(f"dtmf must be one of {', '.join(DTMF_MODES)}")
        for check in (lambda: r.loop_current_code(self.loop_current_ma),
                      lambda: r.volts_code(self.on_hook_volts),
                      lambda: r.digital_gain(self.rx_gain_db), lambda: r.digital_gain(self.tx_gain_db),
                      lambda: self.hook_windows):
            try:
                check()
            except ValueError as exc:
                out.append(str(exc))
        if not 0 < self.scan_active_ms <= self.scan_idle_ms:
            out.append("scan rates need 0 < scan_active_ms <= scan_idle_ms")
        if not 0 < self.scan_int_ms <= self.safety_scan_ms:
            out.append("interrupt scan rates need 0 < scan_int_ms <= safety_scan_ms")
        if self.sanity_ms <= 0 or self.max_power_alarms < 1 or self.oht_after_ring_ms < 0:
            out.append("sanity_ms, max_power_alarms must be positive and oht_after_ring_ms >= 0")
        return out

    @property
    def hook_windows(self) -> HookWindows:
        return HookWindows(self.glitch_ms, self.pulse_max_ms, self.flash_max_ms, self.pulse_digit_end_ms)

    @property
    def chip_config(self) -> ChipConfig:
        return ChipConfig(
            pcm_slot=self.pcm_slot, mulaw=self.law is Law.MULAW, loop_current_ma=self.loop_current_ma,
            on_hook_volts=self.on_hook_volts, ring_mode=self.ring_mode, rx_gain_db=self.rx_gain_db,
            tx_gain_db=self.tx_gain_db, manual_cal_fallback=self.manual_cal_fallback)
