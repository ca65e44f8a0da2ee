"""X AIR apps of a real mixerd OSC front end, in a process of their own (as tablets are their own devices: they
must not share the server's interpreter lock). Prints what they received as one JSON object.

    python -m mixerd.bench.osc_apps <host> <port> [--apps N] [--changes N] [--changes-hz H] [--channels C]

Each app does what X AIR Edit or Mixing Station does while a mixer page is open: follows every change
(``/xremote``) and gets ``/meters/1`` every 50 ms, renewing both every ``RENEW_S`` (the X AIR drops them 10 s
after the last renewal). Once every app is in (each one's ``/status`` answered after its subscriptions, so
the server has them), a driver app (not following) sets a start marker (channel 1's name "start"), then
``--changes`` channel faders at ``--changes-hz`` (channels 1…C in turn, each on a step one above its last),
then an end marker (the name "end"). The server sends changes and meter ticks from one thread, each to every
subscriber before the next, so between the two markers every app must see the same changes in the same order
and the same number of meter blobs.

Output: per app, every ``/ch/NN/mix/fader`` value received between the markers in order, the meter blobs
received there and when (seconds since the start marker), whether the end marker came and when; the driver's
changes as sent (``sent_faders``: path and value, in order) and its seconds from start to end marker. Used by
tests/osc/test_osc_load.py and ``mixerd bench --workload daemon``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
from typing import Any

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

APPS = 16
CHANGES = 600
CHANGES_HZ = 200.0
CHANNELS = 8
RENEW_S = 5.0  # X AIR apps renew well within the 10 s a subscription lives
START, END = "start", "end"
MARKER = "/ch/01/config/name"
#: Room for what arrives while the app's process waits for a core: the kernel caps SO_RCVBUF at rmem_max for
#: everybody but root (SO_RCVBUFFORCE); a change is one small datagram.
RECV_BUFFER = 8 << 20
END_WAIT_S = 120.0  # a bound on waiting for the end marker, not a measurement


def osc(path: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(path)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def _socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
        if option is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, RECV_BUFFER)
            break
        except OSError:  # not root: the capped buffer
            continue
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


class App(asyncio.DatagramProtocol):
    """One app: what it received between the markers."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.transport: asyncio.DatagramTransport | None = None
        self.status = asyncio.Event()
        self.ended = asyncio.Event()
        self.started_at: float | None = None
        self.ended_after: float | None = None  # seconds from the start marker to the end marker
        self.faders: list[tuple[str, float]] = []
        self.meters: list[float] = []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        message = OscMessage(data)
        path = message.address
        if path == "/status":
            self.status.set()
        elif path == MARKER:
            if message.params == [START]:
                self.started_at = self.loop.time()
            elif message.params == [END] and self.started_at is not None and not self.ended.is_set():
                self.ended_after = self.loop.time() - self.started_at
                self.ended.set()
        elif self.started_at is None or self.ended.is_set():
            return
        elif path == "/meters/1":
            self.meters.append(self.loop.time() - self.started_at)
        elif path.endswith("/mix/fader"):
            self.faders.append((path, message.params[0]))

    def result(self) -> dict[str, Any]:
        return {"faders": self.faders, "meters": self.meters, "ended": self.ended.is_set(),
                "ended_after": self.ended_after}


async def run(host: str, port: int, apps: int = APPS, changes: int = CHANGES, hz: float = CHANGES_HZ,
              channels: int = CHANNELS) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    server = (host, port)
    followers: list[App] = []
    for _ in range(apps):
        _, app = await loop.create_datagram_endpoint(lambda: App(loop), sock=_socket())
        followers.append(app)
    _, driver = await loop.create_datagram_endpoint(lambda: App(loop), sock=_socket())

    def send(app: App, packet: bytes) -> None:
        app.transport.sendto(packet, server)

    for app in followers:
        send(app, osc("/xremote"))
        send(app, osc("/meters", "/meters/1"))
        send(app, osc("/status"))  # answered after the two above are in
    await asyncio.wait_for(asyncio.gather(*(app.status.wait() for app in followers)), END_WAIT_S)

    async def renew() -> None:
        while True:
            await asyncio.sleep(RENEW_S)
            for app in followers:
                send(app, osc("/xremote"))
                send(app, osc("/meters", "/meters/1"))

    renewing = asyncio.create_task(renew())
    sent: list[tuple[str, float]] = []
    try:
        begun = loop.time()
        send(driver, osc(MARKER, START))
        due = loop.time()
        for n in range(changes):
            channel, stroke = n % channels + 1, n // channels
            path, value = f"/ch/{channel:02d}/mix/fader", (100 + stroke % 800) / 1023
            send(driver, osc(path, value))
            sent.append((path, value))
            due += 1.0 / hz
            await asyncio.sleep(max(0.0, due - loop.time()))
        send(driver, osc(MARKER, END))
        sent_s = loop.time() - begun
        try:
            await asyncio.wait_for(asyncio.gather(*(app.ended.wait() for app in followers)), END_WAIT_S)
        except asyncio.TimeoutError:
            pass  # reported: an app without its end marker
    finally:
        renewing.cancel()
        for app in followers + [driver]:
            app.transport.close()
    return {"apps": [app.result() for app in followers], "sent": changes, "sent_faders": sent, "sent_s": sent_s}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m mixerd.bench.osc_apps")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--apps", type=int, default=APPS)
    parser.add_argument("--changes", type=int, default=CHANGES)
    parser.add_argument("--changes-hz", type=float, default=CHANGES_HZ)
    parser.add_argument("--channels", type=int, default=CHANNELS)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.host, args.port, args.apps, args.changes, args.changes_hz, args.channels))


if __name__ == "__main__":
    print(json.dumps(main()))
