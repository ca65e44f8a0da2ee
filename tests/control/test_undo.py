"""Undo/redo and persistence in control: one history for every front end, fader drags as one step, kept
in the store so that state, seq and the undo position survive a restart."""

from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence

import pytest

from mixerd.control import Control, StepEvents, UndoError, starting_state
from mixerd.model import BatchError, Layout, ParamError, ParamTree
from mixerd.store import Change, Store


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


class Link:
    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], tuple[str, ...]]] = []

    def apply(self, state: Mapping[str, Any], changed: Sequence[str], fade_ms: float | None = None) -> None:
        self.calls.append((dict(state), tuple(changed)))

    def meters(self) -> dict:
        return {}

    def health(self) -> dict:
        return {}

    def system(self) -> dict:
        return {}


@pytest.fixture
def tree():
    return ParamTree.from_layout(Layout.simple(4, 2, generators=1))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def control(tree, clock):
    return Control(tree, clock=clock)


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path)
    yield s
    s.close()


def drag(control, clock, address, values, origin="rest", every=0.05):
    for value in values:
        clock.tick(every)
        control.set(address, value, origin)


def steps(control) -> list[int]:
    return sorted({e.step for e in control.history()})


# -- coalescing ----------------------------------------------------------------------------------------


def test_a_fader_drag_is_one_step_that_keeps_the_value_from_before(control, clock):
    control.set("ch/1/fader", -20, "rest")
    clock.tick(5)
    drag(control, clock, "ch/1/fader", [-19, -15, -10, -6, -3], every=0.3)
    assert steps(control) == [1, 2]
    [entry] = [e for e in control.history() if e.step == 2]
    assert (entry.old, entry.new, entry.seq) == (-20.0, -3.0, control.seq)  # one row per drag
    events = control.undo()
    assert [(e.address, e.value, e.origin) for e in events] == [("ch/1/fader", -20.0, "undo")]
    assert events.step == 2 and control.get("ch/1/fader") == -20.0


def test_the_window_runs_from_the_last_change_of_the_step(control, clock):
    drag(control, clock, "ch/1/fader", [-1, -2, -3, -4, -5, -6, -7, -8], every=0.9)  # 7 s in all
    assert steps(control) == [1]
    clock.tick(0.99)  # just within the window: still the same drag
    control.set("ch/1/fader", -9, "rest")
    assert steps(control) == [1]


def test_no_coalescing_after_the_window(control, clock):
    drag(control, clock, "ch/1/fader", [-1, -2])
    clock.tick(1.01)
    control.set("ch/1/fader", -3, "rest")
    assert steps(control) == [1, 2]
    control.undo()
    assert control.get("ch/1/fader") == -2.0


def test_no_coalescing_across_addresses(control, clock):
    drag(control, clock, "ch/1/fader", [-1, -2])
    drag(control, clock, "ch/2/fader", [-1])
    drag(control, clock, "ch/1/fader", [-3])
    assert steps(control) == [1, 2, 3]


def test_no_coalescing_across_origins(control, clock):
    drag(control, clock, "ch/1/fader", [-1, -2], origin="rest")
    drag(control, clock, "ch/1/fader", [-3], origin="mqtt")
    assert steps(control) == [1, 2]
    assert [e.origin for e in control.history()] == ["mqtt", "rest"]


def test_a_batch_is_never_extended(control, clock):
    control.set_many({"ch/1/fader": -1, "ch/2/fader": -1}, "rest")
    drag(control, clock, "ch/1/fader", [-2])
    assert steps(control) == [1, 2]


def test_an_eq_handle_drag_is_one_step(control, clock):
    # The web app moves an EQ handle as frequency and gain together (a coalescing batch over the WebSocket).
    before = (control.get("ch/1/eq/2/freq"), control.get("ch/1/eq/2/gain"))
    for freq, gain in ((600, 1), (800, 3), (1200, 6), (1500, 4.5)):
        clock.tick(0.2)
        control.set_many({"ch/1/eq/2/freq": freq, "ch/1/eq/2/gain": gain}, "ws", coalesce=True)
    assert steps(control) == [1]
    rows = {e.address: (e.old, e.new) for e in control.history()}
    assert rows == {"ch/1/eq/2/freq": (before[0], 1500.0), "ch/1/eq/2/gain": (before[1], 4.5)}  # one row each
    control.undo()
    assert (control.get("ch/1/eq/2/freq"), control.get("ch/1/eq/2/gain")) == before


