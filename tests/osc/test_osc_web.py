"""OSC beside the web front end in a whole mixer (``daemon.Mixer`` in a real jackd, its web API on a real HTTP
socket, OSC on real UDP): a change made over REST or in the web app (its WebSocket) reaches an /xremote follower;
a value an app sets over OSC reads back over REST on the X AIR step it chose; a value put over REST reads over
OSC (a get and /node) on the step nearest to it, and a value on a step exactly on that step — for the strip
parameters apps show: fader, EQ frequency, gain and Q, HPF, gate, compressor threshold and ratio, trim."""

from __future__ import annotations

import dataclasses
import json
import struct

import httpx
import pytest
from osc_rig import Peer
from support import mixer_config, running_mixer, wait_until
from websockets.sync.client import connect

from mixerd.osc.xair import Ratios, Stepped

pytestmark = pytest.mark.jack

#: mixerd leaf, X AIR leaf, a value put over REST that is on no X AIR step, an X AIR step an app sends.
PARAMS = [
    ("fader", "mix/fader", -7.3, 600),
    ("eq/2/freq", "eq/2/f", 1234.0, 120),
    ("eq/2/gain", "eq/2/g", 4.1, 70),
    ("eq/2/q", "eq/2/q", 1.7, 30),
    ("hpf/on", "preamp/hpon", True, 1),
    ("hpf/freq", "preamp/hpf", 95.0, 40),
    ("gate/threshold", "gate/thr", -33.3, 90),
    ("gate/range", "gate/range", -25.5, 20),
    ("dyn/threshold", "dyn/thr", -17.7, 50),
    ("dyn/ratio", "dyn/ratio", 3.5, 7),
    ("trim", "preamp/trim", 7.7, 100),
]


def f32(x: float) -> float:
    """``x`` as it crosses OSC: a 32-bit float."""
    return struct.unpack(">f", struct.pack(">f", x))[0]


@pytest.fixture(scope="module")
def mixer(jack_server, tmp_path_factory):
    cfg = mixer_config(jack_server, tmp_path_factory.mktemp("state"))
    cfg = dataclasses.replace(cfg, osc=dataclasses.replace(cfg.osc, enabled=True, host="127.0.0.1", port=0),
                              auth=dataclasses.replace(cfg.auth, enabled=False))
    with running_mixer(cfg, http=True) as mixer:
        yield mixer


@pytest.fixture(scope="module")
def http(mixer):
    with httpx.Client(base_url=mixer.web_url + "api/v1", timeout=15) as client:
        yield client


@pytest.fixture
def app(mixer):
    peer = Peer(mixer.osc.address)
    yield peer
    peer.close()


def binding(mixer, channel: int, leaf: str):
    return mixer.osc.map.binding(f"/ch/{channel:02d}/{leaf}")


def wire(b, value) -> float | int:
    """What an app reads for mixerd's ``value``: the X AIR step (an index for switches and ratios)."""
    return f32(b.to_osc(value)) if b.tag == "f" else b.to_osc(value)


def step_arg(b, k: int) -> float | int:
    """The k-th X AIR step of ``b`` as an app sends it."""
    return k / (b.encoding.steps - 1) if isinstance(b.encoding, Stepped) else k


def rest_value(http: httpx.Client, address: str):
    answer = http.get(f"/params/{address}")
    assert answer.status_code == 200, answer.text
    return answer.json()["value"]


def put(http: httpx.Client, address: str, value) -> None:
    answer = http.put(f"/params/{address}", json={"value": value})
    assert answer.status_code == 200, answer.text


def test_a_follower_sees_changes_made_over_rest_and_in_the_web_app(mixer, http, app):
    app.send("/xremote")
    app.sync()  # following from here on
    for leaf, xleaf, value, _ in PARAMS:
        b = binding(mixer, 1, xleaf)
        seen = app.count()
        put(http, f"ch/1/{leaf}", value)
        assert app.wait_for(b.path, after=seen) == [wire(b, value)], leaf
    # The web app changes values over its WebSocket: a mute, and an EQ handle dragged (frequency and gain at once).
    url = mixer.web_url.replace("http://", "ws://") + "api/v1/ws"
    with connect(url) as ws:
        seen = app.count()
        ws.send(json.dumps({"type": "set", "address": "ch/1/mute", "value": True, "id": 1}))
        ws.send(json.dumps({"type": "set_many", "changes": {"ch/1/eq/3/freq": 2500.0, "ch/1/eq/3/gain": -6.0},
                            "id": 2}))
        assert app.wait_for("/ch/01/mix/on", after=seen) == [0]  # on = not muted
        assert app.wait_for("/ch/01/eq/3/f", after=seen) == [wire(binding(mixer, 1, "eq/3/f"), 2500.0)]
        assert app.wait_for("/ch/01/eq/3/g", after=seen) == [wire(binding(mixer, 1, "eq/3/g"), -6.0)]


def test_a_value_set_over_osc_reads_back_over_rest_on_its_step(mixer, http, app):
    for leaf, xleaf, _, k in PARAMS:
        b = binding(mixer, 2, xleaf)
        arg = step_arg(b, k)
        app.send(b.path, arg)
        expected = b.from_osc(arg)  # the k-th step's value: what the X AIR shows for it
        wait_until(lambda: rest_value(http, f"ch/2/{leaf}") == expected, what=f"{b.path} over REST")
        assert b.to_osc(rest_value(http, f"ch/2/{leaf}")) == arg, leaf  # exactly the step the app chose
        assert app.ask(b.path) == [wire(b, expected)], leaf  # and the app reads that step back
        assert mixer.control.history(1)[0].origin == "osc"


def test_a_value_put_over_rest_reads_over_osc_on_the_same_step(mixer, http, app):
    for leaf, xleaf, value, k in PARAMS:
        b = binding(mixer, 3, xleaf)
        address = f"ch/3/{leaf}"
        # A value on no X AIR step reads as the nearest step, over a get and over /node ...
        put(http, address, value)
        [arg] = app.ask(b.path)
        assert arg == wire(b, value), leaf
        if isinstance(b.encoding, (Stepped, Ratios)) and not isinstance(value, bool):
            step = b.from_osc(arg)
            assert b.to_osc(step) == b.to_osc(value), leaf  # the step read is the value's own
        seen = app.count()
        app.send("/node", b.path)
        [text] = app.wait_for("node", after=seen)
        assert text.startswith(b.path + " "), text
        # ... and that text, written back as an app writes a node line, lands on the same step.
        app.send("/", text.strip())
        wait_until(lambda: rest_value(http, address) == b.from_osc(arg), what=f"{b.path}'s text over REST")
        # A value on an X AIR step reads exactly as that step.
        on_step = b.from_osc(step_arg(b, k))
        put(http, address, on_step)
        assert app.ask(b.path) == [wire(b, on_step)] and b.to_osc(on_step) == step_arg(b, k), leaf
