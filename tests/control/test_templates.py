"""Templates: keep a session's layout and start a new session from it."""

import pytest

from mixerd.control import Control
from mixerd.control.templates import Templates, layout_values
from mixerd.model.errors import ParamError
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree
from mixerd.store import Store

LAYOUT = Layout.simple(2, 2, fx=("reverb",))


@pytest.fixture
def templates(tmp_path):
    control = Control(ParamTree.from_layout(LAYOUT))
    control.store = Store.open(tmp_path)
    yield Templates(control)
    control.store.close()


def test_a_template_keeps_the_layout_not_the_levels(templates):
    c = templates.control
    c.set_many({"ch/1/name": "Kick", "ch/1/color": "#ff0000", "ch/1/fader": -12.0, "ch/2/dca/3": True,
                "ch/1/send/2/pre": False, "bus/1/name": "Drums", "dca/3/name": "Band", "ch/1/eq/2/gain": 5.0},
               "rest")
    templates.save("Sunday")
    kept = templates.get("Sunday")["values"]
    assert kept["ch/1/name"] == "Kick" and kept["ch/1/color"] == "#ff0000" and kept["ch/2/dca/3"] is True
    assert kept["ch/1/send/2/pre"] is False and kept["bus/1/name"] == "Drums" and kept["dca/3/name"] == "Band"
    assert "ch/1/fader" not in kept and "ch/1/eq/2/gain" not in kept
    assert templates.list() == [{"name": "Sunday", "saved": pytest.approx(templates.get("Sunday")["saved"]),
                                 "addresses": len(kept)}]


def test_starting_from_a_template_resets_everything_else(templates):
    c = templates.control
    c.set_many({"ch/1/name": "Kick", "ch/1/fader": -12.0}, "rest")
    templates.save("Band")
    c.set_many({"ch/1/name": "Vox", "ch/2/fader": 5.0, "ch/2/mute": True}, "rest")
    events = templates.apply("Band")
    _, v = c.state()
    assert v["ch/1/name"] == "Kick" and v["ch/1/fader"] == 0.0 and v["ch/2/fader"] == 0.0 and v["ch/2/mute"] is False
    assert {e.address for e in events} == {"ch/1/name", "ch/1/fader", "ch/2/fader", "ch/2/mute"}


def test_templates_survive_a_restart(tmp_path, templates):
    templates.save("Keep")
    templates.control.store.close()
    again = Control(ParamTree.from_layout(LAYOUT))
    again.store = Store.open(tmp_path)
    assert [t["name"] for t in Templates(again).list()] == ["Keep"]
    again.store.close()
    templates.control.store = Store.open(tmp_path)  # for the fixture's teardown


def test_unknown_and_bad_names(templates):
    with pytest.raises(ParamError) as err:
        templates.get("nope")
    assert err.value.code == "not_found"
    with pytest.raises(ParamError) as err:
        templates.save("a/b")
    assert err.value.code == "invalid_value"
    with pytest.raises(ParamError):
        templates.delete("nope")


def test_layout_values_patterns():
    values = ParamTree.from_layout(LAYOUT).defaults()
    kept = layout_values(values)
    assert all(a.endswith(("/name", "/color", "/main", "/order", "/on", "/pre", "/me", "/type", "/target"))
               or "/dca/" in a or "/mutegroup/" in a or a.startswith("talkback/") for a in kept)
    assert "bus/3/fx/type" in kept and "gen/1/target" in kept and "ch/1/send/1/level" not in kept
    # the talkback's wiring is layout (the mic, whom each button talks to, its name); talking, its level, a mix's
    # graphic EQ and delay are not
    assert {"talkback/source", "talkback/1/to/2", "talkback/2/to/main", "talkback/1/name"} <= set(kept)
    assert not {"talkback/1/on", "talkback/level", "bus/1/geq/18/gain", "bus/1/delay", "ch/1/talk"} & set(kept)
