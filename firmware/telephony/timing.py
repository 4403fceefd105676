"""Analog timing defaults and sources (DAHDI dahdi-base/wctdm, Asterisk sig_analog, ETSI EN 300 659-1)."""

# All values are integer milliseconds. Each field's source is in TIMING_SOURCES; values we chose or
# could not confirm are listed in UNVERIFIED (one table).
#
# FXS hook qualifier (how long an on-hook "break" lasted decides what it was):
#     break <  hook_glitch_max_ms                   -> ignored (glitch)
#     hook_glitch_max_ms <= break < pulse_break_max_ms -> one dial pulse
#     pulse_break_max_ms <= break < flash_max_ms    -> hook flash
#     break >= flash_max_ms                         -> hang-up
# PRODUCT DECISION (differs from DAHDI): the product owner requires a 120 ms break and a 600 ms break
# to be hook flashes and a 2 s break a hang-up. DAHDI's dahdi-base counts 15-200 ms as a dial pulse and
# only > 200 ms as a flash, which would turn the 100-130 ms "timed break recall" flash of European
# phones into a dialled "1". We therefore end the pulse window at 100 ms. Rotary dials break for
# about 60-67 ms at 10 pulses/s, so they stay well inside the pulse window; a very slow or worn dial
# whose breaks reach 100 ms would be read as flashes. Phones whose flash is shorter than 100 ms
# (some sets offer 80/90 ms) would be read as a pulse - set them to 100 ms or longer.

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Literal

BreakKind = Literal["glitch", "pulse", "flash", "hangup"]


@dataclass(frozen=True)
class AnalogTiming:
    # --- FXS hook qualifier (see module comment) ------------------------------------------------
    hook_glitch_max_ms: int = 15
    pulse_break_max_ms: int = 100
    flash_max_ms: int = 1250
    pulse_digit_end_ms: int = 250  # no new pulse for this long => the pulse digit is complete
    # --- digits we generate on an FXO line ----------------------------------------------------------
    pulse_make_ms: int = 40
    pulse_break_ms: int = 60
    pulse_interdigit_ms: int = 700
    dtmf_on_ms: int = 100
    dtmf_off_ms: int = 100
    # --- hook flash we generate on an FXO line ----------------------------------------------------
    fxo_flash_ms: int = 750  # DAHDI default; the country preset (Country.hook_flash_ms) normally wins
    fxo_preflash_ms: int = 50
    # --- numbering plan / digit collection (FXS) -------------------------------------------------
    first_digit_timeout_ms: int = 16000
    inter_digit_timeout_ms: int = 8000
    match_digit_timeout_ms: int = 3000
    # --- FXS ringing, OHT and caller ID -----------------------------------------------------------
    after_answer_hold_ms: int = 500  # off-hook during ringing: hold before further hook events
    oht_after_ring_ms: int = 6000  # on-hook transmission kept after each ring burst
    oht_mwi_ms: int = 3000  # on-hook transmission for an FSK MWI spill
    cid_leading_silence_ms: int = 500  # after the ring burst, before the seizure
    cid_seizure_ms: int = 250  # 30 bytes of 0x55 at 1200 baud
    cid_mark_ms: int = 150
    cid_mwi_mark_ms: int = 170
    cid_trailing_mark_ms: int = 50
    rp_as_ms: int = 250  # ring-pulse alerting signal
    rp_as_pause_ms: int = 500  # minimum silence after RP-AS before the spill
    dt_as_ms: int = 100  # ETSI dual-tone alerting signal (on-hook)
    line_reversal_to_dt_as_ms: int = 300  # UK SIN 227 style: reversal, then DT-AS
    dt_as_to_fsk_ms: int = 150  # DT-AS end to FSK start
    fsk_to_ring_ms: int = 400  # pre-ring spill end to the first ring
    # --- FXS call waiting (caller ID on call waiting, "type II") ---------------------------------
    sas_ms: int = 300
    cas_ms: int = 85
    cas_ack_window_ms: int = 500  # the set must answer CAS with DTMF A or D within this window
    call_waiting_repeat_ms: int = 10000
    call_waiting_mute_ms: int = 100  # far-end audio muted around the alert
    # --- FXS forward disconnect ----------------------------------------------------------------
    kewl_ms: int = 500  # battery removed when the far end hangs up
    kewl_after_ms: int = 300  # wait after restoring battery
    # --- FXO ring / battery / polarity supervision ------------------------------------------------
    fxo_ring_debounce_ms: int = 64  # ring reported after ring signal seen this long
    fxo_ring_end_ms: int = 256  # no ring signal this long => ring burst over
    ring_trailer_ms: int = 50  # dahdi-base: ring "over" after this long without ring signal
    ring_after_hangup_suppress_ms: int = 2000  # new ring events ignored this long after hang-up
    fxo_ring_timeout_ms: int = 8000  # unanswered incoming call gone after this long without ring
    battery_debounce_ms: int = 64
    battery_alarm_ms: int = 1000
    polarity_debounce_ms: int = 64
    polarity_on_answer_delay_ms: int = 600  # min gap between answer reversal and hang-up reversal
    fxo_loop_current_ignore_ms: int = 650  # after going off-hook, do not trust loop current
    dtmf_cid_timeout_ms: int = 4000  # give up DTMF caller-ID capture after this long without digits

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"AnalogTiming.{f.name} must be a non-negative int ms, got {value!r}")
        if not 0 < self.hook_glitch_max_ms < self.pulse_break_max_ms < self.flash_max_ms:
            raise ValueError("AnalogTiming: need 0 < hook_glitch_max_ms < pulse_break_max_ms < flash_max_ms")
        if self.pulse_digit_end_ms <= self.pulse_break_max_ms:
            raise ValueError("AnalogTiming: pulse_digit_end_ms must exceed pulse_break_max_ms")


