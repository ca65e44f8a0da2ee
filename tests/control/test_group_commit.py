"""The audio before the disk: a change reaches the real engine before its commit starts, the answer waits for
the commit, and changes from concurrent writers share commits (group commit), every answered one on disk."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Mapping, Sequence

import numpy as np
import pytest
from support import RATE

from mixerd.control import Control
from mixerd.engine import Engine
from mixerd.model import Layout, ParamTree
from mixerd.store import Store, Write

WRITERS = 8
BOUND = 30.0  # seconds: a bound for waits that end in an instant, never a measurement


class SlowStore(Store):
    """A real database on a slow disk: every commit takes ``delay`` seconds (200 ms: an SD card on a bad day)
    and, while ``hold`` is set, also waits until the test clears it. Records each commit's size and, in
    ``log``, when commits finished (next to what the test's writers record)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.delay = 0.2
        self.hold = False
        self.entered = threading.Event()  # a commit is on the disk now
        self.release = threading.Event()
        self.commits: list[int] = []  # writes per commit
        self.log: list[str] = []

    def commit_group(self, writes: Sequence[Write]) -> None:
        self.entered.set()
        if self.hold:
            assert self.release.wait(BOUND), "the test never released the commit"
        time.sleep(self.delay)
        super().commit_group(writes)
        self.commits.append(len(writes))
        self.log.append(f"committed {len(writes)}")


class HeardEngine(Engine):
    """The real engine (offline), also counting the changes that reached it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heard = threading.Semaphore(0)

    def apply(self, state: Mapping[str, Any], changed: Sequence[str], fade_ms: float | None = None) -> None:
        super().apply(state, changed, fade_ms)
        self.heard.release()


@pytest.fixture
def layout() -> Layout:
    return Layout.simple(WRITERS, 1, generators=0)


@pytest.fixture
def store(tmp_path):
    s = SlowStore.open(tmp_path)
    yield s
    s.release.set()
    s.close()


@pytest.fixture
def engine(layout):
    tree = ParamTree.from_layout(layout)
    e = HeardEngine(layout, sample_rate=RATE)
    e.load(tree.defaults())
    yield e
    e.stop()


@pytest.fixture
def control(layout, engine, store) -> Control:
    control = Control(ParamTree.from_layout(layout), link=engine, store=store)
    assert engine.heard.acquire(timeout=BOUND)  # the whole state, sent at start
    return control


def main_peak(engine: Engine) -> float:
    """Run 0.1 s of a -12 dBFS tone on channel 1 through the core offline; the main's loudest peak (dBFS)."""
    inputs = np.zeros((engine.layout.n_inputs, 4800), np.float32)
    inputs[0] = 0.25 * np.sin(2 * np.pi * 1000 * np.arange(4800) / RATE)
    engine.process(inputs)
    return max(engine.meters()["points"]["main"]["peak"])


def in_thread(fn, *args: Any, log: list[str] | None = None) -> tuple[threading.Thread, dict[str, Any]]:
    """Call ``fn(*args)`` in a thread of its own; its answer lands in the dict (and "answered" in ``log``)."""
    result: dict[str, Any] = {}

    def run() -> None:
        result["value"] = fn(*args)
        if log is not None:
            log.append("answered")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_the_audio_follows_a_fader_while_its_commit_is_still_on_the_disk(control, engine, store):
    assert main_peak(engine) > -20  # the tone is heard
    sub = control.subscribe()
    store.hold = True
    thread, result = in_thread(control.set, "ch/1/fader", -90, "rest", log=store.log)
    assert store.entered.wait(BOUND)
    # The commit is on the disk: the engine already has the change, so the audio goes silent now.
    assert main_peak(engine) < -100
    assert control.get("ch/1/fader") == -90.0
    # ... while the change is not on disk, the caller has no answer and nobody has been told.
    assert "ch/1/fader" not in store.load_state()
    assert thread.is_alive() and "value" not in result
    assert sub.get_nowait() is None
    store.release.set()
    thread.join(BOUND)
    assert not thread.is_alive() and result["value"].value == -90.0
    assert store.log == ["committed 1", "answered"]
    assert store.load_state()["ch/1/fader"] == -90.0 and store.meta("seq") == result["value"].seq
    assert sub.get_nowait() == result["value"]


def test_concurrent_writers_share_commits_and_every_answered_change_is_on_disk(control, engine, store):
    sub = control.subscribe(maxsize=100_000)
    store.hold = True
    first, first_result = in_thread(control.set, "ch/1/fader", -1, "ws")
    assert store.entered.wait(BOUND)  # its commit is held on the disk
    others = [in_thread(control.set, f"ch/{n}/fader", -n, "ws") for n in range(2, WRITERS + 1)]
    for _ in range(WRITERS):  # all changes are heard while the first commit has not finished
        assert engine.heard.acquire(timeout=BOUND)
    assert control.state()[0] == WRITERS  # (taking the model lock: the last writer has queued its change)
    assert store.commits == [] and first.is_alive() and all(t.is_alive() for t, _ in others)
    assert sub.get_nowait() is None  # no event before its change is on disk
    store.release.set()
    for thread, _ in [(first, first_result), *others]:
        thread.join(BOUND)
        assert not thread.is_alive()
    # Two commits for eight changes: the first alone, then the seven that queued while it was on the disk.
    assert store.commits == [1, WRITERS - 1]
    answered = [first_result["value"], *(r["value"] for _, r in others)]
    assert sorted(e.seq for e in answered) == list(range(1, WRITERS + 1))
    assert store.load_state() == {e.address: e.value for e in answered}

    # A drag on every phone at once, the disk not held: each answer finds its value on disk already.
    store.hold, store.delay = False, 0.01
    on_disk_when_answered: dict[int, list[bool]] = {n: [] for n in range(1, WRITERS + 1)}

    def drag(n: int) -> None:
        for step in range(1, 16):
            event = control.set(f"ch/{n}/fader", -n - step / 4, "ws")
            on_disk_when_answered[n].append(store.load_state()[event.address] == event.value)

    draggers = [threading.Thread(target=drag, args=(n,)) for n in range(1, WRITERS + 1)]
    for t in draggers:
        t.start()
    for t in draggers:
        t.join(BOUND)
        assert not t.is_alive()
    assert all(all(ok) and len(ok) == 15 for ok in on_disk_when_answered.values())
    changes = WRITERS + WRITERS * 15
    assert sum(store.commits) == changes  # every change was in a commit, once
    # Events: one per change, in seq order, although published by whichever caller led each commit.
    seqs = []
    while (event := sub.get_nowait()) is not None:
        seqs.append(event.seq)
    assert seqs == list(range(1, changes + 1))

    # The undo history in the store is whole: seq and the steps as control has them, and undo walks it.
    status = control.undo_status()
    assert store.meta("seq") == control.seq == changes and store.meta("step") == status["undo_step"]
    newest = store.history(limit=1)[0]
    assert newest.seq == changes == status["undo_seq"] and newest.step == status["undo_step"]
    undone = control.undo()
    assert undone.step == newest.step and [(e.address, e.value) for e in undone] == [(newest.address, newest.old)]
    assert newest.step in store.undone_steps() and store.load_state()[newest.address] == newest.old
    assert [(e.address, e.value) for e in control.redo()] == [(newest.address, newest.new)]
    assert store.undone_steps() == {} and store.load_state()[newest.address] == newest.new


def test_a_failing_disk_does_not_take_back_what_the_engine_plays(control, engine, store, caplog):
    """The commit fails after the engine has the change: it stays applied and heard, and is counted."""
    def broken(writes: Sequence[Write]) -> None:
        raise OSError("the SD card went away")

    store.commit_group = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        event = control.set("ch/1/fader", -90, "rest")
    assert event.value == -90.0 and control.get("ch/1/fader") == -90.0
    assert main_peak(engine) < -100
    assert control.health()["control"]["store_errors"] == 1 and "not saved" in caplog.text
