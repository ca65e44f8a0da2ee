"""WebSocket clients of a real mixerd web app, in a process of their own (as phones are their own devices:
they must not share the server's interpreter lock). Prints what they measured as one JSON object.

    python -m mixerd.bench.clients changes <base url> <admin token> <mix 1 token> <mix 2 token> [--clients N ...]
    python -m mixerd.bench.clients meters <base url> [<token>] [--clients N] [--seconds S] [--dragging D]

``changes``: each client holds a mix link (bus 1 or 2, in turn) and changes its own mix's sends; for every
change, when it reached each client (one change at a time, then all clients at once), and REST GET /state
answered meanwhile. Used by ``mixerd bench --workload ws`` and tests/web/test_ws_load.py.
``meters``: when each meter frame arrived at each client, the first D of them dragging a fader at 30 moves a
second meanwhile. Used by ``mixerd bench --workload meters`` and ``--workload daemon``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import time
from urllib.parse import urlsplit

from websockets.asyncio.client import connect

CLIENTS = 32
ROUNDS = 64  # one change at a time, each client makes two (after one first change)
WAVES = 3  # then every client changes something at the same moment, three times
ROUND_TIMEOUT_S = 5.0  # a bound on waiting, not a measurement


class Client:
    """One phone: its socket, its mix, and when each change (address, value) arrived."""

    def __init__(self, index: int, ws, bus: int, waits: dict, everyone: int):
        self.index = index
        self.ws = ws
        self.bus = bus
        self.waits = waits  # (address, value) -> (arrivals by client, all-arrived event)
        self.everyone = everyone  # how many clients each change must reach
        self.acks = 0

    async def read(self) -> None:
        loop = asyncio.get_running_loop()
        async for text in self.ws:
            if isinstance(text, bytes):
                continue  # a binary meter frame, up to 25 a second per client: received, not what is measured
            message = json.loads(text)
            if message["type"] == "change":
                entry = self.waits.get((message["address"], message["value"]))
                if entry is not None:
                    arrivals, done = entry
                    arrivals.setdefault(self.index, loop.time())
                    if len(arrivals) == self.everyone:
                        done.set()
            elif message["type"] == "ack":
                self.acks += 1
            elif message["type"] == "error":
                raise RuntimeError(f"client {self.index}: {message}")


async def _connected(url: str, tokens: list[str | None]) -> list:
    """One socket per token (None: no token), past its ``hello`` and ``state``."""
    base = url.replace("http://", "ws://") + "/api/v1/ws"
    sockets = await asyncio.gather(*(connect(base + (f"?token={t}" if t else ""), max_queue=None) for t in tokens))
    for ws in sockets:
        assert json.loads(await ws.recv())["type"] == "hello"
        assert json.loads(await ws.recv())["type"] == "state"
    return sockets


async def changes(url: str, admin: str, links: dict[int, str], clients: int = CLIENTS, rounds: int = ROUNDS,
                  waves: int = WAVES) -> dict:
    loop = asyncio.get_running_loop()
    waits: dict = {}
    sockets = await _connected(url, [links[i % 2 + 1] for i in range(clients)])
    phones = [Client(i, ws, i % 2 + 1, waits, clients) for i, ws in enumerate(sockets)]
    readers = [asyncio.create_task(c.read()) for c in phones]
    rest: list[float] = []
    stop = asyncio.Event()

    async def probe_rest() -> None:
        """GET /state every 50 ms on one keep-alive connection (http.client blocks: in a thread, timed there)."""
        where = urlsplit(url)
        api = http.client.HTTPConnection(where.hostname, where.port, timeout=10)

        def get_state() -> float:
            started = time.monotonic()
            api.request("GET", "/api/v1/state", headers={"Authorization": f"Bearer {admin}"})
            answer = api.getresponse()
            body = answer.read()
            assert answer.status == 200, body
            return time.monotonic() - started

        try:
            while not stop.is_set():
                rest.append(await asyncio.to_thread(get_state))
                await asyncio.sleep(0.05)
        finally:
            api.close()

    prober = asyncio.create_task(probe_rest())

    async def change(client: Client, n: int, value: float) -> list[float]:
        address = f"ch/{n % 3 + 1}/send/{client.bus}/level"  # within what the client's mix link may change
        arrivals: dict[int, float] = {}
        done = asyncio.Event()
        waits[(address, value)] = (arrivals, done)
        sent = loop.time()
        await client.ws.send(json.dumps({"type": "set", "address": address, "value": value, "id": n}))
        await asyncio.wait_for(done.wait(), ROUND_TIMEOUT_S)
        return [t - sent for t in arrivals.values()]

    try:
        # The server's first change ever pays one-off costs (worker threads, first database pages): measured
        # on its own, not part of the steady-state figures.
        first = await change(phones[0], 999, -19.0)
        await asyncio.sleep(0.05)
        sequential: list[float] = []
        for n in range(rounds):
            sequential += await change(phones[n % clients], n, -20.0 - n * 0.25)
            await asyncio.sleep(0.02)
        burst: list[float] = []
        for wave in range(waves):
            for got in await asyncio.gather(*(change(c, 1000 + wave * clients + c.index, -50.0 - wave - c.index * 0.1)
                                              for c in phones)):
                burst += got
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.2)  # the last acks
        acks = [c.acks for c in phones]
    finally:
        stop.set()
        await prober
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*readers, return_exceptions=True)
    for reader in readers:
        if reader.done() and reader.exception() is not None:
            raise reader.exception()
    return {"first": first, "sequential": sequential, "burst": burst, "rest": rest, "acks": acks}


#: How often a dragging finger moves a fader: what the web app sends while a finger moves (one change a frame).
DRAG_HZ = 30.0


async def drag(ws, channel: int, hz: float = DRAG_HZ) -> None:
    """A musician dragging channel ``channel``'s fader up and down without end, ``hz`` moves a second, each
    stroke one gesture (one undo step), as the web app sends it."""
    loop = asyncio.get_running_loop()
    n, due = 0, loop.time()
    while True:
        stroke, at = divmod(n, 60)  # 2 s strokes at 30 Hz: −40 dB up to 0 dB and back
        value = -40.0 + 40.0 * (at / 30 if at <= 30 else (60 - at) / 30)
        await ws.send(json.dumps({"type": "set", "address": f"ch/{channel}/fader", "value": round(value, 2),
                                  "gesture": f"drag-{stroke}"}))
        n, due = n + 1, due + 1.0 / hz
        await asyncio.sleep(max(0.0, due - loop.time()))


async def meters(url: str, token: str | None = None, clients: int = 1, seconds: float = 5.0,
                 dragging: int = 0, rta: int = 0) -> dict:
    """Each client's meter frame arrivals (seconds since the count began) over ``seconds``, and a frame's size;
    the first ``dragging`` clients also drag a fader each the whole time (``drag``), the last ``rta`` look at the
    main's RTA (1/6 octave) the whole time (its frames are counted: ``rta_frames``)."""
    loop = asyncio.get_running_loop()
    sockets = await _connected(url, [token] * clients)
    arrivals: list[list[float]] = [[] for _ in sockets]
    size = 0
    rta_frames = 0
    for ws in sockets[clients - rta:] if rta else []:
        await ws.send(json.dumps({"type": "rta", "point": "main", "per_octave": 6}))

    async def count(ws, got: list[float], began: float) -> None:
        nonlocal size, rta_frames
        async for data in ws:
            if isinstance(data, bytes):  # a binary meter frame
                got.append(loop.time() - began)
                size = len(data)
            elif rta and '"type":"rta"' in data.replace(" ", ""):
                rta_frames += 1

    began = loop.time()
    readers = [asyncio.create_task(count(ws, got, began)) for ws, got in zip(sockets, arrivals)]
    readers += [asyncio.create_task(drag(ws, i + 1)) for i, ws in enumerate(sockets[:dragging])]
    try:
        await asyncio.sleep(seconds)
        for reader in readers:
            if reader.done() and reader.exception() is not None:
                raise reader.exception()  # a socket that closed on us: the figures would be wrong
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for ws in sockets:
            await ws.close()
    return {"seconds": seconds, "arrivals": arrivals, "frame_bytes": size, "rta_frames": rta_frames}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m mixerd.bench.clients")
    sub = parser.add_subparsers(dest="mode", required=True)
    ch = sub.add_parser("changes")
    ch.add_argument("url")
    ch.add_argument("admin")
    ch.add_argument("mix1")
    ch.add_argument("mix2")
    ch.add_argument("--clients", type=int, default=CLIENTS)
    ch.add_argument("--rounds", type=int, default=ROUNDS)
    ch.add_argument("--waves", type=int, default=WAVES)
    me = sub.add_parser("meters")
    me.add_argument("url")
    me.add_argument("token", nargs="?")
    me.add_argument("--clients", type=int, default=1)
    me.add_argument("--seconds", type=float, default=5.0)
    me.add_argument("--dragging", type=int, default=0, help="how many of the clients also drag a fader")
    me.add_argument("--rta", type=int, default=0, help="how many of the clients also look at the main's RTA")
    args = parser.parse_args(argv)
    if args.mode == "changes":
        work, limit = changes(args.url, args.admin, {1: args.mix1, 2: args.mix2}, args.clients, args.rounds,
                              args.waves), 120.0
    else:
        work, limit = meters(args.url, args.token, args.clients, args.seconds, args.dragging,
                             args.rta), 120.0 + args.seconds
    return asyncio.run(asyncio.wait_for(work, limit))


if __name__ == "__main__":
    print(json.dumps(main()))
