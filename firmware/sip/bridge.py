"""Connections on the pjmedia conference bridge between media nodes (analog ports, tones, files, calls).

pjmedia behaviour relied on: `AudioMedia.startTransmit(sink)` makes a one-way flow; several
sources into one sink are mixed (with automatic level reduction only when the sum clips);
since pjsua2 2.15 connect/disconnect/remove are queued and applied at the next bridge tick;
removing a port from the bridge drops its connections. A connection to a port that was
removed would hit a pjlib assertion (an abort), so nodes must raise instead of handing out
a dead port, and this class forgets connections of nodes that are gone. A node with a
`bridge_idle()` method is told when its last connection goes (it may leave the bridge).

Every method runs on the pjsua2 owner thread (or another registered thread).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from typing import Any, Protocol

import pjsua2 as pj

from firmware.contracts.errors import SipError
from firmware.sip.endpoint import MediaEndpoint, pj_error_text

log = logging.getLogger(__name__)


class MediaNode(Protocol):
    """Anything with a port on the bridge."""

    @property
    def name(self) -> str: ...

    def audio_media(self) -> Any: ...


_Edge = tuple[int, int]


class Bridge:
    """One-way and two-way connections between MediaNodes, with a record for status and tests."""

    def __init__(self, endpoint: MediaEndpoint) -> None:
        self._endpoint = endpoint
        self._edges: dict[_Edge, tuple[MediaNode, MediaNode]] = {}

    # --- one way -----------------------------------------------------------------------------
    def listen(self, src: MediaNode, dst: MediaNode) -> None:
        """`dst` hears `src` (one way)."""
        key = (id(src), id(dst))
        if key in self._edges:
            return
        self._endpoint.check_thread()
        src_media, dst_media = src.audio_media(), dst.audio_media()
        try:
            src_media.startTransmit(dst_media)
        except pj.Error as exc:
            raise SipError(f"connect {src.name} -> {dst.name}: {pj_error_text(exc)}") from exc
        self._edges[key] = (src, dst)

    def unlisten(self, src: MediaNode, dst: MediaNode) -> None:
        """Stop `dst` hearing `src`; a no-op if it did not."""
        pair = self._edges.pop((id(src), id(dst)), None)
        if pair is None:
            return
        self._endpoint.check_thread()
        try:
            src_media, dst_media = src.audio_media(), dst.audio_media()
        except SipError:
            return                  # a closed node: the bridge dropped its connections already
        try:
            src_media.stopTransmit(dst_media)
        except pj.Error as exc:
            raise SipError(f"disconnect {src.name} -> {dst.name}: {pj_error_text(exc)}") from exc
        finally:
            self._maybe_idle(src)
            self._maybe_idle(dst)

    def _maybe_idle(self, node: MediaNode) -> None:
        if any(node is s or node is d for s, d in self._edges.values()):
            return
        idle = getattr(node, "bridge_idle", None)
        if idle is not None:
            idle()

    # --- two way -----------------------------------------------------------------------------
    def connect(self, a: MediaNode, b: MediaNode) -> None:
        """`a` and `b` hear each other."""
        self.listen(a, b)
        self.listen(b, a)

    def disconnect(self, a: MediaNode, b: MediaNode) -> None:
        self.unlisten(a, b)
        self.unlisten(b, a)

    def conference(self, members: Iterable[MediaNode]) -> None:
        """Every member hears every other member (not itself)."""
        group = list(members)
        for src, dst in itertools.permutations(group, 2):
            self.listen(src, dst)

    def isolate(self, node: MediaNode) -> None:
        """Disconnect `node` from everything, both directions."""
        for src, dst in [(s, d) for s, d in self._edges.values() if node is s or node is d]:
            self.unlisten(src, dst)

    # --- status ------------------------------------------------------------------------------
    def connections(self) -> list[tuple[str, str]]:
        """(source name, sink name) of every one-way flow this bridge made, sorted."""
        return sorted((src.name, dst.name) for src, dst in self._edges.values())

    def sources_of(self, node: MediaNode) -> list[MediaNode]:
        return [src for src, dst in self._edges.values() if dst is node]

    def sinks_of(self, node: MediaNode) -> list[MediaNode]:
        return [dst for src, dst in self._edges.values() if src is node]

    def forget(self, node: MediaNode) -> None:
        """Drop the record of `node`'s connections without touching pjsua2 (its port went away or
        was replaced, e.g. a SIP call's stream was re-created: pjmedia dropped the links itself)."""
        for key in [k for k, (s, d) in self._edges.items() if s is node or d is node]:
            del self._edges[key]

    def release_idle(self, nodes: Iterable[MediaNode]) -> None:
        """Tell each of `nodes` that has no connection left that it is idle (after `forget`, whose
        caller usually reconnects the partners at once, so it does not do this itself)."""
        for node in nodes:
            self._maybe_idle(node)

    def clear(self) -> None:
        """Undo every connection (e.g. before shutdown)."""
        for src, dst in list(self._edges.values()):
            self.unlisten(src, dst)