def test_one_gesture_is_one_step_whatever_addresses_each_change_names(control, clock):
    """An EQ handle dragged straight up moves only the gain, then sideways both; the finger rests for longer
    than the undo window in between: one gesture, one step, undone to where the handle was."""
    before = (control.get("ch/1/eq/2/freq"), control.get("ch/1/eq/2/gain"))
    for k, changes in enumerate(({"ch/1/eq/2/gain": 2}, {"ch/1/eq/2/gain": 4}, {"ch/1/eq/2/freq": 700, "ch/1/eq/2/gain": 5},
                                 {"ch/1/eq/2/gain": 6})):
        clock.tick(3.0 if k == 2 else 0.05)
        control.set_many(changes, "ws", coalesce=True, gesture="drag-1")
    assert steps(control) == [1]
    rows = {e.address: (e.old, e.new) for e in control.history()}
    assert rows == {"ch/1/eq/2/freq": (before[0], 700.0), "ch/1/eq/2/gain": (before[1], 6.0)}  # one row each
    control.set("ch/1/eq/2/gain", 1, "ws", gesture="drag-2")  # the next gesture is the next step
    control.set("ch/1/eq/2/gain", 0, "rest", gesture="drag-2")  # and another origin's never joins it
    assert steps(control) == [1, 2, 3]
    control.undo()
    control.undo()
    control.undo()
    assert (control.get("ch/1/eq/2/freq"), control.get("ch/1/eq/2/gain")) == before


def test_a_gesture_step_is_kept_whole_in_the_store(tree, store, clock):
    control = Control(tree, store=store, clock=clock)
    control.set_many({"ch/2/eq/1/gain": 3}, "ws", gesture="g")
    control.set_many({"ch/2/eq/1/freq": 150, "ch/2/eq/1/gain": 4}, "ws", gesture="g")
    control.set_many({"ch/2/eq/1/gain": 5}, "ws", gesture="g")
    control.close()
    again = Control(tree, store=store, clock=clock)
    assert {e.address: (e.old, e.new, e.step) for e in again.history()} == {
        "ch/2/eq/1/gain": (0.0, 5.0, 1), "ch/2/eq/1/freq": (100.0, 150.0, 1)}
    again.undo()
    assert (again.get("ch/2/eq/1/freq"), again.get("ch/2/eq/1/gain")) == (100.0, 0.0)
    again.close()


def test_coalescing_batches_need_the_same_addresses_and_the_flag(control, clock):
    control.set_many({"ch/1/eq/2/freq": 600, "ch/1/eq/2/gain": 1}, "ws", coalesce=True)
    clock.tick(0.1)
    control.set_many({"ch/1/eq/3/freq": 600, "ch/1/eq/3/gain": 1}, "ws", coalesce=True)  # another band
    clock.tick(0.1)
    control.set_many({"ch/1/eq/3/freq": 700, "ch/1/eq/3/gain": 2}, "rest")  # a plain batch: its own step
    clock.tick(0.1)
    control.set_many({"ch/1/eq/3/freq": 800, "ch/1/eq/3/gain": 3}, "rest")
    assert steps(control) == [1, 2, 3, 4]


def test_a_set_after_undo_starts_a_new_step(control, clock):
    drag(control, clock, "ch/1/fader", [-1, -2])
    control.undo()
    drag(control, clock, "ch/1/fader", [-5])
    assert steps(control) == [2] and control.history()[0].new == -5.0  # a step number is never given out twice
    control.undo()
    assert control.get("ch/1/fader") == 0.0


def test_setting_the_current_value_is_no_step_and_keeps_redo(control, clock):
    control.set("ch/1/fader", -6, "rest")
    control.undo()
    event = control.set("ch/1/fader", 0, "ws")  # e.g. a client re-sending what it shows
    assert event.seq == control.seq and steps(control) == [1]
    control.redo()
    assert control.get("ch/1/fader") == -6.0


# -- undo and redo -------------------------------------------------------------------------------------


