"""``WS /api/v1/ws``: the full state on connect, ordered change events from every front end, acks and errors
by id, a resync after the server dropped events, meter frames, pings, a client that does not read, and
shutdown — in the TestClient and over a real uvicorn server."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import httpx
import pytest
from support import serve
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from mixerd.control import Control
from mixerd.model import Layout, ParamTree
from mixerd.web import create_app
from mixerd.web.ws import decode_meters

API = "/api/v1"
WS = f"{API}/ws"


def next_of(ws, *kinds: str, limit: int = 1000, points: list | None = None) -> dict:
    """The next message of one of ``kinds`` from a TestClient socket, skipping others (``limit`` bounds the
    wait); binary meter frames are decoded with the hello's meter ``points`` and count as ``meters``."""
    for _ in range(limit):
        raw = ws.receive()
        if raw.get("bytes") is not None:
            if "meters" in kinds:
                return decode_meters(raw["bytes"], points or [])
            continue
        message = json.loads(raw["text"])
        if message["type"] in kinds:
            return message
    raise AssertionError(f"no {kinds} message among {limit}")


def connected(ws) -> tuple[dict, dict]:
    hello = ws.receive_json()
    state = ws.receive_json()
    assert hello["type"] == "hello" and state["type"] == "state"
    return hello, state


def test_a_client_that_asks_gets_the_state_gzip_compressed(client, control):
    import gzip

    control.set_many({"ch/1/name": "Vox", "ch/2/fader": -7.5}, "rest")
    with client.websocket_connect(WS) as plain:
        _, state = connected(plain)
    with client.websocket_connect(WS + "?compress=gzip") as ws:
        assert ws.receive_json()["type"] == "hello"
        raw = ws.receive()
    assert raw.get("bytes") is not None and raw["bytes"][:2] == b"\x1f\x8b"  # not a meter frame (they start with 1)
    assert json.loads(gzip.decompress(raw["bytes"])) == state
    assert len(raw["bytes"]) < len(json.dumps(state)) / 5


def test_hello_and_the_full_state_on_connect(client, control):
    control.set_many({"ch/1/name": "Vox", "ch/2/fader": -7.5}, "rest")
    with client.websocket_connect(WS) as ws:
        hello, state = connected(ws)
    assert (hello["role"], hello["bus"], hello["label"]) == ("admin", None, None)  # the API is open here
    meters = client.get(f"{API}/meters").json()["points"]
    assert [(p["name"], p["width"]) for p in hello["meter_points"]] == [(name, len(p["peak"])) for name, p in meters.items()]
    main = {"name": "main", "width": 2, "extras": ["true_peak", "lufs_m", "lufs_s", "limiter_gr"]}
    assert main in hello["meter_points"] and hello["meter_format"] == 1
    assert {"name": "ch/1/inserts", "width": 1, "extras": ["gate_gr", "dyn_gr"]} in hello["meter_points"]
    seq, values = control.state()
    assert state["seq"] == seq and state["values"] == values
    assert state["values"]["ch/1/name"] == "Vox" and state["values"]["ch/2/fader"] == -7.5
    assert state["layout"] == control.tree.layout.to_dict()


def test_changes_from_every_front_end_arrive_in_order(client, control):
    with client.websocket_connect(WS) as watcher, client.websocket_connect(WS) as other:
        _, state = connected(watcher)
        connected(other)
        expected = []
        for n in range(1, 16):  # another WebSocket client drags a fader
            other.send_json({"type": "set", "address": "ch/1/fader", "value": -n / 2, **({"id": "a"} if n == 15 else {})})
            expected.append(("ch/1/fader", -n / 2, "ws"))
        assert next_of(other, "ack")["id"] == "a"  # (the sets are applied in the order sent)
        assert client.put(f"{API}/params/ch/2/mute", json={"value": True}).status_code == 200
        expected.append(("ch/2/mute", True, "rest"))
        other.send_json({"type": "set_many", "changes": {"bus/1/fader": -3, "bus/1/mute": True}, "id": "b"})
        expected += [("bus/1/fader", -3.0, "ws"), ("bus/1/mute", True, "ws")]
        assert next_of(other, "ack")["id"] == "b"
        control.set("main/fader", -1, "mqtt")
        expected.append(("main/fader", -1.0, "mqtt"))
        changes = [next_of(watcher, "change") for _ in expected]
    assert [(c["address"], c["value"], c["origin"]) for c in changes] == expected
    assert [c["seq"] for c in changes] == list(range(state["seq"] + 1, state["seq"] + 1 + len(expected)))
    assert control.history(1)[0].origin == "mqtt" and control.history(3)[2].origin == "ws"


