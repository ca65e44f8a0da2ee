"""Every profile in hw_profiles/ loads and is self-consistent; the demo and the Scarlett are exactly as meant."""

from __future__ import annotations

import pytest

from mixerd.model.layout import BusLayout, Layout
from mixerd.profiles import BUILTIN_DIR, JackSettings, list_profiles, load_profile

SHIPPED = sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


def test_builtin_dir_has_the_shipped_profiles():
    assert set(SHIPPED) == {
        "demo", "generic-class-compliant", "focusrite-scarlett-18i20-gen3", "focusrite-scarlett-2i2-gen3",
        "behringer-umc1820", "behringer-umc404hd", "behringer-xr18", "presonus-studio-1824c", "motu-m4"}
    assert (BUILTIN_DIR / "README.md").is_file()


def test_list_profiles_lists_every_shipped_profile_without_errors():
    summaries = list_profiles()
    assert [s.id for s in summaries] == SHIPPED
    assert all(s.error is None and s.name and s.driver in ("dummy", "alsa") for s in summaries)


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_shipped_profile_is_consistent(profile_id):
    p = load_profile(profile_id)
    assert p.id == profile_id and p.path == BUILTIN_DIR / f"{profile_id}.toml"
    layout = p.layout(generators=3)
    assert layout.generators == 3
    assert layout.inputs == p.input_labels and all(label.strip() for label in layout.inputs)
    assert len(p.input_ports) == layout.n_inputs

    conns = p.output_connections()
    # One entry per core output channel, numbered as Layout.n_outputs defines them (the solo pair last,
    # only where the profile wires it).
    wired = layout.n_outputs if p.solo_outputs else layout.solo_output_offset
    assert sorted(conns) == list(range(wired))
    if p.solo_outputs:
        assert [conns[layout.solo_output_offset + i][0] for i in (0, 1)] == list(p.solo_outputs)
    assert conns[0] == [p.main_outputs[0]] and conns[1] == [p.main_outputs[1]]
    for number, bus in enumerate(p.buses, start=1):
        assert len(bus.outputs) == layout.buses[number - 1].width
        offset = layout.bus_output_offset(number)
        assert [conns[offset + i][0] for i in range(len(bus.outputs))] == list(bus.outputs)

    used = [port for ports in conns.values() for port in ports]
    assert len(used) == len(set(used)), "an output port carries two signals"
    declared = {o.port for o in p.outputs}
    assert set(used) <= declared
    assert set(p.unused_outputs) == declared - set(used)
    connected_inputs = [port for port in p.input_ports if port]
    assert len(connected_inputs) == len(set(connected_inputs))
    declared_list = [o.port for o in p.outputs]
    assert len(declared_list) == len(declared)

    argv = p.jack.driver_argv()
    assert argv[:2] == ["-d", p.jack.driver] and str(p.jack.rate) in argv


def test_demo_profile_exact():
    p = load_profile("demo")
    assert p.jack == JackSettings(driver="dummy", rate=48000, period=64, periods=2, capture=8, playback=10)
    assert p.jack.driver_argv() == ["-d", "dummy", "-r", "48000", "-p", "64", "-C", "8", "-P", "10", "-w", "1333"]
    assert p.layout(4) == Layout(
        inputs=("Kick", "Snare", "Bass", "Guitar", "Keys L", "Keys R", "Vocal 1", "Vocal 2"),
        buses=(
            BusLayout("Drummer", stereo=False, kind="aux"),
            BusLayout("Bass", stereo=False, kind="aux"),
            BusLayout("Vocals", stereo=False, kind="aux"),
            BusLayout("Keys IEM", stereo=True, kind="aux"),
        ),
        generators=4,
    )
    assert p.input_ports == tuple(f"system:capture_{n}" for n in range(1, 9))
    # main, the mixes, then the solo bus (core outputs 7 and 8 after the four mixes) on the phones
    assert p.output_connections() == {**{n: [f"system:playback_{n + 1}"] for n in range(7)},
                                      7: ["system:playback_9"], 8: ["system:playback_10"]}
    assert p.solo_outputs == ("system:playback_9", "system:playback_10")
    assert p.unused_outputs == ("system:playback_8",)
    assert p.match.empty  # never auto-detected


def test_scarlett_18i20_gen3():
    p = load_profile("focusrite-scarlett-18i20-gen3")
    jack = p.jack
    assert (jack.driver, jack.device, jack.rate, jack.period, jack.periods) == ("alsa", "hw:USB", 48000, 128, 2)
    assert p.jack.driver_argv() == ["-d", "alsa", "-d", "hw:USB", "-r", "48000", "-p", "128", "-n", "2"]
    assert p.match.usb_ids == ("1235:8215",)
    assert "Scarlett 18i20 USB" in p.match.alsa_cards

    # 8 analogue, 2 S/PDIF, 8 ADAT; USB capture 9-10 (loopback) is not a mixer input.
    assert p.input_labels == (*(f"Input {n}" for n in range(1, 9)), "S/PDIF L", "S/PDIF R",
                              *(f"ADAT {n}" for n in range(1, 9)))
    assert p.input_ports == (*(f"system:capture_{n}" for n in range(1, 9)),
                             *(f"system:capture_{n}" for n in range(11, 21)))
    assert [o.port for o in p.outputs] == [f"system:playback_{n}" for n in range(1, 21)]
    assert p.output_label("system:playback_7") == "Line 7 / Phones 1 L"

    layout = p.layout()
    assert [(b.name, b.stereo) for b in layout.buses] == [
        ("Mix 1", True), ("Mix 2", True), ("Phones 1", True), ("Phones 2", True)]
    assert p.output_connections() == {n: [f"system:playback_{n + 1}"] for n in range(10)}
