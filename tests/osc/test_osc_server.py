"""The OSC front end on real UDP sockets, driven by the real ``xair-api`` client library and a plain OSC peer:
discovery, values read and changed through the control core, following changes (/xremote, /xremotenfb) with
the X AIR's expiry, and the limits (allow, read_only, mixes)."""

from __future__ import annotations

import logging
import socket

import pytest
from osc_rig import read, xair
from support import wait_until

from mixerd.osc.server import FIRMWARE, MODEL, actor_of


# ---- discovery -------------------------------------------------------------------------------------

def test_the_real_client_connects_to_an_xr18(serve):
    server = serve()
    with xair(server) as mixer:  # xair-api validates the connection with /xinfo
        assert list(mixer.info_response) == ["127.0.0.1", "mixerd-test", MODEL, FIRMWARE]


def test_info_and_status_answer_as_an_x_air(serve, peer):
    client = peer(serve())
    assert client.ask("/info") == ["V0.04", "mixerd-test", "XR18", FIRMWARE]
    assert client.ask("/status") == ["active", "127.0.0.1", "mixerd-test"]


def test_a_broadcast_xinfo_reaches_a_mixer_bound_to_every_interface(serve, peer):
    server = serve(host="0.0.0.0")
    client = peer(server)
    client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    # An app looking for mixers broadcasts /xinfo; the loopback network's broadcast address keeps this test on
    # this machine.
    client.send("/xinfo", to=("127.255.255.255", server.address[1]))
    assert client.wait_for("/xinfo") == ["127.0.0.1", "mixerd-test", "XR18", FIRMWARE]


# ---- values through the control core ---------------------------------------------------------------

def test_faders_mutes_sends_and_names_set_in_the_app_reach_the_mixer(serve, control):
    server = serve()
    with xair(server) as mixer:
        mixer.strip[0].mix.fader = -6.0
        mixer.strip[1].mute = True
        mixer.strip[2].send[1].level = -12.0
        mixer.strip[3].config.name = "Kick"
        mixer.bus[0].mix.fader = -3.0
        mixer.lr.mix.fader = -10.0
        wait_until(lambda: control.get("ch/4/name") == "Kick", what="the name")
        wait_until(lambda: control.get("main/fader") != 0.0, what="the main fader")
    assert control.get("ch/1/fader") == pytest.approx(-6.0, abs=0.05)  # the X AIR fader's step nearest -6 dB
    assert control.get("ch/2/mute") is True
    assert control.get("ch/3/send/2/level") == pytest.approx(-12.0, abs=0.1)
    assert control.get("bus/1/fader") == pytest.approx(-3.0, abs=0.05)
    assert control.get("main/fader") == pytest.approx(-10.0, abs=0.05)
    entry = control.history(1)[0]
    assert entry.origin == "osc" and entry.actor.startswith("osc:127.0.0.1:")


def test_values_changed_elsewhere_read_back_in_the_app(serve, control):
    server = serve()
    control.set_many({"ch/1/fader": -20.0, "ch/2/mute": True, "ch/3/send/2/level": -30.0, "ch/4/name": "Snare",
                      "bus/2/fader": -5.0}, "rest")
    with xair(server) as mixer:
        read(lambda: mixer.strip[0].mix.fader, -20.0, "the fader")
        read(lambda: mixer.strip[1].mute, True, "the mute")
        read(lambda: mixer.strip[2].send[1].level, -30.0, "the send")
        read(lambda: mixer.strip[3].config.name, "Snare", "the name")
        read(lambda: mixer.bus[1].mix.fader, -5.0, "the bus fader")