def test_a_multi_value_drag_over_the_socket_is_one_undo_step(client, control):
    before = len({e.step for e in control.history()})
    with client.websocket_connect(WS) as ws:
        connected(ws)
        for k, (freq, gain) in enumerate(((700, 2), (900, 4), (1100, 6))):
            ws.send_json({"type": "set_many", "changes": {"ch/1/eq/2/freq": freq, "ch/1/eq/2/gain": gain}, "id": k})
            assert next_of(ws, "ack", "error")["type"] == "ack"
    assert len({e.step for e in control.history()}) == before + 1
    control.undo()
    assert (control.get("ch/1/eq/2/freq"), control.get("ch/1/eq/2/gain")) == (500.0, 0.0)


def test_one_gesture_over_the_socket_is_one_undo_step(client, control):
    """An EQ handle dragged up (gain only), then sideways (frequency and gain): the app names the gesture."""
    before = len({e.step for e in control.history()})
    with client.websocket_connect(WS) as ws:
        connected(ws)
        moves = [{"ch/1/eq/3/gain": 2}, {"ch/1/eq/3/gain": 4}, {"ch/1/eq/3/freq": 3000, "ch/1/eq/3/gain": 5}]
        for k, changes in enumerate(moves):
            if len(changes) == 1:
                [(address, value)] = changes.items()
                ws.send_json({"type": "set", "address": address, "value": value, "gesture": "eq-1", "id": k})
            else:
                ws.send_json({"type": "set_many", "changes": changes, "gesture": "eq-1", "id": k})
            assert next_of(ws, "ack", "error")["type"] == "ack"
        ws.send_json({"type": "set", "address": "ch/1/pan", "value": 5, "gesture": 7, "id": "bad"})
        assert next_of(ws, "ack", "error")["error"]["code"] == "malformed_request"
    assert len({e.step for e in control.history()}) == before + 1
    control.undo()
    assert (control.get("ch/1/eq/3/freq"), control.get("ch/1/eq/3/gain")) == (2500.0, 0.0)


def test_undo_and_redo_over_the_socket(client, control):
    with client.websocket_connect(WS) as ws:
        connected(ws)
        ws.send_json({"type": "set_many", "changes": {"ch/2/pan": 30, "ch/3/pan": -30}, "id": "pan", "ping": 0})
        seq = next_of(ws, "ack", "error")["seq"]
        ws.send_json({"type": "undo", "id": "u", "ping": 0})
        ack = next_of(ws, "ack", "error")
        assert ack["type"] == "ack" and ack["changed"] == 2 and ack["seq"] == seq + 2
        assert (control.get("ch/2/pan"), control.get("ch/3/pan")) == (0.0, 0.0)
        ws.send_json({"type": "redo", "id": "r"})
        assert next_of(ws, "ack", "error")["step"] == ack["step"] and control.get("ch/2/pan") == 30
        ws.send_json({"type": "redo", "id": "again"})
        assert next_of(ws, "ack", "error")["error"]["code"] == "nothing_to_redo"


def test_a_one_off_batch_is_a_step_of_its_own_even_when_it_repeats_the_last(client, control):
    before = len({e.step for e in control.history()})
    with client.websocket_connect(WS) as ws:
        connected(ws)
        for k in range(2):  # e.g. trims applied twice in a row: two steps, not one drag
            ws.send_json({"type": "set_many", "changes": {"ch/1/trim": k + 1, "ch/2/trim": k + 2}, "coalesce": False,
                          "id": k})
            assert next_of(ws, "ack", "error")["type"] == "ack"
        ws.send_json({"type": "set_many", "changes": {"ch/1/pan": 1}, "coalesce": "no", "id": "bad"})
        error = next_of(ws, "ack", "error")["error"]
        assert error["code"] == "malformed_request" and "coalesce" in error["message"]
    assert len({e.step for e in control.history()}) == before + 2


