"""Load on loopback: 32 WebSocket clients on a real uvicorn server, access control on, the state in an
SQLite database as the daemon keeps it. Each change one client makes reaches every one of the 32, also
when all 32 change something at the same moment, every set is acknowledged, and REST keeps answering
meanwhile. The clients run in a process of their own (mixerd/bench/clients.py); how soon the changes
arrive is measured by ``mixerd bench --workload ws`` with the same clients."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support import serve
from websockets.sync.client import connect

from mixerd.bench.clients import CLIENTS
from mixerd.control import Control
from mixerd.web import create_app
from mixerd.control.access import Auth


@pytest.fixture
def control(stored_control) -> Control:
    return stored_control


@pytest.fixture
def app(control, store):
    return create_app(control, auth=Auth(store))


def test_32_clients_each_see_every_change(app, control):
    auth: Auth = app.state.auth
    admin, _ = auth.setup("load test password")
    mix1, mix2 = (auth.create_link("mix", bus, f"Mix {bus}")[1] for bus in (1, 2))
    with serve(app) as url:
        run = subprocess.run([sys.executable, "-m", "mixerd.bench.clients", "changes", url, admin, mix1, mix2],
                             capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        # Every set was acknowledged, and a newcomer gets exactly the server's state.
        assert result["acks"] == [2 + 3 + (i == 0) for i in range(CLIENTS)]
        with connect(url.replace("http://", "ws://") + f"/api/v1/ws?token={admin}") as ws:
            assert json.loads(ws.recv(timeout=10))["role"] == "admin"
            state = json.loads(ws.recv(timeout=10))
            assert state["seq"] == control.seq == 1 + 64 + 3 * CLIENTS
            assert state["values"] == control.state()[1]
    # Every change reached all 32 (the clients wait for that, bounded), one at a time and all at once, and
    # REST answered meanwhile.
    assert len(result["first"]) == CLIENTS
    assert len(result["sequential"]) == 64 * CLIENTS and len(result["burst"]) == 3 * CLIENTS * CLIENTS
    assert result["rest"]
