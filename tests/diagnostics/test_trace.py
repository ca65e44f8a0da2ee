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


def test_a_mix_and_the_main_show_their_graphic_eq_and_output_delay_in_signal_order():
    control = mixer(**{f"bus__{WEDGE}__geq__on": True, f"bus__{WEDGE}__geq__18__gain": -9.0,
                       f"bus__{WEDGE}__geq__5__gain": 3.0, f"bus__{WEDGE}__delay": 12.5})
    wedge = trace(take(control), f"bus/{WEDGE}")
    assert [s["stage"] for s in wedge["stages"]] == ["sources", "eq", "geq", "fader", "limiter", "delay", "outputs"]
    stage = {s["stage"]: s for s in wedge["stages"]}
    assert stage["geq"]["address"] == f"bus/{WEDGE}/geq/on" and stage["geq"]["state"] == {
        "on": True, "bands": [{"band": 5, "freq": 50, "gain": 3.0}, {"band": 18, "freq": 1000, "gain": -9.0}]}
    assert stage["delay"]["address"] == f"bus/{WEDGE}/delay" and stage["delay"]["state"] == {"ms": 12.5}
    main = [s["stage"] for s in trace(take(control), "main")["stages"]]
    assert main[main.index("eq"):] == ["eq", "geq", "fader", "limiter", "delay", "outputs"]
    group = [s["stage"] for s in trace(take(control), f"bus/{GROUP}")["stages"]]
    assert "geq" not in group and "delay" not in group  # a group bus has neither


@pytest.mark.parametrize("address", ["ch/9", "bus/0", "dca/1", "", "ch/x"])
def test_an_address_that_cannot_be_traced(address):
    with pytest.raises(ParamError) as err:
        trace(take(mixer()), address)
    assert err.value.code == "unknown_address" and "ch/1…ch/2" in err.value.allowed


# -- the listener's side: what does not reach a bus or the main -----------------------------------------

BAND = Layout(inputs=("Kick", "Snare", "Keys"), buses=(BusLayout("Drummer"), BusLayout("Drums", kind="group")),
              generators=0, dcas=1, mute_groups=1)
DRUMMER, DRUMS = 1, 2


def band(**changes):
    """The band's mixer offline, and the engine that runs it: Kick and Snare play (−12 dBFS), Keys is silent;
    both drums are in the Drummer's mix (pre-fader) and the Drums group."""
    tree = ParamTree.from_layout(BAND)
    engine = Engine(BAND, sample_rate=RATE)
    start = {a: False for a in tree.defaults() if a.endswith("limiter/on")}
    start.update({"dca/1/name": "Drums", "mutegroup/1/name": "Band", "ch/1/send/1/level": -6.0,
                  "ch/2/send/1/level": -6.0, "ch/1/send/2/on": True, "ch/2/send/2/on": True})
    start.update({k.replace("__", "/"): v for k, v in changes.items()})
    control = Control(tree, link=engine, initial=start)
    play(engine)
    return control, engine


def play(engine, seconds: float = 1.0):
    t = np.arange(int(RATE * seconds)) / RATE
    inputs = np.zeros((3, t.size), np.float32)
    inputs[:2] = 0.25 * np.sin(2 * np.pi * 1000 * t)
    engine.process(inputs)


def missing(control, address, **kw):
    return {m["address"]: m for m in trace(take(control), address, **kw)["missing"]}


def test_a_mix_lists_the_channels_that_do_not_reach_it_with_the_reason_and_the_fix():
    control, engine = band(ch__2__mute=True, ch__2__send__1__on=False)
    gone = missing(control, f"bus/{DRUMMER}")
    assert set(gone) == {"ch/2", "ch/3"}  # Kick reaches the mix: it is a source, not missing
    snare = gone["ch/2"]
    assert snare["name"] == "Snare" and snare["code"] == "muted" and snare["stage"] == "mute"
    assert snare["message"] == "Snare: muted; its send to Drummer is off"
    reasons = [(r["code"], r["stage"], r["message"], r["fix"]["address"], r["fix"]["value"]) for r in snare["reasons"]]
    assert reasons == [
        ("muted", "mute", "Snare: muted", "ch/2/mute", False),
        ("send_off", "sends", "Snare: its send to Drummer is off", "ch/2/send/1/on", True)]
    assert snare["changes"] == {"ch/2/mute": False, "ch/2/send/1/on": True} and snare["cut"] is False
    keys = gone["ch/3"]  # silent (nothing plays into it offline) and its send at −∞ (the default)
    assert [r["code"] for r in keys["reasons"]] == ["no_signal", "send_closed"]
    assert keys["reasons"][0]["fix"] is None and "source" in keys["reasons"][0]["hint"]
    assert keys["changes"] == {"ch/3/send/1/level": -10.0}  # audible, below unity (see reasons.SEND_FIX_DB)
    assert trace(take(control), "ch/2")["missing"] is None  # a channel's own trace has no such list

    control.set_many(snare["changes"], "rest")  # one tap: every fix at once
    play(engine, 0.1)
    path = trace(take(control), f"bus/{DRUMMER}")
    assert "ch/2" not in {m["address"] for m in path["missing"]}
    assert {s["address"]: s for s in path["stages"][0]["sources"]}["ch/2"]["signal"]  # and it is heard there


