"""One error for every refusal: codes with kinds, families, hints each front end words its own way."""

from __future__ import annotations

import pytest

from mixerd.control.scenes import SceneError
from mixerd.diagnostics.gainstaging import Busy
from mixerd.model.errors import CODES, HINTS, KINDS, BatchError, MixerError, ParamError
from mixerd.mqtt.topics import PayloadError, Topics
from mixerd.control.access import AccessError
from mixerd.web.errors import HINTS as REST_HINTS
from mixerd.web.errors import STATUS_BY_KIND


def test_every_code_has_a_kind_and_every_kind_a_rest_status():
    assert {code.kind for code in CODES.values()} <= set(KINDS)
    assert set(STATUS_BY_KIND) == set(KINDS)


@pytest.mark.parametrize("error", [ParamError("wrong_type", "m"), SceneError("name_taken", "m"),
                                   AccessError("forbidden", "m"), PayloadError("malformed_payload", "m"), Busy()])
def test_every_family_is_a_mixer_error(error):
    assert isinstance(error, MixerError) and error.kind in KINDS
    assert set(error.to_dict()) == {"code", "message", "address", "allowed"}


def test_a_family_refuses_codes_it_does_not_use_and_unknown_codes_and_hints():
    with pytest.raises(ValueError, match="does not use"):
        SceneError("busy", "m")
    with pytest.raises(ValueError, match="unknown error code"):
        MixerError("oops", "m")
    with pytest.raises(ValueError, match="unknown hint"):
        MixerError("not_found", "m", hint="dance")


def test_a_hint_is_said_in_each_front_ends_words():
    error = SceneError("not_found", "there is no scene 9", None, "scene ids: 1, 2", hint="list_scenes")
    assert error.to_dict()["message"] == "there is no scene 9"
    assert error.to_dict(REST_HINTS)["message"] == "there is no scene 9; GET /api/v1/scenes lists them"
    mqtt = error.to_dict(Topics("mixerd").hints)["message"]
    assert mqtt.startswith("there is no scene 9; ") and "mixerd/scene" in mqtt and "/api/" not in mqtt
    assert set(REST_HINTS) == set(HINTS)  # the web API has words for every hint


def test_a_batch_is_invalid_whatever_its_first_error_and_lists_every_one():
    errors = [ParamError("unknown_address", "no ch/99/fader", "ch/99/fader"), ParamError("wrong_type", "x", "ch/1/mute")]
    batch = BatchError(errors, 3)
    assert batch.kind == "invalid" and batch.code == "unknown_address"
    assert [e["address"] for e in batch.to_dict()["errors"]] == ["ch/99/fader", "ch/1/mute"]