def test_eq_set_in_the_app_lands_on_the_x_air_step_and_reads_back(serve, control):
    server = serve()
    with xair(server) as mixer:
        eq = mixer.strip[0].eq
        eq.on = True
        eq.lomid.gain = 4.5  # band 2
        eq.lomid.frequency = 1000.0
        eq.lomid.quality = 2.0
        wait_until(lambda: control.get("ch/1/eq/on") is True, what="the EQ on")
        wait_until(lambda: control.get("ch/1/eq/2/gain") == 4.5, what="the EQ gain (on a 0.25 dB step)")
        # Frequency: 201 steps from 20 Hz to 20 kHz; Q: 72 steps from 10 to 0.3 (the X AIR's scales).
        wait_until(lambda: control.get("ch/1/eq/2/freq") == pytest.approx(1000.0, rel=0.02), what="the frequency")
        wait_until(lambda: control.get("ch/1/eq/2/q") == pytest.approx(2.0, rel=0.03), what="the Q")
        read(lambda: eq.lomid.gain, 4.5, "the gain read back")
        read(lambda: eq.on, True, "the EQ on read back")


def test_a_refused_value_changes_nothing_and_the_server_goes_on(serve, peer, control):
    client = peer(serve())
    client.send("/ch/01/config/name", "x" * 500)  # longer than a name may be: the control core refuses it
    client.send("/ch/01/mix/fader", 0.5)
    client.sync()
    wait_until(lambda: control.get("ch/1/fader") != 0.0, what="the next change")
    assert control.get("ch/1/name") != "x" * 500


# ---- following changes -----------------------------------------------------------------------------

def test_a_change_from_another_front_end_reaches_every_follower_in_order(serve, peer, control):
    server = serve()
    followers = [peer(server) for _ in range(16)]
    for follower in followers:
        follower.send("/xremote")
        follower.sync()  # handled: the server follows the control's changes from here on
    levels = [-40.0, -30.0, -20.0, -10.0, 0.0]
    for level in levels:
        control.set("ch/1/fader", level, "rest")
    for follower in followers:
        wait_until(lambda: len(follower.on("/ch/01/mix/fader")) == len(levels), what="every change")
        faders = [args[0] for args in follower.on("/ch/01/mix/fader")]
        assert faders == sorted(faders) and len(set(faders)) == len(levels)  # in order: each louder than the last


def test_xremotenfb_leaves_out_the_clients_own_changes(serve, peer, control):
    server = serve()
    quiet, loud = peer(server), peer(server)
    quiet.send("/xremotenfb")
    loud.send("/xremote")
    quiet.sync()
    loud.sync()
    quiet.send("/ch/01/mix/fader", 0.25)
    wait_until(lambda: len(loud.on("/ch/01/mix/fader")) == 1, what="the change, at the other follower")
    loud.send("/ch/02/mix/fader", 0.5)
    wait_until(lambda: len(quiet.on("/ch/02/mix/fader")) == 1, what="the other's change, at the nfb follower")
    quiet.sync()  # answered after anything sent to it before
    loud.sync()
    assert quiet.on("/ch/01/mix/fader") == []  # its own change did not come back
    assert len(loud.on("/ch/02/mix/fader")) == 1  # /xremote: feedback of its own change too
    # Each on the X AIR fader's step (1024 of them) nearest to what was sent.
    assert loud.on("/ch/01/mix/fader")[0][0] == pytest.approx(0.25, abs=0.5 / 1023)
    control.set("ch/1/mute", True, "rest")
    assert quiet.wait_for("/ch/01/mix/on") == [0]


def test_a_subscription_lives_10_s_after_its_last_renewal(serve, peer, control, clock):
    server = serve()
    follower, witness = peer(server), peer(server)
    follower.send("/xremote")
    follower.sync()
    clock.now += 9.9
    control.set("ch/1/mute", True, "rest")
    assert follower.wait_for("/ch/01/mix/on") == [0]
    follower.send("/xremote")  # renewed at 9.9 s
    follower.sync()
    clock.now += 9.9  # 19.8 s: 9.9 s after the renewal
    control.set("ch/1/mute", False, "rest")
    wait_until(lambda: follower.on("/ch/01/mix/on") == [[0], [1]], what="the change 9.9 s after the renewal")
    clock.now += 0.1  # 10 s after the renewal: expired
    witness.send("/xremote")
    witness.sync()
    control.set("ch/1/mute", True, "rest")
    assert witness.wait_for("/ch/01/mix/on") == [0]  # sent by now to whoever still follows
    follower.sync()
    assert follower.on("/ch/01/mix/on") == [[0], [1]]


