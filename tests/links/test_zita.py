"""A link's parts without JACK: zita-n2j's output read into the stream's state (its lines as zita-njbridge 0.4.8
prints them), the command lines, the ports a link sends, and the problems a link's state makes."""

from __future__ import annotations

import pytest

from mixerd.config import LinkConfig
from mixerd.links.supervisor import LinkError, Links, link_channel_names, plan_sources
from mixerd.links.zita import StreamState, ZitaEnd
from mixerd.model.layout import BusLayout, Layout

LAYOUT = Layout(inputs=("Kick", "Snare", "stage 1", "stage 2"),
                buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True), BusLayout("Drums", kind="group")))

RECEIVING = ["Waiting for info packet...", "From 10.0.0.2 : 8 chan, 48000 Hz", "Resampler filter delay is 32.",
             "Syncing...", "Receiving.", " 47   -0.161  1.000021      280   0", " 47    1.038  0.999762       22   0"]


def read(lines: list[str], state: StreamState | None = None, t0: float = 0.0) -> StreamState:
    state = state or StreamState(since=t0)
    for i, line in enumerate(lines):
        state.read(line + "\n", t0 + i * 0.25)
    return state


def test_a_receiver_locks_and_reports_its_buffer():
    s = read(RECEIVING)
    assert (s.state, s.sender, s.sender_channels, s.sender_rate, s.filter_delay) == ("receiving", "10.0.0.2", 8,
                                                                                      48000, 32)
    assert (s.min_frames, s.ratio, s.dropouts, s.resyncs) == (22, 0.999762, 0, 0)


def test_a_buffer_that_runs_dry_is_a_dropout_and_a_lost_lock_a_resync():
    s = read([*RECEIVING, " 47    5.280  1.000030     -120   0", " 46   -0.6  1.0001      151   0",
              "Waiting for 10.0 seconds...", "Syncing...", "Receiving.", "Transmitter terminated."])
    assert s.dropouts == 1 and s.resyncs == 1 and s.state == "waiting"
    assert s.dropouts_since(0.0) == 1 and s.dropouts_since(100.0) == 0


def test_a_restart_is_a_dropout_and_the_stream_starts_over():
    s = read(RECEIVING)
    s.restarted(10.0)
    assert (s.state, s.since, s.sender, s.dropouts) == ("starting", 10.0, None, 1)


def test_the_command_lines():
    link = LinkConfig(name="stage", peer="10.0.0.2", port=30200, peer_port=30210, send=("ch/1", "main"), receive=3,
                      buffer_ms=5)
    send, receive = ZitaEnd(link, "send", "box", 3), ZitaEnd(link, "receive", None, 3)
    assert send.argv() == ["stdbuf", "-oL", "zita-j2n", "--jname", "link-stage-out", "--jserv", "box", "--chan", "3",
                           "10.0.0.2", "30210"]
    assert receive.argv() == ["stdbuf", "-oL", "zita-n2j", "--jname", "link-stage-in", "--chan", "1-3", "--buff",
                              "5", "--info", "0.0.0.0", "30200"]


def test_what_a_link_sends_and_where_its_channels_go():
    link = LinkConfig(name="foh", peer="x", send=("ch/2", "bus/2", "bus/1", "main"))
    assert [(s.owner, s.port, s.feeds) for s in plan_sources(link, LAYOUT, "mixerd")] == [
        ("ch/2", "mixerd:in_2", True), ("bus/2", "mixerd:bus_2_L", False), ("bus/2", "mixerd:bus_2_R", False),
        ("bus/1", "mixerd:bus_1", False), ("main", "mixerd:main_L", False), ("main", "mixerd:main_R", False)]
    assert link_channel_names([LinkConfig(name="stage", receive=2), LinkConfig(name="b", receive=1)]) == (
        "stage 1", "stage 2", "b 1")


@pytest.mark.parametrize("source", ["ch/5", "bus/3", "bus/9"])
def test_a_source_the_mixer_has_not_is_refused_with_what_it_has(source):
    with pytest.raises(LinkError) as err:
        plan_sources(LinkConfig(name="foh", peer="x", send=(source,)), LAYOUT, "mixerd")
    assert f"sends {source}, which this mixer does not have; it can send ch/1…ch/4, bus/1, bus/2, main" in str(err.value)


class NoJack:
    """Ports for a mixer whose JACK server is away."""

    client_name = "mixerd"

    def connect_ports(self, pairs):
        return [f"{a} → {b}" for a, b in pairs]

    def feeders(self, port):
        return []

    def info(self):
        return {"sample_rate": 48000}


def test_problems_follow_the_stream():
    clock = [0.0]
    links = Links([LinkConfig(name="stage", receive=2, buffer_ms=5)], LAYOUT, NoJack(), server=None, first_input=3,
                  clock=lambda: clock[0])
    [link] = links.links
    assert link.inputs == [3, 4] and links.problems() == []  # just started
    clock[0] = 6.0  # nothing received for 6 s
    [down] = links.problems()
    assert (down.code, down.address) == ("link_down", "ch/3") and "nothing received for 6 s" in down.message
    read(RECEIVING, link.receiver.stream, t0=6.0)
    clock[0] = 10.0
    assert links.problems() == []
    status = links.status()[0]["receive"]
    assert status["state"] == "receiving" and status["channels"] == ["ch/3", "ch/4"]
    assert status["latency_ms"] == pytest.approx(5 + 32 / 48, abs=0.01)  # the buffer and the resampler's delay
    link.receiver.stream.read(" 47    5.280  1.000030     -120   0\n", 11.0)
    [dropped] = links.problems()
    assert dropped.code == "link_dropouts" and "1 dropout in the last minute" in dropped.message
    clock[0] = 80.0  # a minute later it is history
    assert links.problems() == []
