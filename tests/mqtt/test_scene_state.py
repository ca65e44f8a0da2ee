"""Which scene the mix is at (what {base}/scene says), change by change: safes and solo left out as a
recall leaves them, a scene just saved, identical scenes, renamed and deleted scenes."""

from __future__ import annotations

from mixerd.control import Control
from mixerd.control.scenes import SceneService
from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.mqtt.scene_state import CurrentScene, modified_label

LAYOUT = Layout(inputs=("Vocal", "Guitar"), buses=(BusLayout("Drummer"),))


def follow(control: Control, scenes: SceneService) -> tuple[CurrentScene, object]:
    """A tracker fed like the bridge feeds it: reset from the scenes and the state, then every event."""
    current = CurrentScene(control.tree)
    sub = control.subscribe()
    current.reset(scenes.scenes(), scenes.safe_addresses(), control.state()[1])

    def where() -> tuple:
        while (event := sub.get_nowait()) is not None:
            current.change(event.address, event.value)
        state = current.state()
        return state.name, state.modified, state.option

    return current, where


def test_recall_change_undo_and_safes():
    control = Control(ParamTree.from_layout(LAYOUT))
    scenes = SceneService(control)
    verse = scenes.save_scene("Verse")
    control.set("ch/1/fader", -10.0, "rest")
    chorus = scenes.save_scene("Chorus")
    current, where = follow(control, scenes)
    assert where() == ("Chorus", False, "Chorus")
    scenes.recall_scene(verse.id)
    assert where() == ("Verse", False, "Verse")
    control.set("ch/2/mute", True, "ws")
    assert where() == ("Verse", True, "(modified)")
    control.undo()
    assert where() == ("Verse", False, "Verse")
    control.set("ch/1/solo", True, "ws")  # monitoring: no scene holds it
    assert where() == ("Verse", False, "Verse")
    # A safe address: a recall keeps it, so the mix is still at the scene with it different.
    scenes.set_safes(["bus/1/fader"])
    current.reset(scenes.scenes(), scenes.safe_addresses(), control.state()[1])
    control.set("bus/1/fader", -6.0, "rest")
    scenes.recall_scene(chorus.id)
    assert where() == ("Chorus", False, "Chorus")


def test_a_new_scene_identical_scenes_renames_and_deletes():
    control = Control(ParamTree.from_layout(LAYOUT))
    scenes = SceneService(control)
    a = scenes.save_scene("A")
    current, where = follow(control, scenes)
    assert where() == ("A", False, "A")
    b = scenes.save_scene("B")  # the same values: the scene just saved is the one shown
    current.reset(scenes.scenes(), [], control.state()[1])
    assert where() == ("B", False, "B")
    scenes.rename_scene(a.id, "A2")  # a rename of the other one changes nothing
    current.reset(scenes.scenes(), [], control.state()[1])
    assert where() == ("B", False, "B")
    control.set("main/fader", -3.0, "rest")
    assert where() == ("B", True, "(modified)")
    scenes.delete_scene(b.id, confirm=True)  # modified from a scene that is gone: from none
    current.reset(scenes.scenes(), [], control.state()[1])
    assert where() == (None, True, "(modified)")
    control.set("main/fader", 0.0, "rest")  # back at A2's values
    assert where() == ("A2", False, "A2")
    assert current.state().id == a.id


def test_no_scenes_at_all():
    control = Control(ParamTree.from_layout(LAYOUT))
    current, where = follow(control, SceneService(control))
    assert where() == (None, True, "(modified)")
    assert current.state().to_dict() == {"id": None, "name": None, "modified": True, "option": "(modified)"}


def test_the_modified_label_is_no_scene_name():
    assert modified_label(["Verse"]) == "(modified)"
    assert modified_label(["(MODIFIED)", "((modified))"]) == "(((modified)))"
