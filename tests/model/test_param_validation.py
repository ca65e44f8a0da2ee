"""Validation: every error code, its structure and a message that names value, rule and fix."""

import math

import pytest

from mixerd.model import CODES, KINDS, BatchError, Layout, MixerError, ParamError, ParamTree
from mixerd.model.params import SUGGESTIONS_PER_BATCH


@pytest.fixture(scope="module")
def tree():
    return ParamTree.from_layout(Layout.simple(8, 2, stereo_buses=1, generators=2))


def reject(tree, address, value):
    with pytest.raises(ParamError) as info:
        tree.validate(address, value)
    return info.value


# -- numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, stored", [(-6, -6.0), (-6.5, -6.5), (10, 10.0), (-90, -90.0), (-0.0, 0.0)])
def test_numbers_accept_int_and_float_and_store_float(tree, value, stored):
    result = tree.validate("ch/1/fader", value)
    assert result == stored and type(result) is float
    assert math.copysign(1, result) == math.copysign(1, stored)


def test_out_of_range_names_value_rule_and_fix(tree):
    e = reject(tree, "ch/3/fader", 20)
    assert e.code == "out_of_range"
    assert e.address == "ch/3/fader"
    assert e.message.startswith("ch/3/fader: 20 is out of range; allowed -90…+10 dB (-90 = closed)")
    assert "nearest allowed value is +10" in e.message
    assert e.allowed == "-90…+10 dB (-90 = closed)"
    assert e.to_dict() == {"code": "out_of_range", "message": e.message, "address": "ch/3/fader",
                           "allowed": "-90…+10 dB (-90 = closed)"}


@pytest.mark.parametrize("address, value", [
    ("ch/1/fader", -90.01), ("ch/1/trim", 24.5), ("ch/1/trim", -25), ("ch/1/pan", 101),
    ("ch/1/send/1/level", 11), ("gen/1/freq", 19.9), ("gen/1/freq", 20001), ("gen/1/level", 0.1),
    ("gen/1/mod", -1), ("gen/1/mod", 21), ("main/fader", 10 ** 400),
])
def test_out_of_range(tree, address, value):
    assert reject(tree, address, value).code == "out_of_range"


def test_huge_number_is_shortened_in_the_message(tree):
    e = reject(tree, "main/fader", 10 ** 400)
    assert len(e.message) < 200


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_invalid(tree, value):
    e = reject(tree, "ch/1/fader", value)
    assert e.code == "invalid_value"
    assert "not a finite number" in e.message


@pytest.mark.parametrize("value, phrase", [
    (True, "true is a bool"), ("-6", '"-6" is a string'), (None, "null is not a value"),
    ([1], "[1] is a list"), ({"v": 1}, '{"v": 1} is an object'),
])
def test_numbers_reject_other_types(tree, value, phrase):
    e = reject(tree, "ch/1/fader", value)
    assert e.code == "wrong_type"
    assert phrase in e.message
    assert "expected a number" in e.message


# -- bools -----------------------------------------------------------------------------------------

def test_bools_accept_only_json_bools(tree):
    assert tree.validate("ch/1/mute", True) is True
    assert tree.validate("ch/1/send/2/pre", False) is False
    for value in (1, 0, "true", "on", None):
        e = reject(tree, "ch/1/mute", value)
        assert e.code == "wrong_type"
        assert e.allowed == "true or false"
        assert "expected true or false" in e.message


# -- strings ---------------------------------------------------------------------------------------

def test_names_are_stripped(tree):
    assert tree.validate("ch/1/name", "  Lead vocal ") == "Lead vocal"
    assert tree.validate("bus/1/name", "Ärger → IEM") == "Ärger → IEM"
    assert tree.validate("ch/1/name", "x" * 32) == "x" * 32


@pytest.mark.parametrize("value, words", [
    ("", "empty"), ("   ", "empty"), ("x" * 33, "33 characters long"),
    ("tab\there", "contains U+0009 at character 4, a control character"),
])
def test_bad_names(tree, value, words):
    e = reject(tree, "ch/1/name", value)
    assert e.code == "invalid_value"
    assert words in e.message
    assert e.allowed == ("1–32 characters of text (emoji welcome; no control, bidirectional or invisible format "
                         "characters)")


