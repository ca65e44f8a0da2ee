"""X AIR nodes over real UDP: ``/node`` answers a whole node as the X AIR's text, ``/`` sets values from text
lines the way float writes do (same steps, one undo step per line, the line echoed), and what is not a node
or not text the X AIR would take is ignored and counted. The text formats of every step are checked offline."""

from __future__ import annotations

import logging
import re

import pytest
from osc_rig import LAYOUT
from support import wait_until

from mixerd.model import ParamTree
from mixerd.osc.nodes import Level, NodeTable, format_of
from mixerd.osc.server import actor_of
from mixerd.osc.xair import Fader, Stepped, XAirMap


def node(client, path: str) -> str:
    """The text ``/node ,s path`` answers (the reply's address is ``node``, without a slash)."""
    seen = client.count()
    client.send("/node", path)
    [text] = client.wait_for("node", after=seen)
    return text


# ---- reading nodes ---------------------------------------------------------------------------------

def test_node_answers_the_x_air_text_of_each_node(serve, peer, control):
    control.set_many({
        "ch/1/name": "Kick Drum", "ch/1/color": "#eab308", "ch/1/mute": True, "ch/1/fader": -10.0,
        "ch/1/pan": -20.0, "ch/1/trim": 6.0, "ch/1/polarity": True, "ch/1/hpf/on": True, "ch/1/hpf/freq": 100.0,
        "ch/1/eq/1/type": "low-shelf", "ch/1/eq/1/freq": 1000.0, "ch/1/eq/1/gain": -4.5, "ch/1/eq/1/q": 2.0,
        "ch/1/gate/on": True, "ch/1/gate/threshold": -40.0, "ch/1/gate/range": -30.0,
        "ch/1/dyn/on": True, "ch/1/dyn/threshold": -20.0, "ch/1/dyn/ratio": 4.0, "ch/1/dyn/makeup": 3.0,
        "ch/1/send/1/level": -6.0, "ch/1/send/1/pre": True, "ch/1/send/2/on": False,
        "ch/1/dca/1": True, "ch/1/dca/3": True, "ch/1/mutegroup/2": True, "mutegroup/2/on": True,
        "bus/1/name": "Drummer", "bus/1/fader": 2.0, "dca/1/fader": -90.0, "main/fader": -1.5,
    }, "rest")
    client = peer(serve())
    assert node(client, "ch/01/config") == '/ch/01/config "Kick Drum" 3 In01 U01\n'
    assert node(client, "ch/01/preamp") == "/ch/01/preamp +6.0 OFF ON ON 101\n"  # 100 Hz: the X AIR's step
    assert node(client, "ch/01/gate").startswith("/ch/01/gate ON GATE -40.0 30.0 ")
    assert node(client, "ch/01/dyn").startswith("/ch/01/dyn ON COMP PEAK LOG -20.0 4.0 ")
    assert node(client, "ch/01/eq/1") == "/ch/01/eq/1 LShv 990.9 -4.50 2.0\n"  # 1 kHz is on no X AIR step
    assert node(client, "ch/01/mix") == "/ch/01/mix OFF -10.0 ON -20\n"
    assert node(client, "ch/01/mix/01") == "/ch/01/mix/01  -6.0 ON PRE +0\n"  # a mono bus: the default pan
    assert node(client, "ch/01/mix/02") == "/ch/01/mix/02   -oo OFF PRE\n"  # an even send has no pan
    assert node(client, "ch/01/mix/07") == "/ch/01/mix/07   -oo OFF POST\n"  # an FX send: level only is mixerd's
    assert node(client, "ch/01/grp") == "/ch/01/grp %0101 %0010\n"
    assert node(client, "config/mute") == "/config/mute OFF ON OFF OFF\n"
    assert node(client, "bus/1/config") == '/bus/1/config "Drummer" 0\n'
    assert node(client, "bus/1/mix") == "/bus/1/mix ON  +2.0 OFF +0\n"
    assert node(client, "lr/mix") == "/lr/mix ON  -1.5 +0\n"
    assert node(client, "dca/1") == "/dca/1 ON   -oo\n"
    assert node(client, "fx/1") == "/fx/1 HALL OFF\n"


