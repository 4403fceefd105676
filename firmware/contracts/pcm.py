"""PCM channel contract: one port's 8 kHz time slot on the PCM/TDM highway.

Samples are companded bytes (one byte per sample, mu-law or A-law as the chip's PCM mode is
set). `read` returns what the chip put on the highway from the line side (the handset's
microphone on FXS, the exchange on FXO); `write` queues samples the chip sends toward the
line. The real highway is an ALSA TDM device; the virtual board keeps bounded FIFOs.
"""

from __future__ import annotations

from typing import Protocol


class PcmChannel(Protocol):
    slot: int

    def read(self, max_samples: int) -> bytes:
        """Up to `max_samples` samples received from the line (fewer if not yet available)."""
        ...

    def write(self, data: bytes) -> None:
        """Queue samples toward the line; a full FIFO drops the oldest samples."""
        ...

    def available(self) -> int:
        """Samples ready to `read`."""
        ...

    def queued(self) -> int:
        """Samples written and not yet sent to the line."""
        ...

    @property
    def starved(self) -> int:
        """Running count of samples the chip had to fill in because nothing was queued (an underrun)."""
        ...
