"""The one text rule for names and labels (mixerd/model/text.py): what it accepts, what it refuses and how
it says so, and the lone-surrogate helpers the web front end and the store use."""

import json

import pytest

from mixerd.model.text import (
    TextError,
    check_name,
    escape_refused,
    lone_surrogate,
    name_hint,
    replace_lone_surrogates,
)

SCOTLAND = "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"  # black flag, tags "gbsct", cancel tag

ACCEPTED = [
    "Lead vocal", "Ärger → IEM", "Kick #1 (in)", "ギター", "Гитара", "كمان", "עוגב", "गिटार", "Ü", "Kick\u00a0In",
    "e\u0301cole",  # a combining mark
    "👩\u200d🎤 Vox",  # ZWJ sequence
    "👨\u200d👩\u200d👧\u200d👦",  # family: three joiners
    "🇩🇪 Band",  # regional-indicator flag
    "👍🏽 Keys",  # skin-tone modifier
    "❤\ufe0f Ballad",  # variation selector 16
    "1\ufe0f\u20e3",  # keycap
    "☺\ufe0e",  # variation selector 15 (text style)
    SCOTLAND + " Pipes",  # subdivision flag with tag characters
    "می\u200cخواهم",  # ZWNJ, needed in Persian
    "\U0001F9CC Troll",  # emoji of a later Unicode than some Pythons know: unassigned there, still a name
    "\ue000 private",  # private use
    "  padded  ",  # surrounding blanks are stripped
]

REFUSED = [
    # text, refused code point, the phrase of the reason
    ("tab\there", 0x09, "a control character"),
    ("line\nbreak", 0x0A, "a control character"),
    ("nul\x00", 0x00, "a control character"),
    ("del\x7f!", 0x7F, "a control character"),
    ("next\x85line", 0x85, "a control character"),  # C1
    ("csi\x9bx", 0x9B, "a control character"),
    ("x\ud800", 0xD800, "a lone UTF-16 surrogate"),
    ("\udfa4x", 0xDFA4, "a lone UTF-16 surrogate"),
    ("evil\u202egnp.exe", 0x202E, "a bidirectional control"),
    ("\u202aembedded", 0x202A, "a bidirectional control"),
    ("\u202dLTR override", 0x202D, "a bidirectional control"),
    ("iso\u2066late", 0x2066, "a bidirectional control"),
    ("pop\u2069", 0x2069, "a bidirectional control"),
    ("mark\u200fRLM", 0x200F, "a bidirectional control"),
    ("arabic\u061cmark", 0x061C, "a bidirectional control"),
    ("zero\u200bwidth", 0x200B, "an invisible format character"),
    ("word\u2060joiner", 0x2060, "an invisible format character"),
    ("soft\u00adhyphen", 0x00AD, "an invisible format character"),
    ("bom\ufeff", 0xFEFF, "an invisible format character"),
    ("line\u2028sep", 0x2028, "a line or paragraph separator"),
    ("para\u2029sep", 0x2029, "a line or paragraph separator"),
    ("non\ufdd0char", 0xFDD0, "a noncharacter"),
    ("non\uffffchar", 0xFFFF, "a noncharacter"),
    ("plane\U0001FFFE", 0x1FFFE, "a noncharacter"),
    ("hidden \U000E0041\U000E0042 tags", 0xE0041, "a tag character outside a subdivision flag"),
    ("🏴\U000E0067\U000E0062 unterminated", 0xE0067, "a tag character outside a subdivision flag"),
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_names(text):
    assert check_name(text, 64) == text.strip()


@pytest.mark.parametrize("text, cp, reason", REFUSED)
def test_refused_names_say_which_character_and_what_is_allowed(text, cp, reason):
    with pytest.raises(TextError) as info:
        check_name(text, 64)
    e = info.value
    assert e.char == cp
    assert f"contains U+{cp:04X}" in e.message and reason in e.message
    assert f"at character {text.strip().index(chr(cp)) + 1}" in e.message
    assert e.allowed == name_hint(64)
    assert "no control, bidirectional or invisible format characters" in e.allowed
    # The message quotes the name with the refused character escaped: it is UTF-8 text and reads in order.
    e.message.encode("utf-8")
    assert chr(cp) not in e.message


def test_a_character_is_named_when_unicode_names_it():
    with pytest.raises(TextError) as info:
        check_name("Vox\u202e", 32)
    assert info.value.message == ('"Vox\\u202e" contains U+202E (RIGHT-TO-LEFT OVERRIDE) at character 4, a '
                                  "bidirectional control (it makes text display in another order than it is stored)")


@pytest.mark.parametrize("text, words", [
    ("", '"" is empty'), ("   ", '"   " is empty'), ("x" * 33, "33 characters long; at most 32"),
    ("\u200d", "no visible character"), ("\u0301\ufe0f", "no visible character"), (5, "int 5 is not a string"),
])
def test_empty_long_invisible_and_wrong_type(text, words):
    with pytest.raises(TextError) as info:
        check_name(text, 32)
    assert words in info.value.message and info.value.char is None


def test_length_counts_code_points_per_kind():
    assert check_name("x" * 32, 32) == "x" * 32
    assert check_name("👨\u200d👩\u200d👧\u200d👦" * 4, 32)  # 28 code points
    with pytest.raises(TextError):
        check_name("👨\u200d👩\u200d👧\u200d👦" * 5, 32)  # 35


def test_escape_refused_leaves_names_alone():
    assert escape_refused("👩\u200d🎤 Vox") == "👩\u200d🎤 Vox"
    assert escape_refused("a\u202eb\ud800c\U0001FFFE") == "a\\u202eb\\ud800c\\U0001fffe"


def test_lone_surrogate_finds_strings_and_keys_not_pairs():
    assert lone_surrogate(json.loads('{"name": "\\ud83c\\udfa4 Mic", "n": [1, "x"]}')) is None
    assert lone_surrogate(json.loads('{"changes": {"ch/1/name": "x\\ud800"}}')) == (("changes", "ch/1/name"), 0xD800,
                                                                                    False)
    assert lone_surrogate(json.loads('{"changes": {"ch/1/\\udc00": 1}}')) == (("changes", "ch/1/\\udc00"), 0xDC00,
                                                                             True)
    assert lone_surrogate(json.loads('{"patterns": ["ch/*", "\\ud800"]}')) == (("patterns", "1"), 0xD800, False)
    deep: list = ["\ud800"]
    for _ in range(5000):  # deeper than Python's recursion limit: the search has none
        deep = [deep]
    assert lone_surrogate(deep)[1] == 0xD800


def test_replace_lone_surrogates():
    value = {"label": "x\ud800", "x\udc00": ["ok", "🎤"], "n": 1}
    assert replace_lone_surrogates(value) == {"label": "x\ufffd", "x\ufffd": ["ok", "🎤"], "n": 1}
    clean = {"label": "🎤"}
    assert replace_lone_surrogates(clean) is clean
