"""The change worker (mixerd/osc/changes.py) on a real control core: what waits while the core is busy is all
applied, in order, in as few calls as order allows; only a drag's intermediate positions (the same app's next
message for the same addresses) are left out; an undo step per drag; a bad value refuses only itself. The core is
kept busy by a call the worker runs (as it runs a snapshot load), so what waits is known, not timed."""

from __future__ import annotations

import threading

import pytest
from osc_rig import LAYOUT
from support import ManualClock, wait_until

from mixerd.control import Control
from mixerd.control.events import Event
from mixerd.model import ParamTree
from mixerd.osc.changes import ChangeWorker

A, B = "osc:127.0.0.1:50001", "osc:127.0.0.1:50002"


@pytest.fixture
def control(engine):
    """The control core on a clock of the test's: its undo window (a drag's moves within a second are one step)
    never closes by itself on a slow machine."""
    return Control(ParamTree.from_layout(LAYOUT), engine, clock=ManualClock())


@pytest.fixture
def worker(control):
    refused: list[tuple] = []
    w = ChangeWorker(control, lambda client, path, why: refused.append((client, path, why)))
    w.refusals = refused
    w.start()
    yield w
    w.stop()


class Busy:
    """Holds the worker in a call until ``release`` (the core busy with a commit, for what comes meanwhile)."""

    def __init__(self, worker: ChangeWorker):
        self.entered, self.leave = threading.Event(), threading.Event()
        worker.submit_call("bench", "hold", self._hold, None, "/hold")
        assert self.entered.wait(15), "the worker did not start the call"

    def _hold(self) -> None:
        self.entered.set()
        assert self.leave.wait(30)

    def release(self) -> None:
        self.leave.set()


def changes_seen(events) -> list[tuple[str, object, str]]:
    out = []
    while (event := events.get_nowait()) is not None:
        if isinstance(event, Event):
            out.append((event.address, event.value, event.actor))
    return out


def settle(worker: ChangeWorker, messages: int) -> None:
    wait_until(lambda: worker.applied + worker.merged + len(worker.refusals) >= messages, what="every message done")


def test_interleaved_changes_are_all_applied_in_order_in_batches(worker, control):
    events = control.subscribe(1 << 12)
    busy = Busy(worker)
    sent = []
    for k in range(20):  # one app, two faders at once (two fingers), and another app's mute between
        for address in ("ch/1/fader", "ch/2/fader"):
            value = -40.0 + k
            worker.submit(A, {address: value}, ("127.0.0.1", 50001), "/ch/0x/mix/fader")
            sent.append((address, value, A))
        if k % 5 == 0:  # B's own messages name different addresses: none replaces another
            address = f"ch/{3 + k // 5}/mute"
            worker.submit(B, {address: True}, ("127.0.0.1", 50002), "/ch/0x/mix/on")
            sent.append((address, True, B))
    busy.release()
    settle(worker, len(sent) + 1)
    assert changes_seen(events) == sent  # every one, in the order sent
    assert worker.merged == 0 and worker.applied == len(sent) + 1 and worker.refusals == []
    # What waited together went in batches: a run of app A's changes up to a repeated address is one call (20),
    # B's mutes between them one each (4), after the call that held the worker.
    assert worker.calls == 1 + 20 + 4
    events.close()


def test_a_drag_waiting_keeps_only_its_latest_position(worker, control):
    events = control.subscribe(1 << 12)
    busy = Busy(worker)
    for k in range(50):  # one fader dragged faster than the core commits: each message replaces the last
        worker.submit(A, {"ch/1/fader": -50.0 + k / 2}, ("127.0.0.1", 50001), "/ch/01/mix/fader")
    worker.submit(B, {"ch/1/fader": -6.0}, ("127.0.0.1", 50002), "/ch/01/mix/fader")  # another app, same fader
    worker.submit(A, {"ch/1/fader": -3.0}, ("127.0.0.1", 50001), "/ch/01/mix/fader")  # A's next: replaces A's
    worker.submit(A, {"ch/2/fader": -1.0}, ("127.0.0.1", 50001), "/ch/02/mix/fader")  # another address: kept
    busy.release()
    settle(worker, 53 + 1)
    # A's -3 went last, where applying one by one would have left it: the fader ends where A's finger stopped.
    assert changes_seen(events) == [("ch/1/fader", -6.0, B), ("ch/1/fader", -3.0, A), ("ch/2/fader", -1.0, A)]
    assert (worker.merged, worker.applied) == (50, 3 + 1)
    assert control.get("ch/1/fader") == -3.0
    events.close()


def test_a_drag_is_one_undo_step_and_a_batch_one_step_of_its_app(worker, control):
    for k in range(30):  # idle: each message its own call, the control core coalescing the drag
        worker.submit(A, {"ch/1/fader": -30.0 + k}, ("127.0.0.1", 50001), "/ch/01/mix/fader")
        wait_until(lambda: control.get("ch/1/fader") == -30.0 + k, what="the move applied")
    control.undo(A)
    assert control.get("ch/1/fader") == 0.0  # the whole drag back at once
    busy = Busy(worker)
    worker.submit(A, {"ch/2/fader": -10.0}, ("127.0.0.1", 50001), "/ch/02/mix/fader")
    worker.submit(A, {"ch/3/mute": True}, ("127.0.0.1", 50001), "/ch/03/mix/on")
    worker.submit(B, {"ch/4/fader": -20.0}, ("127.0.0.1", 50002), "/ch/04/mix/fader")
    busy.release()
    settle(worker, 30 + 3 + 1)
    # A's two changes waited together: one step of A's; B's its own.
    control.undo(A)
    assert (control.get("ch/2/fader"), control.get("ch/3/mute"), control.get("ch/4/fader")) == (0.0, False, -20.0)
    control.undo(B)
    assert control.get("ch/4/fader") == 0.0


def test_a_bad_value_in_a_batch_refuses_only_itself(worker, control):
    busy = Busy(worker)
    client = ("127.0.0.1", 50001)
    worker.submit(A, {"ch/1/fader": -12.0}, client, "/ch/01/mix/fader")
    worker.submit(A, {"ch/2/name": "x" * 500}, client, "/ch/02/config/name")  # longer than a name may be
    worker.submit(A, {"ch/3/fader": -18.0}, client, "/ch/03/mix/fader")
    busy.release()
    settle(worker, 3 + 1)
    assert (control.get("ch/1/fader"), control.get("ch/3/fader")) == (-12.0, -18.0)
    assert control.get("ch/2/name") != "x" * 500
    assert [(c, path) for c, path, _ in worker.refusals] == [(client, "/ch/02/config/name")]
    assert worker.applied == 2 + 1


def test_two_apps_dragging_while_the_core_stalls_keep_only_their_latest(worker, control):
    busy = Busy(worker)
    for k in range(5000):  # more than MAX_WAITING messages: nothing is dropped, as each replaces its app's last
        worker.submit(A, {"ch/1/fader": -60.0 + k % 60}, ("127.0.0.1", 50001), "/ch/01/mix/fader")
        worker.submit(B, {"ch/2/fader": -60.0 + k % 50}, ("127.0.0.1", 50002), "/ch/02/mix/fader")
    assert len(worker._waiting) <= 2 * 2 + 64  # what was replaced is not kept while the core is busy
    busy.release()
    settle(worker, 10_000 + 1)
    assert (worker.applied, worker.merged, worker.dropped) == (2 + 1, 9998, 0)
    assert (control.get("ch/1/fader"), control.get("ch/2/fader")) == (-60.0 + 4999 % 60, -60.0 + 4999 % 50)
