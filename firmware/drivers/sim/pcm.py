"""Virtual PCM/TDM highway: one 8 kHz companded time slot per chip, as bounded FIFOs.

The chip side is the chip model: it puts the samples it transmits (line -> box) into the
slot its TX start-count registers select and takes the samples it must send to the line
from the slot its RX start-count registers select. The driver side is a `PcmChannel`.
A FIFO holds at most `limit` samples; when full the oldest are dropped (and counted), as a
real DMA ring would overwrite them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SLOTS = 32


@dataclass
class _Fifo:
    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0


class VirtualPcmHighway:
    def __init__(self, *, slots: int = SLOTS, limit: int = 8000) -> None:
        self.slots = slots
        self.limit = limit
        self._to_box = [_Fifo() for _ in range(slots)]    # chip TX -> driver read
        self._to_line = [_Fifo() for _ in range(slots)]   # driver write -> chip RX
        self.underruns = [0] * slots
        self.starved = [0] * slots      # idle-fill samples the chip had to send because the FIFO was empty

    def _check(self, slot: int) -> None:
        if not 0 <= slot < self.slots:
            raise ValueError(f"PCM slot {slot} outside 0..{self.slots - 1}")

    # --- chip side -------------------------------------------------------------------------
    def chip_transmit(self, slot: int, data: bytes) -> None:
        self._check(slot)
        self._push(self._to_box[slot], data)

    def chip_receive(self, slot: int, n: int, idle: int) -> bytes:
        """Take `n` samples toward the line; missing samples are the idle code (underrun)."""
        self._check(slot)
        fifo = self._to_line[slot].data
        take = min(n, len(fifo))
        out = fifo[:take]
        del fifo[:take]
        if take < n:
            if take:
                self.underruns[slot] += 1  # a stream that ran dry mid-block
            self.starved[slot] += n - take
            out.extend(bytes([idle]) * (n - take))
        return bytes(out)

    # --- driver side -----------------------------------------------------------------------
    def channel(self, slot: int) -> VirtualPcmChannel:
        self._check(slot)
        return VirtualPcmChannel(self, slot)

    def driver_read(self, slot: int, max_samples: int) -> bytes:
        fifo = self._to_box[slot].data
        take = min(max_samples, len(fifo))
        out = bytes(fifo[:take])
        del fifo[:take]
        return out

    def driver_write(self, slot: int, data: bytes) -> None:
        self._push(self._to_line[slot], data)

    def to_box_available(self, slot: int) -> int:
        return len(self._to_box[slot].data)

    def to_line_queued(self, slot: int) -> int:
        return len(self._to_line[slot].data)

    def dropped(self, slot: int) -> tuple[int, int]:
        """Samples dropped by full FIFOs: (line->box, box->line)."""
        return self._to_box[slot].dropped, self._to_line[slot].dropped

    def _push(self, fifo: _Fifo, data: bytes) -> None:
        fifo.data.extend(data)
        excess = len(fifo.data) - self.limit
        if excess > 0:
            del fifo.data[:excess]
            fifo.dropped += excess


class VirtualPcmChannel:
    """`PcmChannel` over one slot of the virtual highway."""

    def __init__(self, highway: VirtualPcmHighway, slot: int) -> None:
        self._hw = highway
        self.slot = slot

    def read(self, max_samples: int) -> bytes:
        return self._hw.driver_read(self.slot, max_samples)

    def write(self, data: bytes) -> None:
        self._hw.driver_write(self.slot, data)

    def available(self) -> int:
        return self._hw.to_box_available(self.slot)

    def queued(self) -> int:
        return self._hw.to_line_queued(self.slot)

    @property
    def starved(self) -> int:
        """Samples the chip sent as idle fill because nothing was queued (gaps heard on the line)."""
        return self._hw.starved[self.slot]
