"""The OSC front end on real UDP sockets (127.0.0.1): a control core on the offline engine, the server on the
test's clock, and plain OSC peers (``osc_rig``)."""

from __future__ import annotations

import dataclasses

import pytest
from osc_rig import LAYOUT, Peer
from support import ManualClock

from mixerd.config import OscConfig
from mixerd.control import Control
from mixerd.engine import Engine
from mixerd.model import ParamTree
from mixerd.osc.server import OscServer
from mixerd.osc.xair import XAirMap


@pytest.fixture
def engine():
    return Engine(LAYOUT)  # offline: audio runs only when a test processes some


@pytest.fixture
def control(engine):
    return Control(ParamTree.from_layout(LAYOUT), engine)


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def serve(control, clock):
    """``serve(scenes=None, **osc_settings)`` starts a server for ``control`` on 127.0.0.1 (a free port unless
    given), on the test's clock, serving ``scenes`` as snapshots; every server started is stopped after the test."""
    started: list[OscServer] = []

    def make(scenes=None, **settings) -> OscServer:
        config = dataclasses.replace(OscConfig(enabled=True, host="127.0.0.1", port=0), **settings)
        tree = control.tree
        server = OscServer(control, config, XAirMap(tree.layout, tree), name="mixerd-test", clock=clock,
                           scenes=scenes)
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def peer():
    """``peer(server)`` is a new Peer of ``server``; all are closed after the test."""
    made: list[Peer] = []

    def make(server: OscServer, host: str = "127.0.0.1") -> Peer:
        made.append(Peer(server.address, host))
        return made[-1]

    yield make
    for p in made:
        p.close()