def test_undo_and_redo_of_a_batch_are_one_batch_each(tree, clock):
    link = Link()
    control = Control(tree, link, clock=clock)
    control.set("ch/3/mute", True, "mqtt")
    control.set_many({"ch/1/fader": -6, "ch/1/name": "Kick", "ch/2/pan": 30}, "rest")
    sub = control.subscribe()
    calls = len(link.calls)
    undone = control.undo()
    assert isinstance(undone, StepEvents) and isinstance(undone, list) and undone.step == 2
    assert {(e.address, e.value) for e in undone} == {("ch/1/fader", 0.0), ("ch/1/name", "Ch 1"), ("ch/2/pan", 0.0)}
    assert all(e.origin == "undo" for e in undone) and [e.seq for e in undone] == [5, 6, 7]
    assert len(link.calls) == calls + 1 and set(link.calls[-1][1]) == {"ch/1/fader", "ch/1/name", "ch/2/pan"}
    assert [sub.get_nowait() for _ in range(3)] == list(undone)
    assert control.get("ch/3/mute") is True  # the step before stays
    redone = control.redo()
    assert redone.step == 2 and {(e.address, e.value) for e in redone} == {
        ("ch/1/fader", -6.0), ("ch/1/name", "Kick"), ("ch/2/pan", 30.0)}
    assert control.undo_status() == {"can_undo": True, "can_redo": False, "undo_step": 2, "undo_seq": 4,
                                     "redo_step": None}


def test_undo_walks_back_through_every_front_end(control, clock):
    control.set("ch/1/fader", -6, "rest")
    control.set("ch/1/mute", True, "mqtt")
    control.set_many({"ch/1/fader": -12, "ch/2/fader": -12}, "scene", fade_ms=1000)  # a scene recall
    control.set("ch/1/name", "Vox", "ws")
    assert control.undo().step == 4 and control.get("ch/1/name") == "Ch 1"
    assert control.undo().step == 3  # the scene recall
    assert (control.get("ch/1/fader"), control.get("ch/2/fader")) == (-6.0, 0.0)
    control.undo()
    control.undo()
    assert (control.get("ch/1/fader"), control.get("ch/1/mute")) == (0.0, False)
    with pytest.raises(UndoError) as err:
        control.undo()
    assert isinstance(err.value, ParamError) and err.value.code == "nothing_to_undo"
    assert [e.undone for e in control.history()] == [True] * 5
    for _ in range(4):
        control.redo()
    assert control.state()[1]["ch/1/name"] == "Vox" and control.get("ch/1/fader") == -12.0
    with pytest.raises(UndoError) as err:
        control.redo()
    assert err.value.code == "nothing_to_redo" and err.value.to_dict()["code"] == "nothing_to_redo"


def test_a_new_change_after_undo_discards_the_redo_steps(control, clock):
    for n in (1, 2, 3):
        control.set(f"ch/{n}/fader", -n, "rest")
    control.undo()
    control.undo()
    control.set("ch/4/fader", -4, "rest")
    assert steps(control) == [1, 4] and [e.address for e in control.history()] == ["ch/4/fader", "ch/1/fader"]
    with pytest.raises(UndoError, match="nothing to redo"):
        control.redo()
    control.undo()
    control.undo()
    assert all(control.get(f"ch/{n}/fader") == 0.0 for n in (1, 2, 3, 4))


def test_nothing_to_undo_changes_nothing(control):
    sub = control.subscribe()
    for op, code in ((control.undo, "nothing_to_undo"), (control.redo, "nothing_to_redo")):
        with pytest.raises(UndoError) as err:
            op()
        assert err.value.code == code
    assert control.seq == 0 and sub.get_nowait() is None
    assert control.undo_status() == {"can_undo": False, "can_redo": False, "undo_step": None, "undo_seq": None,
                                     "redo_step": None}


def test_the_history_keeps_undo_depth_steps(tree):
    control = Control(tree, undo_depth=3)
    for n in range(1, 6):
        control.set("ch/1/fader", -n, "rest" if n % 2 else "mqtt")
    assert steps(control) == [3, 4, 5]
    for _ in range(3):
        control.undo()
    assert control.get("ch/1/fader") == -2.0
    with pytest.raises(UndoError):
        control.undo()


def test_history_pages_newest_first(control):
    for n in range(1, 6):
        control.set("ch/1/fader", -n, "rest" if n % 2 else "mqtt")
    page = control.history(limit=2)
    assert [e.seq for e in page] == [5, 4] and [(e.old, e.new) for e in page] == [(-4.0, -5.0), (-3.0, -4.0)]
    assert [e.seq for e in control.history(limit=10, before=4)] == [3, 2, 1]


