"""X AIR meters from the engine's meter frame (the real engine, offline, with audio through it): the blob's
layout, one frame read per tick for every subscriber, the subscription commands and their expiry."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from osc_rig import LAYOUT
from support import wait_until

RATE = 48000


def blob_levels(args: list) -> list[float]:
    """An X AIR meter message's levels in dB: the blob holds a little-endian int32 count, then int16 levels in
    1/256 dB, little-endian."""
    [blob] = args
    (count,) = struct.unpack_from("<i", blob)
    assert len(blob) == 4 + 2 * count
    return [v / 256 for v in struct.unpack_from(f"<{count}h", blob, 4)]


@pytest.fixture
def playing(engine):
    """A -12 dBFS sine (peak) into channel 1 and a -6 dBFS one into channel 3, through the offline engine."""
    t = np.arange(RATE // 2) / RATE
    inputs = np.zeros((LAYOUT.n_inputs, t.size), np.float32)
    inputs[0] = 0.25 * np.sin(2 * np.pi * 1000 * t)
    inputs[2] = 0.5 * np.sin(2 * np.pi * 440 * t)
    engine.process(inputs)


def test_meters_1_has_the_x_air_layout_and_the_channel_levels(serve, peer, playing):
    client = peer(serve())
    client.send("/meters", "/meters/1")
    levels = blob_levels(client.wait_for("/meters/1"))
    assert len(levels) == 40
    assert levels[0] == pytest.approx(-12.04, abs=0.2)  # channel 1, pre-fader
    assert levels[2] == pytest.approx(-6.02, abs=0.2)  # channel 3
    assert levels[1] == -120.0 and levels[15] == -120.0  # silent channels read mixerd's floor
    assert levels[16] == levels[17] == -120.0  # the aux in: no counterpart in mixerd
    assert levels[36] > -20 and levels[37] > -20  # the main, both sides: the channels reach it


def test_every_subscriber_shares_one_frame_read_per_tick(serve, peer, control, playing):
    reads = []
    meter_frame = control.meter_frame
    control.meter_frame = lambda: reads.append(1) or meter_frame()
    server = serve()
    clients = [peer(server) for _ in range(4)]
    for client in clients[:3]:
        client.send("/meters", "/meters/1")
    clients[3].send("/batchsubscribe", "meters/1", "/meters/1", 0, 0, 1)  # X AIR Edit's way: an alias
    for client in clients:
        wait_until(lambda: len(client.on("/meters/1")) >= 3, what="three meter messages each")
    assert len(reads) <= server.status()["ticks"]  # at most one read per tick, however many subscribe


def test_batchsubscribe_sends_under_the_alias_until_unsubscribed(serve, peer, playing):
    server = serve()
    client = peer(server)
    client.send("/batchsubscribe", "/mybank", "/meters/1", 0, 0, 2)  # every 2nd tick
    assert blob_levels(client.wait_for("/mybank"))[0] == pytest.approx(-12.04, abs=0.2)
    client.send("/unsubscribe", "/mybank")
    wait_until(lambda: not server.ticking, what="the ticks to stop with nobody subscribed")
    count = len(client.on("/mybank"))
    client.sync()
    assert len(client.on("/mybank")) == count
    assert client.on("/meters/1") == []


def test_a_meter_subscription_lives_10_s_after_its_last_renewal(serve, peer, clock):
    server = serve()
    client = peer(server)
    client.send("/batchsubscribe", "meters/1", "/meters/1", 0, 0, 1)
    client.wait_for("/meters/1")
    clock.now += 9.9
    client.send("/renew", "meters/1")
    client.sync()
    clock.now += 9.9  # 9.9 s after the renewal: still sent
    seen = client.count()
    client.wait_for("/meters/1", after=seen)
    clock.now += 0.1  # 10 s after it: expired
    wait_until(lambda: not server.ticking, what="the subscription to expire")
    count = len(client.on("/meters/1"))
    client.sync()
    assert len(client.on("/meters/1")) == count


def test_a_parameter_subscription_sends_its_value(serve, peer, control):
    client = peer(serve())
    control.set("ch/2/mute", True, "rest")
    client.send("/subscribe", "/ch/02/mix/on", 1)
    assert client.wait_for("/ch/02/mix/on") == [0]
    control.set("ch/2/mute", False, "rest")
    wait_until(lambda: client.on("/ch/02/mix/on")[-1] == [1], what="the new value, on the next ticks")


def test_an_unknown_bank_or_path_is_ignored(serve, peer):
    server = serve()
    client = peer(server)
    client.send("/meters", "/meters/99")
    client.send("/subscribe", "/no/such/path", 1)
    client.sync()
    assert not server.ticking and server.stats["unknown"] == 2
