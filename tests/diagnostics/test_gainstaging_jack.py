"""The gain-staging assistant with real audio: it listens to the probe's sine through jackd, proposes the
trim, applies it as one undo step, and the wedge (a pre-fader send at unity, so it carries the
post-trim signal) then really peaks at -18 dBFS."""

import math

import pytest
from diagnostics_rig import WEDGE
from support import peak_db, wait_until

from mixerd.diagnostics import gainstaging
from mixerd.model.errors import ParamError


def wedge_peak(rig) -> float:
    """The wedge's peak once any trim ramp (10 ms) is over: the second half of the next 0.5 s."""
    return peak_db(rig.probe.record(0.5)[1][12000:])


def settle(rig, amplitude: float) -> None:
    rig.probe.play(0, 1000.0, amplitude)
    rig.set(**{f"ch__1__send__{WEDGE}__level": 0.0, f"ch__1__send__{WEDGE}__pre": True})
    expected = 20 * math.log10(amplitude)
    # the meters' 2 s hold must have forgotten the previous tone before listening starts
    wait_until(lambda: abs(rig.control.meters()["points"]["ch/1/input"]["hold"][0] - expected) < 0.5, 20,
               "the new tone on the channel-1 meter")


@pytest.mark.parametrize("level_db, trim_db", [(-40.0, 22.0), (-3.0, -15.0)])
def test_brings_a_sine_to_minus_18_and_undoes_in_one_step(fresh, level_db, trim_db):
    settle(fresh, 10 ** (level_db / 20))
    result = gainstaging.run(fresh.control, gainstaging.Request((1,), listen_s=2.0), apply=True, origin="rest")
    (ch1,) = result["channels"]
    assert ch1["status"] == "adjust" and ch1["input_peak_db"] == pytest.approx(level_db, abs=0.2)
    assert ch1["proposed_trim_db"] == pytest.approx(trim_db, abs=0.3)
    assert result["applied"] and result["changes"] == {"ch/1/trim": ch1["proposed_trim_db"]}
    assert fresh.control.get("ch/1/trim") == ch1["proposed_trim_db"]
    assert wedge_peak(fresh) == pytest.approx(-18.0, abs=1.0)  # what comes out of the wedge port

    fresh.control.undo()  # the whole proposal is one step
    assert fresh.control.get("ch/1/trim") == 0.0
    wait_until(lambda: abs(wedge_peak(fresh) - level_db) < 1.0, 10, "the old level back after undo")


def test_proposes_without_applying_and_reports_what_it_cannot_fix(fresh):
    settle(fresh, 10 ** (-50 / 20))  # needs +32 dB: beyond the trim's +24
    before = fresh.control.seq
    result = gainstaging.run(fresh.control, gainstaging.Request((1, 2), listen_s=1.5), apply=False, origin="rest")
    ch1, ch2 = result["channels"]
    assert ch1["status"] == "out_of_range" and ch1["proposed_trim_db"] == 24.0
    assert ch1["expected_peak_db"] == pytest.approx(-26.0, abs=0.3) and "+32" in ch1["message"]
    assert ch2["status"] == "no_signal" and ch2["proposed_trim_db"] is None
    assert result["unfixable"] == [1, 2] and result["changes"] == {"ch/1/trim": 24.0}
    assert not result["applied"] and fresh.control.seq == before  # nothing changed

    settle(fresh, 1.0)  # arrives at full scale: clipped before the trim
    result = gainstaging.run(fresh.control, gainstaging.Request((1,), listen_s=1.0), apply=True, origin="rest")
    assert result["channels"][0]["status"] == "clipping_before_trim" and "interface" in result["channels"][0]["message"]
    assert result["changes"] == {} and not result["applied"] and fresh.control.get("ch/1/trim") == 0.0


@pytest.mark.parametrize("request_, address", [
    (gainstaging.Request(listen_s=0.1), "listen_s"),
    (gainstaging.Request(target_db=0.0), "target_db"),
    (gainstaging.Request(channels=(9,)), "channels"),
    (gainstaging.Request(channels=()), "channels"),
])
def test_a_bad_request_says_what_is_allowed(rig, request_, address):
    with pytest.raises(ParamError) as err:
        gainstaging.run(rig.control, request_, apply=True, origin="rest")
    assert err.value.address == address and err.value.allowed
