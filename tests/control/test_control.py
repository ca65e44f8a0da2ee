"""Control: the one mutation path — validation, atomic batches, engine hand-off, events, threads."""

import logging
import threading
from typing import Any, Mapping, Sequence

import pytest

from mixerd.control import AudioLink, Control
from mixerd.model import BatchError, Layout, ParamError, ParamTree
from mixerd.model.meters import MeterLayout, MeterPoint, empty_frame


class RecordingLink:
    """An AudioLink that records every apply() call: (state snapshot, changed addresses)."""

    def __init__(self, fail: bool = False):
        self.calls: list[tuple[dict[str, Any], tuple[str, ...]]] = []
        self.fail = fail

    def apply(self, state: Mapping[str, Any], changed: Sequence[str]) -> None:
        self.calls.append((dict(state), tuple(changed)))
        if self.fail:
            raise RuntimeError("engine on fire")

    def meter_frame(self):
        return empty_frame(MeterLayout((MeterPoint("main", 0, 2, master=True),), 0), 50)

    def meters(self) -> dict:
        return {"seq": 7, "rate": 50, "points": {"main": {"peak": [-3.0, -4.0], "hold": [-1.0, -2.0],
                                                           "rms": [-9.0, -9.5], "clips": [0, 0]}}}

    def health(self) -> dict:
        return {"status": "ok", "engine": {"running": True, "cycles": 10, "cycles_advancing": True, "xruns": 0,
                                           "sample_rate": 48000, "period": 64, "dsp_load": 3.5}, "jack": {}}

    def system(self) -> dict:
        return {"sample_rate": 48000, "ports": {"inputs": ["system:capture_1"]}}

    def ports(self) -> dict:
        return {"ch/1": [{"port": "mixerd:in_1", "connections": ["system:capture_1"]}]}


@pytest.fixture
def tree():
    return ParamTree.from_layout(Layout.simple(4, 2, stereo_buses=1, generators=1))


@pytest.fixture
def link():
    return RecordingLink()


@pytest.fixture
def control(tree, link):
    return Control(tree, link)


def test_recording_link_is_an_audio_link(link):
    assert isinstance(link, AudioLink)


def test_ports_come_from_the_engine_and_are_empty_without_one(tree, control):
    assert control.ports()["ch/1"][0]["connections"] == ["system:capture_1"]
    assert Control(tree).ports() == {}


def test_engine_gets_the_full_state_at_start(tree, link, control):
    assert len(link.calls) == 1
    state, changed = link.calls[0]
    assert state == tree.defaults()
    assert set(changed) == set(tree.addresses())
    assert control.state() == (0, tree.defaults())


def test_set_applies_coerces_and_reports(control, link):
    event = control.set("ch/2/fader", -6, "rest")
    assert (event.seq, event.address, event.value, event.origin) == (1, "ch/2/fader", -6.0, "rest")
    assert type(event.value) is float
    assert control.get("ch/2/fader") == -6.0
    seq, values = control.state()
    assert seq == 1 and values["ch/2/fader"] == -6.0
    state, changed = link.calls[-1]
    assert changed == ("ch/2/fader",)
    assert state == values  # the full current state, not just the change


def test_state_is_a_copy(control):
    _, values = control.state()
    values["ch/1/fader"] = 5.0
    assert control.get("ch/1/fader") == 0.0


@pytest.mark.parametrize("address, value, code", [
    ("ch/1/fadr", -6, "unknown_address"), ("ch/1/fader", "loud", "wrong_type"),
    ("ch/1/fader", 11, "out_of_range"), ("ch/1/color", "red", "invalid_value"),
])
def test_rejected_set_changes_nothing(control, link, address, value, code):
    sub = control.subscribe()
    before = control.state()
    with pytest.raises(ParamError) as info:
        control.set(address, value, "rest")
    assert info.value.code == code
    assert control.state() == before
    assert len(link.calls) == 1  # only the start-up push
    assert sub.get_nowait() is None


def test_get_unknown_address(control):
    with pytest.raises(ParamError) as info:
        control.get("ch/9/fader")
    assert info.value.code == "unknown_address"


def test_set_many_is_one_engine_call_and_ordered_events(control, link):
    sub = control.subscribe()
    events = control.set_many({"ch/1/fader": -10, "ch/1/mute": True, "bus/2/name": " IEM "}, "scene")
    assert [(e.seq, e.address, e.value, e.origin) for e in events] == [
        (1, "ch/1/fader", -10.0, "scene"), (2, "ch/1/mute", True, "scene"), (3, "bus/2/name", "IEM", "scene")]
    assert [sub.get_nowait() for _ in range(3)] == events
    state, changed = link.calls[-1]
    assert changed == ("ch/1/fader", "ch/1/mute", "bus/2/name")
    assert state["bus/2/name"] == "IEM" and state["ch/1/mute"] is True
    assert len(link.calls) == 2


def test_set_many_is_atomic(control, link):
    sub = control.subscribe()
    before = control.state()
    with pytest.raises(BatchError) as info:
        control.set_many({"ch/1/fader": -10, "ch/2/mute": "yes", "ch/1/fadr": 0, "ch/3/pan": 0}, "rest")
    assert [e.address for e in info.value.errors] == ["ch/2/mute", "ch/1/fadr"]
    assert control.state() == before  # ch/1/fader untouched, seq unchanged
    assert len(link.calls) == 1
    assert sub.get_nowait() is None