def test_acks_and_errors_answer_by_id(client, control):
    with client.websocket_connect(WS) as ws:
        connected(ws)
        ws.send_json({"type": "set", "address": "ch/1/send/2/level", "value": -12, "id": 7})
        assert next_of(ws, "ack", "error") == {"type": "ack", "id": 7, "seq": control.seq}
        assert control.get("ch/1/send/2/level") == -12
        ws.send_json({"type": "set_many", "changes": {"ch/1/pan": 20, "ch/2/pan": -20}, "id": "two"})
        assert next_of(ws, "ack", "error") == {"type": "ack", "id": "two", "seq": control.seq}
        seq = control.seq

        ws.send_json({"type": "set", "address": "ch/1/fader", "value": 40, "id": 8})
        error = next_of(ws, "ack", "error")
        assert error["id"] == 8 and error["error"]["code"] == "out_of_range"
        assert error["error"]["address"] == "ch/1/fader" and "-90" in error["error"]["allowed"]
        ws.send_json({"type": "set", "address": "ch/1/fadr", "value": 0, "id": 9})
        error = next_of(ws, "ack", "error")
        assert error["error"]["code"] == "unknown_address" and "ch/1/fader" in error["error"]["message"]
        ws.send_json({"type": "set", "address": "ch/1/mute", "value": "loud", "id": 10})
        assert next_of(ws, "ack", "error")["error"]["code"] == "wrong_type"
        ws.send_json({"type": "set_many", "changes": {"ch/1/fader": 0, "ch/2/fader": 99, "ch/9/fader": 0}, "id": 11})
        error = next_of(ws, "ack", "error")
        assert error["id"] == 11 and len(error["error"]["errors"]) == 2
        ws.send_json({"type": "set", "value": 0, "id": 12})
        assert next_of(ws, "ack", "error")["error"]["code"] == "malformed_request"
        ws.send_json({"type": "fly", "id": 13})
        error = next_of(ws, "ack", "error")
        assert error["id"] == 13 and error["error"]["code"] == "malformed_request"
        ws.send_text("{not json")
        error = next_of(ws, "ack", "error")
        assert error["id"] is None and error["error"]["code"] == "malformed_request"
        ws.send_json({"type": "pong"})  # answered with nothing
        ws.send_json({"type": "set", "address": "ch/3/mute", "value": True})  # no id: no ack, still applied
        change = next_of(ws, "change", "ack", "error")
        while change["type"] == "change" and change["address"] != "ch/3/mute":
            change = next_of(ws, "change", "ack", "error")
        assert change["type"] == "change" and change["value"] is True
    assert control.seq == seq + 1  # none of the refused messages changed anything


def test_a_client_that_fell_behind_is_resynced(app, client, control):
    # A few items of backlog (a change and its undo notice fit): a batch of every fader overflows it.
    app.state.live.subscribe_maxsize = 4
    addresses = [a for a in control.state()[1] if a.endswith("/fader")]
    resynced = 0
    with client.websocket_connect(WS) as ws:
        _, state = connected(ws)
        view, seen = dict(state["values"]), state["seq"]
        for round_ in range(1, 6):
            batch = {a: -float(round_) for a in addresses}
            # Odd rounds are made in the event loop's thread: the socket cannot take a change before the whole
            # batch is in, so it overflows; even rounds race the socket, which may keep up or fall behind.
            events = ws.portal.call(control.set_many, batch, "rest") if round_ % 2 else control.set_many(batch, "rest")
            while seen < events[-1].seq:
                message = next_of(ws, "change", "state")
                if message["type"] == "state":
                    assert message["seq"] >= seen
                    view, seen = dict(message["values"]), message["seq"]
                    resynced += 1
                else:
                    assert message["seq"] == seen + 1, "a change was skipped without a resync"
                    view[message["address"]] = message["value"]
                    seen = message["seq"]
            assert view == control.state()[1]
        # After a resync the client is never left behind: the next change comes as a change, or (a backlog of 4
        # may still overflow with the last round's undo notice and the problem finder's notices) in the state
        # of one more resync.
        control.set("ch/1/mute", True, "rest")
        message = next_of(ws, "change", "state")
        while message["type"] == "state" and message["seq"] == seen:
            assert message["values"] == view
            message = next_of(ws, "change", "state")
        if message["type"] == "state":
            assert (message["seq"], message["values"]) == (seen + 1, {**view, "ch/1/mute": True})
        else:
            assert message == {"type": "change", "seq": seen + 1, "address": "ch/1/mute", "value": True,
                               "origin": "rest", "actor": "rest"}
    assert resynced >= 3


