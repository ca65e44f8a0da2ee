"""Scenes, recall with scope and safes, automatic versions and A/B comparison for one Control.

Every recall goes through ``control.set_many(..., origin="scene", fade_ms=...)``: one atomic batch (so one
undo step), and the engine moves the audio to the new values over ``fade_ms``. A recall only sends what
is in scope, not safe and different from now, so an unchanged parameter is never touched (no event, no
ramp restarted).

Scenes, safes and versions live in the store (``control.store`` when there is one, else an in-memory
database that lasts as long as the service). A comparison (A/B) lives in memory only: it is a listening
session, not something to come back to after a restart.

The service knows which scene the mix is at (``current()``: the scene last recalled, saved or updated, and
whether the mix was changed since; ``current.CurrentScene``). It follows the control's change events on a
subscription of its own, one look-up per change (a fader drag compares nothing else): its thread (``start()``)
applies them as they come, and whoever asks first (``current()``, ``listing()``, a recall) applies what is
queued, so an answer is never behind the changes already made.

Every change of the scene list, the safes or the current scene (saved, renamed, deleted, imported, updated,
safes, current) is a ``scenes`` notice on the control's event stream (``Control.notify``): the whole list
(without values), the safes and the current scene, with a ``revision`` that grows with every change, so front
ends follow the scenes without asking again; ``listing()`` is the same as it is now.
"""

from __future__ import annotations

import itertools
import logging
import math
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from mixerd.control.events import Event, Lagged, Subscription
from mixerd.control.scenes.current import CurrentScene
from mixerd.control.scenes.errors import SceneError
from mixerd.control.scenes.patterns import compile_patterns
from mixerd.model.address import AddressPattern, PatternSet
from mixerd.control.scenes.versions import DEFAULT_INTERVAL_MINUTES, DEFAULT_KEEP, VersionKeeper
from mixerd.model.errors import ParamError
from mixerd.model.text import TextError, check_name as check_text, name_hint
from mixerd.store import MAX_ROW_ID, Scene, Store

log = logging.getLogger(__name__)

NAME_MAX = 64
FADE_MAX_MS = 60_000.0
SCENE_FORMAT = 1
NAME_HINT = f"{name_hint(NAME_MAX)}, unique among the scenes"
FADE_HINT = f"0…{FADE_MAX_MS:.0f} ms (0: the normal short click-free ramp)"
#: Revisions of the scene list, one count for the process: two services on one store still order theirs.
_revisions = itertools.count(1)
#: Changes the current scene's follower may fall behind before it compares the whole mix again.
FOLLOW_QUEUE = 16384


def memory_store() -> Store:
    """A Store in memory: scenes, safes and versions for a Control without a state directory."""
    if hasattr(Store, "memory"):
        return Store.memory()
    path = Path(":memory:")
    return Store(path, Store._connect(path))


@dataclass(frozen=True)
class Source:
    """Where recalled values come from: a ``scene`` or ``version`` (with its id), an A/B slot (``ab``,
    name ``A``/``B``) or ``live`` (the state when a comparison began)."""

    kind: str
    id: int | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name}


@dataclass(frozen=True)
class RecallResult:
    """What a recall did: ``changed`` address → new value (in apply order), ``safe`` the addresses in
    scope whose value differed but were kept because they are safe, ``ignored`` values that do not fit
    this mixer (unknown address or invalid value: ``{"address", "code", "message"}``)."""

    source: Source
    seq: int
    fade_ms: float
    changed: dict[str, Any]
    safe: list[str]
    ignored: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source.to_dict(), "seq": self.seq, "fade_ms": self.fade_ms,
                "changed": dict(self.changed), "safe": list(self.safe), "ignored": list(self.ignored)}


@dataclass
class Comparison:
    """A running A/B comparison: the two slots' values, which one is playing, how to switch."""

    slots: dict[str, dict[str, Any]]
    sources: dict[str, Source]
    active: str
    fade_ms: float
    scope: PatternSet | None = None
    started: float = field(default_factory=time.time)


def scene_info(scene: Scene) -> dict[str, Any]:
    """A scene without its values: ``{"id", "name", "created", "updated", "size"}`` (times in epoch seconds)."""
    return {"id": scene.id, "name": scene.name, "created": scene.created, "updated": scene.updated,
            "size": len(scene.values)}


