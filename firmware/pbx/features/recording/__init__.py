"""Call recording: automatic per extension, group or line; on demand (flash + code, operator); retention."""

from firmware.pbx.features.recording.recording import Recording, RecordingOutcome, RecordingState

__all__ = ["Recording", "RecordingOutcome", "RecordingState"]
