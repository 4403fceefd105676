"""Call flows: what happens to a call when one of its legs reports something. One flow per kind of
call (internal, outbound, inbound); feature packages add their own (ring group, park, ...)."""

from __future__ import annotations

from firmware.contracts.errors import PbxError
from firmware.pbx.commands import Direction
from firmware.pbx.core import Core
from firmware.pbx.state import Call, FxoLeg, FxsLeg


class Flow:
    """Base class: every hook refuses; a flow overrides what its calls can meet."""

    direction: Direction

    def __init__(self, core: Core) -> None:
        self.core = core

    def _unexpected(self, what: str, call: Call) -> PbxError:
        return PbxError(f"{self.direction.value} call {call.id}: unexpected {what}")

    def answered(self, call: Call, leg: FxsLeg) -> None:
        """A handset rung for this call went off-hook (the leg is already `connected`)."""
        raise self._unexpected("answer", call)

    def hung_up(self, call: Call, leg: FxsLeg) -> None:
        """A handset in this call went on-hook (the leg is already `idle`)."""
        raise self._unexpected("hang-up", call)

    def leg_failed(self, call: Call, leg_id: str, reason: str) -> None:
        """A leg of this call went into alarm (the leg is already `alarm`)."""
        raise self._unexpected("alarm", call)

    def line_polarity(self, call: Call, line: FxoLeg, action: str) -> None:
        """The line reversed polarity (action answer_polarity from seized, polarity when connected)."""
        raise self._unexpected("polarity reversal", call)

    def line_far_hung_up(self, call: Call, line: FxoLeg) -> None:
        """The exchange signalled a disconnect (the line is already `releasing`)."""
        raise self._unexpected("line disconnect", call)