def _unknown(address: str) -> dict[str, Any]:
    # No "did you mean" here: a scene from a bigger mixer has thousands of such addresses, and the
    # suggestion search is for a person's typo, not for a whole missing channel.
    return {"address": address, "code": "unknown_address",
            "message": f"{address!r} is not an address of this mixer (its layout differs from the scene's)"}


def _valid_id(value: object) -> bool:
    """A row id SQLite can hold (anything else names no scene or version)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ROW_ID


def check_fade(fade_ms: object) -> float:
    """``fade_ms`` as a float in 0…60000; raises SceneError ``out_of_range``."""
    if isinstance(fade_ms, bool) or not isinstance(fade_ms, (int, float)) or not math.isfinite(fade_ms) \
            or not 0 <= fade_ms <= FADE_MAX_MS:
        raise SceneError("out_of_range", f"fade_ms {fade_ms!r} is not allowed; a crossfade takes {FADE_HINT}",
                         "fade_ms", FADE_HINT)
    return float(fade_ms)


def check_name(name: object) -> str:
    """A scene name with surrounding spaces removed, under the one text rule for names
    (mixerd/model/text.py); raises SceneError ``invalid_name``."""
    if not isinstance(name, str):
        raise SceneError("invalid_name", f"a scene name must be a string, not {name!r}", None, NAME_HINT)
    try:
        return check_text(name, NAME_MAX)
    except TextError as e:
        raise SceneError("invalid_name", f"the scene name {e.message}; allowed {NAME_HINT}", None, NAME_HINT) from None


class SceneService:
    """Scenes, safes, recall, automatic versions and A/B for ``control``.

    ``store`` defaults to ``control.store`` (if the control has one) or an in-memory database.
    ``version_minutes``, ``keep_versions``, ``clock`` and ``poll`` configure the VersionKeeper
    (``self.versions``); its thread, and the one that follows the current scene, are started by ``start()``
    (the daemon and the web app's lifespan do it).
    """

    def __init__(self, control, store: Store | None = None, *, version_minutes: float = DEFAULT_INTERVAL_MINUTES,
                 keep_versions: int = DEFAULT_KEEP, clock: Callable[[], float] = time.monotonic, poll: float = 1.0):
        if store is None:
            store = getattr(control, "store", None)
        self.control = control
        self.store: Store = store if store is not None else memory_store()
        self.versions = VersionKeeper(control, self.store, interval=version_minutes * 60, keep=keep_versions,
                                      clock=clock, poll=poll)
        self._lock = threading.RLock()
        self._ab: Comparison | None = None
        self._safes = self._load_safes()
        self._revision = 0
        self._infos: dict[str, Any] | None = None    # the scenes and safes of listing() until they change
        self._listing: dict[str, Any] | None = None  # listing() until the next change
        self._tracker = CurrentScene(control.tree)
        self._sub: Subscription | None = None        # the control's changes, for the tracker
        self._seen = 0                               # seq of the newest change the tracker has
        self._current: dict[str, Any] | None = None  # current() as last announced
        self._follower: threading.Thread | None = None
        with self._lock:
            self._follow(announce=False)
            self._current = self._tracker.current()

    @property
    def tree(self):
        return self.control.tree

    @property
    def revision(self) -> int:
        """Which change of the scene list, the safes and the current scene the service is at (the ``scenes``
        notices count them)."""
        return self._revision

    def start(self) -> None:
        """Start keeping versions and following the current scene (no-op for what already runs)."""
        self.versions.start()
        with self._lock:
            if self._follower is not None and self._follower.is_alive():
                return
            self._follow()
            self._follower = threading.Thread(target=self._run, args=(self._sub,), name="mixerd-scenes",
                                              daemon=True)
            self._follower.start()

    def stop(self) -> None:
        """Stop both threads (``current()`` still answers: it then catches up when asked)."""
        self.versions.stop()
        with self._lock:
            follower, self._follower = self._follower, None
            sub, self._sub = self._sub, None
        if sub is not None:
            sub.close()  # wakes the follower, which ends
        if follower is not None:
            follower.join(timeout=10)

    # -- scenes -------------------------------------------------------------------------------------

    def scenes(self) -> list[Scene]:
        return self.store.scenes()

    def listing(self) -> dict[str, Any]:
        """What a ``scenes`` notice carries, as it is now: ``{"revision", "scenes": [{"id", "name", "created",
        "updated", "size"}], "safes", "safe_addresses", "current"}`` (``current()``; a notice of a lower revision
        is older). Kept until the next change, so asking is cheap."""
        with self._lock:
            self._follow()
            return self._listing_now()

    def current(self) -> dict[str, Any] | None:
        """The scene the mix is at, or was at last: ``{"id", "name", "modified"}`` (``modified``: a value the
        scene holds is different now; changed back, it is not). None: the mix was at no scene yet, or the scene
        it was at is deleted."""
        with self._lock:
            self._follow()
            return None if self._current is None else dict(self._current)

    def scene(self, scene_id: int) -> Scene:
        scene = self.store.scene(scene_id) if _valid_id(scene_id) else None
        if scene is None:
            ids = [s.id for s in self.store.scenes()]
            raise SceneError("not_found", f"there is no scene {scene_id}", None,
                             "scene ids: " + (", ".join(map(str, ids)) if ids else "none yet"),
                             hint="list_scenes" if ids else "save_scene")
        return scene

    def save_scene(self, name: object) -> Scene:
        """Save every current value of the mix (not monitoring state such as solo) under a new, unique
        ``name``; the mix is then at it."""
        name = check_name(name)
        values = self._mix()
        with self._lock:
            self._check_unique(name)
            scene = self.store.scene(self._write(lambda: self.store.save_scene(name, values), name))
            self._changed("saved", scene.id, came_to=scene.id)
            return scene

    def update_scene(self, scene_id: int) -> Scene:
        """Save the mix as it is now into scene ``scene_id`` (its name and id stay, its values are replaced, as
        ``save_scene`` would take them); the mix is then at it, unmodified. Raises ``not_found``."""
        with self._lock:
            scene = self.scene(scene_id)
            values = self._mix()
            self.store.save_scene(scene.name, values, scene.id)
            self._changed("updated", scene.id, came_to=scene.id)
            return self.scene(scene.id)

    def _mix(self) -> dict[str, Any]:
        """Every value of the mix a scene holds (not monitoring state such as solo)."""
        _, now = self.control.state()
        return {a: v for a, v in now.items() if self.tree.spec(a).scene}

    def rename_scene(self, scene_id: int, name: object) -> Scene:
        scene = self.scene(scene_id)
        name = check_name(name)
        with self._lock:
            self._check_unique(name, scene.id)
            self._write(lambda: self.store.rename_scene(scene.id, name), name)
            self._changed("renamed", scene.id)
            return self.scene(scene.id)

    def delete_scene(self, scene_id: int, confirm: bool = False) -> Scene:
        """Delete a scene; without ``confirm`` raises ``confirm_required`` and deletes nothing."""
        scene = self.scene(scene_id)
        if not confirm:
            raise SceneError("confirm_required", f"deleting scene {scene.id} ({scene.name!r}) cannot be undone; "
                             "confirm to delete it", None, "confirm=true")
        with self._lock:
            self.store.delete_scene(scene.id)
            self._changed("deleted", scene.id)
        return scene

    def export_scene(self, scene_id: int) -> dict[str, Any]:
        """The scene as a portable document: ``{"mixerd_scene": 1, "name", "values"}``."""
        scene = self.scene(scene_id)
        return {"mixerd_scene": SCENE_FORMAT, "name": scene.name, "values": dict(scene.values)}

    def import_scene(self, document: object, strict: bool = False,
                     replace: bool = False) -> tuple[Scene, list[dict[str, Any]]]:
        """Store an exported scene as a new scene; returns it and the values that were skipped. With ``replace``
        a scene of the same name (case aside) takes the document's values instead (it keeps its id): a scene
        copied here again from another box; without it that name is ``name_taken``.

        Every value is checked against this mixer's tree. By default unknown addresses and invalid
        values are skipped and reported (a scene from a bigger mixer still brings what fits); with
        ``strict`` any of them refuses the whole import. Addresses the document lacks are simply not
        part of the scene: its recall leaves them as they are.
        """
        if not isinstance(document, Mapping):
            raise SceneError("invalid_scene", "a scene document is a JSON object "
                             '{"mixerd_scene": 1, "name": …, "values": {…}}', None, "mixerd_scene 1")
        fmt = document.get("mixerd_scene")
        if isinstance(fmt, bool) or fmt != SCENE_FORMAT:
            raise SceneError("invalid_scene", f"mixerd_scene is {fmt!r}; this mixerd reads scene documents of "
                             f"format {SCENE_FORMAT}", None, f"mixerd_scene {SCENE_FORMAT}", hint="export_scene")
        values = document.get("values")
        if not isinstance(values, Mapping):
            raise SceneError("invalid_scene", "the scene document's values must be an object mapping addresses "
                             "to values", None, '{"<address>": <value>, ...}')
        name = check_name(document.get("name"))
        good, skipped = self._fit(values)
        if skipped and strict:
            errors = [SceneError("invalid_scene", s["message"], s["address"]) for s in skipped]
            raise SceneError("invalid_scene", f"{len(skipped)} of {len(values)} values do not fit this mixer and "
                             "strict import refuses them all; nothing was imported: "
                             + "; ".join(s["message"] for s in skipped), skipped[0]["address"],
                             "addresses and values of this mixer", errors=errors, hint="list_params")
        if not good:
            raise SceneError("invalid_scene", f"none of the {len(values)} values of scene {name!r} fit this mixer; "
                             "nothing was imported", None, "addresses and values of this mixer", hint="list_params")
        with self._lock:
            same = next((s for s in self.store.scenes() if s.name.casefold() == name.casefold()), None)
            if same is not None and replace:
                self.store.save_scene(same.name, good, same.id)
                scene_id = same.id
            else:
                self._check_unique(name)
                scene_id = self._write(lambda: self.store.save_scene(name, good), name)
            self._changed("imported", scene_id)
        return self.store.scene(scene_id), skipped

    def _fit(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Split ``values`` into those valid here (coerced) and the problems with the others."""
        good: dict[str, Any] = {}
        skipped: list[dict[str, Any]] = []
        for address, value in values.items():
            if address not in self.tree:
                skipped.append(_unknown(address))
                continue
            try:
                good[address] = self.tree.validate(address, value)
            except ParamError as e:
                skipped.append({"address": address, "code": e.code, "message": e.message})
        return good, skipped

    def _check_unique(self, name: str, own_id: int | None = None) -> None:
        for other in self.store.scenes():
            if other.id != own_id and other.name.casefold() == name.casefold():
                raise SceneError("name_taken", f"scene {other.id} is already called {other.name!r}; choose another "
                                 "name (or rename or delete that scene)", None, NAME_HINT)

    def _write(self, op: Callable[[], Any], name: str) -> Any:
        try:
            return op()
        except sqlite3.IntegrityError:  # a concurrent save of the same name won the race
            raise SceneError("name_taken", f"another scene is already called {name!r}", None, NAME_HINT) from None

    def _changed(self, action: str, scene_id: int | None, came_to: int | None = None) -> None:
        """The scene list or the safes changed (caller holds the lock): compare the mix with them again
        (``came_to``: the scene the mix was just brought to), then count and announce the change."""
        self._infos = None
        self._compare()
        if came_to is not None:
            self._tracker.mark(came_to)
        self._current = self._tracker.current()
        self._announce(action, scene_id)

    def _announce(self, action: str, scene_id: int | None) -> None:
        """Count the change and tell the control's followers (caller holds the lock: notices in change order)."""
        self._revision, self._listing = next(_revisions), None
        notify, follows = getattr(self.control, "notify", None), getattr(self.control, "follows", None)
        if notify is None or follows is None or not follows("scenes"):
            return  # nobody follows: no list to read
        try:
            notify("scenes", {**self._listing_now(), "action": action, "id": scene_id})
        except Exception:  # the change is made; a notice that failed must not turn it into an error
            log.exception("scenes: could not announce the change")

    def _listing_now(self) -> dict[str, Any]:
        if self._listing is None:
            if self._infos is None:
                self._infos = {"scenes": [scene_info(s) for s in self.store.scenes()], "safes": self.safes(),
                               "safe_addresses": len(self.safe_addresses())}
            self._listing = {"revision": self._revision, **self._infos, "current": self._current}
        return self._listing

    # -- the current scene ----------------------------------------------------------------------------

    def _follow(self, announce: bool = True) -> None:
        """Bring the current scene up to date with every change made so far (caller holds the lock) and, with
        ``announce``, tell the followers when it moved (another scene, or modified or not)."""
        if self._sub is None or not self._drain():
            self._compare()
        if announce:
            self._announce_current()

    def _drain(self) -> bool:
        """Apply the queued changes; False when the subscription fell behind (they are lost: compare again)."""
        try:
            while (event := self._sub.get_nowait()) is not None:
                self._apply(event)
        except Lagged:
            return False
        return True

    def _apply(self, event: Event) -> None:
        # A change older than what the tracker has (taken by the follower thread while another caller caught
        # up, or already in a comparison's state) brings the value the mix has now, never an older one.
        value = event.value if event.seq > self._seen else self.control.get(event.address)
        self._seen = max(self._seen, event.seq)
        self._tracker.change(event.address, value)

    def _compare(self) -> None:
        """Compare the whole mix with every scene (the scenes or safes changed, the changes fell behind, or
        nothing was followed yet: then from now on)."""
        if self._sub is None:
            self._sub = self.control.subscribe(FOLLOW_QUEUE)
        else:
            self._drain()  # first what led here: which scenes the mix was at before
        seq, values = self.control.state()
        self._tracker.reset(self.store.scenes(), self.safe_addresses(), values)
        self._seen = seq

    def _announce_current(self) -> None:
        current = self._tracker.current()
        if current != self._current:
            self._current = current
            self._announce("current", None if current is None else current["id"])

    def _run(self, sub: Subscription) -> None:
        """The follower thread: each change as it comes (ends when ``stop()`` closes ``sub``)."""
        while True:
            try:
                event = sub.get()
            except Lagged:
                event = None
                if sub.closed:
                    return
            else:
                if event is None:
                    return  # closed
            try:
                with self._lock:
                    if self._sub is not sub:
                        return
                    if event is None:
                        self._compare()  # fell behind
                    else:
                        self._apply(event)
                    self._follow()
            except Exception:  # a bad moment must not end following for good
                log.exception("scenes: could not follow the current scene")

    # -- safes ----------------------------------------------------------------------------------------

    def safes(self) -> list[str]:
        return self._safes.texts

    def safe_addresses(self) -> list[str]:
        return [a for a in self.tree.addresses() if a in self._safes]

    def set_safes(self, patterns: Iterable[object]) -> list[str]:
        """Replace the safes; every pattern must be valid and match at least one address, else nothing
        changes. Returns the patterns as stored (deduplicated, in the given order)."""
        patterns = list(patterns)
        compiled = compile_patterns(patterns, self.tree, "safe pattern")
        with self._lock:
            self.store.set_safes([p.text for p in compiled])
            self._safes = PatternSet(compiled)
            self._changed("safes", None)
        return self._safes.texts

    def _load_safes(self) -> PatternSet:
        kept: list[AddressPattern] = []
        for text in self.store.safes():
            try:
                kept += compile_patterns([text], self.tree, "safe pattern")
            except SceneError as e:
                log.warning("safes: ignoring the stored pattern %r: %s", text, e.message)
        return PatternSet(kept)

    # -- recall ---------------------------------------------------------------------------------------

    def recall_scene(self, scene_id: int, fade_ms: object = 0.0, scope: Iterable[object] | None = None,
                     actor: str | None = None) -> RecallResult:
        """Recall a scene (see ``_recall``); ``actor``: who asked (their undo takes the recall back)."""
        fade, patterns = check_fade(fade_ms), self._scope(scope)
        scene = self.scene(scene_id)
        return self._recall(scene.values, Source("scene", scene.id, scene.name), fade, patterns, actor)

    def recall_version(self, version_id: int, fade_ms: object = 0.0,
                       scope: Iterable[object] | None = None, actor: str | None = None) -> RecallResult:
        fade, patterns = check_fade(fade_ms), self._scope(scope)
        values = self.version(version_id)["values"]
        return self._recall(values, Source("version", version_id), fade, patterns, actor)

    def _scope(self, scope: Iterable[object] | None) -> PatternSet | None:
        if scope is None:
            return None
        scope = list(scope)
        if not scope:
            raise SceneError("invalid_scope", "an empty scope recalls nothing; list patterns such as "
                             "'ch/*/send/3/*', or leave scope out to recall everything", "scope",
                             "a list of address patterns, or no scope for everything")
        return PatternSet(compile_patterns(scope, self.tree, "scope pattern"))

    def _recall(self, values: Mapping[str, Any], source: Source, fade: float,
                scope: PatternSet | None, actor: str | None = None) -> RecallResult:
        """Apply the values of ``values`` that are in scope, not safe and different from now, as one
        batch with origin ``scene``, an undo step of ``actor`` (default: "scene")."""
        with self._lock:
            _, now = self.control.state()
            changes: dict[str, Any] = {}
            safe: list[str] = []
            ignored: list[dict[str, Any]] = []
            for address, value in values.items():
                if scope is not None and address not in scope:
                    continue
                if address not in self.tree:
                    ignored.append(_unknown(address))
                    continue
                if not self.tree.spec(address).scene:
                    continue  # solo is the engineer's monitoring, never part of a recall
                try:
                    coerced = self.tree.validate(address, value)
                except ParamError as e:
                    ignored.append({"address": address, "code": e.code, "message": e.message})
                    continue
                if coerced == now[address]:
                    continue
                if address in self._safes:
                    safe.append(address)
                    continue
                changes[address] = coerced
            # 0 ms: the engine's normal short ramp, so an instant recall does not click either.
            events = (self.control.set_many(changes, origin="scene", fade_ms=fade or None, actor=actor)
                      if changes else [])
            self._follow(announce=False)
            if source.kind == "scene":
                self._tracker.mark(source.id)
            self._announce_current()
        seq = events[-1].seq if events else self.control.seq
        if changes:
            log.info("recall %s %s: %d changed, %d kept safe, fade %.0f ms", source.kind, source.id or source.name,
                     len(changes), len(safe), fade)
        return RecallResult(source, seq, fade, changes, safe, ignored)

    # -- versions -------------------------------------------------------------------------------------

    def version_list(self) -> list[dict[str, Any]]:
        """Every kept version, newest first: ``{"id", "time", "seq"}``."""
        return [{"id": i, "time": ts, "seq": seq} for i, ts, seq in self.store.versions()]

    def version(self, version_id: int) -> dict[str, Any]:
        """One version: ``{"id", "time", "seq", "values"}``; raises ``not_found``."""
        info = next((v for v in self.version_list() if v["id"] == version_id), None) if _valid_id(version_id) else None
        values = self.store.version(version_id) if info else None
        if info is None or values is None:
            kept = [v["id"] for v in self.version_list()]
            allowed = "version ids: " + (", ".join(map(str, kept[:20])) + (" …" if len(kept) > 20 else "")
                                      if kept else "none yet (one is kept every few minutes while the mix changes)")
            raise SceneError("not_found", f"there is no version {version_id}", None, allowed,
                             hint="list_versions")
        return {**info, "values": values}

    # -- A/B ------------------------------------------------------------------------------------------

    def ab_status(self) -> dict[str, Any]:
        cmp = self._ab
        if cmp is None:
            return {"active": None, "slots": None, "fade_ms": None, "scope": None}
        return {"active": cmp.active, "slots": {k: s.to_dict() for k, s in cmp.sources.items()},
                "fade_ms": cmp.fade_ms, "scope": cmp.scope.texts if cmp.scope is not None else None}

    def ab_start(self, scene_id: int | None = None, version_id: int | None = None, fade_ms: object = 0.0,
                 scope: Iterable[object] | None = None) -> tuple[dict[str, Any], RecallResult]:
        """Keep the current state as A and recall B (a scene or a version); B is then playing."""
        if (scene_id is None) == (version_id is None):
            raise ValueError("compare with exactly one of a scene or a version")
        fade, patterns = check_fade(fade_ms), self._scope(scope)
        with self._lock:
            if self._ab is not None:
                raise SceneError("ab_active", f"a comparison is already running ({self._ab.active} is playing); "
                                 "toggle it, or end it first", None, None)
            if scene_id is not None:
                scene = self.scene(scene_id)
                values, source = scene.values, Source("scene", scene.id, scene.name)
            else:
                values, source = self.version(version_id)["values"], Source("version", version_id)
            _, a = self.control.state()
            result = self._recall(values, source, fade, patterns)
            self._ab = Comparison(slots={"A": a, "B": dict(values)}, sources={"A": Source("live"), "B": source},
                                  active="B", fade_ms=fade, scope=patterns)
            return self.ab_status(), result

    def ab_toggle(self, fade_ms: object = None) -> tuple[dict[str, Any], RecallResult]:
        """Keep the current state in the playing slot and recall the other one (edits stay per slot)."""
        with self._lock:
            cmp = self._require_ab()
            fade = cmp.fade_ms if fade_ms is None else check_fade(fade_ms)
            _, now = self.control.state()
            other = "A" if cmp.active == "B" else "B"
            result = self._recall(cmp.slots[other], Source("ab", None, other), fade, cmp.scope)
            cmp.slots[cmp.active] = now
            cmp.active = other
            return self.ab_status(), result

    def ab_end(self) -> str:
        """End the comparison keeping what is playing; returns the slot that was playing."""
        with self._lock:
            cmp = self._require_ab()
            self._ab = None
            return cmp.active

    def _require_ab(self) -> Comparison:
        if self._ab is None:
            raise SceneError("ab_not_active", "no comparison is running; start one with a scene or a version",
                             hint="start_ab")
        return self._ab
