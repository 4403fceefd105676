"""Browser sessions: random ids in an HttpOnly SameSite=Strict cookie, idle timeout, one CSRF token each.

The session id is 256 bits from the OS random source and is replaced at every login (no session
fixation); the server keeps the session (user, role, language, CSRF token, last request), the
browser only the id. A session unused for the configured idle time is gone; so are all of a
user's sessions when their password changes or the user is deleted.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "pbx_session"
LOGIN_COOKIE = "pbx_login"       # CSRF token of the login form (double-submit, before a session exists)
MAX_SESSIONS = 200


@dataclass
class Session:
    sid: str
    user: str
    role: str
    extension: str
    lang: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    seen: float = field(default_factory=time.monotonic)
    created: float = field(default_factory=time.monotonic)
    flash: list[str] = field(default_factory=list)     # one-time messages for the next page


class Sessions:
    def __init__(self, idle_s: Callable[[], float], clock: Callable[[], float] = time.monotonic) -> None:
        self._idle_s = idle_s
        self._clock = clock
        self._lock = threading.Lock()
        self._data: dict[str, Session] = {}

    def new(self, user: str, role: str, extension: str, lang: str) -> Session:
        now = self._clock()
        s = Session(secrets.token_urlsafe(32), user, role, extension, lang, seen=now, created=now)
        with self._lock:
            self._expire(now)
            if len(self._data) >= MAX_SESSIONS:   # drop the least recently used
                oldest = min(self._data.values(), key=lambda x: x.seen)
                self._data.pop(oldest.sid, None)
            self._data[s.sid] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        now = self._clock()
        with self._lock:
            s = self._data.get(sid)
            if s is None:
                return None
            if now - s.seen > self._idle_s():
                del self._data[sid]
                return None
            s.seen = now
            return s

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._data.pop(sid or "", None)

    def drop_user(self, user: str, keep: str = "") -> None:
        """End every session of `user` except `keep` (password changed, user deleted)."""
        with self._lock:
            for sid in [k for k, s in self._data.items() if s.user == user and k != keep]:
                del self._data[sid]

    def _expire(self, now: float) -> None:
        idle = self._idle_s()
        for sid in [k for k, s in self._data.items() if now - s.seen > idle]:
            del self._data[sid]
