"""Every problem code from a real scenario: a probe's sine through a real jackd into the mixer, the
mixer's meters and JACK connections read by the problem finder; each problem appears, says where and
what fixes it, and clears once fixed."""

import pytest
from diagnostics_rig import GROUP, REVERB, TONE, WEDGE
from support import CycleStaller, peak_db, wait_until

from mixerd.diagnostics import Diagnostics, take, trace


def test_an_unplugged_input_port(fresh):
    client = fresh.probe.client
    client.disconnect("probe:out_1", "mixerd:in_1")
    client.disconnect("system:capture_1", "mixerd:in_1")
    problem = fresh.wait_raised("input_port_unconnected", "ch/1")
    assert problem["stage"] == "input" and problem["severity"] == "error"
    assert "mixerd:in_1" in problem["message"]
    assert fresh.find("no_input_signal", "ch/1") is None  # the cause, not its consequence
    client.connect("probe:out_1", "mixerd:in_1")
    fresh.wait_cleared("input_port_unconnected", "ch/1")


def test_a_connected_input_that_is_silent(fresh):
    fresh.probe.play(0, 1000.0, 0.0)
    problem = fresh.wait_raised("no_input_signal", "ch/1")
    assert problem["fix_address"] == "ch/1/trim" and problem["stage"] == "input"
    fresh.probe.play(0, 1000.0, TONE)
    fresh.wait_cleared("no_input_signal", "ch/1")


def test_a_signal_that_arrives_clipped(fresh):
    fresh.probe.play(0, 1000.0, 1.0)  # full scale at the port: clipped before the mixer
    problem = fresh.wait_raised("input_clipping", "ch/1")
    assert problem["fix_address"] is None and "interface" in problem["fix"]
    assert fresh.find("clipping_at_stage", "ch/1") is None
    fresh.probe.play(0, 1000.0, TONE)
    fresh.wait_cleared("input_clipping", "ch/1")


def test_clipping_is_found_at_the_eq_that_causes_it(fresh):
    # -12 dBFS + 15 dB at 1 kHz: the EQ's output is +3 dBFS; the trim before it is clean.
    fresh.set(ch__1__eq__2__freq=1000.0, ch__1__eq__2__gain=15.0, ch__1__eq__2__q=1.0)
    problem = fresh.wait_raised("clipping_at_stage", "ch/1")
    assert problem["stage"] == "eq" and problem["fix_address"] == "ch/1/eq/2/gain"
    assert problem["details"]["meter"] == "ch/1/insert1" and problem["details"]["hold"] > 2.0
    # the trace marks the EQ as the first stage with a problem
    path = trace(take(fresh.control), "ch/1", fresh.problems())
    assert path["stages"][path["first_problem"]]["stage"] == "eq"
    fresh.set(ch__1__eq__2__gain=3.0)
    fresh.wait_cleared("clipping_at_stage", "ch/1")


def test_clipping_at_the_trim(fresh):
    fresh.set(ch__1__trim=18.0)  # -12 + 18 = +6 dBFS after the trim
    problem = fresh.wait_raised("clipping_at_stage", "ch/1")
    assert problem["stage"] == "trim" and problem["fix_address"] == "ch/1/trim"
    raised = []
    remove = fresh.diagnostics.add_listener(lambda m: raised.extend((p["code"], p["address"]) for p in m["raised"]))
    try:
        fresh.set(ch__1__trim=0.0)
        fresh.wait_cleared("clipping_at_stage", "ch/1")
    finally:
        remove()
    # The meters' 2 s hold still had the +6 dBFS from before the fix: it is not taken for a hot input.
    assert ("input_clipping", "ch/1") not in raised and ("low_headroom", "ch/1") not in raised


def test_low_headroom_on_a_hot_channel(fresh):
    fresh.probe.play(0, 1000.0, 0.71)  # -3 dBFS peaks
    problem = fresh.wait_raised("low_headroom", "ch/1")
    assert problem["fix_address"] == "ch/1/trim" and "15 dB" in problem["fix"]
    fresh.set(ch__1__trim=-12.0)
    fresh.wait_cleared("low_headroom", "ch/1")


def test_a_muted_channel_with_signal_and_what_mutes_it(fresh):
    fresh.set(ch__1__mute=True)
    problem = fresh.wait_raised("muted", "ch/1")
    assert problem["fix_address"] == "ch/1/mute" and problem["stage"] == "mute"
    assert peak_db(fresh.probe.record(0.3)[0]) < -90  # and the main really is silent
    fresh.set(ch__1__mute=False, ch__1__mutegroup__2=True, mutegroup__2__on=True)
    wait_until(lambda: (fresh.find("muted", "ch/1") or {}).get("fix_address") == "mutegroup/2/on",
               what="the mute group named as the cause")
    fresh.set(mutegroup__2__on=False)
    fresh.wait_cleared("muted", "ch/1")
    assert peak_db(fresh.probe.record(0.3)[0]) > -20


