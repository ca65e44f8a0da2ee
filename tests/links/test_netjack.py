"""A netjack2 link's parts without JACK: its config, jackd's words read into the joining box's stream, the
adapter's options, the ports each side connects, and the status and problems the stream makes (the graph
given by a fake server). The two boxes for real: test_netjack_jack.py."""

from __future__ import annotations

import pytest

from mixerd.config import ConfigError, LinkConfig, parse_config
from mixerd.links.describe import describe_links
from mixerd.links.names import read_sent, sent
from mixerd.links.netjack import NetjackStream
from mixerd.links.supervisor import Links
from mixerd.model.layout import BusLayout, Layout

LAYOUT = Layout(inputs=("Kick", "Snare", "stage 1", "stage 2"),
                buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True)))

# What jackd prints for a netadapter (jackd2 1.9.21), in order: loaded, connected, its buffer ran dry, master gone.
JOINING = ["Ringbuffer automatic adaptative mode size = 2048 frames",
           "NetAdapter started in sync mode without Master's transport sync.", "Waiting for a master...",
           "Initializing connection with foh...", "Name : link-stage", "Period size : 64 frames per period"]
LOST = ["Recv fd = 19 err = Resource temporarily unavailable", "Recv connection lost error",
        "NetAdapter is restarted", "Waiting for a master..."]


def read(lines, stream=None, t0=0.0, step=0.25):
    stream = stream or NetjackStream(since=t0)
    for i, line in enumerate(lines):
        stream.read(line, t0 + i * step)
    return stream


def test_the_config_of_a_master_and_of_a_box_that_joins():
    cfg = parse_config({"link": [{"name": "stage", "engine": "netjack2", "send": ["bus/1"], "receive": 4}]})
    assert cfg.link[0].peer == "" and cfg.link[0].send == ("bus/1",)  # a master sends without a peer
    with pytest.raises(ConfigError, match="sends bus/1 but has no peer"):
        parse_config({"link": [{"name": "stage", "send": ["bus/1"]}]})  # zita needs one
    with pytest.raises(ConfigError, match='link.engine = "jacktrip" is not allowed; choose one of "zita", "netjack2"'):
        parse_config({"link": [{"name": "stage", "engine": "jacktrip", "receive": 1}]})
    with pytest.raises(ConfigError, match=r'must share one port.*"a": 30200, "b": 30300'):
        parse_config({"link": [{"name": "a", "engine": "netjack2", "receive": 1},
                               {"name": "b", "engine": "netjack2", "receive": 1, "port": 30300}]})


def test_the_joining_box_reads_its_stream_in_jackds_output():
    s = read(JOINING)
    assert (s.state, s.sender, s.dropouts, s.resyncs) == ("receiving", "foh", 0, 0)
    # the adapter complains once a period while it runs dry: one dropout a quarter second
    read(["JackRingBuffer::Read : producer too slow, missing frames = 64"] * 10, s, t0=10.0, step=0.0015)
    read(["JackRingBuffer::Write : consumer too slow, skip frames = 64"], s, t0=10.3)
    assert s.dropouts == 2 and s.dropouts_since(9.0) == 2 and s.dropouts_since(0.0) == 2
    read(LOST, s, t0=20.0)
    assert (s.state, s.resyncs) == ("waiting", 1)


def test_the_master_sees_the_other_box_come_and_go():
    s = NetjackStream(since=0.0)
    s.seen(False, 1.0)
    assert s.state == "waiting" and s.dropouts == 0
    s.seen(True, 2.0)
    s.seen(False, 3.0)  # it went: its audio stopped
    assert (s.state, s.dropouts, s.dropouts_since(0.5)) == ("waiting", 1, 1)


class Running:
    """A loader's process that runs."""

    pid = 4242

    def poll(self):
        return None


class Graph:
    """A JACK server with the ports ``names`` (another client's too) and mixerd's; records connections."""

    client_name = "mixerd"

    def __init__(self, names=(), period=64):
        self.names, self.period, self.server_output, self.connected = list(names), period, [], []

    def port_names(self, pattern):
        import re
        return [n for n in self.names if re.match(pattern, n)]

    def connect_ports(self, pairs):
        self.connected += pairs
        return []

    def feeders(self, port):
        return ["system:capture_1"] if port == "mixerd:in_1" else []

    def info(self):
        return {"sample_rate": 48000, "period": self.period}