def test_meter_frames_are_flat_in_the_layout_the_hello_announced(client, control, play):
    """Every frame has the same flat layout (the rate is measured by ``mixerd bench --workload meters``);
    a frame goes out once, when the core has measured something new."""
    control.set_many({"gen/1/on": True, "gen/1/level": -12.0, "gen/1/target": "ch/1"}, "rest")
    play()
    with client.websocket_connect(WS) as ws:
        hello, _ = connected(ws)
        points = hello["meter_points"]
        frames = [next_of(ws, "meters", points=points)]
        for _ in range(2):
            play()
            frames.append(next_of(ws, "meters", points=points))
    assert len({f["seq"] for f in frames}) == 3
    width = sum(p["width"] for p in points)
    for frame in frames:
        for key in ("peak", "clips"):
            assert len(frame[key]) == width, key
    frame = frames[-1]
    assert all(v >= -120 and abs(v * 10 - round(v * 10)) < 1e-6 for v in frame["peak"])
    offsets = {}
    at = 0
    for p in points:
        offsets[p["name"]] = at
        at += p["width"]
    assert -13.5 < frame["peak"][offsets["ch/1/input"]] < -10.5  # the -12 dBFS tone
    assert frame["peak"][offsets["ch/2/input"]] == -120
    rest = client.get(f"{API}/meters").json()
    assert frame["seq"] == rest["seq"]
    assert frame["extra"]["ch/1/inserts"] == {"gate_gr": 0.0, "dyn_gr": 0.0}
    main = rest["points"]["main"]
    assert frame["extra"]["main"] == {"true_peak": [round(v, 1) for v in main["true_peak"]],
                                      "lufs_m": round(main["lufs_m"], 1), "lufs_s": round(main["lufs_s"], 1),
                                      "limiter_gr": round(main["limiter_gr"], 1)}
    assert frame["peak"][offsets["main"]] == round(main["peak"][0], 1)
    assert set(frame["extra"]) == {p["name"] for p in points if "extras" in p}


def test_pings_and_pongs(app, client):
    app.state.live.ping_s = 0.05
    with client.websocket_connect(WS) as ws:
        connected(ws)
        assert next_of(ws, "ping") == {"type": "ping", "n": 1}
        ws.send_json({"type": "pong"})
        assert next_of(ws, "ping", "error") == {"type": "ping", "n": 2}


def test_a_change_that_arrives_two_pings_late_is_not_applied(app, client, control):
    """The web app stamps a change with the newest ping it has seen: one that reaches the mixer after two more
    pings was held up by a dead link (TCP delivers it when the Wi-Fi is back) and would replay a stale move."""
    with client.websocket_connect(WS) as ws:
        connected(ws)
        seen = 0  # no ping yet: the first comes 5 s after the state, so this change is fresh however busy we are
        ws.send_json({"type": "set", "address": "ch/1/fader", "value": -5, "ping": seen, "id": "fresh"})
        assert next_of(ws, "ack", "error")["type"] == "ack" and control.get("ch/1/fader") == -5
        app.state.live.ping_s = 0.05
        while next_of(ws, "ping")["n"] < seen + 2:
            pass
        ws.send_json({"type": "set", "address": "ch/1/fader", "value": -20, "ping": seen, "id": "late"})
        error = next_of(ws, "ack", "error")
        assert error["id"] == "late" and error["error"]["code"] == "stale_change" and error["error"]["status"] == 409
        ws.send_json({"type": "set_many", "changes": {"ch/1/fader": -20}, "ping": seen, "id": "late too"})
        assert next_of(ws, "ack", "error")["error"]["code"] == "stale_change"
        assert control.get("ch/1/fader") == -5  # neither was applied
        ws.send_json({"type": "set", "address": "ch/1/fader", "value": -6, "ping": 10 ** 6, "id": "future"})
        assert next_of(ws, "ack", "error")["error"]["code"] == "malformed_request"


