"""Loudness for Home Assistant is sparse: one short-term value per strip every loudness_interval seconds,
rounded to 0.1 LU and published only when it changed (Home Assistant's recorder keeps a row for every new
state). Counted over a known series of meter frames with a driven clock against a real mosquitto, not timed."""

from __future__ import annotations

import dataclasses
import json
import re
import threading

import numpy as np

import pytest
from support import wait_until

from mixerd.config import MqttConfig
from mixerd.control import Control
from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.model.meters import FLOOR_DB, MeterFrame, MeterLayout, MeterPoint, empty_frame
from mixerd.mqtt import MqttBridge
from mixerd.mqtt.loudness import LoudnessReport, loudness_values

BASE = "mixerd/test"
HA = "homeassistant"
LAYOUT = Layout(inputs=("Vocal", "Guitar"), buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True)))


def frame_of(loudness: dict[str, float], seq: int = 1) -> MeterFrame:
    """A meter frame of ch/1/post, main, bus/1 (mono) and bus/2 with these short-term loudness values."""
    points, at = [MeterPoint("ch/1/post", 0, 1)], 1
    for name, width in (("main", 2), ("bus/1", 1), ("bus/2", 2)):
        points.append(MeterPoint(name, at, width, master=True))
        at += width
    layout = MeterLayout(tuple(points), 0)
    frame = empty_frame(layout, 50)
    lufs_s = np.array([FLOOR_DB] + [loudness.get(p.name, FLOOR_DB) for p in points[1:]])
    return dataclasses.replace(frame, seq=seq, lufs_s=lufs_s)


class ScriptedMeters:
    """An engine whose meter snapshots are a script: the short-term loudness of main, bus/1 and bus/2 in
    each successive snapshot (the last one repeats). Counts the snapshots taken."""

    def __init__(self, frames: list[tuple[float, float, float]]):
        self.frames = frames
        self.taken = 0
        self._lock = threading.Lock()

    def meter_frame(self) -> MeterFrame:
        with self._lock:
            main, bus1, bus2 = self.frames[min(self.taken, len(self.frames) - 1)]
            self.taken += 1
        return frame_of({"main": main, "bus/1": bus1, "bus/2": bus2}, seq=self.taken)

    def meters(self) -> dict:
        return self.meter_frame().to_dict()

    def apply(self, state, changed, fade_ms=None) -> None:
        pass

    def health(self) -> dict:
        return {"status": "ok", "engine": {"running": True}, "jack": {}}

    def ports(self) -> dict:
        return {}

    def system(self) -> dict:
        return {}


class Clock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


FRAMES = [  # main, mix 1, mix 2 (LUFS, short-term) in successive intervals
    (-23.04, -30.0, -120.0),    # the first value: published
    (-23.01, -30.02, -120.0),   # the same at 0.1 LU: nothing
    (-22.96, -29.96, -120.0),   # still -23.0 and -30.0: nothing
    (-20.0, -30.0, -120.0),     # the main is louder: published
    (-20.0, -30.0, -120.0),     # nothing
    (-120.0, -120.0, -120.0),   # silence: published once ...
    (-120.0, -120.0, -120.0),   # ... and then nothing, however long it lasts
    (-120.0, -120.0, -120.0),
    (-18.0, -120.0, -120.0),    # the last: published
]
PUBLISHED = [
    {"main": -23.0, "bus/1": -30.0, "bus/2": -120.0},
    {"main": -20.0, "bus/1": -30.0, "bus/2": -120.0},
    {"main": -120.0, "bus/1": -120.0, "bus/2": -120.0},
    {"main": -18.0, "bus/1": -120.0, "bus/2": -120.0},
]


