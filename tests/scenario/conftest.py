"""Scenario fixtures: `rig` builds the virtual board (the HIL rig provides the same interface)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from tests.scenario.rig import VirtualRig


@pytest.fixture
def make_rig() -> Callable[..., VirtualRig]:
    """The rig class: the virtual board, or the hardware rig with PBX_RIG=hil (see hil/README.md)."""
    if os.environ.get("PBX_RIG", "virtual") == "hil":
        from hil.rig import HilRig

        return HilRig  # type: ignore[return-value]
    return VirtualRig


@pytest.fixture
def rig(make_rig: Callable[..., VirtualRig]) -> VirtualRig:
    return make_rig()
