"""Detecting the connected interface from /proc/asound/cards text (and USB ids)."""

from __future__ import annotations

import pytest

from mixerd.profiles import AlsaCard, detect_profile, load_profile, parse_cards, read_asound

# A Raspberry Pi 4 with the 18i20 plugged in.
PI_WITH_SCARLETT = """\
 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones
                      bcm2835 Headphones
 1 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0
                      vc4-hdmi-0
 2 [USB            ]: USB-Audio - Scarlett 18i20 USB
                      Focusrite Scarlett 18i20 USB at usb-0000:01:00.0-1.3, high speed
"""

# Two Scarletts: the second one's id gets a suffix.
TWO_USB = PI_WITH_SCARLETT + """\
 3 [USB_1          ]: USB-Audio - Scarlett 18i20 USB
                      Focusrite Scarlett 18i20 USB at usb-0000:01:00.0-1.4, high speed
"""

PI_ONLY = "\n".join(PI_WITH_SCARLETT.splitlines()[:4]) + "\n"


@pytest.fixture(scope="module")
def profiles():
    return [load_profile("demo"), load_profile("focusrite-scarlett-18i20-gen3")]


def test_parse_cards():
    cards = parse_cards(PI_WITH_SCARLETT)
    assert cards == [
        AlsaCard(0, "Headphones", "bcm2835_headpho", "bcm2835 Headphones", "bcm2835 Headphones"),
        AlsaCard(1, "vc4hdmi0", "vc4-hdmi", "vc4-hdmi-0", "vc4-hdmi-0"),
        AlsaCard(2, "USB", "USB-Audio", "Scarlett 18i20 USB",
                 "Focusrite Scarlett 18i20 USB at usb-0000:01:00.0-1.3, high speed"),
    ]


def test_parse_no_cards():
    assert parse_cards("--- no soundcards ---\n") == []
    assert parse_cards("") == []


def test_detect_by_name(profiles):
    found = detect_profile(PI_WITH_SCARLETT, profiles)
    assert found is not None and found.id == "focusrite-scarlett-18i20-gen3"
    assert found.jack.device == "hw:USB"


def test_detect_by_usb_id(profiles):
    found = detect_profile(PI_WITH_SCARLETT, profiles, usb_ids={2: "1235:8215\n"})
    assert found is not None and found.id == "focusrite-scarlett-18i20-gen3"


def test_detect_sets_the_device_of_the_card_found(profiles):
    found = detect_profile(TWO_USB, profiles, usb_ids={2: "1235:8201", 3: "1235:8215"})
    assert found is not None and found.jack.device == "hw:USB_1"
    # The profile itself is unchanged.
    assert load_profile("focusrite-scarlett-18i20-gen3").jack.device == "hw:USB"


def test_same_name_but_other_usb_id_does_not_match(profiles):
    # A 2nd Gen 18i20 has the same product name but another channel order.
    assert detect_profile(PI_WITH_SCARLETT, profiles, usb_ids={2: "1235:8201"}) is None


def test_usb_id_wins_over_an_earlier_name_match(profiles, write_profile, small):
    small["match"] = {"alsa_cards": ["bcm2835 Headphones"]}
    by_name = load_profile(write_profile(small))
    found = detect_profile(PI_WITH_SCARLETT, [by_name, *profiles], usb_ids={2: "1235:8215"})
    assert found is not None and found.id == "focusrite-scarlett-18i20-gen3"
    assert detect_profile(PI_WITH_SCARLETT, [by_name, *profiles]).id == "small"


def test_match_by_card_id_ignores_case(write_profile, small):
    small["match"] = {"alsa_cards": ["headphones"]}
    assert detect_profile(PI_ONLY, [load_profile(write_profile(small))]).id == "small"


def test_nothing_matches(profiles):
    assert detect_profile(PI_ONLY, profiles) is None
    assert detect_profile("--- no soundcards ---\n", profiles) is None


def test_profile_without_rules_is_never_detected():
    demo = load_profile("demo")
    assert detect_profile(PI_WITH_SCARLETT, [demo], usb_ids={2: "1235:8215"}) is None


def test_read_asound(tmp_path):
    (tmp_path / "cards").write_text(PI_WITH_SCARLETT)
    (tmp_path / "card2").mkdir()
    (tmp_path / "card2" / "usbid").write_text("1235:8215\n")
    text, usb_ids = read_asound(tmp_path)
    assert text == PI_WITH_SCARLETT
    assert usb_ids == {2: "1235:8215"}


def test_read_asound_without_alsa(tmp_path):
    assert read_asound(tmp_path / "none") == ("", {})
