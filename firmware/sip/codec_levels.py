"""G.722 levels (ITU-T G.722 §1.1: the coder's audio parts are 14-bit uniform PCM at 16 kHz): how
many bits pjmedia shifts 16-bit PCM by around its G.722 coder, set once at start-up.

pjmedia (PJMEDIA_G722_DEFAULT_PCM_SHIFT = 2, unchanged in pjproject 2.15.1, 2.16 and later) maps
16-bit full scale onto the 14 bits, the literal reading of the Recommendation. spandsp's G.722 -
which Asterisk (codecs/g722), FreeSWITCH (mod_g722), baresip and Wireshark's RTP player use -
takes 16-bit samples one bit higher (its QMF divides them by 2^14; pjmedia divides by 4, then
by 2^13; spandsp's comment: "15 bit input to the G.722 algorithm"). Between the two every G.722 call is
6.02 dB off in both directions: the far end sounds 6 dB too loud at an analog handset and hears
the box 6 dB too quietly. A shift of 1 makes pjmedia's G.722 levels those of the others and of
G.711 (a -10 dBm0 tone arrives at -10 dBm0 either way).

pjmedia has a run-time setter for this, `pjmedia_codec_g722_set_pcm_shift()`, exported by the
pjsua2 wheel's library; it applies to every G.722 stream opened afterwards. Scaling the call's
bridge port instead would clip at the bridge (a gain of 2 before pjmedia's division) and go wrong
whenever pjmedia's own clipping guard (PJMEDIA_G722_STOP_PCM_SHIFT_ON_CLIPPING) lowers its shift
by one in the middle of a loud call; with a shift of 1 that guard never triggers (the decoder's
output is limited to 15 bits before the shift).
"""

from __future__ import annotations

import ctypes
import logging

from firmware.contracts.errors import SipError
from firmware.sip.endpoint import native_library

log = logging.getLogger("pbxd.sip")

PJMEDIA_DEFAULT_SHIFT = 2        # pjmedia's own: 16-bit PCM is scaled to ITU-T's 14 bits
INTEROP_SHIFT = 1                # spandsp's level: Asterisk, FreeSWITCH, baresip, Wireshark
SHIFTS = (0, 1, 2)


def level_change_db(shift: int, reference: int = PJMEDIA_DEFAULT_SHIFT) -> float:
    """How much louder the far end hears pbxd (and how much quieter pbxd hears the far end) with
    `shift` than with `reference`: one bit is 20*log10(2) = 6.02 dB."""
    return round(6.0206 * (reference - shift), 2)


def check_shift(shift: int) -> int:
    if shift not in SHIFTS:
        raise SipError(f"G.722 PCM shift {shift} is not one of {SHIFTS}")
    return shift


def set_g722_pcm_shift(shift: int) -> None:
    """Use `shift` for every G.722 stream pjmedia opens from now on (call after libInit: the codec
    factory sets its default when it registers)."""
    check_shift(shift)
    fn = native_library().pjmedia_codec_g722_set_pcm_shift
    fn.argtypes = [ctypes.c_uint]
    fn.restype = ctypes.c_int
    status = int(fn(shift))
    if status != 0:
        raise SipError(f"pjmedia refused G.722 PCM shift {shift} (status {status})")
    if shift != PJMEDIA_DEFAULT_SHIFT:
        log.info("G.722: PCM shift %d (pjmedia's default %d): %+.1f dB towards the far end, %+.1f dB from it",
                 shift, PJMEDIA_DEFAULT_SHIFT, level_change_db(shift), -level_change_db(shift))
