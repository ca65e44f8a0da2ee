"""Finding the other boxes on the local network without a broker (mDNS, ``_mixerd._tcp``; mixerd.mdns): two whole
mixers with MQTT off, announced and browsing on loopback with python-zeroconf, list each other in GET /fleet with
their web apps; one that stops says goodbye and is listed offline. What a TXT record may hold is read with care."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from support import mixer_config, running_mixer, wait_until

from mixerd import __version__
from mixerd.fleet import Fleet
from mixerd.mdns import instance_name, read_txt, txt


def lan_box(jack_server, state_dir, node_id):
    cfg = mixer_config(jack_server, state_dir)
    cfg = dataclasses.replace(cfg, jack=dataclasses.replace(cfg.jack, client_name=f"mixerd-{node_id}"),
                              auth=dataclasses.replace(cfg.auth, enabled=False),
                              mqtt=dataclasses.replace(cfg.mqtt, node_id=node_id),
                              mdns=dataclasses.replace(cfg.mdns, enabled=True, interfaces=("127.0.0.1",)))
    return running_mixer(cfg, http=True)


def fleet_of(mixer) -> dict:
    answer = httpx.get(mixer.web_url + "api/v1/fleet", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def node(fleet, node_id):
    return next((n for n in fleet["nodes"] if n["node_id"] == node_id), None)


def test_two_boxes_without_a_broker_find_each_other_on_the_lan(jack_server, tmp_path):
    with lan_box(jack_server, tmp_path / "stage", "stage") as stage:
        with lan_box(jack_server, tmp_path / "foh", "foh") as foh:
            for mixer, other in ((stage, foh), (foh, stage)):
                wait_until(lambda: (n := node(fleet_of(mixer), other.config.mqtt.node_id)) is not None
                           and n["online"], what=f"{other.config.mqtt.node_id} found by {mixer.config.mqtt.node_id}")
                fleet = fleet_of(mixer)
                assert fleet["mqtt"] == "off" and fleet["mdns"] == "on"
                seen = node(fleet, other.config.mqtt.node_id)
                assert seen["lan"] is True and seen["broker"] is False and seen["this"] is False
                assert seen["web_url"] == other.web_url
                assert seen["name"] == other.profile.name and seen["version"] == __version__
                assert seen["channels"] == other.control.tree.layout.n_inputs and seen["base_topic"] is None
                wait_until(lambda: fleet_of(mixer)["nodes"][0]["this"], what="this box listed first, marked")
                assert fleet_of(mixer)["nodes"][0]["node_id"] == mixer.config.mqtt.node_id
            health = httpx.get(stage.web_url + "api/v1/health", timeout=10).json()
            assert health["mdns"]["running"] is True and "(stage)" in health["mdns"]["announced"]
            # Copying needs the broker: said so.
            saved = httpx.post(stage.web_url + "api/v1/scenes", json={"name": "Verse"}, timeout=10).json()
            refused = httpx.post(stage.web_url + "api/v1/fleet/foh/scenes", json={"scene": saved["id"]}, timeout=10)
            assert refused.status_code == 503 and "MQTT broker" in refused.json()["error"]["message"]
        # foh stopped: its goodbye reached stage, which lists it offline.
        wait_until(lambda: node(fleet_of(stage), "foh")["online"] is False, what="foh offline after its goodbye")


def test_a_box_on_the_broker_and_the_lan_is_listed_once():
    fleet = Fleet("mixerd/stage", "stage", clock=lambda: 5.0)
    fleet.mdns = True
    fleet.heard("mixerd/foh/info", b'{"node_id": "foh", "name": "FOH", "web_url": null}')
    said = {"node_id": "foh", "name": "FOH", "version": "1", "web_url": "http://10.0.0.2:8080/",
            "base_topic": "mixerd/foh", "channels": 8, "mixes": 4}
    fleet.found("FOH (foh)._mixerd._tcp.local.", said)
    fleet.found("Other (other)._mixerd._tcp.local.", {**said, "node_id": "other", "base_topic": None})
    nodes = {n["node_id"]: n for n in fleet.nodes()}
    assert set(nodes) == {"foh", "other"}
    assert nodes["foh"]["lan"] is True and nodes["foh"]["web_url"] == "http://10.0.0.2:8080/"  # the LAN's address
    assert nodes["foh"]["broker"] is True and nodes["other"]["broker"] is False
    assert nodes["other"]["lan"] is True and nodes["other"]["health"] is None and nodes["other"]["online"] is True
    fleet.found("Other (other)._mixerd._tcp.local.", None)  # its goodbye
    assert {n["node_id"]: n["online"] for n in fleet.nodes()}["other"] is False
    assert fleet.status()["mdns"] == "on" and fleet.status()["mqtt"] == "on"


@pytest.mark.parametrize("properties, read", [
    ({b"name": b"x"}, None),  # no node id: not a mixerd's
    ({b"node_id": b"a", b"url": b"javascript:alert(1)", b"channels": b"-3", b"\xff": b"x"},
     {"node_id": "a", "name": "a", "version": None, "web_url": None, "base_topic": None, "channels": None,
      "mixes": None}),
    ({b"node_id": b"a", b"name": b"Stage", b"url": b"http://h:1/", b"channels": b"12", b"mixes": None},
     {"node_id": "a", "name": "Stage", "version": None, "web_url": "http://h:1/", "base_topic": None,
      "channels": 12, "mixes": None}),
])
def test_what_an_announcement_says_is_read_with_care(properties, read):
    assert read_txt(properties) == read


def test_the_announcement_fits_dns():
    assert len(instance_name("A" * 100, "stage").encode()) == 63 and instance_name("A" * 100, "stage").endswith("(stage)")
    assert instance_name("Ünïcode " * 10, "x").endswith("(x)") and len(instance_name("Ünïcode " * 10, "x").encode()) <= 63
    assert txt({"node_id": "a", "url": None, "channels": 3, "name": "n" * 300}) == {
        "node_id": "a", "channels": "3", "name": "n" * 200}
