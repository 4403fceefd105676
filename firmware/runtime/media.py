"""The media side of the runtime: executes the engine's media commands on the pjsua2 bridge.

Every analog port is an `AnalogPortMedia` node on the conference bridge; each leg gets its own
tone player on first use (a tone is a one-way listen from the player to the leg). Connecting
two parties is one bridge operation. Owner-thread only, except `port_active` and the router,
which the port thread reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from firmware.pbx.commands import (
    Connect,
    Disconnect,
    Listen,
    MediaCommand,
    PlayMusic,
    PlayPrompt,
    PlayTone,
    StartRecording,
    StopMusic,
    StopRecording,
    StopTone,
    Unlisten,
    leg_port,
)
from firmware.prompts import music_file, render
from firmware.runtime.retention import recordings_dir
from firmware.sip.analog import AnalogPortMedia, MediaRouter
from firmware.sip.bridge import Bridge, MediaNode
from firmware.sip.calls import MediaNotReady
from firmware.sip.endpoint import MediaEndpoint
from firmware.sip.players import TonePlayer, WavPlayer, WavRecorder

log = logging.getLogger("pbxd.media")


def _is_sip(leg: str) -> bool:
    return leg.startswith(("sip:", "trunk:"))


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
        # on the bridge only while connected: idle handsets cost the bridge clock nothing
        self.analog = {p: AnalogPortMedia(endpoint, p, on_demand=True) for p in ports}
        router = MediaRouter()
        for media in self.analog.values():
            router.add(media)
        self.router = ActiveRouter(router)
        self.tones: dict[str, TonePlayer] = {}
        # SIP legs (set by the SIP side): their nodes, and the links wanted while a stream is missing
        self.sip_node: Callable[[str], MediaNode] | None = None
        self.sip_links: set[tuple[str, str]] = set()

    def node(self, leg: str) -> MediaNode:
        if self.sip_node is not None and _is_sip(leg):
            return self.sip_node(leg)
        return self.analog[leg_port(leg)]

    def apply(self, cmd: MediaCommand) -> None:
        try:
            self._apply(cmd)
        except MediaNotReady:
            pass            # a SIP leg without a stream yet: done by leg_media_changed when it has one
        self._update_active()

    def _apply(self, cmd: MediaCommand) -> None:
        if isinstance(cmd, Connect | Disconnect) and (_is_sip(cmd.a) or _is_sip(cmd.b)):
            link = (cmd.a, cmd.b)
            if isinstance(cmd, Connect):
                self.sip_links.add(link)
            else:
                self.sip_links.discard(link)
                self.sip_links.discard((cmd.b, cmd.a))
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
        elif isinstance(cmd, Listen):
            self.bridge.listen(self.node(cmd.source), self.node(cmd.sink))
        elif isinstance(cmd, Unlisten):
            self.bridge.unlisten(self.node(cmd.source), self.node(cmd.sink))
        elif isinstance(cmd, PlayMusic | PlayPrompt | StopMusic | StartRecording | StopRecording):
            self.features_media().apply(cmd)
        else:
            raise ValueError(f"unknown media command {cmd!r}")

    # --- SIP legs: streams come (answer, early media), change (re-INVITE, transfer) and go ----------
    def leg_media_changed(self, leg: str, node: MediaNode) -> None:
        """`leg`'s stream is new or was replaced: pjmedia dropped the old links; make the wanted ones."""
        self.bridge.forget(node)
        for a, b in sorted(self.sip_links):
            if leg in (a, b):
                try:
                    self.bridge.connect(self.node(a), self.node(b))
                except MediaNotReady:
                    pass
        player = self.tones.get(leg)
        if player is not None and player.spec is not None:
            try:
                self.bridge.listen(player, node)
            except MediaNotReady:
                pass
        self._update_active()

    def leg_gone(self, leg: str, node: MediaNode) -> None:
        """The SIP leg's call ended: forget its links and its tone player."""
        self.bridge.forget(node)
        self.sip_links = {link for link in self.sip_links if leg not in link}
        player = self.tones.pop(leg, None)
        if player is not None:
            self.bridge.forget(player)
            player.close()
        self._update_active()

    def _update_active(self) -> None:
        active = {port for port, media in self.analog.items()
                  if self.bridge.sources_of(media) or self.bridge.sinks_of(media)}
        self.router.active = frozenset(active)
        self.bridge.release_idle(media for port, media in self.analog.items() if port not in active)

    def connections(self) -> list[tuple[str, str]]:
        return self.bridge.connections()

    def features_media(self) -> FeatureMedia:
        """Music on hold, prompts and recorders (created on first use)."""
        fm = getattr(self, "_features_media", None)
        if fm is None:
            fm = self._features_media = FeatureMedia(self)
        return fm

    def close(self) -> None:
        fm = getattr(self, "_features_media", None)
        if fm is not None:
            fm.close()
        self.router.active = frozenset()
        self.bridge.clear()
        for player in self.tones.values():
            player.close()
        for media in self.analog.values():
            media.close()
        self.tones.clear()