# -- persistence ---------------------------------------------------------------------------------------


def test_every_operation_is_in_the_store_before_the_call_returns(tmp_path, tree, store, clock):
    control = Control(tree, store=store, clock=clock)
    assert control.store is store

    def stored():  # read through a connection of its own, as a restarted mixerd would
        other = Store.open(tmp_path)
        try:
            return other.load_state(), other.meta("seq"), other.undone_steps()
        finally:
            other.close()

    control.set("ch/1/fader", -6, "rest")
    assert stored() == ({"ch/1/fader": -6.0}, 1, {})
    control.set_many({"ch/2/fader": -3, "ch/2/mute": True}, "rest")
    assert stored() == ({"ch/1/fader": -6.0, "ch/2/fader": -3.0, "ch/2/mute": True}, 3, {})
    control.undo()
    assert stored() == ({"ch/1/fader": -6.0, "ch/2/fader": 0.0, "ch/2/mute": False}, 5, {2: 1})
    control.redo()
    assert stored() == ({"ch/1/fader": -6.0, "ch/2/fader": -3.0, "ch/2/mute": True}, 7, {})


def test_state_seq_and_undo_survive_a_restart(tmp_path, tree, clock):
    store = Store.open(tmp_path)
    control = Control(tree, store=store, clock=clock)
    control.set("ch/1/fader", -6, "rest")
    drag(control, clock, "ch/2/fader", [-1, -2, -3])
    control.set_many({"ch/3/name": "Bass", "ch/3/mute": True}, "scene")
    control.undo()  # the scene recall is undone; redo must still be possible after the restart
    seq, before = control.state()
    store.close()

    store = Store.open(tmp_path)
    link = Link()
    again = Control(tree, link, store=store, clock=clock)
    assert again.state() == (seq, before) and link.calls[0][0] == before
    assert again.started_from.source == "store"
    assert again.undo_status() == {"can_undo": True, "can_redo": True, "undo_step": 2, "undo_seq": 4, "redo_step": 3}
    assert again.redo().step == 3 and again.get("ch/3/name") == "Bass"
    again.undo()
    assert again.undo().step == 2 and again.get("ch/2/fader") == 0.0  # the drag was one step
    assert again.undo().step == 1 and again.get("ch/1/fader") == 0.0
    assert again.set("ch/4/fader", -1, "rest").seq > seq  # seq goes on
    store.close()


def test_a_drag_does_not_continue_across_a_restart(tmp_path, tree, clock):
    store = Store.open(tmp_path)
    drag(Control(tree, store=store, clock=clock), clock, "ch/1/fader", [-1, -2])
    again = Control(tree, store=store, clock=clock)
    drag(again, clock, "ch/1/fader", [-3])
    assert steps(again) == [1, 2]
    store.close()


def test_initial_values_only_on_a_store_without_state(tmp_path, tree):
    store = Store.open(tmp_path)
    first = Control(tree, store=store, initial={"ch/1/name": "Kick", "ch/1/fader": -5})
    assert first.get("ch/1/name") == "Kick" and first.started_from.source == "initial"
    assert first.history() == []  # the starting mix is no undo step
    first.set("ch/2/fader", -3, "rest")
    again = Control(tree, store=store, initial={"ch/1/name": "Snare"})
    assert again.started_from.source == "store"
    assert (again.get("ch/1/name"), again.get("ch/1/fader"), again.get("ch/2/fader")) == ("Kick", -5.0, -3.0)
    store.close()


def test_invalid_stored_values_are_dropped_with_a_warning(tmp_path, tree, caplog):
    store = Store.open(tmp_path)
    store.commit([Change(1, "ch/2/fader", 0.0, -6.0, "rest", 1)], meta={"seq": 41})
    store.commit([], values={"ch/9/fader": -3.0,  # the layout has 4 channels now
                             "ch/1/fader": 99.0,  # out of range
                             "ch/1/name": 5,  # wrong type
                             "ch/3/mute": True})
    with caplog.at_level(logging.WARNING):
        control = Control(tree, store=store)
    assert control.get("ch/2/fader") == -6.0 and control.get("ch/3/mute") is True
    assert control.get("ch/1/fader") == 0.0 and control.get("ch/1/name") == "Ch 1"
    assert {a for a, _ in control.started_from.dropped} == {"ch/9/fader", "ch/1/fader", "ch/1/name"}
    for address in ("ch/9/fader", "ch/1/fader", "ch/1/name"):
        assert address in caplog.text
    assert control.seq == 41
    store.close()


