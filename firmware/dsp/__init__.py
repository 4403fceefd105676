"""Telephony DSP layer on spandsp (ctypes): G.711, levels, DTMF, caller ID, tones, echo cancelling.

All audio is numpy int16 at 8000 Hz, mono. Modules: `g711`, `levels`, `dtmf`, `callerid`,
`tones`, `tone_detect`, `echo`; `spandsp` holds the library binding.
"""
