"""The SQLite store: state, history and meta in durable transactions; a damaged file is moved aside."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from mixerd.store import DB_NAME, Change, Store, Write


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path)
    yield s
    s.close()


def change(seq, address, old, new, step, origin="rest"):
    return Change(seq, address, old, new, origin, step)


def test_a_new_store_is_empty_and_in_wal_mode(tmp_path, store):
    assert (tmp_path / DB_NAME).exists() and store.recovered_from is None
    assert store.load_state() == {} and store.history() == [] and store.last_step() == 0
    assert store.meta("seq", 7) == 7
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_commit_writes_state_history_and_meta_and_survives_reopening(tmp_path, store):
    store.commit([change(1, "ch/1/fader", 0.0, -6.0, 1), change(2, "ch/1/name", "Ch 1", "Kick", 1)],
                 meta={"seq": 2, "undo_pos": 1})
    store.commit([change(3, "ch/1/mute", False, True, 2, origin="mqtt")], values={"ch/2/fader": -3.0},
                 meta={"seq": 3, "undo_pos": 2})
    store.close()
    again = Store.open(tmp_path)
    try:
        assert again.load_state() == {"ch/1/fader": -6.0, "ch/1/name": "Kick", "ch/1/mute": True, "ch/2/fader": -3.0}
        assert [c.seq for c in again.history()] == [3, 2, 1]  # newest first, no row for "values"
        assert [c.seq for c in again.history(limit=1, before_seq=3)] == [2]
        assert again.history()[0].origin == "mqtt" and again.history()[0].ts > 0
        assert [(c.address, c.old, c.new) for c in again.step_changes(1)] == [
            ("ch/1/fader", 0.0, -6.0), ("ch/1/name", "Ch 1", "Kick")]
        assert again.last_step() == 2 and again.meta("seq") == 3 and again.meta("undo_pos") == 2
    finally:
        again.close()


def test_commit_drops_redo_steps_old_steps_and_replaced_rows(store):
    store.commit([change(i, f"ch/{i}/fader", 0.0, -1.0, i) for i in range(1, 6)])
    store.commit([change(6, "ch/1/fader", -1.0, -2.0, 3)], drop_steps_after=2)  # new step 3 after an undo
    assert sorted({c.step for c in store.history()}) == [1, 2, 3] and store.last_step() == 3
    store.commit([change(7, "ch/1/fader", -1.0, -3.0, 3)], drop_seqs=[6])  # a drag goes on
    assert [(c.seq, c.old, c.new) for c in store.step_changes(3)] == [(7, -1.0, -3.0)]
    store.commit([change(8, "ch/2/fader", -1.0, -4.0, 4)], drop_steps_through=1)  # the undo depth
    assert sorted({c.step for c in store.history()}) == [2, 3, 4]


def test_a_failing_commit_changes_nothing(store):
    store.commit([change(1, "ch/1/fader", 0.0, -6.0, 1)], meta={"seq": 1})
    with pytest.raises(TypeError):
        store.commit([change(2, "ch/2/fader", 0.0, -3.0, 2), change(3, "ch/3/fader", 0.0, object(), 2)],
                     meta={"seq": 3}, drop_steps_after=0)
    assert store.load_state() == {"ch/1/fader": -6.0}
    assert [c.seq for c in store.history()] == [1] and store.meta("seq") == 1
    store.commit([change(2, "ch/2/fader", 0.0, -3.0, 2)])  # and the store still works
    assert store.last_step() == 2


def test_a_group_commit_applies_its_writes_in_order_all_or_none(store):
    """Control commits the operations queued meanwhile as one transaction: each sees the ones before it."""
    store.commit_group([
        Write([change(1, "ch/1/fader", 0.0, -1.0, 1)], meta={"seq": 1}),
        Write([change(2, "ch/1/fader", 0.0, -2.0, 1)], meta={"seq": 2}, drop_seqs=(1,)),  # the drag went on
        Write([change(3, "ch/2/fader", 0.0, -3.0, 2)], meta={"seq": 3, "undo_pos": 2}),
    ])
    assert store.load_state() == {"ch/1/fader": -2.0, "ch/2/fader": -3.0}
    assert [(c.seq, c.step) for c in store.history()] == [(3, 2), (2, 1)] and store.meta("seq") == 3
    with pytest.raises(TypeError):
        store.commit_group([Write([change(4, "ch/3/fader", 0.0, -4.0, 3)], meta={"seq": 4}, drop_steps_after=1),
                            Write([change(5, "ch/4/fader", 0.0, object(), 4)], meta={"seq": 5})])
    assert store.load_state() == {"ch/1/fader": -2.0, "ch/2/fader": -3.0}  # not even the first write
    assert [c.seq for c in store.history()] == [3, 2] and store.meta("seq") == 3


def test_a_committed_change_is_visible_to_another_connection_at_once(tmp_path, store):
    store.commit([change(1, "ch/1/fader", 0.0, -6.0, 1)])
    other = Store.open(tmp_path)
    try:
        assert other.load_state() == {"ch/1/fader": -6.0}
    finally:
        other.close()


def test_a_value_that_is_not_json_is_skipped_with_a_warning(store, caplog):
    store.commit([change(1, "ch/1/fader", 0.0, -6.0, 1)])
    store._conn.execute("INSERT INTO state VALUES ('ch/2/fader', '{not json')")
    with caplog.at_level(logging.WARNING):
        assert store.load_state() == {"ch/1/fader": -6.0}
    assert "ch/2/fader" in caplog.text


def test_a_lone_surrogate_kept_by_an_earlier_version_is_replaced_on_open(tmp_path, store, caplog):
    """Earlier versions kept link labels and template names with a lone UTF-16 surrogate in meta; such text
    cannot be sent as UTF-8. Opening the database replaces it with U+FFFD, once, and leaves the rest."""
    store.set_meta("auth.links", [{"id": "l1", "label": "Front\ud800", "bus": None}])
    store.set_meta("templates", {"Gig\udc00": {"saved": 1.0, "values": {"ch/1/name": "🎤 Kick"}}})
    store.set_meta("other", {"name": "🎤 \\ud800 is how JSON spells half a pair"})  # a pair, an escaped backslash
    store.close()
    with caplog.at_level(logging.WARNING, logger="mixerd.store"):
        again = Store.open(tmp_path)
    try:
        assert again.meta("auth.links") == [{"id": "l1", "label": "Front\ufffd", "bus": None}]
        assert again.meta("templates") == {"Gig\ufffd": {"saved": 1.0, "values": {"ch/1/name": "🎤 Kick"}}}
        assert again.meta("other") == {"name": "🎤 \\ud800 is how JSON spells half a pair"}
        assert sorted(r.getMessage().split()[1] for r in caplog.records if "surrogate" in r.getMessage()) == [
            "auth.links", "templates"]
    finally:
        again.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mixerd.store"):
        Store.open(tmp_path).close()  # repaired once: nothing left to replace
    assert not [r for r in caplog.records if "surrogate" in r.getMessage()]


def test_memory_store_behaves_like_a_file():
    s = Store.memory()
    s.commit([change(1, "ch/1/fader", 0.0, -6.0, 1)], meta={"seq": 1})
    assert s.load_state() == {"ch/1/fader": -6.0} and s.meta("seq") == 1 and s.last_step() == 1
    s.close()


# -- damaged databases ---------------------------------------------------------------------------------


def filled(tmp_path) -> bytes:
    """A real database with some history, closed cleanly; returns its bytes."""
    s = Store.open(tmp_path)
    for i in range(1, 400):
        s.commit([change(i, f"ch/{i % 16 + 1}/fader", 0.0, -float(i % 90), i)], meta={"seq": i})
    s.close()
    return (tmp_path / DB_NAME).read_bytes()


def assert_recovered(tmp_path, original: bytes, caplog) -> None:
    with caplog.at_level(logging.ERROR):
        s = Store.open(tmp_path)
    try:
        assert s.recovered_from is not None and s.recovered_from.parent == tmp_path
        assert s.recovered_from.name.startswith(DB_NAME + ".broken-")
        assert s.recovered_from.read_bytes() == original  # kept aside, untouched
        assert s.load_state() == {} and s.history() == [] and s.last_step() == 0
        assert "cannot be used" in caplog.text and s.recovered_from.name in caplog.text
        s.commit([change(1, "ch/1/fader", 0.0, -6.0, 1)])  # and the new one works
    finally:
        s.close()
    again = Store.open(tmp_path)  # no crash loop: the next start opens the new database as it is
    try:
        assert again.recovered_from is None and again.load_state() == {"ch/1/fader": -6.0}
    finally:
        again.close()


def test_a_garbage_file_is_moved_aside(tmp_path, caplog):
    garbage = b"this is not a database\n" * 500
    (tmp_path / DB_NAME).write_bytes(garbage)
    assert_recovered(tmp_path, garbage, caplog)


@pytest.mark.parametrize("keep", [0.5, 0.9, 4096 * 2, 100])
def test_a_truncated_database_is_moved_aside(tmp_path, caplog, keep):
    data = filled(tmp_path)
    cut = data[:int(len(data) * keep) if keep < 1 else keep]
    (tmp_path / DB_NAME).write_bytes(cut)
    assert_recovered(tmp_path, cut, caplog)


def test_a_foreign_sqlite_file_is_moved_aside(tmp_path, caplog):
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.execute("CREATE TABLE state (id INTEGER PRIMARY KEY, blob BLOB)")
    conn.commit()
    conn.close()
    assert_recovered(tmp_path, (tmp_path / DB_NAME).read_bytes(), caplog)


def test_a_newer_schema_is_moved_aside_not_overwritten(tmp_path, caplog):
    s = Store.open(tmp_path)
    s.set_meta("schema", 99)
    s.close()
    assert_recovered(tmp_path, (tmp_path / DB_NAME).read_bytes(), caplog)


def test_two_recoveries_keep_both_damaged_files(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"first garbage" * 100)
    Store.open(tmp_path).close()
    (tmp_path / DB_NAME).write_bytes(b"second garbage" * 100)
    Store.open(tmp_path).close()
    kept = sorted(p.read_bytes() for p in tmp_path.glob(DB_NAME + ".broken-*"))
    assert kept == [b"first garbage" * 100, b"second garbage" * 100]
