"""Tests of the telephony DSP layer (firmware.dsp)."""
