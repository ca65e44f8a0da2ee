"""The trace offline: the core runs a tone through a layout with every kind of bus (no JACK: ports are
unknown), and the trace lists the stages in signal order with the levels the meters measured."""

import numpy as np
import pytest

from mixerd.control import Control
from mixerd.diagnostics import take, trace
from mixerd.engine import Engine
from mixerd.model.errors import ParamError
from mixerd.model.layout import BusLayout, Layout
from mixerd.model.params import ParamTree

RATE = 48000
LAYOUT = Layout(inputs=("Vox", "Gtr"), buses=(BusLayout("Wedge"), BusLayout("Drums", stereo=True, kind="group")),
                generators=0).with_fx(("reverb",))
WEDGE, GROUP, REVERB = 1, 2, 3


def mixer(**changes):
    tree = ParamTree.from_layout(LAYOUT)
    engine = Engine(LAYOUT, sample_rate=RATE)
    start = {a: False for a in tree.defaults() if a.endswith("limiter/on")}
    start.update({k.replace("__", "/"): v for k, v in changes.items()})
    control = Control(tree, link=engine, initial=start)
    t = np.arange(RATE) / RATE
    inputs = np.zeros((2, RATE), np.float32)
    inputs[0] = 0.25 * np.sin(2 * np.pi * 1000 * t)  # -12 dBFS into channel 1
    engine.process(inputs)
    return control


def test_a_channel_path_in_order_with_levels_and_insert_order():
    control = mixer(ch__1__trim=6.0, ch__1__fader=-10.0)
    path = trace(take(control), "ch/1/fader")  # any address of the channel traces the channel
    assert path["address"] == "ch/1" and path["kind"] == "channel" and path["name"] == "Vox"
    assert [s["stage"] for s in path["stages"]] == ["input", "trim", "hpf", "eq", "gate", "dyn", "mute", "fader",
                                                    "sends", "main", "outputs"]
    stage = {s["stage"]: s for s in path["stages"]}
    assert stage["trim"]["level"]["peak"] == pytest.approx(-6.0, abs=0.1) and stage["trim"]["address"] == "ch/1/trim"
    assert stage["eq"]["meter"] == "ch/1/insert1" and stage["dyn"]["meter"] == "ch/1/inserts"
    assert stage["hpf"]["level"] is None  # metered with the EQ after it
    assert stage["fader"]["level"]["peak"] == pytest.approx(-16.0, abs=0.1) and stage["fader"]["state"]["effective"] == -10.0
    assert stage["input"]["state"]["ports_known"] is False and path["first_problem"] is None

    control.set("ch/1/order", "dyn>eq", "rest")
    path = trace(take(control), "ch/1")
    assert [s["stage"] for s in path["stages"]][2:6] == ["hpf", "gate", "dyn", "eq"]


def test_a_stopped_stage_does_not_pass_and_problems_mark_their_stage():
    control = mixer(ch__1__mute=True)
    problems = [{"code": "muted", "address": "ch/1", "stage": "mute"}]
    path = trace(take(control), "ch/1", problems)
    stage = {s["stage"]: s for s in path["stages"]}
    assert stage["mute"]["passes"] is False and stage["mute"]["problems"] == ["muted"]
    assert path["stages"][path["first_problem"]]["stage"] == "mute" and path["problems"] == problems


def test_sends_say_how_much_reaches_each_bus_and_where_the_bus_goes():
    control = mixer(**{f"ch__1__send__{WEDGE}__level": -6.0, f"ch__1__send__{GROUP}__on": True})
    sends = {s["bus"]: s for s in trace(take(control), "ch/1")["stages"][8]["sends"]}
    wedge = sends[f"bus/{WEDGE}"]
    assert wedge["open"] and wedge["pre"] and wedge["into_bus_db"] == pytest.approx(-18.0, abs=0.1)
    assert wedge["reaches"]["ok"]  # (ports unknown offline: not held against it)
    assert sends[f"bus/{GROUP}"]["reaches"] == {"main": True, "ok": True}
    assert not sends[f"bus/{REVERB}"]["open"]


def test_a_bus_and_the_main_list_their_sources_and_contributions():
    control = mixer(**{f"ch__1__send__{WEDGE}__level": -6.0, f"ch__2__send__{WEDGE}__level": 0.0,
                       f"ch__1__send__{GROUP}__on": True})
    wedge = trace(take(control), f"bus/{WEDGE}")
    assert wedge["kind"] == "aux" and [s["stage"] for s in wedge["stages"]][0] == "sources"
    sources = {s["address"]: s for s in wedge["stages"][0]["sources"]}
    assert sources["ch/1"]["via"] == "pre-fader send" and sources["ch/1"]["contributes_db"] == pytest.approx(-18.0, abs=0.1)
    assert sources["ch/2"]["signal"] is False and sources["ch/2"]["contributes_db"] is None  # silent input

    main = trace(take(control), "main")
    sources = {s["address"]: s for s in main["stages"][0]["sources"]}
    assert sources["ch/1"]["via"] == "direct" and sources["ch/1"]["contributes_db"] == pytest.approx(-12.0, abs=0.1)
    assert sources[f"bus/{GROUP}"]["via"] == "group" and sources[f"bus/{GROUP}"]["signal"]
    assert sources[f"bus/{REVERB}"]["via"] == "effect return" and not sources[f"bus/{REVERB}"]["signal"]


@pytest.mark.parametrize("address", ["ch/9", "bus/0", "dca/1", "", "ch/x"])
def test_an_address_that_cannot_be_traced(address):
    with pytest.raises(ParamError) as err:
        trace(take(mixer()), address)
    assert err.value.code == "unknown_address" and "ch/1…ch/2" in err.value.allowed