def test_loudness_is_published_every_interval_only_when_it_changed(broker, listen):
    engine, clock = ScriptedMeters(FRAMES), Clock()
    control = Control(ParamTree.from_layout(LAYOUT), link=engine)
    listener = listen(f"{BASE}/loudness")
    ha = listen(f"{HA}/#")
    config = MqttConfig(broker=broker.url, node_id="test", meter_rate=0, loudness_interval=30)
    bridge = MqttBridge(control, config, clock=clock)
    bridge.start()
    try:
        wait_until(lambda: engine.taken == 1, what="the first loudness value, once connected")
        for k in range(2, len(FRAMES) + 1):
            clock.now += 15  # half an interval: not yet
            clock.now += 15
            wait_until(lambda: engine.taken >= k, what=f"loudness value {k}")
        wait_until(lambda: listener.count(f"{BASE}/loudness") == len(PUBLISHED), what="the last loudness value")
        got = [json.loads(p) for p in listener.messages[f"{BASE}/loudness"]]
        assert got == PUBLISHED  # 4 messages for 9 intervals; at 2 a second it was 9 × 30 × 2 = 540
        assert engine.taken == len(FRAMES)  # one snapshot per interval, none in between
        # Home Assistant's sensors read this topic, one value each
        wait_until(lambda: any(t.endswith("/main_loudness/config") for t in ha.messages), what="the sensors")
        sensors = {t.split("/")[3]: json.loads(p[-1]) for t, p in ha.messages.items() if t.endswith("_loudness/config")}
        assert set(sensors) == {"main_loudness", "bus_1_loudness", "bus_2_loudness"}
        for object_id, sensor in sensors.items():
            assert sensor["state_topic"] == f"{BASE}/loudness" and sensor["unit_of_measurement"] == "LUFS"
            key = re.fullmatch(r"\{\{ value_json\['([^']+)'\] \}\}", sensor["value_template"])[1]
            assert key.replace("/", "_") + "_loudness" == object_id and key in got[-1]
        late = listen(f"{BASE}/loudness")  # retained: Home Assistant (re)starting gets the last value
        wait_until(lambda: late.last(f"{BASE}/loudness") == PUBLISHED[-1], what="the retained value")
    finally:
        bridge.stop()


def test_no_loudness_sensors_when_the_interval_is_0(broker, listen):
    engine, clock = ScriptedMeters(FRAMES), Clock()
    control = Control(ParamTree.from_layout(LAYOUT), link=engine)
    ha = listen(f"{HA}/#")
    bridge = MqttBridge(control, MqttConfig(broker=broker.url, node_id="test", meter_rate=0, loudness_interval=0),
                        clock=clock)
    bridge.start()
    try:
        wait_until(lambda: any(t.endswith("/main_fader/config") for t in ha.messages), what="the discovery configs")
        wait_until(lambda: any(t.endswith("/undo/config") for t in ha.messages), what="every discovery config")
        assert not [t for t in ha.messages if "loudness" in t]
        clock.now += 3600
        control.set("ch/1/fader", -1.0, "rest")  # the publisher goes round its loop
        listener = listen(f"{BASE}/ch/1/fader")
        listener.wait_for(f"{BASE}/ch/1/fader", -1.0)
        assert engine.taken == 0  # no meter snapshot for loudness at all
    finally:
        bridge.stop()


@pytest.mark.parametrize("raw, rounded", [(-23.04, -23.0), (-23.05, -23.1), (-22.96, -23.0), (-120.0, -120.0),
                                          (-7.349, -7.3)])
def test_values_are_rounded_to_a_tenth(raw, rounded):
    values = loudness_values(frame_of({"main": raw}))
    assert values["main"] == rounded and "ch/1/post" not in values


def test_nothing_measured_is_nothing_published():
    clock = Clock()
    report = LoudnessReport(30, clock)
    assert report.due() and report.take(None) is None  # no engine
    assert not report.due()
    clock.now += 30
    assert report.due() and report.take(frame_of({"main": -20.0}))["main"] == -20.0
    assert LoudnessReport(0, clock).due() is False


def test_the_interval_counts_from_when_it_was_due_not_from_when_the_frame_was_read():
    clock = Clock()
    report = LoudnessReport(30, clock)
    assert report.due()
    clock.now += 30  # the clock moved while the frame was read (a stalled thread; the driven clock above)
    report.take(frame_of({"main": -20.0}))
    assert report.due()  # 30 s after it was due, not 30 s after the frame
