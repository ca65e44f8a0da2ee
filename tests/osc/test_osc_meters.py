"""X AIR meters from the engine's meter frame (the real engine, offline, with audio through it): every bank's
layout and where a known signal shows in it, the channel strip bank's argument, one frame read and one blob made
per tick for every subscriber, the subscription commands and their expiry."""

from __future__ import annotations

import struct
from collections import Counter

import numpy as np
import pytest
from osc_rig import LAYOUT
from support import wait_until

RATE = 48000
#: What every served bank holds on an X AIR (see mixerd.osc.meters).
COUNTS = {0: 8, 1: 40, 2: 36, 3: 56, 5: 44, 6: 39}
TONE_1, TONE_3 = -12.04, -6.02  # the peaks `play` puts into channels 1 and 3


def blob_levels(args: list) -> list[float]:
    """An X AIR meter message's levels in dB: the blob holds a little-endian int32 count, then int16 levels in
    1/256 dB, little-endian."""
    [blob] = args
    (count,) = struct.unpack_from("<i", blob)
    assert len(blob) == 4 + 2 * count
    return [v / 256 for v in struct.unpack_from(f"<{count}h", blob, 4)]


def play(engine) -> None:
    """Half a second of a -12 dBFS sine (peak) into channel 1 and a -6 dBFS one into channel 3, through the
    offline engine (the meters then hold what it measured at its end)."""
    t = np.arange(RATE // 2) / RATE
    inputs = np.zeros((LAYOUT.n_inputs, t.size), np.float32)
    inputs[0] = 0.25 * np.sin(2 * np.pi * 1000 * t)
    inputs[2] = 0.5 * np.sin(2 * np.pi * 440 * t)
    engine.process(inputs)


@pytest.fixture
def playing(engine):
    play(engine)


def bank(client, number: int, *arg) -> list[float]:
    """Subscribe to ``/meters/<number>`` (with the channel strip's argument, if given) and read its first blob."""
    path = f"/meters/{number}"
    client.send("/meters", path, *arg)
    return blob_levels(client.wait_for(path))


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


def test_every_bank_has_the_x_air_count_and_the_signal_where_mixerd_routes_it(serve, peer, control, engine):
    control.set("ch/1/send/1/level", 0.0, "rest")  # channel 1 into bus 1 (pre-fader)
    control.set("ch/1/send/7/level", 0.0, "rest")  # and into FX 1's bus (the reverb)
    play(engine)
    client = peer(serve())
    got = {number: bank(client, number) for number in COUNTS}
    assert {number: len(levels) for number, levels in got.items()} == COUNTS
    tone = pytest.approx(TONE_1, abs=0.2)

    strip = got[0]  # channel 1 (argument 0): pre L/R, gate and comp gain reduction, post L/R, keys
    assert strip[0] == strip[1] == tone and strip[4] == strip[5] == tone  # mono channel, fader at 0 dB
    assert strip[2] == strip[3] == 0.0  # no gain reduction
    assert strip[6] == strip[7] == -120.0  # the keys: mixerd does not meter its detectors' input

    inputs = got[2]  # preamps 1-16, aux in L/R, USB 1-18
    assert inputs[0] == tone and inputs[2] == pytest.approx(TONE_3, abs=0.2) and inputs[1] == -120.0
    assert set(inputs[16:]) == {-120.0}

    fx = got[3]  # per FX: in L/R, 10 of the effect's own, out L/R
    assert fx[12] > -80 and fx[13] > -80  # FX 1's out: the reverb's tail
    assert set(fx[:12]) == {-120.0} and set(fx[14:]) == {-120.0}  # no input meter; FX 2-4 get nothing

    outputs = got[5]  # aux outs 1-6, main L/R, Ultranet 1-16, USB 1-18, phones L/R
    assert outputs[0] == tone and set(outputs[1:6]) == {-120.0}  # bus 1 carries channel 1
    assert outputs[6] > -20 and outputs[7] > -20  # the main
    assert set(outputs[8:42]) == {-120.0}
    # The phones carry mixerd's solo bus, which carries the main while nothing is soloed.
    assert outputs[42:44] == pytest.approx(outputs[6:8], abs=0.5)

    assert set(got[6]) == {0.0}  # nothing reduces: no gate, no compressor, the limiters untouched

    mix = got[1]
    assert mix[0] == tone and mix[26] == tone  # channel 1, bus 1
    assert mix[18] == fx[12] and mix[19] == fx[13]  # FX 1's return: its out


def test_gain_reductions_read_as_negative_gains(serve, peer, control, engine):
    for address, value in (("ch/1/dyn/on", True), ("ch/1/dyn/threshold", -40.0), ("ch/1/dyn/ratio", 20.0),
                           ("main/limiter/threshold", -20.0)):
        control.set(address, value, "rest")
    play(engine)
    client = peer(serve())
    reductions = bank(client, 6)  # gates 1-16, compressors 1-16, buses 1-6, main
    assert reductions[16] < -10  # channel 1's compressor
    assert reductions[38] < -3  # the main's limiter
    assert reductions[0] == 0.0 and set(reductions[17:38]) == {0.0}  # gates off, other compressors off
    strip = bank(client, 0, 0)
    assert strip[3] == reductions[16] and strip[2] == 0.0
    assert strip[0] < TONE_1 - 10  # pre-fader is after the compressor


def test_the_argument_picks_the_channel_strip_and_each_app_gets_its_own(serve, peer, playing):
    server = serve()
    third, first, silent, none = (peer(server) for _ in range(4))
    third.send("/meters", "/meters/0", 2)  # counted from 0: channel 3
    first.send("/batchsubscribe", "meters/0", "/meters/0", 0, 0, 1)  # X AIR Edit's way: channel in the first int
    silent.send("/meters", "/meters/0", 1)
    none.send("/meters", "/meters/0", 16)  # no such channel strip: no counterpart
    for client in (third, first, silent, none):
        wait_until(lambda: len(client.on("/meters/0")) >= 3, what="three channel strip messages each")
    expected = {third: TONE_3, first: TONE_1, silent: -120.0, none: -120.0}
    for client, level in expected.items():
        for args in client.on("/meters/0"):
            strip = blob_levels(args)
            assert strip[0] == strip[4] == pytest.approx(level, abs=0.2) and strip[2:4] == [0.0, 0.0]
    first.send("/batchsubscribe", "meters/0", "/meters/0", 2, 0, 1)  # the app selects channel 3
    wait_until(lambda: blob_levels(first.on("/meters/0")[-1])[0] == pytest.approx(TONE_3, abs=0.2),
               what="channel 3 under the same subscription")


def test_each_distinct_blob_is_made_once_per_tick(serve, peer, playing):
    server = serve()
    made = []
    blob = server.meters.blob
    server.meters.blob = lambda number, frame, arg=0: made.append((server.status()["ticks"], number, arg)) or blob(
        number, frame, arg)
    clients = [peer(server) for _ in range(5)]
    clients[0].send("/meters", "/meters/0", 2)
    clients[1].send("/meters", "/meters/0", 2)
    clients[2].send("/batchsubscribe", "/mine", "/meters/0", 2, 0, 1)  # the same blob under another address
    clients[3].send("/meters", "/meters/0", 0)
    clients[4].send("/meters", "/meters/5", 3)  # a bank without argument: the argument changes nothing
    clients[4].send("/batchsubscribe", "/outs", "/meters/5", 0, 0, 1)
    paths = ["/meters/0", "/meters/0", "/mine", "/meters/0", "/meters/5"]
    for client, path in zip(clients, paths):
        wait_until(lambda: len(client.on(path)) >= 3, what=f"three {path} messages")
    wait_until(lambda: len(clients[4].on("/outs")) >= 3, what="three /outs messages")
    assert max(Counter(made).values()) == 1  # per tick: (0, 2), (0, 0) and (5, 0) once each
    assert {(number, arg) for _, number, arg in made} == {(0, 2), (0, 0), (5, 0)}
    assert blob_levels(clients[2].on("/mine")[0])[0] == pytest.approx(TONE_3, abs=0.2)


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
    # The RTA, automix, DCA and recorder banks (mixerd has none of them) and banks no X AIR has.
    for number in (4, 7, 8, 9, 10, 99):
        client.send("/meters", f"/meters/{number}")
    client.send("/batchsubscribe", "meters/4", "/meters/4", 0, 0, 1)
    client.send("/meters", "/meters/x")
    client.send("/subscribe", "/no/such/path", 1)
    client.sync()
    assert not server.ticking and server.stats["unknown"] == 9


def test_a_tick_that_fails_does_not_stop_the_meters(serve, peer, playing, monkeypatch):
    server = serve()
    real, calls = server.meters.blob, []

    def failing_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("a bug in one tick")
        return real(*args, **kwargs)

    monkeypatch.setattr(server.meters, "blob", failing_once)
    client = peer(server)
    client.send("/meters", "/meters/1")
    assert len(blob_levels(client.wait_for("/meters/1"))) == 40  # a later tick
    assert len(calls) >= 2