class FeatureMedia:
    """Executors of the feature media commands on the bridge: looped hold music (one player per file,
    shared by every leg that hears it), one-shot spoken prompts (words joined into a cached WAV), and
    call recorders (a WavRecorder that every listed leg transmits to: the mixed call)."""

    def __init__(self, side: MediaSide) -> None:
        self.side = side
        self.base = Path.cwd()                                   # the state directory (set by the runtime)
        self.custom_prompts: Path | None = None                  # customers' recordings (prompts.directory)
        self.music: dict[str, WavPlayer] = {}                    # file -> looping player
        self.hearing: dict[str, MediaNode] = {}                  # leg -> the music/prompt player it hears
        self.recorders: dict[int, tuple[WavRecorder, tuple[str, ...]]] = {}

    def apply(self, cmd: MediaCommand) -> None:
        if isinstance(cmd, PlayMusic):
            self._stop_sound(cmd.leg)
            source = music_file(cmd.source)
            path = str(source if source.is_absolute() else self.base / source)
            player = self.music.get(path)
            if player is None:
                player = self.music[path] = WavPlayer(self.side.endpoint, path, loop=True)
            self._hear(cmd.leg, player)
        elif isinstance(cmd, PlayPrompt):
            self._stop_sound(cmd.leg)
            wav = render(cmd.words, cmd.language, self.base / "prompts", self.custom_prompts, base=self.base)
            self._hear(cmd.leg, WavPlayer(self.side.endpoint, wav, loop=False, name=f"prompt-{cmd.leg}"))
        elif isinstance(cmd, StopMusic):
            self._stop_sound(cmd.leg)
        elif isinstance(cmd, StartRecording):
            self._record(cmd)
        elif isinstance(cmd, StopRecording):
            self.stop_recording(cmd.call_id)

    def _hear(self, leg: str, player: MediaNode) -> None:
        self.side.bridge.listen(player, self.side.node(leg))
        self.hearing[leg] = player

    def _stop_sound(self, leg: str) -> None:
        player = self.hearing.pop(leg, None)
        if player is None:
            return
        self.side.bridge.unlisten(player, self.side.node(leg))
        if isinstance(player, WavPlayer) and not player.loop:
            player.close()

    def finished_prompts(self) -> list[str]:
        """Legs whose one-shot prompt has played to its end (each reported once)."""
        done = [leg for leg, p in self.hearing.items() if isinstance(p, WavPlayer) and p.done]
        for leg in done:
            self._stop_sound(leg)
        return done

    def _record(self, cmd: StartRecording) -> None:
        bridge = self.side.bridge
        current = self.recorders.get(cmd.call_id)
        if current is None:
            path = recordings_dir(cmd.path, self.base)
            path.parent.mkdir(parents=True, exist_ok=True)
            recorder = WavRecorder(self.side.endpoint, path, name=f"rec-call{cmd.call_id}")
            legs: tuple[str, ...] = ()
        else:
            recorder, legs = current
        for leg in legs:
            if leg not in cmd.legs:
                bridge.unlisten(self.side.node(leg), recorder)
        for leg in cmd.legs:
            bridge.listen(self.side.node(leg), recorder)
        self.recorders[cmd.call_id] = (recorder, cmd.legs)

    def stop_recording(self, call_id: int) -> bool:
        current = self.recorders.pop(call_id, None)
        if current is None:
            return False
        recorder, legs = current
        for leg in legs:
            self.side.bridge.unlisten(self.side.node(leg), recorder)
        recorder.stop()
        return True

    def stop_all_recordings(self) -> list[int]:
        calls = list(self.recorders)
        for call_id in calls:
            self.stop_recording(call_id)
        return calls

    def close(self) -> None:
        self.stop_all_recordings()
        for leg in list(self.hearing):
            self._stop_sound(leg)
        for player in self.music.values():
            player.close()
        self.music.clear()