def test_undo_skips_addresses_the_layout_no_longer_has(tmp_path, tree, caplog):
    store = Store.open(tmp_path)
    store.commit([Change(1, "ch/9/fader", 0.0, -6.0, "rest", 1), Change(2, "ch/1/fader", 0.0, -6.0, "rest", 1)],
                 meta={"seq": 2, "undo_pos": 1})
    control = Control(tree, store=store)
    with caplog.at_level(logging.WARNING):
        events = control.undo()
    assert [(e.address, e.value) for e in events] == [("ch/1/fader", 0.0)] and "ch/9/fader" in caplog.text
    store.close()


def test_bad_initial_values_are_still_an_error(tmp_path, tree):
    store = Store.open(tmp_path)
    with pytest.raises(BatchError):
        Control(tree, store=store, initial={"ch/1/fader": 99})
    store.close()


def test_a_precomputed_starting_state_is_used_as_is(tmp_path, tree):
    """The daemon loads the engine from starting_state() before audio starts, then hands it to control."""
    store = Store.open(tmp_path)
    start = starting_state(tree, store, {"ch/1/fader": -5})
    assert start.source == "initial" and start.values["ch/1/fader"] == -5.0
    control = Control(tree, initial=start, store=store)
    assert control.started_from is start and control.get("ch/1/fader") == -5.0
    assert store.load_state() == {"ch/1/fader": -5.0}  # the starting mix is now the stored state
    store.close()


def test_a_failing_store_does_not_stop_the_mixer(tmp_path, tree, caplog):
    store = Store.open(tmp_path)
    control = Control(tree, store=store)
    store.close()  # e.g. the disk went away
    with caplog.at_level(logging.ERROR):
        event = control.set("ch/1/fader", -3, "rest")
    assert event.value == -3.0 and control.get("ch/1/fader") == -3.0
    assert control.health()["control"]["store_errors"] == 1 and "not saved" in caplog.text


# -- whose undo ----------------------------------------------------------------------------------------

ENGINEER, BASSIST = "admin:s1", "mix:2:l1"


def test_undo_takes_back_the_callers_own_newest_step_only(control):
    control.set("ch/1/fader", -6, "ws", actor=ENGINEER)
    control.set("ch/1/send/2/level", -3, "ws", actor=BASSIST)  # after the engineer's move
    undone = control.undo(ENGINEER)
    assert undone.step == 1 and [(e.address, e.value) for e in undone] == [("ch/1/fader", 0.0)]
    assert control.get("ch/1/send/2/level") == -3.0  # the bassist's change survives the engineer's undo
    assert control.undo_status(ENGINEER)["can_undo"] is False and control.undo_status(BASSIST)["undo_step"] == 2
    with pytest.raises(UndoError, match="none of your changes"):
        control.undo(ENGINEER)
    assert control.redo(ENGINEER).step == 1 and control.get("ch/1/fader") == -6.0
    assert [e.actor for e in control.history()] == [BASSIST, ENGINEER]


def test_a_value_someone_changed_since_is_kept_and_reported(control):
    control.set("ch/1/send/2/level", -10, "ws", actor=ENGINEER)
    control.set("ch/1/fader", -4, "ws", actor=ENGINEER)
    control.set_many({"ch/1/send/2/level": -2}, "ws", actor=BASSIST)  # the bassist turns it up again
    control.undo(ENGINEER)  # the fader
    undone = control.undo(ENGINEER)  # the send: the bassist's value stays
    assert undone.step == 1 and list(undone) == []
    assert undone.kept == [{"address": "ch/1/send/2/level", "value": -2.0, "by": BASSIST}]
    assert control.get("ch/1/send/2/level") == -2.0 and control.history()[-1].undone
    redone = control.redo(ENGINEER)  # likewise: only a value still as the undo left it is re-applied
    assert list(redone) == [] and redone.kept[0]["by"] == BASSIST
    assert control.get("ch/1/send/2/level") == -2.0