def test_closed_faders_on_a_channel_and_the_main(fresh):
    fresh.set(ch__1__fader=-90.0)
    assert fresh.wait_raised("fader_closed", "ch/1")["fix_address"] == "ch/1/fader"
    fresh.set(ch__1__fader=0.0, main__fader=-90.0)
    fresh.wait_cleared("fader_closed", "ch/1")
    assert fresh.wait_raised("fader_closed", "main")["fix_address"] == "main/fader"
    fresh.set(main__fader=0.0)
    fresh.wait_cleared("fader_closed", "main")


def test_a_muted_mix_that_is_fed(fresh):
    fresh.set(**{f"ch__1__send__{WEDGE}__level": 0.0, f"bus__{WEDGE}__mute": True})
    problem = fresh.wait_raised("muted", f"bus/{WEDGE}")
    assert problem["fix_address"] == f"bus/{WEDGE}/mute" and "ch/1" in problem["message"]
    assert peak_db(fresh.probe.record(0.3)[1]) < -90  # the wedge is silent
    fresh.set(**{f"bus__{WEDGE}__mute": False})
    fresh.wait_cleared("muted", f"bus/{WEDGE}")


def test_a_channel_cut_off_from_a_mix_it_had(fresh):
    """The wedge has the vocal; the engineer mutes the vocal and switches its wedge send off: the wedge has lost
    a source (``mix_source_cut`` on it, both reasons with their fixes, marked in its trace); once the vocal
    reaches the wedge again, the problem clears."""
    # The wedge's master closed while the vocal feeds it: the finder names the vocal, so it has seen it there.
    fresh.set(**{f"ch__1__send__{WEDGE}__level": -6.0, f"bus__{WEDGE}__fader": -90.0})
    assert "ch/1" in fresh.wait_raised("fader_closed", f"bus/{WEDGE}")["message"]
    fresh.set(**{f"bus__{WEDGE}__fader": 0.0, "ch__1__mute": True, f"ch__1__send__{WEDGE}__on": False})
    problem = fresh.wait_raised("mix_source_cut", f"bus/{WEDGE}")
    assert problem["severity"] == "info" and problem["stage"] == "sources" and problem["fix_address"] == "ch/1/mute"
    assert problem["message"] == (f"bus/{WEDGE} (Wedge): ch/1 (Vocal) no longer reaches it (muted; its send to "
                                  "Wedge is off)")
    assert problem["fix"] == ("unmute Vocal (ch/1/mute); switch Vocal's send to Wedge on "
                              f"(ch/1/send/{WEDGE}/on)")
    (source,) = problem["details"]["sources"]
    assert source["address"] == "ch/1" and source["reasons"] == ["muted", "send_off"]
    assert peak_db(fresh.probe.record(0.3)[1]) < -90  # the wedge really lost it
    path = trace(take(fresh.control), f"bus/{WEDGE}", fresh.problems())
    assert path["stages"][0]["problems"] == ["mix_source_cut"]
    assert next(m for m in path["missing"] if m["address"] == "ch/1")["cut"] is True

    fresh.control.set_many(source["changes"], "rest")
    fresh.wait_cleared("mix_source_cut", f"bus/{WEDGE}")
    assert peak_db(fresh.probe.record(0.3)[1]) > -30


def test_a_channel_routed_nowhere(fresh):
    fresh.set(ch__1__main=False)
    problem = fresh.wait_raised("not_routed", "ch/1")
    assert problem["fix_address"] == "ch/1/main"
    fresh.set(**{f"ch__1__send__{WEDGE}__level": 0.0})  # a wedge send is a route too
    fresh.wait_cleared("not_routed", "ch/1")


def test_a_channel_on_the_main_directly_and_through_a_group(fresh):
    fresh.set(**{f"ch__1__send__{GROUP}__on": True})
    problem = fresh.wait_raised("double_routed", "ch/1")
    assert problem["details"]["paths"] == ["direct", f"bus/{GROUP}"]
    # the audio agrees: the main carries the channel twice (+6 dB over the direct path alone)
    doubled = peak_db(fresh.probe.record(0.3)[0])
    fresh.set(ch__1__main=False)
    fresh.wait_cleared("double_routed", "ch/1")
    single = peak_db(fresh.probe.record(0.3)[0])
    assert doubled - single == pytest.approx(6.0, abs=0.5)