@pytest.mark.parametrize("address", ["ch/1/name", "bus/2/name", "dca/1/name", "mutegroup/1/name"])
def test_every_name_parameter_follows_the_text_rule(tree, address):
    assert tree.validate(address, "👩\u200d🎤 Vox") == "👩\u200d🎤 Vox"
    e = reject(tree, address, "Vox\u202e")
    assert e.code == "invalid_value"
    assert e.message.startswith(f'{address}: "Vox\\u202e" contains U+202E (RIGHT-TO-LEFT OVERRIDE)')
    assert "\u202e" not in e.message  # quoted escaped: the message itself is not reordered


def test_name_must_be_a_string(tree):
    assert reject(tree, "ch/1/name", 5).code == "wrong_type"


def test_colours(tree):
    assert tree.validate("ch/1/color", "#FF8800") == "#ff8800"
    assert tree.validate("bus/1/color", " #00aa11 ") == "#00aa11"
    for bad in ("#fff", "ff8800", "#gg0000", "#ff88001", "red"):
        e = reject(tree, "ch/1/color", bad)
        assert e.code == "invalid_value"
        assert "#rrggbb" in e.message


def test_generator_target(tree):
    assert tree.validate("gen/1/target", "none") == "none"
    assert tree.validate("gen/1/target", "ch/8") == "ch/8"
    assert tree.validate("gen/1/target", "bus/2") == "bus/2"
    for bad in ("ch/9", "bus/3", "bus/9"):
        e = reject(tree, "gen/1/target", bad)
        assert e.code == "invalid_value"
        assert e.allowed == '"none", "ch/1"…"ch/8" or "bus/1"…"bus/2"'
        assert f'"{bad}" is not an allowed value' in e.message


# -- addresses -------------------------------------------------------------------------------------

def test_unknown_address_suggests_the_nearest(tree):
    e = reject(tree, "ch/1/fadr", 0)
    assert e.code == "unknown_address"
    assert e.address == "ch/1/fadr"
    assert "did you mean 'ch/1/fader'" in e.message
    assert e.allowed == ("ch/1/{name|color|trim|polarity|hpf/…|eq/…|gate/…|dyn/…|order|fader|pan|mute|main"
                         "|solo|talk|send/…|dca/…|mutegroup/…}")


def test_unknown_address_case_and_slashes(tree):
    assert "did you mean 'ch/1/fader'" in reject(tree, "CH/1/Fader", 0).message
    assert "did you mean 'main/mute'" in reject(tree, "/main/mute/", 0).message


def test_channel_out_of_layout_hints_the_range(tree):
    e = reject(tree, "ch/99/fader", 0)
    assert e.code == "unknown_address"
    assert e.allowed == "ch/{1…8}/…"


def test_a_group_is_not_a_parameter(tree):
    e = reject(tree, "ch/3", 0)
    assert e.code == "unknown_address"
    assert "group of parameters" in e.message
    assert e.allowed.startswith("ch/3/{name|")


def test_send_pan_on_a_mono_bus_is_unknown(tree):
    e = reject(tree, "ch/1/send/1/pan", 0)
    assert e.code == "unknown_address"
    assert e.allowed == "ch/1/send/1/{level|pre|on|me}"
    assert "ch/1/send/2/pan" in e.message  # the stereo bus's send pan is suggested


def test_nonsense_address_lists_families(tree):
    e = reject(tree, "zzzzzz", 0)
    assert e.allowed == "{ch/…|bus/…|main/…|solo/…|talkback/…|feedback/…|dca/…|mutegroup/…|gen/…}"
    assert "look like" in e.message


def test_non_string_address(tree):
    e = reject(tree, None, 0)
    assert e.code == "unknown_address"
    assert e.address is None


# -- batches and the error type --------------------------------------------------------------------

def test_validate_many_returns_coerced_changes(tree):
    assert tree.validate_many({"ch/1/fader": -6, "ch/1/mute": True}) == {"ch/1/fader": -6.0, "ch/1/mute": True}


