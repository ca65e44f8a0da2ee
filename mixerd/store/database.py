"""The SQLite database (WAL) that keeps the mixer across restarts, kill -9 and power loss.

One file under the state directory holds the current value of every changed address, the change
history (which undo/redo walks), named scenes, safes, automatic versions and small settings. Control
operations are committed with ``synchronous=FULL`` before they are acknowledged: what a client was told is
applied survives a crash. Operations that arrive together share one transaction (``commit_group``), so
a fader dragged on several phones costs one fsync per disk round trip, not one per step. A database that
cannot be opened or fails its integrity check is moved aside (never deleted) and mixerd starts from
defaults.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixerd.model.text import replace_lone_surrogates

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DB_NAME = "mixerd.db"
#: The largest integer SQLite stores: no seq or row id is above it, and a bigger one in a query overflows.
MAX_ROW_ID = 2**63 - 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (address TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    origin TEXT NOT NULL,
    address TEXT NOT NULL,
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    step INTEGER NOT NULL,
    actor TEXT
);
CREATE INDEX IF NOT EXISTS history_step ON history (step);
CREATE TABLE IF NOT EXISTS undone (step INTEGER PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS scenes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    scene_values TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS safes (pattern TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS versions (id INTEGER PRIMARY KEY, ts REAL NOT NULL, seq INTEGER NOT NULL,
                                     version_values TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Change:
    """One applied change as the history keeps it."""

    seq: int
    address: str
    old: Any
    new: Any
    origin: str
    step: int
    ts: float = 0.0
    #: who made it (an admin session, a mix link, MQTT, …: the one whose undo takes it back); None: ``origin``
    actor: str | None = None

    @property
    def by(self) -> str:
        """Who made it: ``actor``, or the origin for a row recorded before actors were."""
        return self.actor or self.origin


@dataclass(frozen=True)
class Write:
    """One control operation's part of a commit; the fields are ``Store.commit``'s arguments."""

    changes: Sequence[Change] = ()
    meta: Mapping[str, Any] | None = None
    drop_steps_after: int | None = None
    values: Mapping[str, Any] | None = None
    drop_seqs: Iterable[int] = ()
    drop_steps_through: int | None = None
    #: steps whose rows are forgotten (an actor's undone steps once they change something new)
    drop_steps: Iterable[int] = ()
    #: step → its place among the undos (undone now: the highest was undone last), or None (applied again)
    undone: Mapping[int, int | None] | None = None


@dataclass(frozen=True)
class Scene:
    id: int
    name: str
    created: float
    updated: float
    values: dict[str, Any]


#: Columns of every table, checked when the database is opened.
_COLUMNS = {
    "meta": "key, value",
    "state": "address, value",
    "history": "seq, ts, origin, address, old, new, step",  # + actor (added by _migrate when missing)
    "scenes": "id, name, created, updated, scene_values",
    "safes": "pattern",
    "versions": "id, ts, seq, version_values",
}


def _aside_name(path: Path) -> Path:
    """A free name to move a damaged database to (never overwriting an earlier one)."""
    base = f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}"
    aside, n = path.with_name(base), 1
    while any(Path(str(aside) + suffix).exists() for suffix in ("", "-wal", "-shm")):
        n += 1
        aside = path.with_name(f"{base}-{n}")
    return aside


_ROW = "seq, address, old, new, origin, step, ts, actor"


def _change(row: tuple) -> Change:
    seq, address, old, new, origin, step, ts, actor = row
    return Change(seq, address, json.loads(old), json.loads(new), origin, step, ts, actor)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a database of an earlier mixerd up to this one's tables: history rows got an ``actor`` (who made
    the change; older rows are their origin's)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(history)")}
    if "actor" not in columns:
        conn.execute("ALTER TABLE history ADD COLUMN actor TEXT")


def _repair_lone_surrogates(conn: sqlite3.Connection) -> None:
    """Replace lone UTF-16 surrogates in the settings (meta) with U+FFFD, once, when the database opens.

    Earlier versions of mixerd saved link labels and template names with a lone surrogate (``"x\\ud800"`` in
    the request's JSON); such text cannot be sent as UTF-8, so ``GET /auth/links`` and ``GET /templates``
    failed for good. Today every front end refuses it, and this makes an older database listable again: the link can
    be listed and revoked, the template listed and deleted (under its name with U+FFFD). Only meta can hold
    one: every other table holds values and names the model had checked, or TEXT that SQLite could not
    store with a surrogate."""
    rows = conn.execute("SELECT key, value FROM meta WHERE value LIKE '%\\u%'").fetchall()
    for key, text in rows:
        try:
            value = json.loads(text)
        except ValueError:
            continue
        fixed = replace_lone_surrogates(value)
        if fixed is not value:
            conn.execute("UPDATE meta SET value = ? WHERE key = ?", (_dump(fixed), key))
            log.warning("store: %s held text with a lone UTF-16 surrogate (no text); replaced it with U+FFFD", key)


class Store:
    """The mixer's database. Thread-safe: one connection, one lock, short transactions."""

    def __init__(self, path: Path, conn: sqlite3.Connection, recovered_from: Path | None = None):
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()
        self.recovered_from = recovered_from

    # -- opening ----------------------------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path | str, name: str = DB_NAME) -> Store:
        """Open (or create) the database in ``directory``; a damaged one is moved aside first."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / name
        try:
            return cls(path, cls._connect(path))
        except (sqlite3.DatabaseError, ValueError) as exc:
            aside = _aside_name(path)
            log.error("store: %s cannot be used (%s); moved it to %s and starting from defaults",
                      path, exc, aside.name)
            for suffix in ("", "-wal", "-shm"):
                part = Path(str(path) + suffix)
                if part.exists():
                    part.rename(Path(str(aside) + suffix))
            return cls(path, cls._connect(path), recovered_from=aside)

    @classmethod
    def memory(cls) -> Store:
        """A database in memory: the same behaviour without persistence (a Control without a store keeps
        its undo history in one; tests and tools)."""
        return cls(Path(":memory:"), cls._connect(":memory:"))

    @staticmethod
    def _connect(path: Path | str) -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            # Look before writing anything: a file that is not ours is moved aside as it was found.
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            # SQLite but not ours (or an old layout of ours): fail here, not in the middle of start-up.
            for table in tables & set(_COLUMNS):
                conn.execute(f"SELECT {_COLUMNS[table]} FROM {table} LIMIT 0")
            if "meta" in tables:
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                if row is not None and int(row[0]) > SCHEMA_VERSION:
                    raise ValueError(f"database schema {row[0]} is newer than this mixerd ({SCHEMA_VERSION})")
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed change survives power loss, not only a killed process.
            conn.execute("PRAGMA synchronous=FULL")
            if "history" in tables:
                _migrate(conn)
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            _repair_lone_surrogates(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- state and history ------------------------------------------------------------------------

    def load_state(self) -> dict[str, Any]:
        """Every stored address → value (the addresses changed since the database began)."""
        with self._lock:
            rows = self._conn.execute("SELECT address, value FROM state").fetchall()
        state = {}
        for address, value in rows:
            try:
                state[address] = json.loads(value)
            except ValueError:
                log.warning("store: the stored value of %s is not JSON (%.40r); ignoring it", address, value)
        return state

    def commit(self, changes: Sequence[Change], meta: Mapping[str, Any] | None = None,
               drop_steps_after: int | None = None, *, values: Mapping[str, Any] | None = None,
               drop_seqs: Iterable[int] = (), drop_steps_through: int | None = None) -> None:
        """Record applied ``changes`` (new state values and history rows) in one durable transaction.

        ``drop_steps_after`` first forgets history steps above that number (a new change after undo
        discards the redo steps); ``drop_steps_through`` forgets the oldest steps, up to and including
        that number (the undo depth); ``drop_seqs`` forgets single history rows (a coalesced fader drag
        replaces its previous row). ``values`` are state values written without a history row (undo,
        redo, a starting mix). ``meta`` entries are written in the same transaction.
        """
        self.commit_group([Write(changes, meta, drop_steps_after, values, drop_seqs, drop_steps_through)])

    def commit_group(self, writes: Sequence[Write]) -> None:
        """Record ``writes`` in order in one durable transaction (one fsync): all of them or none."""
        now = time.time()
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            for w in writes:
                self._write(w, now)

    def _write(self, w: Write, now: float) -> None:
        if w.drop_steps_after is not None:
            self._conn.execute("DELETE FROM history WHERE step > ?", (w.drop_steps_after,))
            self._conn.execute("DELETE FROM undone WHERE step > ?", (w.drop_steps_after,))
        if w.drop_steps_through is not None:
            self._conn.execute("DELETE FROM history WHERE step <= ?", (w.drop_steps_through,))
            self._conn.execute("DELETE FROM undone WHERE step <= ?", (w.drop_steps_through,))
        for table in ("history", "undone"):
            self._conn.executemany(f"DELETE FROM {table} WHERE step = ?", [(step,) for step in w.drop_steps])
        self._conn.executemany("DELETE FROM history WHERE seq = ?", [(seq,) for seq in w.drop_seqs])
        self._conn.executemany(
            "INSERT INTO state VALUES (?, ?) ON CONFLICT(address) DO UPDATE SET value = excluded.value",
            [(c.address, _dump(c.new)) for c in w.changes] + [(a, _dump(v)) for a, v in (w.values or {}).items()],
        )
        self._conn.executemany(
            "INSERT OR REPLACE INTO history (seq, ts, origin, address, old, new, step, actor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(c.seq, c.ts or now, c.origin, c.address, _dump(c.old), _dump(c.new), c.step, c.actor)
             for c in w.changes],
        )
        for step, at in (w.undone or {}).items():
            if at is None:
                self._conn.execute("DELETE FROM undone WHERE step = ?", (step,))
            else:
                self._conn.execute("INSERT OR REPLACE INTO undone VALUES (?, ?)", (step, at))
        for key, value in (w.meta or {}).items():
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, _dump(value)))

    def history(self, limit: int = 100, before_seq: int | None = None) -> list[Change]:
        """The newest ``limit`` changes (newest first), optionally only those before ``before_seq``."""
        query = f"SELECT {_ROW} FROM history"
        args: tuple = ()
        if before_seq is not None:
            query += " WHERE seq < ?"
            args = (before_seq,)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY seq DESC LIMIT ?", (*args, limit)).fetchall()
        return [_change(row) for row in rows]

    def step_changes(self, step: int) -> list[Change]:
        """The changes of one undo step, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_ROW} FROM history WHERE step = ? ORDER BY seq", (step,)).fetchall()
        return [_change(row) for row in rows]

    def steps(self) -> list[tuple[int, str, int]]:
        """``(step, who made it, the seq of its newest change)`` of every step the history holds, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT step, MAX(COALESCE(actor, origin)), MAX(seq) FROM history "
                                      "GROUP BY step ORDER BY step").fetchall()
        return [(int(step), actor, int(seq)) for step, actor, seq in rows]

    def undone_steps(self) -> dict[int, int]:
        """step → its place among the undos (the highest was undone last), for every undone step."""
        with self._lock:
            return {int(step): int(at) for step, at in self._conn.execute("SELECT step, at FROM undone")}

    def last_change(self, address: str, after_seq: int) -> Change | None:
        """The newest recorded change of ``address`` with a seq above ``after_seq`` (None: none)."""
        with self._lock:
            row = self._conn.execute(f"SELECT {_ROW} FROM history WHERE address = ? AND seq > ? ORDER BY seq DESC "
                                     "LIMIT 1", (address, after_seq)).fetchone()
        return None if row is None else _change(row)

    def last_step(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT MAX(step) FROM history").fetchone()
        return int(row[0] or 0)

    def first_step(self) -> int | None:
        """The oldest undo step the history still holds (None: it is empty)."""
        with self._lock:
            row = self._conn.execute("SELECT MIN(step) FROM history").fetchone()
        return None if row[0] is None else int(row[0])

    def meta(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        with self._lock, self._conn:
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, _dump(value)))

    # -- scenes, safes, versions --------------------------------------------------------------------

    def scenes(self) -> list[Scene]:
        with self._lock:
            rows = self._conn.execute("SELECT id, name, created, updated, scene_values FROM scenes ORDER BY id").fetchall()
        return [Scene(i, n, c, u, json.loads(v)) for i, n, c, u, v in rows]

    def scene(self, scene_id: int) -> Scene | None:
        with self._lock:
            row = self._conn.execute("SELECT id, name, created, updated, scene_values FROM scenes WHERE id = ?",
                                     (scene_id,)).fetchone()
        return None if row is None else Scene(row[0], row[1], row[2], row[3], json.loads(row[4]))

    def save_scene(self, name: str, values: Mapping[str, Any], scene_id: int | None = None) -> int:
        """Create a scene (or overwrite ``scene_id``'s values); returns its id. Names are unique."""
        now = time.time()
        with self._lock, self._conn:
            if scene_id is None:
                cur = self._conn.execute("INSERT INTO scenes (name, created, updated, scene_values) VALUES (?, ?, ?, ?)",
                                         (name, now, now, _dump(dict(values))))
                return int(cur.lastrowid)
            self._conn.execute("UPDATE scenes SET name = ?, updated = ?, scene_values = ? WHERE id = ?",
                               (name, now, _dump(dict(values)), scene_id))
            return scene_id

    def rename_scene(self, scene_id: int, name: str) -> None:
        with self._lock, self._conn:
            self._conn.execute("UPDATE scenes SET name = ?, updated = ? WHERE id = ?", (name, time.time(), scene_id))

    def delete_scene(self, scene_id: int) -> None:
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM scenes WHERE id = ?", (scene_id,))

    def safes(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT pattern FROM safes ORDER BY pattern")]

    def set_safes(self, patterns: Iterable[str]) -> None:
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("DELETE FROM safes")
            self._conn.executemany("INSERT OR IGNORE INTO safes VALUES (?)", [(p,) for p in patterns])

    def add_version(self, seq: int, values: Mapping[str, Any], keep: int = 100) -> int:
        """Keep an automatic version of the whole state; the oldest beyond ``keep`` are dropped."""
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            cur = self._conn.execute("INSERT INTO versions (ts, seq, version_values) VALUES (?, ?, ?)",
                                     (time.time(), seq, _dump(dict(values))))
            self._conn.execute("DELETE FROM versions WHERE id NOT IN "
                               "(SELECT id FROM versions ORDER BY id DESC LIMIT ?)", (keep,))
            return int(cur.lastrowid)

    def versions(self) -> list[tuple[int, float, int]]:
        """(id, time, seq) of every kept version, newest first."""
        with self._lock:
            return [tuple(r) for r in self._conn.execute("SELECT id, ts, seq FROM versions ORDER BY id DESC")]

    def version(self, version_id: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT version_values FROM versions WHERE id = ?", (version_id,)).fetchone()
        return None if row is None else json.loads(row[0])
