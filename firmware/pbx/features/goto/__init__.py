"""Routing calls to destination texts, ringing an extension for a routed call, and prompt-and-keys dialogues."""

from firmware.pbx.features.goto.dialogue import Dialogues, Session
from firmware.pbx.features.goto.reach import REACH_FLOW, ReachFlow, ReachOutcome
from firmware.pbx.features.goto.send import GOTO, Router

__all__ = ["GOTO", "REACH_FLOW", "Dialogues", "ReachFlow", "ReachOutcome", "Router", "Session"]
