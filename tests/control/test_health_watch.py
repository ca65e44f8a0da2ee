"""The health watcher on a real engine in the module's jackd: whoever follows ``health`` notices hears the
health as it is, then hears the audio stop when the engine leaves JACK; the watcher looks only while
somebody follows."""

from __future__ import annotations

import pytest
from support import PERIOD, RATE, wait_until

from mixerd.control import Control, Notice
from mixerd.engine import Engine
from mixerd.jackhost import JackHost, ServerSpec, Wiring
from mixerd.model import Layout, ParamTree

pytestmark = pytest.mark.jack


def next_health(sub, until) -> dict:
    """The data of the next ``health`` notice for which ``until`` holds (others are skipped: xruns may count)."""
    while True:
        item = sub.get(timeout=15)
        assert item is not None, "no health notice came"
        if isinstance(item, Notice) and item.kind == "health" and until(item.data):
            return dict(item.data)


def test_the_audio_stopping_is_a_health_notice(jack_server):
    tree = ParamTree.from_layout(Layout.simple(2, 1))
    engine = Engine(tree.layout, sample_rate=RATE)
    host = JackHost(engine, ServerSpec(name=jack_server, realtime=False), Wiring(), start_server="never")
    engine.driver = host
    engine.load(tree.defaults())
    host.start()
    engine.start()
    control = Control(tree, link=engine, health_interval=0.05)
    try:
        wait_until(lambda: engine.health()["status"] == "ok", what="the engine running in jackd")
        sub = control.subscribe(notices=["health"])
        running = next_health(sub, lambda h: True)  # where the watcher starts from
        assert running == {"status": "ok", "running": True, "xruns": running["xruns"], "sample_rate": RATE,
                           "period": PERIOD}
        host.stop()  # the engine leaves JACK: no more cycles
        stopped = next_health(sub, lambda h: not h["running"])
        assert stopped["status"] == "down" and stopped["sample_rate"] == RATE
        sub.close()  # nobody follows any more: the watcher ends
        wait_until(lambda: control._watch._thread is None, what="the watcher to end")
    finally:
        control.close()
        host.stop()
        engine.stop()
