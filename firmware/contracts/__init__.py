"""Contracts shared by every layer: buses, clock, PCM channel, port events/commands, errors."""