def test_a_group_that_reaches_no_output(fresh):
    fresh.set(**{f"ch__1__send__{GROUP}__on": True, f"bus__{GROUP}__main": False, "ch__1__main": False})
    problem = fresh.wait_raised("bus_not_reaching_output", f"bus/{GROUP}")
    assert problem["fix_address"] == f"bus/{GROUP}/main"
    assert peak_db(fresh.probe.record(0.3)[0]) < -90
    fresh.set(**{f"bus__{GROUP}__main": True})
    fresh.wait_cleared("bus_not_reaching_output", f"bus/{GROUP}")


def test_an_effect_that_returns_nowhere(fresh):
    fresh.set(**{f"ch__1__send__{REVERB}__level": -6.0, f"bus__{REVERB}__return__main__level": -90.0})
    problem = fresh.wait_raised("bus_not_reaching_output", f"bus/{REVERB}")
    assert problem["stage"] == "returns"
    fresh.set(**{f"bus__{REVERB}__return__main__level": -10.0})
    fresh.wait_cleared("bus_not_reaching_output", f"bus/{REVERB}")


def test_a_reverb_send_hotter_than_the_dry_signal(fresh):
    fresh.set(ch__1__fader=-6.0, **{f"ch__1__send__{REVERB}__level": 0.0, f"ch__1__send__{REVERB}__pre": True})
    problem = fresh.wait_raised("send_too_hot", "ch/1")
    assert problem["fix_address"] == f"ch/1/send/{REVERB}/level" and problem["details"]["wet_db"] > problem["details"]["dry_db"]
    fresh.set(**{f"ch__1__send__{REVERB}__level": -20.0})
    fresh.wait_cleared("send_too_hot", "ch/1")


def test_unconnected_output_ports(fresh):
    client = fresh.probe.client
    for dst in ("system:playback_1", "probe:in_1"):
        client.disconnect("mixerd:main_L", dst)
    problem = fresh.wait_raised("output_port_unconnected", "main")
    assert problem["details"]["ports"] == ["mixerd:main_L"]
    client.connect("mixerd:main_L", "system:playback_1")
    fresh.wait_cleared("output_port_unconnected", "main")

    # a fed wedge whose port leads nowhere
    fresh.set(**{f"ch__1__send__{WEDGE}__level": 0.0})
    for dst in ("system:playback_3", "probe:in_2"):
        client.disconnect(f"mixerd:bus_{WEDGE}", dst)
    assert fresh.wait_raised("output_port_unconnected", f"bus/{WEDGE}")["stage"] == "outputs"
    client.connect(f"mixerd:bus_{WEDGE}", "system:playback_3")
    fresh.wait_cleared("output_port_unconnected", f"bus/{WEDGE}")


def test_a_main_that_clips(fresh):
    fresh.probe.play(0, 1000.0, 0.5)  # -6 dBFS, +10 dB fader, centre pan -3 dB: +1 dBFS on the main
    fresh.set(ch__1__fader=10.0)
    problem = fresh.wait_raised("main_clipping", "main")
    assert problem["fix_address"] == "main/fader"
    assert peak_db(fresh.probe.record(0.3)[0]) > 0.5  # the main output really is over full scale
    fresh.set(ch__1__fader=0.0)
    fresh.wait_cleared("main_clipping", "main")


def test_a_stalled_client_raises_the_xruns_problem(fresh):
    """Real xruns, from a JACK client that stalls the cycle, reach the problem finder with their count. A
    busy machine has xruns of its own, so only the stall's arrival is asserted, never a quiet moment; how the
    problem fades after its window is test_monitor.py's, with a driven clock."""
    # The probe (a Python JACK client in this process, competing for the GIL) sits out; the stalling client
    # runs in its own process.
    fresh.probe.client.deactivate()
    watch = Diagnostics(fresh.control, raise_after=0.0, xrun_window=3600.0)  # looks only when told (check)
    slow = CycleStaller(fresh.server)
    xruns = lambda: fresh.control.health()["engine"]["xruns"]  # noqa: E731
    try:
        watch.check()  # the counter's start: what came before is no news
        before = xruns()
        slow.stall()
        wait_until(lambda: xruns() > before, 15, "JACK to count the stall's xrun")
        stalled = xruns() - before
        assert watch.check()
        problem = next(p for p in watch.problems()["problems"] if p["code"] == "xruns")
        assert problem["address"] == "audio" and problem["severity"] == "warning"
        assert problem["details"]["recent"] >= stalled >= 1
    finally:
        watch.stop()
        slow.close()
        fresh.probe.client.activate()