# ---- over a real server ---------------------------------------------------------------------------------

#: Messages no client should send, each with the error code it is answered with (over a real server: a
#: message that crashed the receiver used to close the socket with 1000 and no word).
BAD_MESSAGES = [
    ("[" * 1000 + "]" * 1000, "malformed_request"),  # nested too deeply for Python's JSON parser
    ('{"type": "set", "address": "ch/1/fader", "id": 1, "value": ' + "[" * 2000 + "]" * 2000 + "}",
     "malformed_request"),
    ('{"type": "set", "address": "ch/1/fader", "id": 2, "value": ' + "9" * 400 + "}", "out_of_range"),
    ('{"type": "set", "address": "ch/1/fader", "id": 3, "value": -' + "9" * 400 + ".5}", "invalid_value"),
    ('{"type": "set", "address": "ch/1/fader", "id": 4, "value": 1e400}', "invalid_value"),
    ('{"type": "set", "address": "ch/1/name", "id": 5, "value": "x\\ud800"}', "invalid_value"),
    ('{"type": "set", "address": "ch/1/\\udc00", "id": 6, "value": 0}', "unknown_address"),
    ('{"type": "set_many", "id": 7, "changes": {"ch/1/fader": 1e400, "ch/2/fader": ' + "1" * 400 + "}}",
     "invalid_value"),
    ('{"type": "set", "address": "ch/1/fader", "id": 1e400, "value": -6}', "malformed_request"),
    ('{"type": "set", "address": "ch/1/fader", "id": ' + "7" * 400 + ', "value": -6}', "malformed_request"),
    ('{"type": "set", "address": "ch/1/fader", "id": [[1]], "value": -6}', "malformed_request"),
    ('{"type": ' + "[" * 400 + "]" * 400 + ', "id": 8}', "malformed_request"),
    ('{"type": "set\\ud800", "id": 9}', "malformed_request"),
]


def test_every_bad_message_is_answered_and_the_socket_stays_open(app, control):
    seq = control.seq
    with serve(app) as url, connect(ws_url(url), max_size=None) as ws:
        recv_json(ws, ("state",))
        for text, code in BAD_MESSAGES:
            ws.send(text)
            answer = recv_json(ws, ("error", "ack"))
            assert answer["type"] == "error" and answer["error"]["code"] == code, (text[:80], answer)
            assert answer["error"]["message"] and set(answer["error"]) >= {"code", "message", "address", "allowed"}
        assert control.seq == seq  # none of them changed anything
        ws.send(json.dumps({"type": "set", "address": "ch/1/fader", "value": -6, "id": "still here"}))
        assert recv_json(ws, ("ack", "error")) == {"type": "ack", "id": "still here", "seq": seq + 1}
    assert control.get("ch/1/fader") == -6


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + WS