def test_a_follower_that_fell_behind_gets_every_value_again(serve, peer, control, monkeypatch):
    import threading

    import mixerd.osc.server

    monkeypatch.setattr(mixerd.osc.server, "EVENT_BACKLOG", 4)
    server = serve()
    follower = peer(server)
    follower.send("/xremote")
    follower.sync()
    stalled = threading.Event()
    server._loop.call_soon_threadsafe(stalled.wait, 30)  # the server's thread stalls (a busy machine)...
    for n in range(1, 11):  # ... while more changes come than its backlog holds
        control.set(f"ch/{n}/mute", True, "rest")
    stalled.set()
    for n in range(1, 11):
        wait_until(lambda: [0] in follower.on(f"/ch/{n:02d}/mix/on"), what=f"channel {n}'s mute")
    wait_until(lambda: follower.on("/ch/16/mix/on") == [[1]], what="an unchanged value too: the whole state")
    assert server.stats["resyncs"] == 1


def subscribers(control) -> int:
    return control.health()["control"]["subscribers"]


def test_the_control_stream_is_followed_only_while_somebody_follows(serve, peer, control, clock):
    server = serve()
    assert subscribers(control) == 0
    follower = peer(server)
    follower.send("/xremote")
    follower.sync()
    assert subscribers(control) == 1
    clock.now += 10
    control.set("ch/1/mute", True, "rest")  # nobody is left to send it to: the server lets go of the stream
    wait_until(lambda: subscribers(control) == 0, what="the subscription closed")


def test_a_fader_drag_ends_where_the_finger_stopped(serve, peer, control):
    client = peer(serve())
    for k in range(1, 101):  # an app's drag: faster than changes may reach the disk
        client.send("/ch/01/mix/fader", k / 1023)
    client.send("/ch/01/mix/fader", 0.5)  # -10 dB, where it stops
    client.send("/ch/02/mix/fader", 0.25)  # -30 dB: applied after everything before it
    wait_until(lambda: control.get("ch/2/fader") == -30.0, what="the change after the drag")
    assert control.get("ch/1/fader") == -10.0


def test_each_osc_client_undoes_its_own_changes(serve, peer, control):
    server = serve()
    client = peer(server)
    client.send("/ch/01/mix/fader", 0.25)
    client.sync()
    wait_until(lambda: control.get("ch/1/fader") != 0.0, what="the change")
    control.set("ch/2/fader", -6.0, "rest")
    control.undo(actor_of(client.address))
    assert control.get("ch/1/fader") == 0.0 and control.get("ch/2/fader") == -6.0


# ---- limits ----------------------------------------------------------------------------------------

def test_a_datagram_from_outside_allow_is_ignored_and_logged_once(serve, peer, caplog):
    server = serve(allow=["127.0.0.2/32"])
    outsider, insider = peer(server, "127.0.0.1"), peer(server, "127.0.0.2")
    with caplog.at_level(logging.WARNING, "mixerd.osc"):
        outsider.send("/xinfo")
        outsider.send("/ch/01/mix/fader", 0.1)
        assert insider.ask("/status") == ["active", "127.0.0.1", "mixerd-test"]
    assert server.stats["denied"] == 2 and server.stats["answered"] == 1  # only the insider was answered
    assert [r.message for r in caplog.records].count(
        "osc: ignoring datagrams from 127.0.0.1: not in [osc] allow (127.0.0.2/32)") == 1


