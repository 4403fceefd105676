"""Scenario fixtures: `rig` builds the virtual board (the HIL rig provides the same interface)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from tests.scenario.rig import VirtualRig


@pytest.fixture
def make_rig() -> Callable[..., VirtualRig]:
    if os.environ.get("PBX_RIG", "virtual") != "virtual":
        pytest.skip("hardware rig runs are started from hil/ (make hil)")
    return VirtualRig


@pytest.fixture
def rig(make_rig: Callable[..., VirtualRig]) -> VirtualRig:
    return make_rig()
