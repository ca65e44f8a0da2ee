"""Channels a link receives are named from the sender (mixerd.links.names): what a sending box says in its info,
and how the receiving box names its channels after it — without JACK or a broker (tests/mqtt/test_link_names.py
does it with two whole mixers on a real mosquitto)."""

from __future__ import annotations

import dataclasses

import pytest
from support import wait_until

from mixerd.config import LinkConfig
from mixerd.control import Control
from mixerd.links.names import META_KEY, ReceivedNames, SentNames, read_sent
from mixerd.links.supervisor import link_channel_names
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree
from mixerd.store import Store

SENDER = Layout.simple(4, 3, stereo_buses=1)  # bus/3 stereo


def test_the_sender_names_each_channel_it_sends():
    links = [LinkConfig(name="main-box", peer="192.168.1.20", port=30200, send=("ch/2", "bus/3", "bus/1", "main")),
             LinkConfig(name="other", peer="10.0.0.9", port=30300, peer_port=30310, send=("ch/1",)),
             LinkConfig(name="in-only", receive=2)]
    names = SentNames(links, SENDER)
    values = ParamTree.from_layout(SENDER).defaults()
    values.update({"ch/2/name": "Snare", "bus/3/name": "Drummer", "bus/1/name": "Bass", "ch/1/name": "Kick"})
    assert names(values) == [
        {"name": "main-box", "to": "192.168.1.20:30200",
         "channels": ["Snare", "Drummer L", "Drummer R", "Bass", "Main L", "Main R"]},
        {"name": "other", "to": "10.0.0.9:30310", "channels": ["Kick"]}]
    assert names.watched == {"ch/2/name", "bus/3/name", "bus/1/name", "ch/1/name"}


@pytest.mark.parametrize("said, read", [
    (None, []), ("x", []), ([1], []),
    ([{"to": "10.0.0.1:30200", "channels": ["Kick", 3]}], []),          # a name that is none
    ([{"to": "10.0.0.1", "channels": ["Kick"]}], []),                   # no port
    ([{"to": "[::1]:30200", "channels": ["K" * 100], "name": "a"}],
     [{"name": "a", "host": "::1", "port": 30200, "channels": ["K" * 64]}]),
])
def test_what_another_box_says_is_read_with_care(said, read):
    assert read_sent(said) == read


def receiver(store=None, links=None):
    links = links or [LinkConfig(name="foh", receive=3, port=30200)]
    layout = dataclasses.replace(Layout.simple(2, 1), inputs=Layout.simple(2, 1).inputs + link_channel_names(links))
    control = Control(ParamTree.from_layout(layout), store=store)
    return control, ReceivedNames(links, 3, control, lambda: ["192.168.1.30"])


def node(port=30200, host="192.168.1.30", channels=("Kick", "Snare", "Hat"), this=False):
    return {"node_id": "foh", "this": this, "links": [{"name": "stage", "host": host, "port": port,
                                                        "channels": list(channels)}]}


def test_received_channels_take_the_senders_names_until_someone_names_them_here():
    control, names = receiver()
    assert names.apply([node()]) == {"ch/3/name": "Kick", "ch/4/name": "Snare", "ch/5/name": "Hat"}
    entry = control.history(limit=1)[0]
    assert entry.actor == "link" and entry.origin == "system"
    # The sender renames one: followed. Someone here names another: kept from then on.
    control.set("ch/4/name", "Snare top", "rest")
    assert names.apply([node(channels=("Kick In", "Snare bottom", "Hat"))]) == {"ch/3/name": "Kick In"}
    assert control.state()[1]["ch/4/name"] == "Snare top"
    # The same names again: nothing to do; another box's link (another port), or this box's own: ignored.
    assert names.apply([node(channels=("Kick In", "Snare bottom", "Hat"))]) == {}
    assert names.apply([node(port=30300, channels=("X", "Y", "Z")), node(channels=("A",), this=True)]) == {}


def test_of_two_boxes_sending_to_the_port_the_one_sending_to_this_box_names():
    control, names = receiver()
    other = node(host="192.168.1.99", channels=("Not", "for", "us"))
    assert names.apply([other, node(channels=("Kick",))]) == {"ch/3/name": "Kick"}
    assert names.apply([other, {**node(host="192.168.1.98"), "node_id": "x"}]) == {}  # neither: none


def test_a_name_given_before_a_restart_is_still_followed(tmp_path):
    store = Store.open(tmp_path)
    control, names = receiver(store)
    names.apply([node()])
    assert store.meta(META_KEY) == {"ch/3/name": "Kick", "ch/4/name": "Snare", "ch/5/name": "Hat"}
    store.close()
    store = Store.open(tmp_path)
    control, names = receiver(store)  # a new mixer on the same state
    control.set_many({"ch/3/name": "Kick", "ch/4/name": "Snare"}, "rest")
    assert names.apply([node(channels=("Kick 2", "Snare 2"))]) == {"ch/3/name": "Kick 2", "ch/4/name": "Snare 2"}
    store.close()


def test_names_come_on_the_objects_own_thread():
    control, names = receiver()
    names.start()
    try:
        names.fleet_changed({"nodes": [node()]})
        wait_until(lambda: control.state()[1]["ch/5/name"] == "Hat", what="the received channels named")
    finally:
        names.stop()
