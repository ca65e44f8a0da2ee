"""Access control: who may change what, for every front end that has users (the web API and its WebSocket).

Roles:

- ``admin`` — everything. Unlocked with the admin password; the password is set in the config
  (``[auth] admin_password``) or once on first start (the web app asks for it).
- ``mix`` — one aux mix B, from a link the admin hands out (with a QR code): the mix's sends
  (``ch/*/send/B/level|pan|on|me``) and its master (``bus/B/fader|mute|balance|moreme``), nothing else.
- ``viewer`` — reads everything, changes nothing.

Every read is open to every role; every write goes through ``authorize`` (the one rule; the web front end's
REST dependency, params routes and WebSocket call it). Tokens travel as the front end carries them (the web:
a bearer header or a cookie, ``mixerd.web.deps``). Tokens are ``<id>.<secret>``: the id finds the entry, the
secret is compared (constant time) with the SHA-256 kept in ``control.store`` meta — secrets have 192 random
bits, so a fast hash is enough; the password is kept as a salted scrypt hash. Nothing plain is stored.
Login failures are limited per client address (more than ``max_failures`` in ``window_s`` → 429).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import inspect
import logging
import math
import secrets
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from mixerd.model.address import PatternSet
from mixerd.model.errors import MixerError
from mixerd.store import Store

log = logging.getLogger(__name__)

ROLES = ("admin", "mix", "viewer")
#: What a mix token may change, for its bus B (``*`` is one address segment).
MIX_RULES = ("ch/*/send/{b}/level", "ch/*/send/{b}/pan", "ch/*/send/{b}/on", "ch/*/send/{b}/me",
             "bus/{b}/fader", "bus/{b}/mute", "bus/{b}/balance", "bus/{b}/moreme",
             "bus/*/return/{b}/level",  # the FX returns into this mix: the reverb in my ears
             "ch/*/talk")  # talk to the engineer (only the engineer's phones hear it)
MIN_PASSWORD = 8
MAX_LABEL = 64
MAX_SESSIONS = 32  # admin logins kept (the oldest is dropped)
SESSION_DAYS = 30

META_PASSWORD = "auth.password"
META_SESSIONS = "auth.sessions"
META_LINKS = "auth.links"

# scrypt cost: 16 MiB and ~50 ms on a Raspberry Pi 4 per login attempt (stored with the hash, so it can change).
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


class AccessError(MixerError):
    """A refusal of access control (not signed in, forbidden, a conflict, an invalid value, locked out); a
    lock-out carries ``details["retry_after"]`` (seconds)."""

    family = frozenset({"unauthenticated", "bad_password", "forbidden", "too_many_attempts", "weak_password",
                        "password_set", "password_not_set", "invalid_value", "not_found", "auth_disabled"})


@dataclass(frozen=True)
class Principal:
    """Who is asking: a role, the bus of a mix token, the link's label, and the token's id (None when the
    API is open)."""

    role: str
    bus: int | None = None
    label: str | None = None
    token_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "bus": self.bus, "label": self.label}


#: The caller when access control is off: may do everything.
OPEN = Principal("admin")


def mix_addresses(bus: int) -> list[str]:
    """The address patterns a mix token for ``bus`` may change."""
    return [rule.format(b=bus) for rule in MIX_RULES]


@functools.lru_cache(maxsize=64)
def _mix_patterns(bus: int) -> PatternSet:
    return PatternSet(mix_addresses(bus))


def may_write(principal: Principal, address: str) -> bool:
    """Whether ``principal`` may change ``address`` (the rule itself; ``authorize`` applies it)."""
    if principal.role == "admin":
        return True
    if principal.role == "mix" and principal.bus is not None:
        return address in _mix_patterns(principal.bus)
    return False


def authorize(auth: Auth | None, principal: Principal, addresses: Iterable[str] | None = None) -> None:
    """The one write rule, for every front end. ``addresses``: the parameters a change sets; None for any
    other write (undo, scenes, links, …: admin only). Raises AccessError ``forbidden`` naming what is
    refused and what the token may change, or ``unauthenticated`` when the token was revoked meanwhile. No ``auth``: open."""
    if auth is None:
        return
    auth.check_live(principal)
    if principal.role == "admin":
        return
    if principal.role == "viewer":
        raise AccessError("forbidden", "a viewer link is read-only: it may change nothing",
                        next(iter(addresses), None) if addresses is not None else None, "nothing (read-only)")
    allowed = ", ".join(mix_addresses(principal.bus or 0))
    who = f"a mix link for bus {principal.bus}"
    if addresses is None:
        raise AccessError("forbidden", f"{who} may change only that mix's sends and master ({allowed}); "
                        "this needs the admin password", None, allowed)
    refused = [a for a in addresses if not may_write(principal, a)]
    if refused:
        shown = ", ".join(refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise AccessError("forbidden", f"{who} may not change {shown}; it may change only {allowed}",
                        refused[0], allowed)


def authorize_own_undo(auth: Auth | None, principal: Principal) -> None:
    """Whether ``principal`` may undo and redo its own changes: whoever may change something (an admin, a mix
    link; a viewer changes nothing, so it has nothing to undo). Taking back someone else's step is ``authorize``'s
    (admin only)."""
    if auth is None:
        return
    auth.check_live(principal)
    if principal.role == "viewer":
        raise AccessError("forbidden", "a viewer link is read-only: it has no changes to undo", None,
                          "nothing (read-only)")


def actor_of(principal: Principal, client: str | None = None, fallback: str = "rest") -> str:
    """Who a change is, for undo: each admin session (one per sign-in: each device its own), each link
    (``mix:<bus>:<id>``: every phone on one mix link shares its undo), with access control off each browser
    that names itself (``client``), else ``fallback`` (the front end: "rest", "mqtt"). An actor's undo takes
    back only that actor's changes."""
    if principal.token_id is not None:
        if principal.role == "mix":
            return f"mix:{principal.bus}:{principal.token_id}"
        return f"{principal.role}:{principal.token_id}"
    if client:
        return f"browser:{client}"
    return fallback