def test_batch_error_names_every_bad_address(tree):
    with pytest.raises(BatchError) as info:
        tree.validate_many({"ch/1/fader": -6, "ch/1/fadr": 1, "ch/2/mute": 1, "ch/3/pan": 500})
    e = info.value
    assert isinstance(e, ParamError)
    assert [x.address for x in e.errors] == ["ch/1/fadr", "ch/2/mute", "ch/3/pan"]
    assert [x.code for x in e.errors] == ["unknown_address", "wrong_type", "out_of_range"]
    assert (e.code, e.address) == ("unknown_address", "ch/1/fadr")
    assert e.message.startswith("3 of 4 changes rejected, nothing was applied")
    assert [d["address"] for d in e.to_dict()["errors"]] == ["ch/1/fadr", "ch/2/mute", "ch/3/pan"]


def test_a_batch_larger_than_the_tree_is_refused_before_any_lookup(tree, monkeypatch):
    looked_up = []
    monkeypatch.setattr(tree, "suggest", looked_up.append)
    with pytest.raises(ParamError) as info:
        tree.validate_many({f"nope/{i}": 0 for i in range(len(tree) + 1)})
    e = info.value
    assert not isinstance(e, BatchError) and e.code == "too_many_changes"
    assert f"a batch of {len(tree) + 1} changes is too large" in e.message
    assert e.allowed == f"at most {len(tree)} changes (every parameter of this mixer once)"
    assert looked_up == []
    # The whole tree at once is a batch (a template, a full state PATCH).
    assert len(tree.validate_many(tree.defaults())) == len(tree) == tree.max_batch


def test_only_the_first_unknown_addresses_of_a_batch_get_a_suggestion(tree, monkeypatch):
    searched = []
    real = tree.suggest
    monkeypatch.setattr(tree, "suggest", lambda address: searched.append(address) or real(address))
    with pytest.raises(BatchError) as info:
        tree.validate_many({"ch/1/fader": 0, **{f"ch/1/fadr{i}": 0 for i in range(len(tree) - 1)}})
    e = info.value
    assert len(e.errors) == len(tree) - 1
    assert searched == [f"ch/1/fadr{i}" for i in range(SUGGESTIONS_PER_BATCH)]
    assert ["did you mean 'ch/1/fader'" in x.message for x in e.errors[:SUGGESTIONS_PER_BATCH + 1]] == \
        [True] * SUGGESTIONS_PER_BATCH + [False]
    assert e.errors[-1].message == ('"ch/1/fadr%d" is not a parameter address; addresses here look like %s'
                                    % (len(tree) - 2, e.errors[-1].allowed))
    # The message quotes the first few; the list has every one.
    assert e.message.endswith(f"and {len(tree) - 1 - BatchError.QUOTED} more (each is in the list of errors)")


@pytest.mark.parametrize("address, suggestion", [
    ("ch/31/send/15/levl", "ch/31/send/15/level"), ("ch/40/fader", "ch/32/fader"), ("ch/1/eq/gain", "ch/1/eq/1/gain"),
    ("CH/7/MUTE", "ch/7/mute"), ("bus/16/balanse", "bus/16/balance"), ("ch/vocal/fader", "ch/1/fader"),
    ("ch/3/sends/2/level", "ch/3/send/2/level"),
])
def test_suggestions_in_a_large_mixer(address, suggestion):
    big = ParamTree.from_layout(Layout.simple(32, 16, stereo_buses=16, generators=2))
    assert big.suggest(address) == suggestion


def test_nothing_is_searched_for_a_string_longer_than_any_address(tree):
    assert tree.suggest("ch/1/fader" + "x" * 200) is None


def test_error_codes_are_closed():
    assert ParamError.family == {"unknown_address", "wrong_type", "out_of_range", "invalid_value", "not_found",
                                 "too_many_changes", "nothing_to_undo", "nothing_to_redo", "unknown_step"}
    assert all(code.kind in KINDS for code in CODES.values())
    with pytest.raises(ValueError):
        ParamError("oops", "message")
    with pytest.raises(ValueError):  # a known code of another family
        ParamError("busy", "message")
    assert isinstance(ParamError("wrong_type", "m"), MixerError)
