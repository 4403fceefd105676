"""The media side of the runtime: executes the engine's media commands on the pjsua2 bridge.

Every analog port is an `AnalogPortMedia` node on the conference bridge; each leg gets its own
tone player on first use (a tone is a one-way listen from the player to the leg). Connecting
two parties is one bridge operation. Owner-thread only, except `port_active` and the router,
which the port thread reads.
"""

from __future__ import annotations

import logging

import numpy as np

from firmware.pbx.commands import Connect, Disconnect, MediaCommand, PlayTone, StopTone, leg_port
from firmware.sip.analog import AnalogPortMedia, MediaRouter
from firmware.sip.bridge import Bridge, MediaNode
from firmware.sip.endpoint import MediaEndpoint
from firmware.sip.players import TonePlayer

log = logging.getLogger("pbxd.media")


class ActiveRouter:
    """The port loop's `AudioRouter`, plus which ports have anything on the bridge."""

    def __init__(self, router: MediaRouter) -> None:
        self._router = router
        self.active: frozenset[int] = frozenset()

    def port_audio_in(self, port: int, samples: np.ndarray) -> None:
        self._router.port_audio_in(port, samples)

    def port_audio_out(self, port: int, n: int) -> np.ndarray | None:
        return self._router.port_audio_out(port, n)

    def port_active(self, port: int) -> bool:
        return port in self.active


class MediaSide:
    def __init__(self, endpoint: MediaEndpoint, ports: list[int]) -> None:
        self.endpoint = endpoint
        self.bridge = Bridge(endpoint)
        self.analog = {p: AnalogPortMedia(endpoint, p) for p in ports}
        router = MediaRouter()
        for media in self.analog.values():
            router.add(media)
        self.router = ActiveRouter(router)
        self.tones: dict[str, TonePlayer] = {}

    def node(self, leg: str) -> MediaNode:
        return self.analog[leg_port(leg)]

    def apply(self, cmd: MediaCommand) -> None:
        if isinstance(cmd, PlayTone):
            player = self.tones.get(cmd.leg)
            if player is None:
                player = self.tones[cmd.leg] = TonePlayer(self.endpoint, f"tone-{cmd.leg}")
            player.play(cmd.spec)
            self.bridge.listen(player, self.node(cmd.leg))
        elif isinstance(cmd, StopTone):
            player = self.tones.get(cmd.leg)
            if player is not None:
                player.stop()
                self.bridge.unlisten(player, self.node(cmd.leg))
        elif isinstance(cmd, Connect):
            self.bridge.connect(self.node(cmd.a), self.node(cmd.b))
        elif isinstance(cmd, Disconnect):
            self.bridge.disconnect(self.node(cmd.a), self.node(cmd.b))
        else:
            raise ValueError(f"unknown media command {cmd!r}")
        self._update_active()

    def _update_active(self) -> None:
        active = {port for port, media in self.analog.items()
                  if self.bridge.sources_of(media) or self.bridge.sinks_of(media)}
        self.router.active = frozenset(active)

    def connections(self) -> list[tuple[str, str]]:
        return self.bridge.connections()

    def close(self) -> None:
        self.router.active = frozenset()
        self.bridge.clear()
        for player in self.tones.values():
            player.close()
        for media in self.analog.values():
            media.close()
        self.tones.clear()