# -- password hashing -----------------------------------------------------------------------------------

def hash_password(password: str, salt: bytes | None = None, params: dict[str, int] | None = None) -> dict[str, Any]:
    params = dict(params or SCRYPT)
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **params)
    return {"scheme": "scrypt", **params, "salt": salt.hex(), "hash": digest.hex()}


def verify_password(password: str, stored: dict[str, Any] | None) -> bool:
    if not stored or stored.get("scheme") != "scrypt":
        return False
    try:
        params = {k: int(stored[k]) for k in ("n", "r", "p")}
        expected = bytes.fromhex(stored["hash"])
        digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(stored["salt"]), dklen=len(expected),
                                maxmem=64 * 1024 * 1024, **params)
    except (KeyError, ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- login rate limiting --------------------------------------------------------------------------------

class LoginLimiter:
    """Failed logins per client address in a sliding window; more than ``max_failures`` → refused."""

    MAX_CLIENTS = 4096  # addresses remembered (the oldest entry goes first)

    def __init__(self, max_failures: int = 5, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if not times:
            del self._failures[client]
        return times

    def check(self, client: str) -> None:
        """Raise 429 ``too_many_attempts`` (with Retry-After) while ``client`` is locked out."""
        now = self._clock()
        times = self._recent(client, now)
        if len(times) >= self.max_failures:
            wait = max(1, math.ceil(times[0] + self.window_s - now))
            raise AccessError("too_many_attempts",
                            f"too many wrong passwords from {client}: {len(times)} in the last "
                            f"{self.window_s:g} s; try again in {wait} s", None,
                            f"{self.max_failures} attempts per {self.window_s:g} s", details={"retry_after": wait})

    def fail(self, client: str) -> None:
        if client not in self._failures and len(self._failures) >= self.MAX_CLIENTS:
            self._failures.pop(next(iter(self._failures)))
        self._failures.setdefault(client, deque()).append(self._clock())

    def reset(self, client: str) -> None:
        self._failures.pop(client, None)


# -- the access-control state ---------------------------------------------------------------------------

class Auth:
    """The admin password, admin sessions and links, persisted in ``store`` meta (hashes only).

    ``admin_password`` (the config's) replaces a stored password that differs, logging out admin sessions.
    Listeners added with ``on_revoke`` are called with a token id when its token stops being valid
    (a revoked link, a logout): the WebSocket closes that token's sockets.
    """

    def __init__(self, store: Store | None = None, *, admin_password: str = "", max_failures: int = 5,
                 window_s: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time):
        self._store = store if store is not None else Store.memory()
        self._wall = wall
        self._lock = threading.RLock()
        self.limiter = LoginLimiter(max_failures, window_s, clock)
        self._listeners: list[Callable[[], Callable[[str], None] | None]] = []
        self._password: dict[str, Any] | None = self._store.meta(META_PASSWORD)
        self._sessions: list[dict[str, Any]] = list(self._store.meta(META_SESSIONS, []) or [])
        self._links: list[dict[str, Any]] = list(self._store.meta(META_LINKS, []) or [])
        self.password_from_config = bool(admin_password)
        if admin_password and not verify_password(admin_password, self._password):
            self._set_password(admin_password)
            log.info("auth: admin password set from the config")

    # -- state --------------------------------------------------------------------------------------

    @property
    def password_set(self) -> bool:
        return self._password is not None

    def on_revoke(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(token_id)`` (from any thread) when a token stops being valid. A bound method is
        held weakly: an app that is gone (a restarted server) does not stay alive for it."""
        self._listeners.append(weakref.WeakMethod(listener) if inspect.ismethod(listener) else lambda: listener)

    def identify(self, token: str | None) -> Principal | None:
        """The principal a token stands for, or None (unknown, revoked, expired, malformed)."""
        if not token or "." not in token or len(token) > 200:
            return None
        token_id, _, secret = token.partition(".")
        digest = _secret_hash(secret)
        with self._lock:
            for entry in self._sessions:
                if entry["id"] == token_id and self._session_live(entry):
                    return Principal("admin", None, "admin", token_id) if hmac.compare_digest(
                        digest, entry["hash"]) else None
            for entry in self._links:
                if entry["id"] == token_id and entry.get("revoked") is None:
                    if not hmac.compare_digest(digest, entry["hash"]):
                        return None
                    return Principal(entry["role"], entry.get("bus"), entry.get("label"), token_id)
        return None

    def check_live(self, principal: Principal) -> None:
        """Raise 401 if ``principal``'s token was revoked or logged out since it was identified."""
        if principal.token_id is None:
            return
        with self._lock:
            live = (any(e["id"] == principal.token_id and self._session_live(e) for e in self._sessions)
                    or any(e["id"] == principal.token_id and e.get("revoked") is None for e in self._links))
        if not live:
            raise AccessError("unauthenticated", "this token is no longer valid (revoked or logged out); "
                            "log in again or ask the engineer for a new link")

    # -- password and sessions ----------------------------------------------------------------------

    def setup(self, password: str) -> tuple[str, Principal]:
        """Set the first admin password (only while none is set) and log in: ``(token, principal)``."""
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise AccessError("weak_password", f"the admin password needs at least {MIN_PASSWORD} characters",
                            None, f"at least {MIN_PASSWORD} characters")
        with self._lock:
            if self._password is not None:
                raise AccessError("password_set", "the admin password is already set; log in with it "
                                "(to change it, set [auth] admin_password in the config and restart)")
            self._set_password(password)
            log.info("auth: admin password set in the web app")
            return self._new_session()

    def login(self, password: str, client: str) -> tuple[str, Principal]:
        """Check the admin password for ``client`` (an address): ``(token, principal)``, or AccessError
        ``bad_password``, ``password_not_set``, ``too_many_attempts``."""
        with self._lock:
            if self._password is None:
                raise AccessError("password_not_set", "no admin password is set yet; set one first", None,
                                '{"password": "<at least 8 characters>"}', hint="set_password")
            self.limiter.check(client)
            self.limiter.fail(client)  # counted before the (slow) check, so parallel guesses count too
            stored = self._password
        ok = isinstance(password, str) and verify_password(password, stored)
        with self._lock:
            if not ok:
                log.warning("auth: wrong admin password from %s", client)
                raise AccessError("bad_password", "wrong admin password")
            self.limiter.reset(client)
            return self._new_session()

    def logout(self, principal: Principal) -> None:
        """End an admin session (a link token stays valid: revoke the link for that)."""
        if principal.token_id is None:
            return
        with self._lock:
            before = len(self._sessions)
            self._sessions = [e for e in self._sessions if e["id"] != principal.token_id]
            if len(self._sessions) == before:
                return
            self._store.set_meta(META_SESSIONS, self._sessions)
        self._notify(principal.token_id)

    def _set_password(self, password: str) -> None:
        with self._lock:
            self._password = hash_password(password)
            ended = [e["id"] for e in self._sessions]
            self._sessions = []
            self._store.set_meta(META_PASSWORD, self._password)
            self._store.set_meta(META_SESSIONS, self._sessions)
        for token_id in ended:
            self._notify(token_id)

    def _new_session(self) -> tuple[str, Principal]:
        token_id, token, digest = _new_token("s")
        now = self._wall()
        live = [e for e in self._sessions if self._session_live(e)]
        self._sessions = [*live[-(MAX_SESSIONS - 1):], {"id": token_id, "hash": digest, "created": now}]
        self._store.set_meta(META_SESSIONS, self._sessions)
        return token, Principal("admin", None, "admin", token_id)

    def _session_live(self, entry: dict[str, Any]) -> bool:
        return self._wall() - float(entry.get("created", 0)) < SESSION_DAYS * 86400

    # -- links --------------------------------------------------------------------------------------

    def create_link(self, role: str, bus: int | None, label: str) -> tuple[dict[str, Any], str]:
        """A new link token for ``role`` (``mix`` with its ``bus``, or ``viewer``); ``(info, token)``.
        The caller checks that ``bus`` is an aux mix of this mixer."""
        if role not in ("mix", "viewer"):
            raise AccessError("invalid_value", f"a link is for role 'mix' or 'viewer', not {role!r}", "role",
                            "mix, viewer")
        token_id, token, digest = _new_token("l")
        entry = {"id": token_id, "role": role, "bus": bus if role == "mix" else None, "label": label,
                 "created": self._wall(), "revoked": None, "hash": digest}
        with self._lock:
            self._links.append(entry)
            self._store.set_meta(META_LINKS, self._links)
        log.info("auth: link %s created (%s%s, %r)", token_id, role, f" bus {bus}" if role == "mix" else "", label)
        return _public(entry), token

    def links(self) -> list[dict[str, Any]]:
        """Every link (revoked ones too), oldest first, without token or hash."""
        with self._lock:
            return [_public(e) for e in self._links]

    def revoke(self, link_id: str) -> dict[str, Any]:
        """Revoke a link at once (idempotent); its open WebSockets are closed. 404 ``not_found`` if unknown."""
        with self._lock:
            entry = next((e for e in self._links if e["id"] == link_id), None)
            if entry is None:
                known = ", ".join(e["id"] for e in self._links) or "none"
                raise AccessError("not_found", f"no link with id {link_id!r}", None, f"a link id ({known})")
            newly = entry.get("revoked") is None
            if newly:
                entry["revoked"] = self._wall()
                self._store.set_meta(META_LINKS, self._links)
            info = _public(entry)
        if newly:
            log.info("auth: link %s revoked", link_id)
            self._notify(link_id)
        return info

    def _notify(self, token_id: str) -> None:
        self._listeners = [ref for ref in self._listeners if ref() is not None]
        for ref in list(self._listeners):
            listener = ref()
            if listener is None:
                continue
            try:
                listener(token_id)
            except Exception:
                log.exception("auth: revoke listener failed")


def _new_token(kind: str) -> tuple[str, str, str]:
    token_id = kind + secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    return token_id, f"{token_id}.{secret}", _secret_hash(secret)


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry.get(k) for k in ("id", "role", "bus", "label", "created", "revoked")}
