"""Tests of the ProSLIC FXS driver (firmware/drivers/fxs)."""