def test_the_adapter_is_pointed_at_the_master_with_a_ring_buffer_of_a_power_of_two():
    links = Links([LinkConfig(name="stage", engine="netjack2", peer="127.0.0.1", port=30200, send=("ch/1", "bus/2"),
                              receive=2, buffer_ms=20)], LAYOUT, Graph(), server="box", first_input=3)
    end = links.links[0].netjack
    # 20 ms is 960 frames at 48 kHz; the ring holds twice that, rounded up to a power of two (others carry silence)
    assert end.ring_frames() == 2048 and end.latency_ms(64, 48000) == pytest.approx(21.33 + 2.67, abs=0.01)
    assert end._adapter_options() == ("-a 127.0.0.1 -p 30200 -C 2 -P 3 -n link-stage -l 2 -q 2 -g 2048")
    assert links.manager is None and end.recv_ports == ["link-stage:capture_1", "link-stage:capture_2"]
    assert end.send_ports == ["link-stage:playback_1", "link-stage:playback_2", "link-stage:playback_3"]
    assert links._pairs(links.links[0], end) == [
        ("link-stage:capture_1", "mixerd:in_3"), ("link-stage:capture_2", "mixerd:in_4"),
        ("system:capture_1", "link-stage:playback_1"), ("mixerd:bus_2_L", "link-stage:playback_2"),
        ("mixerd:bus_2_R", "link-stage:playback_3")]


def test_the_master_connects_the_joining_box_once_it_is_there_and_says_what_it_carries():
    clock = [0.0]
    graph = Graph()
    links = Links([LinkConfig(name="stage", engine="netjack2", send=("bus/1",), receive=2)], LAYOUT, graph,
                  server=None, first_input=3, clock=lambda: clock[0])
    [link] = links.links
    end = link.netjack
    assert links.manager is not None and end.loader is links.manager and graph.server_output == []
    end.loader._proc = Running()  # the manager loaded (a stand-in for its jack_load process)
    links._tend(link, end)
    assert end.stream.state == "waiting" and graph.connected == []
    clock[0] = 6.0
    links._tend(link, end)
    [down] = links.problems()
    assert down.code == "link_down" and "not connected for 6 s (waiting for the other box to join)" in down.message
    assert "its peer this box's address, UDP port 30200" in down.fix
    graph.names = ["link-stage:to_slave_1", "link-stage:from_slave_1", "link-stage:from_slave_2"]
    clock[0] = 7.0
    links._tend(link, end)
    assert links.problems() == [] and graph.connected == [
        ("link-stage:from_slave_1", "mixerd:in_3"), ("link-stage:from_slave_2", "mixerd:in_4"),
        ("mixerd:bus_1", "link-stage:to_slave_1")]
    status = links.status()[0]
    assert status["role"] == "master" and status["other_box"] == {"sends": 2, "receives": 1}
    assert status["receive"]["state"] == "receiving" and status["send"]["to"] == "the box joining on UDP 30200"
    graph.names = []
    clock[0] = 8.0
    links._tend(link, end)  # it went
    [dropped] = links.problems()
    assert dropped.code == "link_dropouts" and "1 dropout in the last minute" in dropped.message


def test_one_adapter_reads_jackds_output_and_what_it_says_the_mixer_knows():
    graph = Graph()
    links = Links([LinkConfig(name="stage", engine="netjack2", peer="10.0.0.1", receive=1)], LAYOUT, graph,
                  server=None, first_input=3)
    [listener] = graph.server_output
    for line in JOINING:
        listener(line)
    end = links.links[0].netjack
    assert end.reads_output and end.stream.state == "receiving"
    # two adapters on one jackd: its lines do not say whose they are, so neither reads them
    graph = Graph()
    Links([LinkConfig(name="a", engine="netjack2", peer="10.0.0.1", receive=1),
           LinkConfig(name="b", engine="netjack2", peer="10.0.0.2", receive=1)], LAYOUT, graph, server=None,
          first_input=3)
    assert graph.server_output == []


def test_the_sender_names_a_master_sends_go_to_whoever_joins_it():
    [entry] = sent([LinkConfig(name="stage", engine="netjack2", send=("ch/1",))], LAYOUT, {"ch/1/name": "Kick"})
    assert entry["to"] == "*:30200"
    assert read_sent([entry]) == [{"name": "stage", "host": "*", "port": 30200, "channels": ["Kick"]}]


def test_mixerd_profiles_says_who_is_the_master_and_what_the_other_box_needs():
    hardware = Layout(inputs=("In 1", "In 2"), buses=(BusLayout("Wedge"),))
    lines = describe_links([LinkConfig(name="stage", engine="netjack2", send=("bus/1",), receive=2)], hardware)
    assert lines[1:] == [
        "  stage (netjack2):", "    is the netjack2 master on UDP port 30200: the other box joins it",
        '    receives 2 channels → ch/3 … ch/4 ("stage 1" … "stage 2")',
        "    sends 1 channel: bus/1 (mixerd:bus_1)",
        "    the other box's matching [[link]] (netjack2 pairs the two by name):", "      [[link]]",
        '      name = "stage"', '      engine = "netjack2"', '      peer = "<this box\'s address>"',
        "      port = 30200",
        "      send = [<2 of its channels, mixes or its main>]", "      receive = 1"]
    joining = describe_links([LinkConfig(name="stage", engine="netjack2", peer="foh.local", receive=1)], hardware)
    assert "    joins the netjack2 master at foh.local, UDP port 30200" in joining[2]
    assert joining[-2:] == ['      port = 30200', "      send = [<1 of its channels, mixes or its main>]"]