def test_a_new_step_forgets_only_its_makers_undone_steps(control):
    control.set("ch/1/fader", -6, "ws", actor=ENGINEER)
    control.undo(ENGINEER)
    control.set("ch/1/send/2/level", -3, "ws", actor=BASSIST)
    assert control.undo_status(ENGINEER)["redo_step"] == 1  # the bassist's change took no redo away
    control.set("ch/2/fader", -1, "ws", actor=ENGINEER)
    assert not control.undo_status(ENGINEER)["can_redo"] and 1 not in {e.step for e in control.history()}


def test_a_drag_is_one_step_per_actor(control, clock):
    control.set("ch/1/fader", -1, "ws", actor=ENGINEER)
    clock.tick(0.1)
    control.set("ch/1/fader", -2, "ws", actor=BASSIST)  # someone else touching the same fader: their own step
    clock.tick(0.1)
    control.set("ch/1/fader", -3, "ws", actor=BASSIST)
    assert steps(control) == [1, 2] and control.undo(BASSIST).step == 2 and control.get("ch/1/fader") == -1.0


def test_any_step_is_undone_and_redone_by_its_number(control):
    before = control.get("ch/1/send/2/level")
    control.set("ch/1/send/2/level", -3, "ws", actor=BASSIST)
    control.set("ch/1/fader", -6, "ws", actor=ENGINEER)
    assert control.undo(step=1).step == 1 and control.get("ch/1/send/2/level") == before  # History's "undo this"
    assert control.undo_status(BASSIST) == {"can_undo": False, "can_redo": True, "undo_step": None,
                                            "undo_seq": None, "redo_step": 1}
    with pytest.raises(UndoError) as err:
        control.undo(step=1)
    assert err.value.code == "nothing_to_undo" and "already undone" in err.value.message
    with pytest.raises(UndoError) as err:
        control.undo(step=99)
    assert err.value.code == "unknown_step" and err.value.kind == "not_found"
    assert control.redo(step=1).step == 1 and control.get("ch/1/send/2/level") == -3.0
    assert control.get("ch/1/fader") == -6.0


def test_undone_steps_survive_a_restart_and_an_older_databases_position_is_carried_over(tmp_path, tree):
    store = Store.open(tmp_path)
    # An earlier mixerd: rows without an actor, one undo position (step 2 above it was undone)
    store.commit([Change(1, "ch/1/fader", 0.0, -6.0, "rest", 1), Change(2, "ch/2/fader", 0.0, -3.0, "mqtt", 2)],
                 {"seq": 2, "undo_pos": 1}, values={"ch/2/fader": 0.0})
    control = Control(tree, store=store)
    assert control.undo_status("mqtt") == {"can_undo": False, "can_redo": True, "undo_step": None,
                                           "undo_seq": None, "redo_step": 2}
    assert [(e.step, e.actor, e.undone) for e in control.history()] == [(2, "mqtt", True), (1, "rest", False)]
    control.set("ch/3/fader", -1, "ws", actor=ENGINEER)
    store.close()
    store = Store.open(tmp_path)
    again = Control(tree, store=store)
    assert store.meta("undo_pos") is None and again.undo_status("mqtt")["redo_step"] == 2
    assert again.undo(ENGINEER).step == 3 and again.redo("mqtt").step == 2 and again.get("ch/2/fader") == -3.0


def test_a_talk_button_is_no_undo_step_and_is_let_go_by_a_restart(tmp_path, tree, clock):
    store = Store.open(tmp_path)
    control = Control(tree, store=store, clock=clock)
    control.set("ch/1/fader", -6, "rest")
    for on in (True, False, True):  # the engineer's talk button pressed, let go, latched; a musician's too
        control.set("talkback/1/on", on, "ws")
    control.set_many({"ch/2/talk": True, "ch/2/fader": -3}, "ws")  # in one batch: only the fader is a step
    assert [(e.address, e.new) for e in control.history()] == [("ch/2/fader", -3.0), ("ch/1/fader", -6.0)]
    assert tree.spec("talkback/1/on").to_dict()["momentary"] is True and "momentary" not in tree.spec(
        "ch/1/fader").to_dict()
    control.undo()
    assert control.get("ch/2/fader") == 0.0 and control.get("ch/2/talk") is True  # the talk stays
    assert control.undo().step == 1 and control.get("talkback/1/on") is True
    store.close()

    store = Store.open(tmp_path)  # the box went down while talking: after it, nobody talks
    again = Control(tree, store=store, clock=clock)
    assert again.get("talkback/1/on") is False and again.get("ch/2/talk") is False
    assert again.started_from.dropped == []
    store.close()