def test_dcas_mute_groups_and_a_closed_fader_before_a_post_fader_send():
    control, _ = band(ch__2__dca__1=True, dca__1__mute=True, ch__2__mutegroup__1=True, mutegroup__1__on=True,
                   ch__1__fader=-90.0, ch__1__send__1__pre=False)
    gone = missing(control, f"bus/{DRUMMER}")
    snare = [(r["code"], r["message"], r["fix"]) for r in gone["ch/2"]["reasons"]]
    assert snare == [
        ("dca_muted", "Snare: muted by the DCA 'Drums'",
         {"address": "dca/1/mute", "value": False, "label": "unmute the DCA 'Drums'"}),
        ("mute_group", "Snare: muted by the mute group 'Band'",
         {"address": "mutegroup/1/on", "value": False, "label": "release the mute group 'Band'"})]
    # A monitor mix should not follow the front-of-house fader: the fix is a pre-fader send.
    (kick,) = gone["ch/1"]["reasons"]
    assert kick["code"] == "fader_closed" and kick["stage"] == "fader"
    assert kick["message"] == "Kick: fader closed, and the send to Drummer is post-fader"
    assert kick["fix"]["address"] == "ch/1/send/1/pre" and kick["fix"]["value"] is True
    # The same closed fader keeps Kick out of the group and the main: there the fader is the fix.
    (group,) = missing(control, f"bus/{DRUMS}")["ch/1"]["reasons"]
    assert group["fix"] == {"address": "ch/1/fader", "value": 0.0, "label": "raise Kick's fader to 0 dB"}
    main = missing(control, "main")["ch/1"]
    assert main["message"] == "Kick: fader closed" and main["changes"] == {"ch/1/fader": 0.0}


def test_the_main_and_a_group_say_what_is_not_assigned():
    control, _ = band(ch__2__main=False, ch__2__send__2__on=False)
    (snare,) = missing(control, "main")["ch/2"]["reasons"]
    assert (snare["code"], snare["message"], snare["fix"]["address"]) == ("not_assigned", "Snare: not assigned to "
                                                                          "the main", "ch/2/main")
    (snare,) = missing(control, f"bus/{DRUMS}")["ch/2"]["reasons"]
    assert snare["message"] == "Snare: not assigned to the group Drums" and snare["fix"]["address"] == "ch/2/send/2/on"
    assert "ch/1" not in missing(control, "main")  # Kick reaches the main twice (direct, the group): not missing


def test_each_fix_says_whether_the_caller_may_make_it():
    control, _ = band(ch__2__mute=True, ch__2__send__1__on=False)
    own_sends = lambda address: address.startswith("ch/") and "/send/1/" in address  # noqa: E731
    reasons = missing(control, f"bus/{DRUMMER}", may_change=own_sends)["ch/2"]["reasons"]
    assert [(r["allowed_fix"], r["fix_refused"]) for r in reasons] == [
        (False, "only the engineer can unmute Snare"), (True, None)]
    everything = missing(control, f"bus/{DRUMMER}")["ch/2"]["reasons"]  # no caller named: any fix is allowed
    assert all(r["allowed_fix"] for r in everything)
    keys = missing(control, f"bus/{DRUMMER}", may_change=own_sends)["ch/3"]["reasons"][0]
    assert keys["fix"] is None and keys["allowed_fix"] is False and keys["fix_refused"] is None


def test_a_channels_sends_say_why_it_does_not_reach_a_bus_and_which_mix_lost_it():
    control, _ = band(ch__2__send__1__on=False)
    # The problem finder's word that the Drummer's mix had the snare and lost it.
    cut = [{"code": "mix_source_cut", "address": f"bus/{DRUMMER}", "stage": "sources",
            "details": {"sources": [{"address": "ch/2", "name": "Snare"}]}}]
    own_sends = lambda address: "/send/1/" in address  # noqa: E731  (a mix link for the Drummer)
    sends = {s["bus"]: s for s in trace(take(control), "ch/2", cut, may_change=own_sends)["stages"][8]["sends"]}
    drummer = sends[f"bus/{DRUMMER}"]
    assert [(r["code"], r["message"], r["fix"]["address"], r["allowed_fix"]) for r in drummer["reasons"]] == [
        ("send_off", "Snare: its send to Drummer is off", "ch/2/send/1/on", True)]
    assert drummer["cut"] is True
    assert sends[f"bus/{DRUMS}"]["reasons"] == [] and sends[f"bus/{DRUMS}"]["cut"] is False  # it reaches the group
    assert all(not s["cut"] for s in trace(take(control), "ch/1", cut)["stages"][8]["sends"])  # only the snare's

    control.set("ch/2/mute", True, "rest")  # a mute keeps it out of every bus: the engineer's to change
    sends = {s["bus"]: s for s in trace(take(control), "ch/2", may_change=own_sends)["stages"][8]["sends"]}
    assert [(r["code"], r["allowed_fix"], r["fix_refused"]) for r in sends[f"bus/{DRUMS}"]["reasons"]] == [
        ("muted", False, "only the engineer can unmute Snare")]
    assert [r["code"] for r in sends[f"bus/{DRUMMER}"]["reasons"]] == ["muted", "send_off"]


def test_a_channel_a_link_brings_in_says_so_at_its_input():
    """The links' status as mixerd.links.Links.status() gives it (tests/links/test_links_jack.py reads a real one)."""
    links = [{"name": "stage", "receive": {"channels": ["ch/2"], "running": True, "state": "receiving",
                                           "from": "10.0.0.5", "latency_ms": 11.2, "buffer_ms": 10, "dropouts": 1,
                                           "dropouts_last_minute": 0, "port": 30200}},
             {"name": "out-only", "send": {"running": True}}]
    snap = take(mixer())
    received = trace(snap, "ch/2", links=links)["stages"][0]
    assert received["stage"] == "input" and received["state"]["link"] == {
        "name": "stage", "running": True, "state": "receiving", "from": "10.0.0.5", "latency_ms": 11.2,
        "buffer_ms": 10, "dropouts": 1, "dropouts_last_minute": 0}
    assert "link" not in trace(snap, "ch/1", links=links)["stages"][0]["state"]
    assert "link" not in trace(snap, "ch/2")["stages"][0]["state"]
