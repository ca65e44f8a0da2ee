"""The live monitor's time behaviour with a driven clock: hysteresis, events, the xrun window."""

from mixerd.diagnostics import Diagnostics, Hysteresis, Problem, Snapshot
from mixerd.diagnostics.snapshot import HOLD_S
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

MUTED = Problem("muted", "ch/1", "ch/1: muted", "unmute ch/1/mute", "ch/1/mute", "mute")
CLOSED = Problem("fader_closed", "ch/2", "ch/2: closed", "raise ch/2/fader", "ch/2/fader", "fader")


def test_a_problem_must_last_to_appear_and_be_gone_a_while_to_clear():
    h = Hysteresis(raise_after=0.5, clear_after=2.0)
    assert h.update([MUTED], 0.0) == ([], [])
    assert h.update([MUTED], 0.4) == ([], [])
    assert h.update([MUTED], 0.5) == ([MUTED], [])
    # it flickers away and back: it stays up, and is not raised again
    for t in (0.6, 1.0, 1.4, 1.8):
        assert h.update([], t) == ([], [])
        assert h.update([MUTED], t + 0.1) == ([], [])
    assert [p for p, _ in h.current()] == [MUTED]
    assert h.update([], 2.0) == ([], [])
    assert h.update([], 3.8) == ([], [])   # gone 1.9 s: still up
    assert h.update([], 4.0) == ([], [MUTED])
    assert h.current() == []


def test_a_blip_shorter_than_the_raise_time_never_appears():
    h = Hysteresis(raise_after=0.5, clear_after=2.0)
    assert h.update([CLOSED], 0.0) == ([], [])
    assert h.update([], 0.3) == ([], [])
    assert h.update([CLOSED], 0.6) == ([], [])  # a new sighting starts the count again
    assert h.update([CLOSED], 1.1) == ([CLOSED], [])


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def snapshot(layout, values, xruns=0):
    return Snapshot(layout, values, {}, {}, {"engine": {"xruns": xruns}})


def test_listeners_hear_each_change_once_and_xruns_fade_after_the_window():
    layout = Layout.simple(2, 1, generators=0)
    values = ParamTree.from_layout(layout).defaults()
    values.update({"ch/1/main": False, "ch/2/main": False})  # unused channels: only the xruns can be news
    clock = Clock()
    diag = Diagnostics(control=None, raise_after=0.0, clear_after=1.0, xrun_window=5.0, clock=clock)
    heard = []
    diag.add_listener(heard.append)
    diag.stop()  # driven by hand here: no thread
    assert not diag.check(snapshot(layout, values, xruns=3))  # the counter's start is no news
    clock.now = 1.0
    assert diag.check(snapshot(layout, values, xruns=4))
    (problem,) = diag.problems()["problems"]
    assert problem["code"] == "xruns" and problem["details"]["recent"] == 1 and problem["severity"] == "warning"
    assert [m["version"] for m in heard] == [1] and heard[0]["raised"][0]["code"] == "xruns"
    clock.now = 4.0
    assert not diag.check(snapshot(layout, values, xruns=4))  # within the window: still up, no news
    clock.now = 6.5  # the xrun is older than the window, and was last counted over a second ago
    assert diag.check(snapshot(layout, values, xruns=4))
    assert diag.problems()["problems"] == [] and heard[-1]["cleared"][0]["code"] == "xruns"
    assert [m["version"] for m in heard] == [1, 2]


def playing(layout, *channels, db=-20.0):
    """Meter readings: ``channels`` play at ``db`` at every point, everything else is silent."""
    def point(level):
        return {"peak": [level], "hold": [level], "rms": [level]}
    meters = {f"ch/{n}/{p}": point(db if n in channels else -120.0)
              for n in range(1, layout.n_inputs + 1) for p in ("input", "insert1", "inserts", "post")}
    return meters | {f"bus/{b}": point(-30.0) for b in range(1, layout.n_buses + 1)} | {"main": point(-30.0)}


def test_a_mix_that_loses_a_source_it_had_and_forgets_it_in_a_pause():
    """Ch 1 plays into Mix 1 and is muted: ``mix_source_cut`` on the mix. It clears when ch 1 reaches the mix
    again; after a pause (its hold silent) a cut is no news; a mix never had a channel that was silent or already
    kept out when it began to play."""
    layout = Layout.simple(2, 1, generators=0)
    values = ParamTree.from_layout(layout).defaults()
    values.update({"ch/1/send/1/level": -6.0, "ch/2/send/1/level": -90.0})
    clock = Clock()
    diag = Diagnostics(control=None, raise_after=0.0, clear_after=0.0, clock=clock)
    diag.stop()

    def look(changes=None, meters=None, after=0.25):
        values.update(changes or {})
        clock.now += after
        diag.check(Snapshot(layout, dict(values), meters if meters is not None else playing(layout, 1, 2), {},
                            {"engine": {"xruns": 0}}))
        return [p for p in diag.problems()["problems"] if p["code"] == "mix_source_cut"]

    assert look() == []  # ch 1 in the mix; ch 2 plays but was never in it
    (cut,) = look({"ch/1/mute": True, "ch/2/mute": True})
    assert cut["address"] == "bus/1" and cut["severity"] == "info" and cut["fix_address"] == "ch/1/mute"
    assert cut["message"] == "bus/1 (Mix 1): ch/1 (Ch 1) no longer reaches it (muted)"
    assert cut["details"]["sources"] == [{"address": "ch/1", "name": "Ch 1", "reasons": ["muted"],
                                          "changes": {"ch/1/mute": False}}]
    assert look({"ch/1/mute": False}) == []  # back in the mix
    assert look({"ch/1/send/1/on": False}) != []
    # Just changed (its peak read, here between two hits): still the news it was. Its hold silent once the
    # change has settled (the meters' 2 s hold): a pause, forgotten.
    assert look(meters=playing(layout, 2)) != []
    assert look(meters=playing(layout, 2), after=HOLD_S) == []
    assert look() == []  # playing again after the pause: not a cut any more, the mix had forgotten it
