"""Tests of the virtual board: chip models, line, exchange."""
