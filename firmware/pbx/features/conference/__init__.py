"""Ad-hoc conferences: three-party from a handset (flash, call, flash + 3) and N-party as an operator builds them."""

from firmware.pbx.features.conference.conference import (
    CONFERENCE_FLOW,
    Conference,
    ConferenceOutcome,
    Conferences,
    ConferenceState,
)

__all__ = ["CONFERENCE_FLOW", "Conference", "ConferenceOutcome", "ConferenceState", "Conferences"]
