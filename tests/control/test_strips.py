"""A channel's settings as a document, and landing it on a channel of another mixer (mixerd.control.strips)."""

import pytest

from mixerd.control import Control
from mixerd.control.strips import channel_changes, channel_document
from mixerd.model.errors import ParamError
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

BIG = ParamTree.from_layout(Layout.simple(8, 4))
SMALL = ParamTree.from_layout(Layout.simple(4, 2))


@pytest.fixture
def values():
    control = Control(BIG)
    control.set_many({"ch/3/name": "Snare", "ch/3/eq/2/gain": 4.5, "ch/3/fader": -3.0, "ch/3/solo": True,
                      "ch/3/send/4/level": -10.0, "ch/3/dca/2": True, "ch/2/fader": -20.0}, "rest")
    return control.state()[1]


def test_the_document_holds_the_strip_below_the_channel_without_monitoring_or_routing(values):
    document = channel_document(BIG, values, 3)
    assert document["mixerd_channel"] == 1 and document["name"] == "Snare"
    own = document["values"]
    assert own["name"] == "Snare" and own["eq/2/gain"] == 4.5 and own["fader"] == -3.0
    assert "solo" not in own and "talk" not in own  # monitoring, as a scene leaves it out
    assert not any(k.startswith(("send/", "dca/", "mutegroup/")) for k in own)
    routed = channel_document(BIG, values, 3, routing=True)["values"]
    assert routed["send/4/level"] == -10.0 and routed["dca/2"] is True


def test_it_lands_on_any_channel_and_what_does_not_fit_is_skipped(values):
    document = channel_document(BIG, values, 3, routing=True)
    changes, skipped = channel_changes(SMALL, document, 4)
    assert changes["ch/4/name"] == "Snare" and changes["ch/4/eq/2/gain"] == 4.5
    assert all(a.startswith("ch/4/") for a in changes)
    # The small mixer has 2 mixes: the sends to mixes 3 and 4 do not fit it.
    assert {s["address"] for s in skipped} >= {"ch/4/send/4/level", "ch/4/send/3/on"}
    assert all(s["code"] == "unknown_address" for s in skipped)
    control = Control(SMALL)
    control.set_many(changes, "mqtt")
    assert control.state()[1]["ch/4/fader"] == -3.0


def test_an_invalid_value_is_skipped_with_its_reason():
    changes, skipped = channel_changes(SMALL, {"mixerd_channel": 1, "values": {"fader": 99, "pan": 10,
                                                                                "solo": True}}, 1)
    assert changes == {"ch/1/pan": 10.0}
    assert {s["address"]: s["code"] for s in skipped} == {"ch/1/fader": "out_of_range", "ch/1/solo": "unknown_address"}


@pytest.mark.parametrize("document, channel, code", [
    ({"mixerd_channel": 1, "values": {"fader": 0}}, 9, "not_found"),
    ({"mixerd_channel": 1, "values": {"fader": 0}}, True, "not_found"),
    ({"mixerd_channel": 1, "values": {"fader": 0}}, "1", "not_found"),
    ({"mixerd_channel": 2, "values": {"fader": 0}}, 1, "invalid_value"),
    ({"mixerd_channel": True, "values": {"fader": 0}}, 1, "invalid_value"),
    ({"mixerd_channel": 1, "values": {}}, 1, "invalid_value"),
    ({"mixerd_channel": 1, "values": [1]}, 1, "invalid_value"),
    ({"mixerd_channel": 1, "values": {"nope": 1}}, 1, "invalid_value"),
    ([], 1, "invalid_value"),
])
def test_a_document_that_is_none_or_fits_nothing_is_refused(document, channel, code):
    with pytest.raises(ParamError) as e:
        channel_changes(SMALL, document, channel)
    assert e.value.code == code and e.value.allowed


def test_a_channel_this_mixer_has_not_is_refused_when_written(values):
    with pytest.raises(ParamError) as e:
        channel_document(BIG, values, 9)
    assert e.value.code == "not_found" and "1…8" in e.value.message
