"""Login throttling: failures counted per user name and per source address, lockouts that grow.

After `failures` wrong passwords in a row for one user name, or from one address, further
logins for that name (or from that address) are refused without checking the password for
`first_lockout_s`; each further lockout of the same key doubles, up to `max_lockout_s`
(OWASP Authentication Cheat Sheet, "Account lockout"). A right password resets the user's
and the address's counters, but not a running lockout. Locking by address as well as by name
keeps a guesser from trying one password on every user; locking by name keeps a guesser
with many addresses from trying many passwords on one user. State lives in memory: a restart
of the daemon clears it (the password hash work, scrypt, still limits the guess rate).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from firmware.contracts.errors import ApiError


@dataclass
class _Record:
    failures: int = 0
    lockouts: int = 0
    locked_until: float = 0.0


@dataclass(frozen=True)
class LockoutPolicy:
    failures: int = 5
    first_lockout_s: float = 300.0
    max_lockout_s: float = 24 * 3600.0

    @classmethod
    def from_minutes(cls, failures: int, lockout_min: int, max_min: int) -> LockoutPolicy:
        return cls(failures, lockout_min * 60.0, max_min * 60.0)


class LoginLocked(ApiError):
    """Logins for this user or from this address are locked for `retry_after_s` more seconds."""

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        minutes = max(1, round(retry_after_s / 60))
        super().__init__(f"too many wrong passwords: try again in {minutes} min")


class LoginGuard:
    def __init__(self, policy: LockoutPolicy | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy or LockoutPolicy()
        self._clock = clock
        self._lock = threading.Lock()
        self._records: dict[str, _Record] = {}

    @staticmethod
    def _keys(user: str, address: str) -> tuple[str, str]:
        return f"user:{user.lower()}", f"addr:{address}"

    def check(self, user: str, address: str) -> None:
        """Raise LoginLocked if either the name or the address is locked now."""
        now = self._clock()
        with self._lock:
            waits = [r.locked_until - now for k in self._keys(user, address)
                     if (r := self._records.get(k)) is not None and r.locked_until > now]
        if waits:
            raise LoginLocked(max(waits))

    def failed(self, user: str, address: str) -> float:
        """Count a wrong password; returns the lockout it started (0.0 if none)."""
        now = self._clock()
        started = 0.0
        with self._lock:
            for key in self._keys(user, address):
                rec = self._records.setdefault(key, _Record())
                rec.failures += 1
                if rec.failures >= self.policy.failures:
                    span = min(self.policy.first_lockout_s * 2 ** rec.lockouts, self.policy.max_lockout_s)
                    rec.locked_until = now + span
                    rec.lockouts += 1
                    rec.failures = 0
                    started = max(started, span)
        return started

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            for key in self._keys(user, address):
                rec = self._records.get(key)
                if rec is not None:
                    rec.failures = 0

    def locked(self) -> list[tuple[str, float]]:
        """(key, seconds left) of every running lockout, for the admin's security view."""
        now = self._clock()
        with self._lock:
            return [(k, r.locked_until - now) for k, r in self._records.items() if r.locked_until > now]
