"""X AIR snapshots as mixerd's scenes over real UDP: the names apps list, /-snap/load recalling a scene through
the scene service (one undo step of the app), followers told the snapshot the mix is at whoever recalled it,
and the limits (read_only, mixes, no such snapshot)."""

from __future__ import annotations

import pytest
from support import wait_until

from mixerd.control.scenes import SceneService
from mixerd.osc.server import actor_of


@pytest.fixture
def scenes(control):
    """Three scenes, saved with channel 1's fader at -10, -20 and -30 dB; the mix then back at 0 dB."""
    service = SceneService(control)
    service.start()
    for name, db in (("Soundcheck", -10.0), ("Set 1", -20.0), ("Set 2", -30.0)):
        control.set("ch/1/fader", db, "rest")
        service.save_scene(name)
    control.set("ch/1/fader", 0.0, "rest")
    yield service
    service.stop()


def test_apps_list_the_scenes_as_snapshots(serve, peer, scenes):
    client = peer(serve(scenes=scenes))
    assert client.ask("/-snap/01/name") == ["Soundcheck"]
    assert client.ask("/-snap/03/name") == ["Set 2"]
    assert client.ask("/-snap/04/name") == [""]  # an empty slot
    assert client.ask("/-snap/64/name") == [""]
    assert client.ask("/-snap/index") == [3]  # the mix is at the scene saved last
    assert client.ask("/-snap/name") == ["Set 2"]


def test_a_snapshot_loaded_in_the_app_recalls_the_scene_as_one_undo_step_of_the_app(serve, peer, scenes, control):
    server = serve(scenes=scenes)
    client = peer(server)
    client.send("/-snap/load", 2)
    wait_until(lambda: control.get("ch/1/fader") == -20.0, what="scene 2 recalled")
    assert client.ask("/-snap/index") == [2]
    assert client.ask("/-snap/name") == ["Set 1"]
    actor = actor_of(client.address)
    assert control.history(1)[0].actor == actor
    control.undo(actor=actor)
    assert control.get("ch/1/fader") == 0.0


def test_followers_are_told_the_snapshot_whoever_recalls_it(serve, peer, scenes, control):
    client = peer(serve(scenes=scenes))
    client.send("/xremote")
    client.sync()
    seen = client.count()
    scenes.recall_scene(1)  # the web app or MQTT recalls Soundcheck
    assert client.wait_for("/-snap/index", after=seen) == [1]
    assert client.wait_for("/-snap/name", after=seen) == ["Soundcheck"]
    fader = client.wait_for("/ch/01/mix/fader", after=seen)
    assert fader[0] == pytest.approx(0.5, abs=1e-3)  # -10 dB on the X AIR's fader curve


@pytest.mark.parametrize("settings, argument", [
    ({"read_only": True}, 2),
    ({"mixes": (1,)}, 2),  # a musician's app: a scene would change every mix
    ({}, 4),               # no fourth scene
    ({}, 0),
    ({}, "Set 1"),         # a number as text is taken ("2"), a name is not
    ({}, " "),
    ({}, None),
])
def test_a_load_that_may_not_or_cannot_happen_changes_nothing(serve, peer, scenes, control, settings, argument):
    server = serve(scenes=scenes, **settings)
    client = peer(server)
    refused = server.stats["refused"]
    if argument is None:
        client.send("/-snap/load")  # no argument: nothing to load (the X AIR answers nothing either)
        assert client.ask("/-snap/index") == [3]
    else:
        client.send("/-snap/load", argument)
        client.sync()
        assert server.stats["refused"] == refused + 1
    assert control.get("ch/1/fader") == 0.0
    assert client.ask("/status")[0] == "active"


def test_writing_a_snapshot_name_is_ignored(serve, peer, scenes):
    server = serve(scenes=scenes)
    client = peer(server)
    client.send("/-snap/01/name", "Renamed")
    client.sync()
    assert client.ask("/-snap/01/name") == ["Soundcheck"]
    assert server.stats["refused"] == 1