def recv_json(ws, kinds: tuple[str, ...], timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        data = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        if isinstance(data, bytes):
            continue  # a binary meter frame
        message = json.loads(data)
        if message["type"] in kinds:
            return message


def test_shutdown_closes_every_socket(app):
    with serve(app) as url:
        with connect(ws_url(url)) as a, connect(ws_url(url)) as b:
            recv_json(a, ("state",))
            recv_json(b, ("state",))
            live = app.state.live
            assert len(live) == 2
            asyncio.run_coroutine_threadsafe(live.shutdown(), live._loop).result(10)
            for ws in (a, b):
                with pytest.raises(ConnectionClosed) as closed:
                    recv_json(ws, ("never",))
                assert closed.value.rcvd.code == 1001
            assert len(live) == 0


def test_stopping_the_server_with_open_sockets(app):
    server = serve(app)
    url = server.__enter__()
    with connect(ws_url(url)) as ws:
        recv_json(ws, ("state",))
        server.__exit__(None, None, None)  # uvicorn stops with the socket open
        with pytest.raises(ConnectionClosed) as closed:
            recv_json(ws, ("never",))
        assert closed.value.rcvd.code == 1012  # "service restart": the app reconnects
    assert not [t for t in threading.enumerate() if t.name == "uvicorn" and t.is_alive()]


def raw_websocket(url: str) -> socket.socket:
    """A WebSocket handshake on a socket with a tiny receive buffer, for a client that never reads."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.sendall((f"GET {WS} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    assert sock.recv(12) == b"HTTP/1.1 101"
    return sock


def test_a_client_that_does_not_read_holds_up_nobody():
    control = Control(ParamTree.from_layout(Layout.simple(16, 8, 2)))  # 16 channels, 8 mixes: many sends
    app = create_app(control)
    spec = control.tree.spec
    levels = [a for a, v in control.state()[1].items()
              if isinstance(v, float) and spec(a).unit == "dB" and spec(a).min == -90 and spec(a).max == 10]
    with serve(app) as url:
        stuck = raw_websocket(url)  # connected, never reads a byte
        try:
            with connect(ws_url(url)) as fast, httpx.Client(base_url=url + API, timeout=10) as api:
                recv_json(fast, ("state",))
                live = app.state.live
                stuck_conn = next(c for c in live._connections if c.ws.client.port == stuck.getsockname()[1])
                rounds = 0

                def flood() -> None:
                    nonlocal rounds
                    control.set_many({a: -float(rounds % 60 + 1) for a in levels}, "rest")
                    rounds += 1
                    if rounds % 40 == 0:
                        assert api.get("/health").status_code == 503  # answers (no engine here: 503)

                def stuck_in_send() -> bool:
                    """The stuck socket's sender has been waiting on one frame for a while."""
                    since = stuck_conn._sending_since
                    time.sleep(0.3)
                    return since is not None and stuck_conn._sending_since == since

                # Until the kernel's buffers are full and the stuck socket's sender waits (a few MB)...
                while not stuck_in_send():
                    assert rounds < 3000, "the stuck socket never filled up"
                    for _ in range(20):
                        flood()
                # ...then more than its backlog holds: the backlog is dropped (it resyncs if it ever reads).
                for _ in range(10):
                    flood()
                assert stuck_conn.sub.lagged and len(stuck_conn.sub) == 0
                # The fast client gets everything (or a resync with it), in order.
                final = -float((rounds - 1) % 60 + 1)
                view: dict = {}
                seen = 0
                while seen < control.seq:
                    message = recv_json(fast, ("change", "state"))
                    if message["type"] == "state":
                        view = dict(message["values"])
                    else:
                        assert message["seq"] == seen + 1
                        view[message["address"]] = message["value"]
                    seen = message["seq"]
                assert all(view[a] == final for a in levels)
                fast.send(json.dumps({"type": "set", "address": "ch/1/fader", "value": -3, "id": 1}))
                assert recv_json(fast, ("ack",))["id"] == 1
                assert len(app.state.live) == 2  # the stuck one is still connected, and cost nobody anything
        finally:
            stuck.close()


def test_a_switch_held_on_goes_back_to_false_when_the_socket_goes(client, control):
    """A talk button under a finger ("hold": true): a phone that dies or leaves the Wi-Fi must not leave the
    talkback open. Set again without a hold (a latch), it stays on."""
    from support import wait_until

    with client.websocket_connect(WS) as ws:
        connected(ws)
        ws.send_json({"type": "set", "address": "talkback/1/on", "value": True, "hold": True, "id": 1})
        assert next_of(ws, "ack", "error")["type"] == "ack"
        assert control.get("talkback/1/on") is True
    wait_until(lambda: control.get("talkback/1/on") is False, what="the held talk released")
    assert not any(e.address == "talkback/1/on" for e in control.history(10))  # talking is no undo step

    with client.websocket_connect(WS) as ws:
        connected(ws)
        ws.send_json({"type": "set", "address": "talkback/2/on", "value": True, "hold": True, "id": 1})
        assert next_of(ws, "ack", "error")["type"] == "ack"
        ws.send_json({"type": "set", "address": "talkback/2/on", "value": True, "id": 2})  # a tap: latched
        assert next_of(ws, "ack", "error")["type"] == "ack"
        ws.send_json({"type": "set", "address": "ch/1/mute", "value": False, "hold": True, "id": 3})
        error = next_of(ws, "ack", "error")["error"]
        assert error["code"] == "malformed_request" and '"hold": true only with "value": true' in error["message"]
    assert control.get("talkback/2/on") is True