def test_another_writer_is_not_held_up_while_a_bad_batch_is_checked(tree, control, monkeypatch):
    """A batch of many unknown addresses is checked (its "did you mean" included) before the control lock is
    taken: while it is being checked, another writer's change goes through."""
    other: dict[str, Any] = {}
    real = tree.suggest

    def suggest_while_another_writes(address: str) -> str | None:
        if not other:
            writer = threading.Thread(target=lambda: other.update(event=control.set("ch/2/fader", -6, "ws")))
            writer.start()
            writer.join(timeout=60)  # a bound: with the lock held here, the writer would wait for this batch
            other["done"] = not writer.is_alive()
        return real(address)

    monkeypatch.setattr(tree, "suggest", suggest_while_another_writes)
    with pytest.raises(BatchError) as info:
        control.set_many({f"ch/9/fadr{i}": 0 for i in range(len(tree))}, "rest")
    assert other["done"] and other["event"].seq == 1 and control.get("ch/2/fader") == -6.0
    assert len(info.value.errors) == len(tree)


def test_a_batch_larger_than_the_mixer_is_refused(tree, control):
    with pytest.raises(ParamError) as info:
        control.set_many({**tree.defaults(), "ch/1/fadr": 0}, "ws")
    assert info.value.code == "too_many_changes" and f"at most {len(tree)} changes" in info.value.allowed
    assert control.seq == 0


def test_empty_batch_does_nothing(control, link):
    assert control.set_many({}, "rest") == []
    assert control.seq == 0 and len(link.calls) == 1


def test_setting_the_current_value_still_emits(control, link):
    sub = control.subscribe()
    first = control.set("ch/1/mute", True, "ws")
    again = control.set("ch/1/mute", True, "mqtt")
    assert (first.seq, again.seq) == (1, 2)
    assert [sub.get_nowait(), sub.get_nowait()] == [first, again]
    assert link.calls[-1][1] == ("ch/1/mute",) and len(link.calls) == 3


def test_events_carry_their_origin_in_order(control):
    sub = control.subscribe()
    for origin in ("rest", "ws", "mqtt", "scene", "undo", "system"):
        control.set("main/fader", -1, origin)
    events = [sub.get_nowait() for _ in range(6)]
    assert [e.origin for e in events] == ["rest", "ws", "mqtt", "scene", "undo", "system"]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[0].to_dict() == {"seq": 1, "address": "main/fader", "value": -1.0, "origin": "rest", "actor": "rest"}


def test_unknown_origin_is_a_programming_error(control):
    with pytest.raises(ValueError, match="origin"):
        control.set("main/fader", 0, "telepathy")
    assert control.seq == 0


def test_initial_values_are_validated(tree, link):
    control = Control(tree, link, initial={"ch/1/fader": -12, "ch/1/name": " Kick "})
    assert control.get("ch/1/fader") == -12.0 and control.get("ch/1/name") == "Kick"
    assert link.calls[-1][0]["ch/1/name"] == "Kick"
    with pytest.raises(BatchError):
        Control(tree, initial={"ch/1/fader": 99, "ch/1/mute": True})


def test_a_failing_engine_does_not_break_control(tree, caplog):
    link = RecordingLink(fail=True)
    with caplog.at_level(logging.ERROR):
        control = Control(tree, link)
        event = control.set("ch/1/fader", -3, "rest")
    assert event.seq == 1 and control.get("ch/1/fader") == -3.0
    assert control.health()["control"]["link_errors"] == 2
    assert "audio engine rejected" in caplog.text


def test_engine_reports_are_delegated(control):
    assert control.meters()["points"]["main"]["peak"] == [-3.0, -4.0]
    health = control.health()
    assert health["status"] == "ok" and health["engine"]["sample_rate"] == 48000
    system = control.system()
    assert system["sample_rate"] == 48000
    assert system["layout"]["inputs"] == ["Ch 1", "Ch 2", "Ch 3", "Ch 4"]


def test_fallbacks_without_an_engine(tree):
    control = Control(tree)
    assert control.meters() == {"seq": 0, "rate": 0, "points": {}}
    health = control.health()
    assert health["status"] == "down" and health["engine"]["running"] is False
    assert control.system()["layout"]["buses"][1] == {"name": "Mix 2", "stereo": True, "kind": "aux", "width": 2}
    assert control.set("ch/1/fader", -1, "rest").seq == 1


def test_engine_report_failure_falls_back(tree):
    class Broken(RecordingLink):
        def health(self):
            raise OSError("jack gone")

    health = Control(tree, Broken()).health()
    assert health["status"] == "down" and health["engine"]["running"] is False


def test_concurrent_setters_keep_seq_and_apply_order(tree):
    """Threads hammer set/set_many; events, engine calls and final state must agree on one order."""
    link = RecordingLink()
    control = Control(tree, link)
    sub = control.subscribe(maxsize=100_000)
    faders = tree.expand("ch/*/fader")
    per_thread = 200
    start = threading.Barrier(8)

    def worker(t: int) -> None:
        start.wait()
        for i in range(per_thread):
            value = -float((t * per_thread + i) % 90)
            if i % 10 == 0:
                control.set_many({faders[t % 4]: value, "main/fader": value}, "mqtt")
            else:
                control.set(faders[(t + i) % 4], value, "rest")

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not any(th.is_alive() for th in threads)

    events = []
    while (event := sub.get_nowait()) is not None:
        events.append(event)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert control.seq == len(events) == 8 * (per_thread + per_thread // 10)
    # the engine saw the changes in seq order, and each time the state it got had them applied
    applied = [(address, state[address]) for state, changed in link.calls[1:] for address in changed]
    assert applied == [(e.address, e.value) for e in events]
    last = {}
    for e in events:
        last[e.address] = e.value
    _, values = control.state()
    assert all(values[a] == v for a, v in last.items())
