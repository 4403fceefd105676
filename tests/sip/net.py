"""Loopback addresses and free ports for the SIP tests (127.0.0.0/8 only), and polling helpers."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def free_port(ip: str, *, tcp: bool = True) -> int:
    """A port free for UDP (and TCP) on `ip` right now."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind((ip, 0))
            port = u.getsockname()[1]
            if not tcp:
                return int(port)
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind((ip, port))
                except OSError:
                    continue
                return int(port)
    raise RuntimeError(f"no free port on {ip}")


def free_pair(ip: str) -> int:
    """A free port p with p+1 also free (TLS next to UDP/TCP)."""
    for _ in range(200):
        p = free_port(ip)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                t.bind((ip, p + 1))
            return p
        except OSError:
            continue
    raise RuntimeError(f"no free port pair on {ip}")


@dataclass(frozen=True)
class Net:
    """Per-process 127.0.N.x addresses: box, phones, provider, far ends."""

    n: int

    def ip(self, host: int) -> str:
        return f"127.0.{self.n}.{host}"

    @property
    def box(self) -> str:
        return self.ip(10)

    @property
    def phone(self) -> str:
        return self.ip(20)

    @property
    def phone2(self) -> str:
        return self.ip(21)

    @property
    def attacker(self) -> str:
        return self.ip(66)

    @property
    def provider(self) -> str:
        return self.ip(30)

    @property
    def far(self) -> str:
        return self.ip(40)

    @property
    def far2(self) -> str:
        return self.ip(41)


def net_for_process() -> Net:
    return Net(20 + os.getpid() % 200)


def wait_until(what: Callable[[], T], timeout: float = 10.0, step: float = 0.1, message: str = "") -> T:
    """Poll `what` until it returns something truthy; AssertionError after `timeout`."""
    end = time.monotonic() + timeout
    last: T = what()
    while not last:
        if time.monotonic() > end:
            raise AssertionError(message or f"condition not met within {timeout} s (last: {last!r})")
        time.sleep(step)
        last = what()
    return last