def test_read_only_answers_and_follows_but_changes_nothing(serve, peer, control, caplog):
    server = serve(read_only=True)
    client = peer(server)
    with caplog.at_level(logging.DEBUG, "mixerd.osc"):
        client.send("/xremote")
        client.send("/ch/01/mix/fader", 0.25)
        client.send("/ch/01/mix/on", 0)
        client.sync()
    assert control.get("ch/1/fader") == 0.0 and control.get("ch/1/mute") is False
    assert server.stats["refused"] == 2
    assert sum("read-only" in r.message for r in caplog.records) == 1  # once per client
    assert client.ask("/ch/01/mix/on") == [1]
    control.set("ch/1/mute", True, "rest")
    wait_until(lambda: client.on("/ch/01/mix/on")[-1] == [0], what="a change from elsewhere, followed")


def test_mixes_limit_an_app_to_its_own_mix(serve, peer, control):
    server = serve(mixes=[2])
    client = peer(server)
    client.send("/ch/01/mix/01/level", 0.25)  # another mix's send
    client.send("/ch/01/mix/fader", 0.25)  # the main mix
    client.send("/ch/01/mix/02/level", 0.5)  # its own mix's send
    client.send("/bus/2/mix/fader", 0.5)  # its own mix's master
    client.sync()
    wait_until(lambda: control.get("bus/2/fader") != control.tree.spec("bus/2/fader").default, what="its master")
    assert control.get("ch/1/send/2/level") != control.tree.spec("ch/1/send/2/level").default
    assert control.get("ch/1/send/1/level") == control.tree.spec("ch/1/send/1/level").default
    assert control.get("ch/1/fader") == 0.0
    assert server.stats["refused"] == 2


# ---- IPv6 ------------------------------------------------------------------------------------------

def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")


class Peer6:
    """An app on IPv6: sends a message, reads the next answer."""

    def __init__(self, server):
        self.server = ("::1", server.address[1])
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.bind(("::1", 0))
        self.sock.settimeout(15)

    def send(self, path, *args):
        from pythonosc.osc_message_builder import OscMessageBuilder

        builder = OscMessageBuilder(path)
        for arg in args:
            builder.add_arg(arg)
        self.sock.sendto(builder.build().dgram, self.server)

    def receive(self):
        from pythonosc.osc_message import OscMessage

        message = OscMessage(self.sock.recv(65535))
        return message.address, message.params


@needs_ipv6
@pytest.mark.parametrize("host", ["::1", "::"])
def test_an_app_on_ipv6_discovers_changes_and_follows(serve, control, host):
    server = serve(host=host)
    app = Peer6(server)
    try:
        app.send("/xinfo")
        assert app.receive() == ("/xinfo", ["::1", "mixerd-test", MODEL, FIRMWARE])
        app.send("/ch/01/mix/fader", 0.5)  # -10 dB
        wait_until(lambda: control.get("ch/1/fader") == -10.0, what="the change over IPv6")
        assert control.history(1)[0].actor == actor_of(app.sock.getsockname())
        app.send("/xremote")
        app.send("/status")
        assert app.receive()[0] == "/status"  # /xremote is in
        control.set("ch/2/mute", True, "rest")
        assert app.receive() == ("/ch/02/mix/on", [0])
    finally:
        app.sock.close()


@needs_ipv6
def test_a_mixer_on_every_ipv6_and_ipv4_interface_answers_an_ipv4_app(serve, control):
    from osc_rig import Peer

    server = serve(host="::")  # a dual-stack socket: IPv4 apps arrive as ::ffff:127.0.0.1
    client = Peer(("127.0.0.1", server.address[1]))
    try:
        assert client.ask("/xinfo") == ["127.0.0.1", "mixerd-test", MODEL, FIRMWARE]
        client.send("/ch/03/mix/on", 0)
        wait_until(lambda: control.get("ch/3/mute") is True, what="the change from an IPv4 app")
    finally:
        client.close()
