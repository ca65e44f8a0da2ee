"""The live monitor's time behaviour with a driven clock: hysteresis, events, the xrun window."""

from mixerd.diagnostics import Diagnostics, Hysteresis, Problem, Snapshot
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
