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


# /proc/asound/cardN/stream0 of a class-compliant interface (abridged as the kernel writes it).
STREAM0 = """\
Thing Audio 8x6 at usb-0000:01:00.0-1.2, high speed : USB Audio

Playback:
  Status: Stop
  Interface 1
    Altset 1
    Format: S32_LE
    Channels: 6
    Endpoint: 0x01 (1 OUT) (ASYNC)
    Rates: 44100, 48000
Capture:
  Status: Stop
  Interface 2
    Altset 1
    Format: S32_LE
    Channels: 8
    Endpoint: 0x81 (1 IN) (ASYNC)
"""
UNKNOWN_CARD = """\
 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones
                      bcm2835 Headphones
 1 [Audio8x6       ]: USB-Audio - Thing Audio 8x6
                      Thing Audio 8x6 at usb-0000:01:00.0-1.2, high speed
"""


def test_stream_channels_reads_the_widest_formats():
    from mixerd.profiles import stream_channels

    assert stream_channels(STREAM0) == (8, 6)
    assert stream_channels("") == (0, 0)


def test_an_unknown_usb_card_gets_the_generic_profile(tmp_path):
    from mixerd.profiles import generic_profile_for, load_profile

    (tmp_path / "card1").mkdir()
    (tmp_path / "card1" / "stream0").write_text(STREAM0)
    p = generic_profile_for(UNKNOWN_CARD, {1: "abcd:1234"}, tmp_path)
    assert p is not None and p.name == "Thing Audio 8x6 (generic 8×6)"
    assert p.input_labels == tuple(f"Input {k}" for k in range(1, 9))
    assert p.main_outputs == ("system:playback_1", "system:playback_2")
    assert [(b.name, b.outputs, b.stereo) for b in p.buses] == [
        ("Mix 1", ("system:playback_3", "system:playback_4"), True),
        ("Mix 2", ("system:playback_5", "system:playback_6"), True)]
    assert p.jack.driver_argv()[:4] == ["-d", "alsa", "-d", "hw:Audio8x6"] and "-i" in p.jack.driver_argv()
    assert p.jack.period == load_profile("generic-class-compliant").jack.period
    assert generic_profile_for(UNKNOWN_CARD, {}, tmp_path) is None  # the Pi's own jack is no USB interface


def test_auto_without_a_known_interface_says_what_it_found(tmp_path):
    import mixerd.daemon as daemon
    from mixerd.profiles import ProfileError

    asound = tmp_path / "asound"
    asound.mkdir()
    (asound / "cards").write_text("\n".join(UNKNOWN_CARD.splitlines()[:2]) + "\n")  # only the Pi's own jack
    with pytest.raises(ProfileError) as info:
        daemon.choose_profile("auto", (), asound)
    assert "Headphones (bcm2835 Headphones)" in str(info.value) and "mixerd profiles" in str(info.value)


def test_auto_picks_the_matching_profile_or_the_generic_one(tmp_path):
    import mixerd.daemon as daemon

    asound = tmp_path / "asound"
    (asound / "card1").mkdir(parents=True)
    (asound / "cards").write_text(UNKNOWN_CARD)
    (asound / "card1" / "usbid").write_text("abcd:1234\n")
    (asound / "card1" / "stream0").write_text(STREAM0)
    assert daemon.choose_profile("auto", (), asound).name == "Thing Audio 8x6 (generic 8×6)"
    (asound / "card1" / "usbid").write_text("1235:8215\n")  # a Scarlett 18i20 3rd gen on that port
    picked = daemon.choose_profile("auto", (), asound)
    assert picked.id == "focusrite-scarlett-18i20-gen3" and picked.jack.device == "hw:Audio8x6"
