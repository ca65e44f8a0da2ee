"""Which scene the mix is at (what {base}/scene says), change by change, as the scene service knows it and MQTT
shows it: safes and solo left out as a recall leaves them, a scene just saved, identical scenes, renamed and
deleted scenes, the modified option; and on a real broker, a recall, a change and an update of the scene."""

from __future__ import annotations

from support import wait_until

from mixerd.config import MqttConfig
from mixerd.control import Control
from mixerd.control.scenes import SceneService
from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.mqtt import MqttBridge
from mixerd.mqtt.scene_state import modified_label, scene_state

LAYOUT = Layout(inputs=("Vocal", "Guitar"), buses=(BusLayout("Drummer"),))


def where(scenes: SceneService) -> tuple:
    """(name, modified, the select's option): what {base}/scene says now."""
    state = scene_state(scenes.current(), modified_label(s.name for s in scenes.scenes()))
    return state.name, state.modified, state.option


def test_recall_change_undo_and_safes():
    control = Control(ParamTree.from_layout(LAYOUT))
    scenes = SceneService(control)
    verse = scenes.save_scene("Verse")
    control.set("ch/1/fader", -10.0, "rest")
    chorus = scenes.save_scene("Chorus")
    assert where(scenes) == ("Chorus", False, "Chorus")
    scenes.recall_scene(verse.id)
    assert where(scenes) == ("Verse", False, "Verse")
    control.set("ch/2/mute", True, "ws")
    assert where(scenes) == ("Verse", True, "(modified)")
    control.undo()
    assert where(scenes) == ("Verse", False, "Verse")
    control.set("ch/1/solo", True, "ws")  # monitoring: no scene holds it
    assert where(scenes) == ("Verse", False, "Verse")
    # A safe address: a recall keeps it, so the mix is still at the scene with it different.
    scenes.set_safes(["bus/1/fader"])
    control.set("bus/1/fader", -6.0, "rest")
    scenes.recall_scene(chorus.id)
    assert where(scenes) == ("Chorus", False, "Chorus")


def test_a_new_scene_identical_scenes_renames_and_deletes():
    control = Control(ParamTree.from_layout(LAYOUT))
    scenes = SceneService(control)
    a = scenes.save_scene("A")
    assert where(scenes) == ("A", False, "A")
    b = scenes.save_scene("B")  # the same values: the scene just saved is the one shown
    assert where(scenes) == ("B", False, "B")
    scenes.rename_scene(a.id, "A2")  # a rename of the other one changes nothing
    assert where(scenes) == ("B", False, "B")
    control.set("main/fader", -3.0, "rest")
    assert where(scenes) == ("B", True, "(modified)")
    scenes.delete_scene(b.id, confirm=True)  # modified from a scene that is gone: from none
    assert where(scenes) == (None, True, "(modified)")
    control.set("main/fader", 0.0, "rest")  # back at A2's values
    assert where(scenes) == ("A2", False, "A2")
    assert scenes.current()["id"] == a.id


def test_no_scenes_at_all():
    control = Control(ParamTree.from_layout(LAYOUT))
    scenes = SceneService(control)
    assert where(scenes) == (None, True, "(modified)")
    assert scenes.current() is None
    assert scene_state(None, "(modified)").to_dict() == {"id": None, "name": None, "modified": True,
                                                          "option": "(modified)"}


def test_the_modified_label_is_no_scene_name():
    assert modified_label(["Verse"]) == "(modified)"
    assert modified_label(["(MODIFIED)", "((modified))"]) == "(((modified)))"


def test_the_bridge_says_where_the_mix_is_after_a_recall_a_change_and_an_update(broker, listen):
    control = Control(ParamTree.from_layout(LAYOUT))
    scenes = SceneService(control)
    verse = scenes.save_scene("Verse")
    control.set("ch/1/fader", -10.0, "rest")
    chorus = scenes.save_scene("Chorus")
    scenes.start()  # as the daemon runs it: the scene service follows the mix on its own thread
    bridge = MqttBridge(control, MqttConfig(broker=broker.url, node_id="where", meter_rate=0), scenes)
    base, select = "mixerd/where", "homeassistant/select/where/scene/config"
    listener = listen(f"{base}/scene")
    ha = listen(select)
    bridge.start()
    try:
        wait_until(lambda: bridge.connected, timeout=10, what="the bridge connected")
        listener.wait_for(f"{base}/scene", {"id": chorus.id, "name": "Chorus", "modified": False, "option": "Chorus"})
        listener.publish(f"{base}/action/scene_recall", b"Verse")
        listener.wait_for(f"{base}/scene", {"id": verse.id, "name": "Verse", "modified": False, "option": "Verse"})
        control.set("ch/2/mute", True, "rest")
        listener.wait_for(f"{base}/scene", {"id": verse.id, "name": "Verse", "modified": True,
                                            "option": "(modified)"})
        scenes.update_scene(verse.id)  # as PUT /api/v1/scenes/{id} does
        listener.wait_for(f"{base}/scene", {"id": verse.id, "name": "Verse", "modified": False, "option": "Verse"})
        assert scenes.scene(verse.id).values["ch/2/mute"] is True
        # The select offers the same scenes as before: an update renames nothing.
        wait_until(lambda: (ha.last(select) or {}).get("options") == ["Verse", "Chorus", "(modified)"],
                   what="the select's options")
    finally:
        bridge.stop()
        scenes.stop()