DEFAULT_TIMING = AnalogTiming()


def classify_break(ms: int, timing: AnalogTiming = DEFAULT_TIMING) -> BreakKind:
    """What an FXS on-hook break of `ms` milliseconds was: glitch, dial pulse, hook flash or hang-up."""
    if ms < 0:
        raise ValueError(f"break duration must be >= 0 ms, got {ms}")
    if ms < timing.hook_glitch_max_ms:
        return "glitch"
    if ms < timing.pulse_break_max_ms:
        return "pulse"
    if ms < timing.flash_max_ms:
        return "flash"
    return "hangup"


_DAHDI_BASE = "DAHDI dahdi-base.c defaults (fact sheet 1.9, 3.1)"
_SIG_ANALOG = "Asterisk channels/sig_analog.h"
_SPILL = "Asterisk callerid.c on-hook spill layout (fact sheet 3.3)"

TIMING_SOURCES: Mapping[str, str] = MappingProxyType({
    "hook_glitch_max_ms": _DAHDI_BASE + ": breaks < 15 ms ignored",
    "pulse_break_max_ms": "product decision (DAHDI: 200 ms); see module comment",
    "flash_max_ms": "DAHDI rxflash default 1250 ms",
    "pulse_digit_end_ms": _DAHDI_BASE + ": 250 ms after the last pulse",
    "pulse_make_ms": "our choice (10 pps, 40/60 make/break); DAHDI generates 50/50",
    "pulse_break_ms": "our choice (10 pps, 40/60 make/break); DAHDI generates 50/50",
    "pulse_interdigit_ms": "our choice; DAHDI uses 750 ms",
    "dtmf_on_ms": "DAHDI dahdi_config.h: 100 ms tone",
    "dtmf_off_ms": "DAHDI dahdi_config.h: 100 ms silence",
    "fxo_flash_ms": "DAHDI flash default 750 ms (fact sheet 3.1)",
    "fxo_preflash_ms": "DAHDI preflash default 50 ms",
    "first_digit_timeout_ms": _SIG_ANALOG + " ANALOG_FIRST_DIGIT_TIMEOUT 16000",
    "inter_digit_timeout_ms": _SIG_ANALOG + " ANALOG_INTER_DIGIT_TIMEOUT 8000 (chan_dahdi 'gendigit')",
    "match_digit_timeout_ms": _SIG_ANALOG + " ANALOG_MATCH_DIGIT_TIMEOUT 3000",
    "after_answer_hold_ms": _DAHDI_BASE + ": 500 ms after-start hold",
    "oht_after_ring_ms": "DAHDI wctdm: OHT idle for 6000 ms after ringing (fact sheet 1.8)",
    "oht_mwi_ms": "Asterisk: DAHDI_ONHOOKTRANSFER 3000 ms for FSK MWI (fact sheet 1.8, 3.4)",
    "cid_leading_silence_ms": _SPILL,
    "cid_seizure_ms": _SPILL,
    "cid_mark_ms": _SPILL,
    "cid_mwi_mark_ms": _SPILL,
    "cid_trailing_mark_ms": _SPILL,
    "rp_as_ms": "ETSI EN 300 659-1 (200-300 ms); chan_dahdi AS_RP cadence 250 ms",
    "rp_as_pause_ms": "fact sheet 3.2/3.4: >= 500 ms pause after RP-AS",
    "dt_as_ms": "ETSI EN 300 659-1 dual-tone alerting signal, 100 ms",
    "line_reversal_to_dt_as_ms": "vendor PSTN table (UK): first TAS interval 300 ms",
    "dt_as_to_fsk_ms": "vendor PSTN table (UK): second TAS interval 150 ms",
    "fsk_to_ring_ms": "vendor PSTN table (UK): start to ring 400 ms; ETSI DTMF CLIP 200-500 ms",
    "sas_ms": "Asterisk callerid.c: SAS 440 Hz 2400 samples",
    "cas_ms": "Asterisk callerid.c: CAS 2130+2750 Hz 680 samples",
    "cas_ack_window_ms": "Asterisk chan_dahdi: CAS acknowledgement (DTMF A/D) window 500 ms",
    "call_waiting_repeat_ms": "Asterisk chan_dahdi: call-waiting tone repeated every 10 s",
    "call_waiting_mute_ms": "Asterisk chan_dahdi: audio muted 100 ms around call-waiting CID",
    "kewl_ms": _DAHDI_BASE + ": KEWL 500 ms",
    "kewl_after_ms": _DAHDI_BASE + ": 300 ms after KEWL",
    "fxo_ring_debounce_ms": "DAHDI wctdm ringdebounce 64 ms (fact sheet 2.5)",
    "fxo_ring_end_ms": "DAHDI wctdm: ring stopped after 256 ms without RDTP/RDTN (fact sheet 2.5)",
    "ring_trailer_ms": _DAHDI_BASE + ": 50 ms ring trailer (fact sheet 2.5)",
    "ring_after_hangup_suppress_ms": _DAHDI_BASE + ": 2000 ms ring debounce after hang-up",
    "fxo_ring_timeout_ms": "Asterisk chan_dahdi DEFAULT_RINGT 8000 ms",
    "battery_debounce_ms": "DAHDI fxo_modes.h battdebounce 64 ms",
    "battery_alarm_ms": "DAHDI fxo_modes.h battalarm 1000 ms",
    "polarity_debounce_ms": "DAHDI wctdm POLARITY_DEBOUNCE 64 ms (fact sheet 2.6)",
    "polarity_on_answer_delay_ms": "Asterisk chan_dahdi polarityonanswerdelay 600 ms",
    "fxo_loop_current_ignore_ms": "Xorcom card_fxo.c 650 ms safe zone after off-hook (fact sheet 2.6)",
    "dtmf_cid_timeout_ms": "Asterisk: DTMF caller-ID capture gives up after 4000 ms (fact sheet 3.5)",
})

UNVERIFIED: Mapping[str, str] = MappingProxyType({
    "pulse_break_max_ms": "100 ms is a product decision; DAHDI uses 200 ms (see module comment)",
    "pulse_make_ms": "40/60 ms make/break at 10 pps is common rotary practice, not from a source read",
    "pulse_interdigit_ms": "700 ms is our choice (DAHDI 750 ms)",
    "line_reversal_to_dt_as_ms": "from one vendor's UK parameter table, not from BT SIN 227 itself",
    "dt_as_to_fsk_ms": "from one vendor's UK parameter table, not from BT SIN 227 itself",
    "fsk_to_ring_ms": "from one vendor's UK parameter table, not from BT SIN 227 itself",
})