def test_node_takes_a_leading_slash_and_answers_a_leaf_as_a_node_of_one_value(serve, peer, control):
    control.set("ch/2/fader", -10.0, "rest")
    client = peer(serve())
    assert node(client, "/ch/02/mix") == "/ch/02/mix ON -10.0 ON +0\n"
    assert node(client, "ch/02/mix/fader") == "/ch/02/mix/fader -10.0\n"
    assert node(client, "ch/02/mix/on") == "/ch/02/mix/on ON\n"


# ---- writing text ----------------------------------------------------------------------------------

def test_a_text_write_lands_on_the_step_of_the_float_write(serve, peer, control):
    client = peer(serve())
    fader = Fader().wire(-6.0)  # what an app sends for -6 dB
    freq_step = 114 / 200  # the X AIR's 1k02 step
    client.send("/ch/01/mix/fader", fader)
    client.send("/", "/ch/02/mix/fader -6")
    client.send("/ch/01/eq/2/f", freq_step)
    client.send("/", "/ch/02/eq/2/f 1k02")
    client.send("/ch/01/gate/thr", 0.5)  # -40 dB
    client.send("/", "/ch/02/gate/thr -40")
    client.send("/", '/ch/02/config/name "Lead Vox"')
    wait_until(lambda: control.get("ch/2/name") == "Lead Vox", what="the last text write")
    wait_until(lambda: control.get("ch/1/gate/threshold") == -40.0, what="the last float write")
    assert control.get("ch/2/fader") == control.get("ch/1/fader") != 0.0
    assert control.get("ch/2/eq/2/freq") == control.get("ch/1/eq/2/freq") == 1030.0  # the simplest on the step
    assert control.get("ch/2/gate/threshold") == -40.0
    entry = control.history(1)[0]
    assert entry.origin == "osc" and entry.actor == actor_of(client.address)
    # Each line echoed to its sender, as an XR18 does.
    wait_until(lambda: len(client.on("/")) == 4, what="the echoes")
    assert client.on("/") == [["/ch/02/mix/fader -6"], ["/ch/02/eq/2/f 1k02"], ["/ch/02/gate/thr -40"],
                              ['/ch/02/config/name "Lead Vox"']]


def test_a_node_line_sets_its_values_in_one_undo_step(serve, peer, control):
    client = peer(serve())
    client.send("/", "/ch/03/mix OFF -20.0 OFF +30")
    wait_until(lambda: control.get("ch/3/pan") == 30.0, what="the node line")
    assert control.get("ch/3/mute") is True and control.get("ch/3/fader") == -20.0
    assert control.get("ch/3/main") is False
    newest = control.history(4)
    assert len({e.step for e in newest[:4]}) == 1 and {e.address for e in newest[:4]} == {
        "ch/3/mute", "ch/3/fader", "ch/3/main", "ch/3/pan"}
    control.undo(actor_of(client.address))
    assert control.get("ch/3/fader") == 0.0 and control.get("ch/3/mute") is False
    # A line read from /node and written back changes nothing: every value names its own step.
    control.set_many({"ch/4/eq/3/freq": 2500.0, "ch/4/eq/3/q": 0.4, "ch/4/eq/3/gain": 3.25}, "rest")
    line = node(client, "ch/04/eq/3")
    before = {a: control.get(a) for a in ("ch/4/eq/3/freq", "ch/4/eq/3/q", "ch/4/eq/3/gain")}
    client.send("/", line.strip())
    client.send("/ch/16/mix/fader", 0.25)  # applied after the line
    wait_until(lambda: control.get("ch/16/fader") == -30.0, what="the change after the line")
    assert {a: control.get(a) for a in before} == before
    wait_until(lambda: len(client.on("/")) == 2, what="the echoes of both lines")
    assert client.on("/") == [["/ch/03/mix OFF -20.0 OFF +30"], [line.strip()]]


