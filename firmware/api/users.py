"""Box users and passwords: a unique admin password generated at first boot, scrypt hashes, roles.

No default password exists anywhere: on first start the admin password is generated from the
OS random source, stored only as an scrypt hash (RFC 7914) in `users.json` (mode 0600) and
shown once on the console; the web page forces a change at first login.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import string
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from firmware.contracts.errors import ApiError

ROLES = ("admin", "operator", "user")
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
USER_NAME = re.compile(r"[A-Za-z0-9._-]{1,32}")


def generate_password(length: int = 12) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), dklen=32, **SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest_hex)


@dataclass
class User:
    name: str
    role: str
    password: str            # scrypt hash
    must_change: bool = False
    extension: str = ""      # for role "user": the extension whose portal this is
    language: str = ""


class UserStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.first_boot_password: str | None = None
        self._users: dict[str, User] = {}
        if path.exists():
            data = json.loads(path.read_text())
            self._users = {u["name"]: User(**u) for u in data["users"]}
        else:
            self.first_boot_password = generate_password()
            self._users = {"admin": User("admin", "admin", hash_password(self.first_boot_password), True)}
            self._save()

    def _save(self) -> None:
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"users": [asdict(u) for u in self._users.values()]}, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def authenticate(self, name: str, password: str) -> User | None:
        user = self._users.get(name)
        if user is None:
            verify_password(password, hash_password("x"))  # same work for unknown users
            return None
        return user if verify_password(password, user.password) else None

    def get(self, name: str) -> User | None:
        return self._users.get(name)

    def set_password(self, name: str, new: str) -> None:
        if len(new) < 10:
            raise ApiError("the new password needs at least 10 characters")
        with self._lock:
            user = self._users.get(name)
            if user is None:
                raise ApiError(f"no user {name!r}")
            if verify_password(new, user.password):
                raise ApiError("choose a password different from the current one")
            user.password = hash_password(new)
            user.must_change = False
            self._save()

    def add(self, name: str, role: str, password: str, *, extension: str = "", language: str = "") -> None:
        if role not in ROLES:
            raise ApiError(f"role must be one of {', '.join(ROLES)}")
        if not USER_NAME.fullmatch(name):
            raise ApiError("a user name is 1-32 letters, digits, '.', '_' or '-'")
        if role == "user" and not re.fullmatch(r"[0-9]{2,6}", extension):
            raise ApiError("a user of role 'user' needs the extension number of their portal")
        with self._lock:
            if name in self._users:
                raise ApiError(f"user {name!r} exists")
            self._users[name] = User(name, role, hash_password(password), True, extension, language)
            self._save()

    def all(self) -> list[User]:
        return sorted(self._users.values(), key=lambda u: u.name)

    def delete(self, name: str) -> None:
        with self._lock:
            user = self._users.get(name)
            if user is None:
                raise ApiError(f"no user {name!r}")
            if user.role == "admin" and sum(u.role == "admin" for u in self._users.values()) == 1:
                raise ApiError("the last admin cannot be deleted")
            del self._users[name]
            self._save()

    def reset_password(self, name: str) -> str:
        """A new generated one-time password (to be changed at next login); returns it once."""
        password = generate_password()
        with self._lock:
            user = self._users.get(name)
            if user is None:
                raise ApiError(f"no user {name!r}")
            user.password = hash_password(password)
            user.must_change = True
            self._save()
        return password

    def set_language(self, name: str, language: str) -> None:
        with self._lock:
            user = self._users.get(name)
            if user is not None and user.language != language:
                user.language = language
                self._save()
