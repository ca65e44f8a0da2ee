"""The fleet (issue 22): several mixerd on one real mosquitto, each under its own node_id, announce themselves on
``{base}/info`` and know each other — online or offline, their health — in ``GET /api/v1/fleet``; each is its own
Home Assistant device. Two whole mixers (``mixerd.daemon.Mixer``) on the module's jackd, each with its web API on a
real HTTP socket."""

from __future__ import annotations

import dataclasses
import json

import httpx
from support import mixer_config, running_mixer, wait_until

from mixerd import __version__
from mixerd.fleet import Fleet

PASSWORD = "fleet-of-two-2024"


def box_config(jack_server, state_dir, broker, node_id: str, auth: bool = False):
    cfg = mixer_config(jack_server, state_dir, mqtt={"broker": broker.url, "node_id": node_id, "meter_rate": 0})
    return dataclasses.replace(cfg, jack=dataclasses.replace(cfg.jack, client_name=f"mixerd-{node_id}"),
                               auth=dataclasses.replace(cfg.auth, enabled=auth, admin_password=PASSWORD if auth else ""))


def box(cfg):
    """A whole mixer with its web API on a free 127.0.0.1 port, on its broker; stopped after the block."""
    return running_mixer(cfg, http=True)


def fleet_of(mixer, headers=None) -> dict:
    answer = httpx.get(mixer.web_url + "api/v1/fleet", headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def node(fleet: dict, node_id: str) -> dict | None:
    return next((n for n in fleet["nodes"] if n["node_id"] == node_id), None)


def test_two_boxes_on_one_broker_know_each_other(jack_server, tmp_path, broker, listen):
    discovery = listen("homeassistant/#")
    with box(box_config(jack_server, tmp_path / "stage", broker, "stage")) as stage:
        with box(box_config(jack_server, tmp_path / "foh", broker, "foh")) as foh:
            for mixer, other in ((stage, foh), (foh, stage)):
                wait_until(lambda: (n := node(fleet_of(mixer), other.config.mqtt.node_id)) is not None
                           and n["online"] is True and n["health"] is not None,
                           what=f"{other.config.mqtt.node_id} online with its health in the fleet of "
                                f"{mixer.config.mqtt.node_id}")
                fleet = fleet_of(mixer)
                assert fleet["mqtt"] == "on" and fleet["connected"] is True
                seen = node(fleet, other.config.mqtt.node_id)
                layout = other.control.tree.layout
                assert seen["web_url"] == other.web_url and seen["this"] is False
                assert seen["version"] == __version__ and seen["name"] == other.profile.name
                assert seen["channels"] == layout.n_inputs
                assert seen["mixes"] == sum(1 for b in layout.buses if b.is_aux)
                assert seen["base_topic"] == f"mixerd/{other.config.mqtt.node_id}"
                assert seen["health"]["status"] in ("ok", "degraded", "down") and seen["health"]["xruns"] >= 0
                me = fleet["nodes"][0]  # this box first, marked
                assert me["node_id"] == mixer.config.mqtt.node_id and me["this"] is True
                assert [n["node_id"] for n in fleet["nodes"]].count(me["node_id"]) == 1
            # Two Home Assistant devices: every config of a box carries its own device identifier.
            wait_until(lambda: {"mixerd_stage", "mixerd_foh"} <= devices(discovery), what="both devices announced")
            assert devices(discovery) == {"mixerd_stage", "mixerd_foh"}
            for node_id in ("stage", "foh"):
                configs = [json.loads(p[-1]) for t, p in discovery.messages.items()
                           if p[-1] and t.split("/")[2] == node_id]
                assert configs and all(c["device"]["identifiers"] == [f"mixerd_{node_id}"] for c in configs)
                assert all(c["availability"][0]["topic"] == f"mixerd/{node_id}/availability"
                           for c in configs if "availability" in c)
        # foh stopped: stage still lists it, offline, with what it last said.
        wait_until(lambda: (n := node(fleet_of(stage), "foh")) is not None and n["online"] is False,
                   what="foh offline in stage's fleet")
        assert node(fleet_of(stage), "foh")["web_url"] is not None
        assert node(fleet_of(stage), "stage")["online"] is True


def devices(discovery) -> set[str]:
    found = set()
    for payloads in list(discovery.messages.values()):
        if payloads[-1]:
            found.update(json.loads(payloads[-1]).get("device", {}).get("identifiers", []))
    return found


def test_the_info_is_retained_and_a_cleared_one_forgets_the_box(jack_server, tmp_path, broker, listen):
    with box(box_config(jack_server, tmp_path / "stage", broker, "stage")) as stage:
        late = listen("mixerd/+/info")  # subscribed after the announcement: the broker kept it
        wait_until(lambda: late.last("mixerd/stage/info") is not None, what="stage's retained info")
        assert "mixerd/stage/info" in late.retained
        info = late.last("mixerd/stage/info")
        assert info == {"node_id": "stage", "name": stage.profile.name, "version": __version__,
                        "web_url": stage.web_url, "channels": stage.control.tree.layout.n_inputs,
                        "mixes": info["mixes"]}
        # A box that is gone for good: its retained info cleared by hand, the fleet forgets it.
        late.publish("mixerd/old/info", json.dumps({"node_id": "old", "name": "Old rack", "web_url": None}), retain=True)
        wait_until(lambda: node(fleet_of(stage), "old") is not None, what="the old box listed")
        assert node(fleet_of(stage), "old")["online"] is None and node(fleet_of(stage), "old")["web_url"] is None
        late.publish("mixerd/old/info", b"", retain=True)
        wait_until(lambda: node(fleet_of(stage), "old") is None, what="the old box forgotten")


def test_any_signed_in_role_reads_the_fleet(jack_server, tmp_path, broker):
    with box(box_config(jack_server, tmp_path / "stage", broker, "stage", auth=True)) as stage:
        url = stage.web_url + "api/v1/fleet"
        assert httpx.get(url, timeout=10).status_code == 401
        _, token = stage.auth.create_link("viewer", None, "FOH tech")
        for bearer in (token, stage.auth.create_link("mix", 1, "Drummer")[1]):
            answer = httpx.get(url, headers={"Authorization": f"Bearer {bearer}"}, timeout=10)
            assert answer.status_code == 200 and answer.json()["mqtt"] == "on"


def test_without_mqtt_and_mdns_the_fleet_is_empty_and_says_so(jack_server, tmp_path):
    cfg = mixer_config(jack_server, tmp_path)
    cfg = dataclasses.replace(cfg, auth=dataclasses.replace(cfg.auth, enabled=False))
    with box(cfg) as mixer:
        assert fleet_of(mixer) == {"mqtt": "off", "mdns": "off", "connected": False, "nodes": []}


def test_the_fleet_keeps_what_each_box_said_and_ignores_what_is_not_a_mixerd():
    now = [1000.0]
    fleet = Fleet("mixerd/stage", clock=lambda: now[0])
    assert fleet.filters() == ["mixerd/+/info", "mixerd/+/availability", "mixerd/+/health", "mixerd/+/answer"]
    assert not fleet.heard("mixerd/stage/ch/1/fader", b"-6")  # not the fleet's: the bridge handles it
    assert not fleet.heard("other/foh/info", b"{}")
    assert fleet.heard("mixerd/foh/availability", b"online")
    assert fleet.nodes() == []  # not announced yet
    now[0] = 1001.5
    fleet.heard("mixerd/foh/info", json.dumps({"node_id": "foh", "name": "FOH", "version": "1.0",
                                               "web_url": "javascript:alert(1)", "channels": 16, "mixes": 4}).encode())
    fleet.heard("mixerd/foh/health", json.dumps({"status": "degraded", "running": True, "xruns": 3}).encode())
    fleet.heard("mixerd/plug/info", b"not json")  # some other device's topic: ignored
    fleet.heard("mixerd/stage/info", json.dumps({"node_id": "stage", "name": "Stage"}).encode())
    nodes = fleet.nodes()
    assert [n["node_id"] for n in nodes] == ["stage", "foh"]
    assert nodes[0]["this"] and not nodes[1]["this"]
    assert nodes[1] == {"node_id": "foh", "name": "FOH", "version": "1.0", "web_url": None, "channels": 16,
                        "mixes": 4, "base_topic": "mixerd/foh", "online": True,
                        "health": {"status": "degraded", "running": True, "xruns": 3}, "last_heard": 1001.5,
                        "this": False, "links": [], "broker": True, "lan": False}
    fleet.heard("mixerd/foh/availability", b"offline")
    assert fleet.nodes()[1]["online"] is False
    fleet.heard("mixerd/foh/info", b"")
    assert [n["node_id"] for n in fleet.nodes()] == ["stage"]
    assert Fleet("studio").filters()[0] == "+/info"


def test_each_change_of_the_list_is_told_as_it_happens():
    fleet, told = Fleet("mixerd/stage"), []
    fleet.on_change = told.append
    fleet.heard("mixerd/foh/availability", b"online")  # not listed yet (no info): nothing to tell
    assert told == []
    fleet.heard("mixerd/foh/info", json.dumps({"node_id": "foh", "name": "FOH"}).encode())
    fleet.heard("mixerd/foh/availability", b"offline")
    fleet.connected(True)
    fleet.connected(True)  # no change: not told again
    assert [(s["connected"], [n["online"] for n in s["nodes"]]) for s in told] == [
        (False, [True]), (False, [False]), (True, [False])]


def test_the_web_socket_tells_the_fleet_when_a_box_goes_offline(jack_server, tmp_path, broker):
    import asyncio

    import websockets

    with box(box_config(jack_server, tmp_path / "stage", broker, "stage")) as stage, \
            box(box_config(jack_server, tmp_path / "foh", broker, "foh")) as foh:
        wait_until(lambda: len(fleet_of(stage)["nodes"]) == 2, what="both boxes in the fleet")

        async def follow() -> dict:
            async with websockets.connect(stage.web_url.replace("http", "ws") + "api/v1/ws") as ws:
                async def text() -> dict:  # the next JSON message (meter frames are binary)
                    while isinstance(message := await asyncio.wait_for(ws.recv(), 30), bytes):
                        pass
                    return json.loads(message)

                while (await text())["type"] != "health":  # the standing messages are in
                    pass
                foh.stop()
                while True:
                    message = await text()
                    if message["type"] == "fleet" and any(n["node_id"] == "foh" and n["online"] is False
                                                          for n in message["nodes"]):
                        return message

        told = asyncio.run(follow())
        assert told["mqtt"] == "on" and [n["node_id"] for n in told["nodes"]] == ["stage", "foh"]
