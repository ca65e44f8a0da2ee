"""The 32 phones of tests/web/test_ws_load.py, in a process of their own (as phones are their own devices:
they must not share the server's interpreter lock). Prints the measured latencies as JSON.

    python ws_load_clients.py <base url> <admin token> <mix token for bus 1> <mix token for bus 2>
"""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
from websockets.asyncio.client import connect

CLIENTS = 32
ROUNDS = 64  # one change at a time, each client makes two (after one first change)
WAVES = 3  # then every client changes something at the same moment, three times
ROUND_TIMEOUT_S = 5.0  # a bound on waiting, not a measurement


class Client:
    """One phone: its socket, its mix, and when each change (address, value) arrived."""

    def __init__(self, index: int, ws, bus: int, waits: dict):
        self.index = index
        self.ws = ws
        self.bus = bus
        self.waits = waits  # (address, value) -> (arrivals by client, all-arrived event)
        self.acks = 0

    async def read(self) -> None:
        loop = asyncio.get_running_loop()
        async for text in self.ws:
            if text.startswith('{"type":"meters"'):
                continue  # ~25 a second per client: received, not what is measured
            message = json.loads(text)
            if message["type"] == "change":
                entry = self.waits.get((message["address"], message["value"]))
                if entry is not None:
                    arrivals, done = entry
                    arrivals.setdefault(self.index, loop.time())
                    if len(arrivals) == CLIENTS:
                        done.set()
            elif message["type"] == "ack":
                self.acks += 1
            elif message["type"] == "error":
                raise RuntimeError(f"client {self.index}: {message}")


async def main(url: str, admin: str, links: dict[int, str]) -> dict:
    loop = asyncio.get_running_loop()
    waits: dict = {}
    base = url.replace("http://", "ws://") + "/api/v1/ws?token="
    sockets = await asyncio.gather(*(connect(base + links[i % 2 + 1], max_queue=None) for i in range(CLIENTS)))
    clients = []
    for i, ws in enumerate(sockets):
        assert json.loads(await ws.recv())["type"] == "hello"
        assert json.loads(await ws.recv())["type"] == "state"
        clients.append(Client(i, ws, i % 2 + 1, waits))
    readers = [asyncio.create_task(c.read()) for c in clients]
    rest: list[float] = []
    stop = asyncio.Event()

    async def probe_rest() -> None:
        async with httpx.AsyncClient(base_url=url + "/api/v1", timeout=10,
                                     headers={"Authorization": f"Bearer {admin}"}) as api:
            while not stop.is_set():
                started = loop.time()
                answer = await api.get("/state")
                assert answer.status_code == 200, answer.text
                rest.append(loop.time() - started)
                await asyncio.sleep(0.05)

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
        first = await change(clients[0], 999, -19.0)
        await asyncio.sleep(0.05)
        sequential: list[float] = []
        for n in range(ROUNDS):
            sequential += await change(clients[n % CLIENTS], n, -20.0 - n * 0.25)
            await asyncio.sleep(0.02)
        burst: list[float] = []
        for wave in range(WAVES):
            for got in await asyncio.gather(*(change(c, 1000 + wave * CLIENTS + c.index, -50.0 - wave - c.index * 0.1)
                                              for c in clients)):
                burst += got
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.2)  # the last acks
        acks = [c.acks for c in clients]
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


if __name__ == "__main__":
    url, admin, mix1, mix2 = sys.argv[1:5]
    print(json.dumps(asyncio.run(asyncio.wait_for(main(url, admin, {1: mix1, 2: mix2}), 120))))
