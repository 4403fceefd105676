"""One pjsua2 endpoint for all media tests (pjsua2 is a process-wide singleton), shut down cleanly.

Package scope, not session scope: other test packages (runtime, scenario) start and stop
whole daemons, each with its own endpoint, in the same pytest process; only one endpoint
may be alive at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from firmware.sip.analog import AnalogPortMedia
from firmware.sip.bridge import Bridge
from firmware.sip.endpoint import MediaEndpoint


@pytest.fixture(scope="package")
def endpoint() -> Iterator[MediaEndpoint]:
    ep = MediaEndpoint(ptime_ms=10, log_level=1)
    ep.start()
    yield ep
    ep.shutdown()


@pytest.fixture
def bridge(endpoint: MediaEndpoint) -> Iterator[Bridge]:
    br = Bridge(endpoint)
    yield br
    br.clear()


# Other jobs share this machine's two cores, so tests give the rings generous slack both ways:
# the line driver starts JITTER frames ahead (ring A prefilled, ring B drained JITTER ticks
# late: that much tolerance for a late producer) and the rings may hold up to
# ring_target(JITTER) before trimming (that much more for a late consumer).
JITTER = 6


def ring_target(lead: int) -> int:
    return 2 * lead + 2


@pytest.fixture(params=[True, False], ids=["native", "python"])
def make_port(request: pytest.FixtureRequest, endpoint: MediaEndpoint) -> Iterator[Callable[..., AnalogPortMedia]]:
    """Analog ports of both kinds: rings and bridge callbacks in C (pbxd's default) and in Python
    (its fallback where the compiled module cannot be used)."""
    made: list[AnalogPortMedia] = []

    def make(port: int, **kw: Any) -> AnalogPortMedia:
        kw.setdefault("native", request.param)
        kw.setdefault("jitter_frames", ring_target(JITTER))
        kw.setdefault("capacity_frames", 2 * ring_target(JITTER))
        media = AnalogPortMedia(endpoint, port, **kw)
        made.append(media)
        return media

    yield make
    for media in made:
        media.close()
