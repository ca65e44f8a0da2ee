"""Typed notices on the control core's event stream: ``undo`` and ``history`` right after the changes of the
step that caused them, ``scenes`` from the scene service, ``problems`` from a followed problem finder; only to
subscribers that follow them, and made only while somebody does. (``health``: test_health_watch.py.)"""

from __future__ import annotations

import pytest
from support import ManualClock

from mixerd.control import Control, Event, Notice
from mixerd.control.events import HISTORY_ENTRIES
from mixerd.control.scenes import SceneService
from mixerd.diagnostics import Diagnostics
from mixerd.engine import Engine
from mixerd.model import Layout, ParamTree
from mixerd.store import Store


@pytest.fixture
def tree():
    return ParamTree.from_layout(Layout.simple(4, 2, generators=1))


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "state")
    yield store
    store.close()


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def control(tree, store, clock):
    return Control(tree, store=store, clock=clock)


def drain(sub) -> list:
    items = []
    while (item := sub.get_nowait()) is not None:
        items.append(item)
    return items


def shape(items) -> list:
    """Items as (kind, what): changes as ("change", address), notices as (kind, action or the actors named)."""
    out = []
    for item in items:
        if isinstance(item, Event):
            out.append(("change", item.address))
        elif item.kind == "history":
            out.append(("history", item.data["action"]))
        elif item.kind == "undo":
            out.append(("undo", tuple(item.data["actors"])))
        else:
            out.append((item.kind, None))
    return out


def truth(store: Store, actor: str) -> dict:
    """What the stored history allows ``actor``: its newest applied step (undo), the one it undid last (redo)."""
    undone = store.undone_steps()
    mine = [(step, seq) for step, who, seq in store.steps() if who == actor]
    applied = [(step, seq) for step, seq in mine if step not in undone]
    redo = max((step for step, _ in mine if step in undone), key=undone.get, default=None)
    undo = applied[-1] if applied else (None, None)
    return {"can_undo": undo[0] is not None, "can_redo": redo is not None, "undo_step": undo[0], "undo_seq": undo[1],
            "redo_step": redo}


def test_undo_and_history_follow_each_step_right_after_its_changes(control, clock):
    follower, plain = control.subscribe(notices=["undo", "history"]), control.subscribe()
    control.set("ch/1/fader", -10, "ws")
    clock.now += 0.1
    control.set("ch/1/fader", -12, "ws")  # the drag goes on: the same step, its row replaced
    clock.now += 5
    control.set_many({"ch/2/mute": True, "ch/3/mute": True}, "rest")
    control.undo()
    control.redo()
    items = drain(follower)
    assert shape(items) == [
        ("change", "ch/1/fader"), ("history", "append"), ("undo", ("ws",)),
        ("change", "ch/1/fader"), ("history", "extend"), ("undo", ("ws",)),  # its step's newest change moved
        ("change", "ch/2/mute"), ("change", "ch/3/mute"), ("history", "append"), ("undo", ("rest",)),
        ("change", "ch/2/mute"), ("change", "ch/3/mute"), ("history", "undo"), ("undo", ("rest",)),
        ("change", "ch/2/mute"), ("change", "ch/3/mute"), ("history", "redo"), ("undo", ("rest",)),
    ]
    assert [type(i) for i in drain(plain)] == [Event] * 8  # a plain subscription sees changes only
    changes = [i for i in items if isinstance(i, Event)]
    notices = [i for i in items if isinstance(i, Notice)]
    # Each notice carries the seq of its step's last change.
    assert [n.seq for n in notices] == [1, 1, 2, 2, 4, 4, 6, 6, 8, 8]
    first, drag, batch = notices[0].data, notices[2].data, notices[4].data
    assert first["entries"] == [{"seq": 1, "ts": first["entries"][0]["ts"], "origin": "ws", "actor": "ws",
                                 "address": "ch/1/fader", "old": 0.0, "new": -10.0, "step": 1, "undone": False}]
    assert drag["replaces"] == [1] and [(e["seq"], e["old"], e["new"]) for e in drag["entries"]] == [(2, 0.0, -12.0)]
    assert [e["seq"] for e in batch["entries"]] == [4, 3] and batch["complete"]  # newest first
    assert notices[-1].data == {"actors": ["rest"], "status": {"rest": control.undo_status("rest")}}
    assert notices[-2].data["kept"] == []
    # What the notices built is what GET /history reads.
    seq, entries, status = control.history_view(actor="rest")
    assert seq == changes[-1].seq and status == control.undo_status("rest") == truth(control.store, "rest")
    assert status["undo_step"] == 2 and not status["can_redo"]
    assert [(e.seq, e.step, e.undone) for e in entries] == [(4, 2, False), (3, 2, False), (2, 1, False)]