# ---- what is ignored -------------------------------------------------------------------------------

def test_unknown_nodes_and_malformed_text_are_ignored_and_counted(serve, peer, control, caplog):
    server = serve()
    client = peer(server)
    with caplog.at_level(logging.DEBUG, "mixerd.osc"):
        client.send("/node", "ch/99/mix")  # no such channel
        client.send("/node", "ch/01/gate/filter")  # an X AIR node with nothing mixerd maps
        client.send("/node")
        client.send("/node", 3)
        client.send("/", "/ch/01/mix/fader loud")
        client.send("/", "/ch/01/eq/1 Wobble 1k00")  # no such EQ type: the rest of the line still applies
        client.send("/", "/ch/01/mix/fader")
        client.send("/", "/nowhere 1")
        client.send("/", "")
        client.send("/", 7)
        client.send("/ch/05/mix/fader", 0.25)  # applied after everything before it
        client.sync()
    wait_until(lambda: control.get("ch/5/fader") == -30.0, what="the change after the bad ones")
    assert control.get("ch/1/fader") == 0.0 and control.get("ch/1/eq/1/type") == "low-shelf"
    assert control.get("ch/1/eq/1/freq") == 1000.0  # the good value of the line (990.9's step, as mixerd keeps it)
    assert client.on("node") == []  # no reply, as an X AIR gives none
    assert client.on("/") == []  # nothing echoed: each line had a value refused
    assert server.stats["refused"] == 3 and server.stats["unknown"] == 7
    assert node(client, "ch/01/mix") == "/ch/01/mix ON   0.0 ON +0\n"  # the server goes on


def test_read_only_refuses_text_writes(serve, peer, control):
    server = serve(read_only=True)
    client = peer(server)
    client.send("/", "/ch/01/mix/fader -10")
    client.send("/", "/ch/01/mix OFF -10 OFF +50")
    client.sync()
    assert server.stats["refused"] == 5 and server.stats["changes"] == 0
    assert control.get("ch/1/fader") == 0.0 and control.get("ch/1/mute") is False
    assert client.on("/") == []
    assert node(client, "ch/01/mix") == "/ch/01/mix ON   0.0 ON +0\n"  # reading goes on


# ---- the formats, offline ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def xmap():
    tree = ParamTree.from_layout(LAYOUT)
    return XAirMap(tree.layout, tree)


def test_every_mapped_path_has_a_text_format_and_every_step_reads_back(xmap):
    shapes: dict[str, str] = {}
    for path in xmap.paths():
        shapes.setdefault(re.sub(r"\d+", "#", path), path)
    for shape, path in shapes.items():
        binding, fmt = xmap.binding(path), format_of(path)
        assert fmt is not None, shape
        enc = binding.encoding
        if not isinstance(enc, Stepped):
            continue
        for k in range(enc.steps):
            arg = k / (enc.steps - 1)
            text = fmt.text(enc, arg).strip()
            back = fmt.parse(enc, text)
            if isinstance(fmt, Level):  # 0.1 dB text: the step nearest the text
                assert abs(enc.curve.value(back) - (-90.0 if text == "-oo" else float(text))) <= 0.25, (shape, text)
            else:
                assert back == arg, (shape, k, text)


def test_the_frequency_text_is_the_x_air_s(xmap):
    enc = xmap.binding("/ch/01/eq/1/f").encoding
    fmt = format_of("/ch/01/eq/1/f")
    texts = [fmt.text(enc, k / 200) for k in (0, 112, 113, 114, 116, 180, 190, 200)]
    assert texts == ["20.0", "957.3", "990.9", "1k02", "1k09", "10k02", "14k15", "20k00"]


def test_nodes_with_nothing_mapped_are_not_answered(xmap):
    nodes = NodeTable(xmap).nodes()
    assert "/ch/01/mix" in nodes and "/config/solo" in nodes
    assert "/bus/1/eq/2" not in nodes and "/ch/01/gate/filter" not in nodes and "/fx/3" not in nodes
