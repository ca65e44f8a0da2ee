"""Loading profiles: the valid small profile, lookup by id and path, and every error with its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixerd.model.layout import BusLayout, Layout
from mixerd.profiles import BUILTIN_DIR, ProfileError, list_profiles, load_profile


def load_error(write_profile, data, name=None) -> str:
    path = write_profile(data, name)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: "), msg  # every message names the file
    return msg


# ---- a valid profile ----

def test_small_profile_loads(write_profile, small):
    p = load_profile(write_profile(small))
    assert (p.id, p.name, p.vendor) == ("small", "Small test interface", "Test")
    assert p.input_ports == ("system:capture_1", "system:capture_2", None)  # "" = nothing connected
    assert p.layout(generators=2) == Layout(
        inputs=("Vox", "Gtr", "Spare"),
        buses=(BusLayout("Wedge"), BusLayout("IEM", stereo=True)),
        generators=2,
    )
    assert p.output_connections() == {
        0: ["system:playback_1"], 1: ["system:playback_2"], 2: ["system:playback_3"],
        3: ["system:playback_4"], 4: ["system:playback_5"],
    }
    assert p.unused_outputs == ("system:playback_6",)
    assert p.match.alsa_cards == ("Small",) and p.match.usb_ids == ("abcd:0001",)


def test_optional_tables_and_keys_have_defaults(write_profile, small):
    del small["match"], small["bus"], small["profile"]["vendor"]
    del small["jack"]["rate"], small["jack"]["period"]
    p = load_profile(write_profile(small))
    assert p.buses == () and p.match.empty and p.vendor == ""
    assert (p.jack.rate, p.jack.period, p.jack.periods, p.jack.extra_args) == (48000, 256, 2, ())
    assert p.output_connections() == {0: ["system:playback_1"], 1: ["system:playback_2"]}


def test_alsa_profile(write_profile, small):
    small["jack"] = {"driver": "alsa", "device": "hw:Small", "period": 128, "periods": 3,
                     "extra_args": ["--hwmon"]}
    p = load_profile(write_profile(small))
    assert (p.jack.capture, p.jack.playback) == (0, 0)  # all the device has
    assert p.jack.driver_argv() == ["-d", "alsa", "-d", "hw:Small", "-r", "48000", "-p", "128", "-n", "3", "--hwmon"]
    assert p.jack.latency_ms == pytest.approx(8.0)


def test_usb_ids_are_normalised_to_lower_case(write_profile, small):
    small["match"]["usb_ids"] = ["ABCD:00EF"]
    assert load_profile(write_profile(small)).match.usb_ids == ("abcd:00ef",)


# ---- lookup ----

def test_load_by_id_prefers_search_dirs_over_builtin(tmp_path, write_profile, small):
    small["profile"]["id"] = "demo"
    small["profile"]["name"] = "My demo"
    write_profile(small, directory=tmp_path / "mine")
    assert load_profile("demo", [tmp_path / "mine"]).name == "My demo"
    assert load_profile("demo").path == BUILTIN_DIR / "demo.toml"


def test_load_by_id_from_a_search_dir(tmp_path, write_profile, small):
    write_profile(small, directory=tmp_path / "profiles")
    assert load_profile("small", [str(tmp_path / "profiles")]).path == tmp_path / "profiles" / "small.toml"


def test_load_by_path_string(write_profile, small):
    path = write_profile(small)
    assert load_profile(str(path)).id == "small"


def test_unknown_id_suggests_and_lists(tmp_path):
    with pytest.raises(ProfileError) as info:
        load_profile("dmeo", [tmp_path / "missing"])
    msg = str(info.value)
    assert 'no hardware profile "dmeo"; did you mean "demo"?' in msg
    assert "demo, focusrite-scarlett-18i20-gen3" in msg and msg.count("available: ") == 1
    assert f"{tmp_path / 'missing'} (missing)" in msg


def test_list_profiles_reports_broken_files_and_shadowing(tmp_path, write_profile, small):
    write_profile(small, directory=tmp_path)
    (tmp_path / "broken.toml").write_text("[profile\n")
    small["profile"]["id"] = "demo"
    write_profile(small, directory=tmp_path)
    by_id = {s.id: s for s in list_profiles([tmp_path])}
    assert by_id["small"].error is None and by_id["small"].driver == "dummy"
    assert by_id["demo"].path == tmp_path / "demo.toml"  # hides the built-in demo
    assert "not valid TOML" in by_id["broken"].error
    assert "focusrite-scarlett-18i20-gen3" in by_id


def test_list_profiles_ignores_missing_dirs(tmp_path):
    assert [s.id for s in list_profiles([tmp_path / "nope"])] == [s.id for s in list_profiles()]


# ---- errors ----

def test_invalid_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[jack\n")
    with pytest.raises(ProfileError, match=r"bad\.toml: not valid TOML"):
        load_profile(path)


def test_missing_file(tmp_path):
    with pytest.raises(ProfileError, match="file not found"):
        load_profile(tmp_path / "nope.toml")


@pytest.mark.parametrize(("table", "written"), [("jack", "[jack]"), ("input", "[[input]]"), ("main", "[main]")])
def test_missing_required_table(write_profile, small, table, written):
    del small[table]
    assert f"missing required table {written}" in load_error(write_profile, small)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["input"][1].pop("label"), '[[input]] 2: missing required key label'),
        (lambda d: d["output"][0].pop("port"), "[[output]] 1: missing required key port"),
        (lambda d: d["profile"].pop("name"), "[profile]: missing required key name"),
        (lambda d: d["jack"].pop("driver"), '[jack]: missing required key driver ("dummy" or "alsa")'),
        (lambda d: d["bus"][0].pop("outputs"), '[[bus]] 1 ("Wedge"): missing required key outputs'),
        (lambda d: d["main"].pop("outputs"), "[main]: missing required key outputs"),
        (lambda d: d["jack"].pop("capture"), "[jack]: missing required key capture"),
    ],
)
def test_missing_required_key(write_profile, small, edit, expected):
    edit(small)
    assert expected in load_error(write_profile, small)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d.update(inputs=d.pop("input")), "unknown table [inputs]; did you mean [input]?"),
        (lambda d: d["bus"][1].update(stero=True), "unknown key stero in [[bus]] 2; did you mean stereo?"),
        (lambda d: d["jack"].update(buffer=64), "unknown key buffer in [jack]"),
        (lambda d: d["jack"].update(perod=64), "did you mean period?"),
        (lambda d: d["match"].update(usb_id=["abcd:0002"]), "unknown key usb_id in [match]; did you mean usb_ids?"),
    ],
)
def test_unknown_names_suggest(write_profile, small, edit, expected):
    edit(small)
    assert expected in load_error(write_profile, small)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["bus"][0].update(stereo="yes"),
         '[[bus]] 1 ("Wedge"): stereo = "yes" is a string but must be a boolean (true or false)'),
        (lambda d: d["jack"].update(rate="48000"), '[jack]: rate = "48000" is a string but must be an integer'),
        (lambda d: d["main"].update(outputs="system:playback_1"),
         '[main]: outputs = "system:playback_1" is a string but must be an array'),
        (lambda d: d["match"].update(alsa_cards=[1]), "[match]: alsa_cards[0] = 1 is an integer but must be a string"),
        (lambda d: d["input"][0].update(port=1), "[[input]] 1: port = 1 is an integer but must be a string"),
        (lambda d: d.update(input={"port": "system:capture_1", "label": "x"}),
         "input must be an array of tables: write [[input]] (double brackets)"),
    ],
)
def test_wrong_types(write_profile, small, edit, expected):
    edit(small)
    assert expected in load_error(write_profile, small)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["jack"].update(driver="jack"),
         '[jack]: driver = "jack" is not supported; choose "dummy" or "alsa"'),
        (lambda d: d["jack"].update(driver="alas"), 'did you mean "alsa"?'),
        (lambda d: d["jack"].update(driver="alsa", capture=0, playback=0),
         '[jack]: missing required key device (the ALSA device, e.g. "hw:USB"'),
        (lambda d: d["jack"].update(device="hw:0"), '[jack]: device = "hw:0" only applies to driver = "alsa"'),
        (lambda d: d["jack"].update(rate=44000), "[jack]: rate = 44000 is not a standard sample rate; allowed: 22050"),
        (lambda d: d["jack"].update(period=100), "[jack]: period = 100 is not a power of two"),
        (lambda d: d["jack"].update(period=8192), "[jack]: period = 8192 is out of range; allowed: 16 to 4096 frames"),
        (lambda d: d["jack"].update(periods=1), "[jack]: periods = 1 is out of range; allowed: 2 to 16"),
        (lambda d: d["jack"].update(capture=0), "[jack]: capture = 0 is out of range; allowed: 1 to 256 channels"),
        (lambda d: d["match"].update(usb_ids=["1235-8215"]),
         '[match]: usb_ids has "1235-8215"; write a USB id as "vvvv:pppp"'),
        (lambda d: d["profile"].update(id="Small Box"), '[profile]: id = "Small Box" is not a valid id'),
        (lambda d: d["bus"][0].update(kind="monitor"),
         '[[bus]] 1 ("Wedge"): kind = "monitor" is not a bus kind; allowed: "aux", "fx", "group"'),
        (lambda d: d["input"][0].update(port="capture_1"),
         '[[input]] 1: port = "capture_1" is not a JACK port name; write client:port'),
        (lambda d: d["input"][0].update(label=""), "[[input]] 1: label is empty"),
        (lambda d: d.update(input=[]), "[[input]]: a profile needs at least one input"),
    ],
)
def test_bad_values(write_profile, small, edit, expected):
    edit(small)
    assert expected in load_error(write_profile, small)


def test_id_must_match_file_name(write_profile, small):
    msg = load_error(write_profile, small, name="other")
    assert '[profile]: id = "small" does not match the file name other.toml' in msg
    assert 'rename the file to small.toml or set id = "other"' in msg


def test_mono_bus_with_two_outputs(write_profile, small):
    small["bus"][0]["outputs"] = ["system:playback_3", "system:playback_6"]
    msg = load_error(write_profile, small)
    assert ('[[bus]] 1 ("Wedge"): outputs = ["system:playback_3", "system:playback_6"] has 2 port(s) '
            "but the bus is mono") in msg
    assert "set stereo = true for a stereo bus" in msg


def test_stereo_bus_with_one_output(write_profile, small):
    small["bus"][1]["outputs"] = ["system:playback_4"]
    msg = load_error(write_profile, small)
    assert '[[bus]] 2 ("IEM"): outputs = ["system:playback_4"] has 1 port(s) but the bus is stereo' in msg
    assert "a stereo bus needs 2 ports (L, R), a mono bus 1" in msg


def test_main_needs_two_outputs(write_profile, small):
    small["main"]["outputs"] = ["system:playback_1"]
    assert "[main]: outputs = [\"system:playback_1\"] has 1 port(s); main is stereo and needs exactly 2" in \
        load_error(write_profile, small)


def test_undeclared_output_suggests(write_profile, small):
    small["bus"][0]["outputs"] = ["system:playbak_3"]
    msg = load_error(write_profile, small)
    assert '[[bus]] 1 ("Wedge"): output "system:playbak_3" is not declared in [[output]]' in msg
    assert 'did you mean "system:playback_3"?' in msg


def test_undeclared_main_output(write_profile, small):
    small["main"]["outputs"] = ["system:playback_1", "system:playback_9"]
    assert '[main]: output "system:playback_9" is not declared in [[output]]' in load_error(write_profile, small)


def test_output_used_by_main_and_a_bus(write_profile, small):
    small["bus"][0]["outputs"] = ["system:playback_2"]
    msg = load_error(write_profile, small)
    assert '[[bus]] 1 ("Wedge"): output "system:playback_2" is already fed by [main]' in msg
    assert "each output can carry one signal" in msg


def test_output_used_by_two_buses(write_profile, small):
    small["bus"][1]["outputs"] = ["system:playback_3", "system:playback_6"]
    assert '[[bus]] 2 ("IEM"): output "system:playback_3" is already fed by [[bus]] 1 ("Wedge")' in \
        load_error(write_profile, small)


def test_duplicate_input_port(write_profile, small):
    small["input"][1]["port"] = "system:capture_1"
    msg = load_error(write_profile, small)
    assert '[[input]] 2: port "system:capture_1" is already input 1 ("Vox")' in msg


def test_several_unconnected_inputs_are_fine(write_profile, small):
    small["input"][1]["port"] = ""
    assert load_profile(write_profile(small)).input_ports == ("system:capture_1", None, None)


def test_duplicate_output_declaration(write_profile, small):
    small["output"][5]["port"] = "system:playback_1"
    assert '[[output]] 6: port "system:playback_1" is already output 1 ("Out 1")' in load_error(write_profile, small)


def test_system_port_beyond_channel_count(write_profile, small):
    small["input"][1]["port"] = "system:capture_5"
    msg = load_error(write_profile, small)
    assert ('[[input]] "Gtr": port "system:capture_5" does not exist: '
            "[jack] capture = 4 makes capture_1 to capture_4") in msg


def test_a_path_object_is_always_a_path(tmp_path):
    # A Path is always a path, even without ".toml".
    with pytest.raises(ProfileError, match="file not found"):
        load_profile(Path(tmp_path / "demo"))


def test_a_group_bus_has_no_outputs_of_its_own(write_profile, small):
    small["bus"].append({"name": "Drums", "stereo": True, "kind": "group"})
    p = load_profile(write_profile(small))
    assert p.buses[-1].outputs == () and p.layout().buses[-1].is_group
    assert sorted(p.output_connections()) == list(range(2 + 1 + 2))  # main, the wedge, the IEM: no group port
    small["bus"][-1]["outputs"] = ["system:playback_6"]
    with pytest.raises(ProfileError) as info:
        load_profile(write_profile(small))
    assert "a group bus has no outputs of its own (it feeds the main); remove outputs" in str(info.value)