def test_the_undo_status_says_what_the_stored_history_allows(tree, store, clock):
    """Through undo past the depth, redo steps forgotten by a new change, and a restart, each actor's status as
    its undo notices say (undo_status of the actors named) agrees with the history in the store."""
    control = Control(tree, store=store, clock=clock, undo_depth=3)
    sub = control.subscribe(notices=["undo"])
    actors = ("rest", "mqtt")
    said = {actor: control.undo_status(actor) for actor in actors}
    assert said["rest"] == truth(store, "rest") == {"can_undo": False, "can_redo": False, "undo_step": None,
                                                    "undo_seq": None, "redo_step": None}

    def step(op) -> None:
        clock.now += 5
        op()
        for item in drain(sub):
            if isinstance(item, Notice):
                assert sorted(item.data["status"]) == item.data["actors"]
                said.update(item.data["status"])
        for actor in actors:
            assert said[actor] == control.undo_status(actor) == truth(store, actor), actor

    for n in range(1, 6):  # five steps, three kept
        step(lambda n=n: control.set(f"ch/{n % 4 + 1}/fader", -float(n), actors[n % 2]))
    for _ in range(2):  # mqtt's steps 5 and 3
        step(lambda: control.undo("mqtt"))
    assert said["mqtt"]["can_undo"] is False and said["mqtt"]["redo_step"] == 3 and said["rest"]["undo_step"] == 4
    step(lambda: control.redo("mqtt"))
    step(lambda: control.set("ch/1/mute", True, "rest"))  # rest's new step: mqtt keeps its redo; depth forgets 3
    assert said["mqtt"]["redo_step"] == 5
    step(lambda: control.set("ch/2/mute", True, "mqtt"))  # forgets mqtt's undone step
    assert said["mqtt"]["can_redo"] is False
    step(lambda: control.undo("rest"))
    again = Control(tree, store=store, clock=clock, undo_depth=3)
    assert all(again.undo_status(actor) == said[actor] == truth(store, actor) for actor in actors)


def test_a_big_step_carries_its_newest_rows(control, tree):
    sub = control.subscribe(notices=["history"])
    numbers = [tree.spec(a) for a in tree.addresses() if tree.spec(a).kind == "number"]
    recall = {s.address: s.max if s.default != s.max else s.min for s in numbers}  # every one moves
    assert len(recall) > HISTORY_ENTRIES
    events = control.set_many(recall, "scene")
    history = [i for i in drain(sub) if isinstance(i, Notice)]
    assert len(history) == 1 and history[0].data["complete"] is False
    assert [e["seq"] for e in history[0].data["entries"]] == [e.seq for e in events][::-1][:HISTORY_ENTRIES]


def test_notices_reach_only_who_follows_them(control):
    assert not control.follows("undo")
    control.set("ch/1/mute", True, "rest")  # nobody follows: no notice is made
    undo_only = control.subscribe(notices=["undo"])
    assert control.follows("undo") and not control.follows("history")
    control.set("ch/2/mute", True, "rest")
    assert shape(drain(undo_only)) == [("change", "ch/2/mute"), ("undo", ("rest",))]
    undo_only.follow(["history"])
    control.set("ch/3/mute", True, "rest")
    assert shape(drain(undo_only)) == [("change", "ch/3/mute"), ("history", "append")]
    undo_only.close()
    assert not control.follows("history")
    with pytest.raises(ValueError):
        control.subscribe(notices=["weather"])
    with pytest.raises(ValueError):
        control.notify("weather", {})


def test_every_change_of_the_scene_list_is_announced(control):
    scenes = SceneService(control)
    scenes.save_scene("Unheard")  # nobody follows: no notice, but the revision counts
    sub = control.subscribe(notices=["scenes"])
    verse = scenes.save_scene("Verse")
    scenes.rename_scene(verse.id, "Verse 1")
    imported, _ = scenes.import_scene({"mixerd_scene": 1, "name": "Chorus", "values": {"ch/1/fader": -3}})
    scenes.set_safes(["bus/1/**"])
    scenes.delete_scene(verse.id, confirm=True)
    notices = drain(sub)
    assert [(n.kind, n.data["action"], n.data["id"]) for n in notices] == [
        ("scenes", "saved", verse.id), ("scenes", "renamed", verse.id), ("scenes", "imported", imported.id),
        ("scenes", "safes", None), ("scenes", "deleted", verse.id)]
    revisions = [n.data["revision"] for n in notices]
    assert revisions == sorted(set(revisions)) and revisions[-1] == scenes.revision
    last = notices[-1].data
    assert [s["name"] for s in last["scenes"]] == ["Unheard", "Chorus"] and last["scenes"][1]["size"] == 1
    assert last["safes"] == ["bus/1/**"] and last["safe_addresses"] == len(scenes.safe_addresses()) > 0
    assert scenes.listing() == {k: v for k, v in last.items() if k not in ("action", "id")}
    assert [s["name"] for s in notices[1].data["scenes"]] == ["Unheard", "Verse 1"]


def test_a_followed_problem_finder_announces_its_changes(tree):
    engine = Engine(tree.layout)
    try:
        engine.load(tree.defaults())
        control = Control(tree, link=engine)
        finder = Diagnostics(control, raise_after=0.0, clear_after=0.0)
        control.follow_problems(finder)
        control.follow_problems(finder)  # once is enough, however many front ends ask
        sub = control.subscribe(notices=["problems"])
        assert finder.check()  # the engine runs offline: no signal on any input
        assert not finder.check()  # nothing new: no notice
        problems = [i for i in drain(sub) if isinstance(i, Notice)]
        assert len(problems) == 1 and problems[0].source is finder
        assert problems[0].data == finder.problems()
        assert {(p["code"], p["address"]) for p in problems[0].data["raised"]} >= {("no_input_signal", "ch/1")}
    finally:
        engine.stop()
