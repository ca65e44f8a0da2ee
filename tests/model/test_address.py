"""Addresses taken apart and address patterns matched: the one definition every matcher uses."""

from __future__ import annotations

import pytest

from mixerd.control.access import MIX_RULES, Principal, may_write
from mixerd.control.templates import layout_values
from mixerd.model import Layout, MixerError, ParamTree
from mixerd.model.address import AddressPattern, PatternSet, number_of, owner_of, parameter_of


def test_an_address_is_an_owner_and_a_parameter():
    assert owner_of("ch/3/eq/2/gain") == "ch/3" and parameter_of("ch/3/eq/2/gain") == ["eq", "2", "gain"]
    assert owner_of("main/fader") == "main" and parameter_of("main/fader") == ["fader"]
    assert owner_of("mutegroup/2/on") == "mutegroup/2" and owner_of("solo/mode") == "solo"
    assert number_of("bus/12") == 12


def test_a_star_matches_exactly_one_segment():
    p = AddressPattern.parse("ch/*/send/3/*")
    assert p.matches("ch/1/send/3/level") and p.matches("ch/12/send/3/pre")
    assert not p.matches("ch/1/send/2/level")
    assert not p.matches("ch/1/send/3")
    assert not p.matches("ch/1/x/send/3/level")
    bus = AddressPattern.parse("bus/3/*")
    assert bus.matches("bus/3/fader") and bus.matches("bus/3/mute")
    assert not bus.matches("bus/3/eq/1/gain") and not bus.matches("bus/30/fader")


def test_a_double_star_matches_one_or_more_segments():
    p = AddressPattern.parse("bus/3/**")
    assert p.matches("bus/3/fader") and p.matches("bus/3/eq/1/gain")
    assert not p.matches("bus/3") and not p.matches("bus/4/fader")
    mid = AddressPattern.parse("ch/**/level")
    assert mid.matches("ch/1/send/2/level") and not mid.matches("ch/1/fader")


def test_literal_patterns_match_only_themselves():
    p = AddressPattern.parse("ch/1/fader")
    assert p.is_literal and p.matches("ch/1/fader")
    assert not p.matches("ch/1/fader/x") and not p.matches("ch/10/fader")
    # regex characters are literal
    assert not AddressPattern.parse("ch/./fader").matches("ch/1/fader")


@pytest.mark.parametrize("text, words", [
    ("", "empty"), ("/bus/3/*", "starts or ends with '/'"), ("bus/3/", "starts or ends"),
    ("ch//fader", "empty segment"), ("ch/1*/fader", "whole segment"), ("ch/***", "whole segment"),
    ("ch/1 /fader", "spaces"), ("x" * 201, "longer than 200"),
])
def test_malformed_patterns_are_refused(text, words):
    with pytest.raises(MixerError) as e:
        AddressPattern.parse(text)
    assert e.value.code == "invalid_pattern" and words in e.value.message and e.value.allowed


def test_a_placeholder_of_the_table_is_one_segment():
    p = AddressPattern.parse("ch/{n}/send/2/level")
    assert p.matches("ch/7/send/2/level") and not p.matches("ch/7/send/3/level") and not p.is_literal


def test_a_pattern_set_covers_what_any_pattern_matches():
    safes = PatternSet(["ch/*/send/3/*", "bus/3/**"])
    assert "ch/2/send/3/level" in safes and "bus/3/eq/2/freq" in safes
    assert "ch/2/send/2/level" not in safes and "bus/2/fader" not in safes
    assert "ch/1/fader" not in PatternSet()


def test_every_matcher_of_the_house_is_the_one_pattern():
    """Mix-link permissions, templates and the parameter tree's expand all match as AddressPattern does."""
    tree = ParamTree.from_layout(Layout.simple(3, 2))
    link = Principal("mix", bus=2)
    rules = PatternSet(rule.format(b=2) for rule in MIX_RULES)
    assert [a for a in tree.addresses() if may_write(link, a)] == rules.select(tree.addresses())
    assert tree.expand("ch/*/mute") == AddressPattern.parse("ch/*/mute").select(tree.addresses())
    assert tree.expand("ch/{n}/send/2/level") == ["ch/1/send/2/level", "ch/2/send/2/level", "ch/3/send/2/level"]
    kept = layout_values(tree.defaults())
    assert "ch/1/name" in kept and "ch/1/send/1/on" in kept and "ch/1/fader" not in kept
