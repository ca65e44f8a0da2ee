"""The mixer puts itself together: the services once, then its front ends (MQTT, then the web on the HTTP socket
it was given) started in order and stopped in reverse, every front end on the same services."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from support import Broker, mixer_config, wait_until

from mixerd.daemon import Mixer, bind_http
from mixerd.system.net import listening

pytestmark = pytest.mark.jack


def test_the_mixer_starts_its_front_ends_in_order_and_stops_them_in_reverse(jack_server, tmp_path):
    broker = Broker()
    broker.start()
    sock = bind_http("127.0.0.1", 0)
    port = sock.getsockname()[1]
    cfg = mixer_config(jack_server, tmp_path / "state", mqtt={"broker": broker.url, "node_id": "frontends"})
    cfg = dataclasses.replace(cfg, jack=dataclasses.replace(cfg.jack, client_name="mixerd-frontends"),
                              auth=dataclasses.replace(cfg.auth, enabled=False))
    mixer = Mixer(cfg, http_socket=sock)
    try:
        mixer.start()
        assert [f.name for f in mixer.front_ends] == ["mqtt", "web"]
        assert mixer.web_url == f"http://127.0.0.1:{port}/"  # what Home Assistant's device page links to
        wait_until(lambda: mixer.mqtt.connected, what="mixerd on the broker")
        with httpx.Client(base_url=mixer.web_url + "api/v1", timeout=10) as http:
            assert http.get("/health").status_code == 200
            assert http.put("/params/ch/1/fader", json={"value": -6.0}).status_code == 200
        # one set of services behind every front end: the change over REST is the control core's
        web = mixer.front_end("web")
        assert web.app.state.control is mixer.control is mixer.mqtt.control
        assert web.app.state.scenes is mixer.scenes is mixer.mqtt.scenes
        assert mixer.control.get("ch/1/fader") == -6.0
    finally:
        mixer.stop()
        sock.close()
        broker.stop()
    assert mixer.front_ends == [] and mixer.mqtt is None and not listening("127.0.0.1", port)
