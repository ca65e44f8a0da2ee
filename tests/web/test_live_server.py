"""The app in a real uvicorn server, spoken to over real HTTP with httpx, driving the real engine."""

import threading

import httpx
import numpy as np
import pytest
from support import RATE, wait_until

API = "/api/v1"


@pytest.mark.jack
def test_rest_over_real_http(live_server, control, jack_host):
    with httpx.Client(base_url=live_server, timeout=10) as http:
        assert http.get(f"{API}/state").json()["values"]["ch/3/name"] == "Keys"
        response = http.put(f"{API}/params/ch/3/fader", json={"value": -4.5})
        assert response.status_code == 200 and response.json()["value"] == -4.5
        error = http.put(f"{API}/params/ch/3/fadr", json={"value": 0})
        assert error.status_code == 404 and error.json()["error"]["code"] == "unknown_address"
        malformed = http.put(f"{API}/params/ch/3/fader", content=b"{", headers={"content-type": "application/json"})
        assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_request"
        batch = http.patch(f"{API}/params", json={"changes": {"ch/1/mute": True, "ch/2/mute": True}})
        assert [e["seq"] for e in batch.json()["events"]] == [2, 3]
        health = http.get(f"{API}/health")
        assert health.status_code == 200 and health.json()["engine"]["running"] is True
        page = http.get("/")
        assert page.status_code == 200 and "<title>mixerd</title>" in page.text

        # The fader reached the audio: a -12 dBFS tone into channel 3 leaves it at -16.5 dBFS,
        # as the engine running in jackd measures it.
        tone = {"gen/1/on": True, "gen/1/target": "ch/3", "gen/1/level": -12.0}
        assert http.patch(f"{API}/params", json={"changes": tone}).status_code == 200

        def post_fader_peak():
            return http.get(f"{API}/meters").json()["points"]["ch/3/post"]["peak"][0]

        wait_until(lambda: post_fader_peak() == pytest.approx(-16.5, abs=0.05), what="ch/3 at -16.5 dBFS")
        assert http.get(f"{API}/meters").json()["points"]["ch/1/post"]["peak"] == [-120.0]
    assert control.get("ch/3/fader") == -4.5


def test_concurrent_clients_get_distinct_ordered_seqs(live_server, control, play):
    """Handlers run in uvicorn's thread pool; every accepted PUT gets its own seq."""
    seqs: list[int] = []
    lock = threading.Lock()
    sub = control.subscribe(maxsize=10_000)

    def phone(n: int) -> None:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            for i in range(25):
                seq = http.put(f"{API}/params/ch/{n}/fader", json={"value": -float(i)}).json()["seq"]
                with lock:
                    seqs.append(seq)

    phones = [threading.Thread(target=phone, args=(n,)) for n in (1, 2, 3)]
    for p in phones:
        p.start()
    for p in phones:
        p.join(timeout=60)
    assert sorted(seqs) == list(range(1, 76))
    events = [sub.get_nowait() for _ in range(75)]
    assert [e.seq for e in events] == list(range(1, 76))
    assert all(e.origin == "rest" for e in events)
    assert [control.get(f"ch/{n}/fader") for n in (1, 2, 3)] == [-24.0, -24.0, -24.0]
    # the engine ended on the last value too: a -12 dBFS sine into every channel comes out 24 dB down
    sine = 10 ** (-12 / 20) * np.sin(2 * np.pi * 1000 * np.arange(4800) / RATE)
    points = play(inputs=np.tile(sine.astype(np.float32), (3, 1)))["points"]
    assert [points[f"ch/{n}/post"]["peak"][0] for n in (1, 2, 3)] == pytest.approx([-36.0] * 3, abs=0.05)
