"""MqttBridge: the control core on an MQTT broker.

Three threads, none of which ever blocks paho's network loop:

* paho's loop (``loop_start``) connects, reconnects with backoff, announces this box (``{base}/info``,
  then ``online``) and hands each command message to a queue, and what the other boxes of the fleet say of
  themselves to the ``fleet.Fleet`` (a dict update: it never waits);
* the command worker applies them in arrival order through the control core (which commits to the
  database before it answers) and publishes an error for anything refused;
* the publisher follows the control core's event stream and publishes state, at most one message per
  address every ``MIN_INTERVAL`` seconds while it keeps changing (a fader drag) and always the last
  value; it also publishes meters, the sparse loudness for Home Assistant (``{base}/loudness``) and, after
  every (re)connect, the whole state again. What changes rarely follows the control core's typed notices
  on the same stream, never a poll: the signal-flow problems (``{base}/diagnostics``, retained, on every
  ``problems`` notice), the engine's health (``{base}/health``, retained, on every ``health`` notice), the
  scene list of the ``select`` and the scene the mix is at (``{base}/scene``: the scene service's current
  scene, read again after a ``scenes`` notice or a change).

What MQTT may change is ``[mqtt] read_only``, ``writable`` and ``actions`` (``access.Access``); anything
else is refused on ``{base}/error``.

The gain-staging action listens for seconds, so it runs in a thread of its own (one at a time).
"""

from __future__ import annotations

import json
import logging
import queue
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

import numpy as np
import paho.mqtt.client as mqtt

from mixerd.control.events import Lagged, Notice
from mixerd.control.health import summary as health_summary
from mixerd.diagnostics import gainstaging
from mixerd.model.errors import MixerError
from mixerd.model.meters import MeterFrame
from mixerd.mqtt import discovery
from mixerd.mqtt.access import Access
from mixerd.fleet import info_payload
from mixerd.mqtt.loudness import LoudnessReport
from mixerd.mqtt.scene_state import modified_label, scene_state
from mixerd.mqtt import imports
from mixerd.mqtt.topics import (ACTIONS, DOCUMENT_ACTIONS, NOT_JSON, PayloadError, Topics, decode, parse_payload,
                                read_document, read_json, state_payload)

log = logging.getLogger(__name__)

MIN_INTERVAL = 0.05       # at most 20 state messages per second per address
IDLE_WAKE = 0.25          # the publisher looks at its own flags (stop, reconnect, discovery) this often
COMMAND_QUEUE = 65536     # commands waiting for the control core
RECONNECT = (1, 30)       # backoff between reconnect attempts, seconds (min, max)
_PROTOCOL_REFUSED = (1, 132)  # v3.1.1 "unacceptable protocol version", v5 "unsupported protocol version"


@dataclass(frozen=True)
class BrokerAddress:
    """Where the broker is: host, port and whether to speak TLS."""

    host: str
    port: int
    tls: bool

    @classmethod
    def parse(cls, url: str) -> "BrokerAddress":
        parts = urlsplit(url)
        tls = parts.scheme == "mqtts"
        return cls(parts.hostname or "127.0.0.1", parts.port or (8883 if tls else 1883), tls)


class MqttBridge:
    """Publishes ``control``'s state to MQTT and applies commands from it. ``config`` is an
    ``MqttConfig``; ``scenes`` (a SceneService) enables the scene actions and ``{base}/scene``;
    ``diagnostics`` (the live problem finder) is published on ``{base}/diagnostics``; ``recorder`` enables the
    record, record_stop and marker actions and ``{base}/recorder``, ``player`` the play and play_stop actions and
    ``{base}/player``. ``fleet`` (a ``fleet.Fleet``) hears the other mixerd on the broker; this box announces itself
    on ``{base}/info`` either way (``model``: its name, the audio interface's; ``configuration_url``: its web app).
    ``clock`` (monotonic seconds) times the loudness values."""

    def __init__(self, control, config, scenes=None, *, diagnostics=None, recorder=None, player=None,
                 fleet=None, sent_names=None, client_id: str | None = None,
                 model: str = "mixerd", configuration_url: str | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.control = control
        self.config = config
        self.scenes = scenes
        self.diagnostics = diagnostics
        self.recorder = recorder
        self.player = player
        if diagnostics is not None:
            control.follow_problems(diagnostics)  # its changes come as ``problems`` notices
        self._assistant = diagnostics.assistant if diagnostics is not None else gainstaging.Assistant(control)
        self.topics = Topics(config.base)
        self.device = discovery.Device(config.node_id, model, configuration_url)
        self.fleet = fleet
        if fleet is not None:  # the fleet asks other boxes through this bridge (a copied scene or channel)
            fleet.sender = lambda topic, payload: self._publish(topic, payload, retain=False, qos=1)
        layout = control.tree.layout
        self._sent_names = sent_names  # what this box's audio links send (mixerd.links.names.SentNames), or None
        self._who = (config.node_id, model, configuration_url, layout.n_inputs, sum(1 for b in layout.buses if b.is_aux))
        self._ha_status = f"{config.discovery_prefix}/status"
        self._discovery_filter = discovery.subscription(config.discovery_prefix, config.node_id)
        self._discovery: dict[str, dict[str, Any]] = {}  # what we announce now: topic → config
        self._announced_names: list[str] | None = None  # the scene names the announced select offers
        self._rediscover = threading.Event()
        self.broker = BrokerAddress.parse(config.broker)
        self.client_id = client_id or f"mixerd-{config.node_id}"
        self._tree = control.tree
        self.access = Access.from_config(self._tree, config)
        self._loudness = LoudnessReport(config.loudness_interval, clock)
        self._max_depth = max(a.count("/") + 1 for a in self._tree.addresses())
        self._commands: queue.Queue = queue.Queue(COMMAND_QUEUE)
        self._stop = threading.Event()
        self._resync = threading.Event()  # the publisher sends the whole state (after a connect)
        self._connected = threading.Event()
        self._threads: list[threading.Thread] = []
        self._protocol = mqtt.MQTTv5
        self._client: mqtt.Client | None = None
        self.stats = {"connects": 0, "refused": 0, "commands": 0, "errors": 0, "published": 0, "dropped_commands": 0}

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (a broker that is down is retried quietly) and start publishing."""
        self._stop.clear()
        self._client = self._make_client()
        self._threads = [threading.Thread(target=self._publish_loop, name="mixerd-mqtt-pub", daemon=True),
                         threading.Thread(target=self._command_loop, name="mixerd-mqtt-cmd", daemon=True)]
        for t in self._threads:
            t.start()
        log.info("mqtt: connecting to %s:%d as %s, base topic %s", self.broker.host, self.broker.port,
                 self.client_id, self.topics.base)

    def stop(self) -> None:
        """Say ``offline`` (retained), disconnect and stop the threads."""
        self._stop.set()
        client = self._client
        if client is not None:
            if self._connected.is_set():
                info = client.publish(self.topics.availability, "offline", qos=1, retain=True)
                try:
                    info.wait_for_publish(timeout=2)
                except (RuntimeError, ValueError):
                    pass
            client.disconnect()
            client.loop_stop()
        for t in self._threads:
            t.join(timeout=5)
        self._client = None
        self._connected.clear()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def status(self) -> dict[str, Any]:
        """Connection facts for health pages."""
        return {"connected": self.connected, "broker": f"{self.broker.host}:{self.broker.port}",
                "base_topic": self.topics.base, "protocol": "5" if self._protocol == mqtt.MQTTv5 else "3.1.1",
                **self.stats}

    # -- paho -------------------------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=self._protocol)
        client.will_set(self.topics.availability, "offline", qos=1, retain=True)
        if self.config.username:
            client.username_pw_set(self.config.username, self.config.password or None)
        if self.broker.tls:
            client.tls_set(ca_certs=self.config.ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(*RECONNECT)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        client.loop_start()
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            if reason_code.value in _PROTOCOL_REFUSED and self._protocol == mqtt.MQTTv5:
                log.info("mqtt: the broker does not speak MQTT 5; using 3.1.1")
                self._protocol = mqtt.MQTTv311
                threading.Thread(target=self._reconnect_with_new_protocol, daemon=True).start()
            else:
                self.stats["refused"] += 1
                log.warning("mqtt: the broker refused the connection: %s (check [mqtt] username and password)",
                            reason_code)
            return
        self.stats["connects"] += 1
        # Subscriptions first (commands are what matters), then availability; the publisher resends
        # the whole state.
        filters = [(t, 1) for t in self.topics.subscriptions(self._max_depth)]
        if self.config.discovery:
            # Announce what exists now; every retained config of ours that is not in it is removed.
            self._discovery = self._discovery_messages()
            filters += [(self._ha_status, 1), (self._discovery_filter, 1)]
            self._rediscover.set()
        if self.fleet is not None:
            filters += [(t, 1) for t in self.fleet.filters()]
        client.subscribe(filters)
        client.publish(self.topics.info, self._info(), qos=1, retain=True)  # before online: who says it
        client.publish(self.topics.availability, "online", qos=1, retain=True)
        if self.fleet is not None:
            self.fleet.connected(True)
        self._connected.set()
        self._resync.set()
        log.info("mqtt: connected to %s:%d", self.broker.host, self.broker.port)

    def _info(self) -> str:
        """``{base}/info`` as it is now (the names its links send change with the mix)."""
        sent = self._sent_names(self.control.state()[1]) if self._sent_names is not None else None
        return info_payload(*self._who, links=sent)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self._connected.is_set() and not self._stop.is_set():
            log.warning("mqtt: connection to the broker lost (%s); retrying", reason_code)
        if self.fleet is not None:
            self.fleet.connected(False)
        self._connected.clear()

    def _reconnect_with_new_protocol(self) -> None:
        old = self._client
        if old is not None:
            old.loop_stop()
        if not self._stop.is_set():
            self._client = self._make_client()

    def _on_message(self, client, userdata, msg) -> None:
        # paho's network thread: never wait here.
        if self.fleet is not None and self.fleet.heard(msg.topic, msg.payload):
            return  # a box of the fleet (this one too) said who it is, whether it is online, its health
        if msg.topic == self._ha_status:
            if msg.payload.strip().lower() == b"online":
                self._rediscover.set()  # Home Assistant restarted: announce everything again
            return
        if msg.topic.startswith(self.config.discovery_prefix + "/") and msg.topic.endswith("/config"):
            if msg.payload and msg.topic not in self._discovery:
                client.publish(msg.topic, b"", qos=1, retain=True)  # an entity that no longer exists
            return
        try:
            self._commands.put_nowait((msg.topic, msg.payload))
        except queue.Full:
            self.stats["dropped_commands"] += 1

    # -- commands ---------------------------------------------------------------------------------

    def _command_loop(self) -> None:
        while not self._stop.is_set():
            try:
                topic, payload = self._commands.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self.handle(topic, payload)
            except Exception:  # a bug must not end command handling
                log.exception("mqtt: error handling %s", topic)

    def handle(self, topic: str, payload: bytes) -> None:
        """Apply one command or action message; a refused one is published on ``{base}/error``."""
        parsed = self.topics.parse(topic)
        if parsed is None:
            return
        kind, name = parsed
        self.stats["commands"] += 1
        try:
            if kind == "set":
                if self.access.read_only:
                    self.access.check_set(name)  # refused, whatever the address
                spec = self._tree.spec(name)  # ParamError unknown_address, with a "did you mean"
                self.access.check_set(name)
                self.control.set(name, parse_payload(payload, spec), "mqtt")
            else:
                self._action(name, payload)
        except MixerError as exc:
            self._error(topic, payload, exc, name if kind == "set" else None)
        except Exception:  # a bug: logged, and the sender still hears that the message was not applied
            log.exception("mqtt: error handling %s", topic)
            self._error(topic, payload, None, name if kind == "set" else None)

    def _action(self, name: str, payload: bytes) -> None:
        if name in DOCUMENT_ACTIONS:
            return self._document_action(name, payload)  # its refusals are answered too
        if name not in ACTIONS and not self.access.read_only:
            raise PayloadError("unknown_action", f"there is no action {name!r}",
                               allowed=", ".join(f"{a} ({what})" for a, what in ACTIONS.items()))
        self.access.check_action(name)  # read-only, not among [mqtt] actions, or reaching past writable
        if name == "undo":
            self.control.undo("mqtt")
        elif name == "redo":
            self.control.redo("mqtt")
        elif name == "generators":
            on = parse_payload(payload, self._tree.spec("gen/1/on")) if "gen/1/on" in self._tree else False
            gens = [a for a in self._tree.addresses() if a.startswith("gen/") and a.endswith("/on")]
            self.access.check_action(name, gens)
            self.control.set_many({a: on for a in gens}, "mqtt")
        elif name == "gain_staging":
            self._start_gain_staging(payload)
        elif name in ("record", "record_stop", "marker"):
            self._recorder_action(name, payload)
        elif name in ("play", "play_stop"):
            self._player_action(name, payload)
        else:  # scene_recall, scene_save
            if self.scenes is None:
                raise PayloadError("not_available", "scenes are not available on this mixer")
            text = decode(payload)
            if name == "scene_save":
                self.scenes.save_scene(_unquote(text))
            elif (scene_id := self._scene_id(_unquote(text))) is not None:
                self.scenes.recall_scene(scene_id, actor="mqtt")

    def _document_action(self, name: str, payload: bytes) -> None:
        """A scene or a channel's settings copied here (``imports``); the outcome on {base}/answer when the
        document carries a request id (a refusal also on {base}/error, as every refusal)."""
        body = read_document(payload)
        request = imports.request_of(body)
        try:
            self.access.check_action(name)  # read-only, or not among [mqtt] actions
            if name == "scene_import":
                result = imports.import_scene(self.scenes, body)
            else:
                result = imports.import_channel(self.control, self.access, body)
        except MixerError as exc:
            if request:
                self._send_answer(imports.answer(request, name, error=exc, hints=self.topics.hints))
            raise
        except Exception:
            if request:
                self._send_answer({"request": request, "action": name, "ok": False, "error": _internal_error(None)})
            raise
        log.info("mqtt: %s from %s: %s", name, imports.sender_of(body) or "MQTT",
                 result.get("scene") or f"channel {result.get('channel')}")
        if request:
            self._send_answer(imports.answer(request, name, result))

    def _send_answer(self, message: dict[str, Any]) -> None:
        self._publish(self.topics.answer, json.dumps(message, ensure_ascii=False).encode("utf-8", "backslashreplace"),
                      retain=False, qos=1)

    def _recorder_action(self, name: str, payload: bytes) -> None:
        """Start or stop a take, or set a marker (what {base}/recorder then says is the answer)."""
        if self.recorder is None:
            raise PayloadError("not_available", "this mixer does not record ([recorder] enabled = false)")
        text = decode(payload).strip()
        if name == "record_stop":
            self.recorder.stop(actor="mqtt")
        elif name == "marker":
            self.recorder.mark(_unquote(text))  # the take recorded, else the take played back
        else:
            body = read_json(text) if text else {}
            allowed = '{"sources": ["ch/1", "bus/2", "main"], "name": "<1-64 characters>", "tap": "trim" or "raw"}'
            if not isinstance(body, dict) or set(body) - {"sources", "name", "tap"}:
                raise PayloadError("invalid_value", "the record payload is empty or a JSON object", allowed=allowed)
            self.recorder.start(body.get("sources"), name=body.get("name"), tap=body.get("tap", "trim"),
                                actor="mqtt")

    def _player_action(self, name: str, payload: bytes) -> None:
        """Play a take back into its channels, or stop (what {base}/player then says is the answer)."""
        if self.player is None:
            raise PayloadError("not_available", "this mixer does not play takes back ([recorder] enabled = false)")
        if name == "play_stop":
            self.player.stop()
            return
        text = decode(payload).strip()
        body = read_json(text) if text.startswith("{") else {"take": _unquote(text)}
        allowed = 'a take id, or {"take": "<id>", "start": <seconds>, "loop": [<A>, <B>], "channels": ["ch/<N>", ...]}'
        if not isinstance(body, dict) or set(body) - {"take", "start", "loop", "channels"}:
            raise PayloadError("invalid_value", "the play payload is a take id or a JSON object", allowed=allowed)
        self.player.play(body.get("take"), body.get("start", 0.0), body.get("loop"), body.get("channels"))

    def _send_recorder(self, status: dict[str, Any] | None) -> None:
        """``{base}/recorder`` (retained): recording or not, the take, its sources, audio lost, room left, the
        problem that ended the last take."""
        if status is None:
            return
        said = {key: status[key] for key in ("recording", "take", "name", "sources", "lost_seconds", "problem")}
        said["seconds_left"] = status["space"]["seconds_left"]
        self._publish(self.topics.recorder, json.dumps(said, ensure_ascii=False), retain=True)

    def _send_player(self, status: dict[str, Any]) -> None:
        """``{base}/player`` (retained): what plays back into which channels."""
        self._publish(self.topics.player, json.dumps(status, ensure_ascii=False), retain=True)

    def _start_gain_staging(self, payload: bytes) -> None:
        """Check the request now (errors go to {base}/error), listen in a thread of its own."""
        text = decode(payload).strip()
        body = read_json(text) if text else {}
        allowed = '{"channels": [1, 2] or null, "listen_s": 1…60, "target_db": -30…-6, "apply": true or false}'
        if not isinstance(body, dict) or set(body) - {"channels", "listen_s", "target_db", "apply"}:
            raise PayloadError("invalid_value", "the gain_staging payload is empty or a JSON object",
                               allowed=allowed)
        try:
            channels = body.get("channels")
            request = gainstaging.Request(None if channels is None else tuple(int(c) for c in channels),
                                          float(body.get("listen_s", gainstaging.DEFAULT_LISTEN_S)),
                                          float(body.get("target_db", gainstaging.DEFAULT_TARGET_DB)))
        except (TypeError, ValueError, OverflowError):  # OverflowError: int(1e400), a JSON number too big
            raise PayloadError("wrong_type", "channels is a list of numbers, listen_s and target_db numbers",
                               allowed=allowed) from None
        request = request.checked(self._tree.layout.n_inputs)
        apply = body.get("apply", False) is True
        channels = request.channels or range(1, self._tree.layout.n_inputs + 1)
        self.access.check_action("gain_staging", [f"ch/{n}/trim" for n in channels] if apply else [])
        if self._assistant.listening:
            raise gainstaging.Busy()

        def listen() -> None:
            try:
                result = self._assistant.run(request, apply, origin="mqtt", cancel=self._stop)
            except MixerError as exc:
                self._error(self.topics.action("gain_staging"), payload, exc, None)
                return
            self._publish(self.topics.gain_staging, json.dumps(result, ensure_ascii=False), retain=False)

        threading.Thread(target=listen, name="mixerd-mqtt-gain-staging", daemon=True).start()

    def _scene_id(self, text: str) -> int | None:
        """The scene named (or numbered) ``text``; None for the select's modified option (Home Assistant
        sends it when that option is picked: there is nothing to recall)."""
        if text.isdigit():
            return int(text)
        scenes = self.scenes.scenes()
        for scene in scenes:
            if scene.name == text:
                return scene.id
        if text == modified_label(s.name for s in scenes):
            return None
        names = ", ".join(repr(s.name) for s in scenes) or "none yet"
        raise PayloadError("not_found", f"there is no scene named {text!r}",
                           allowed=f"a scene id or name ({names})")

    def _error(self, topic: str, payload: bytes, exc: MixerError | None, address: str | None) -> None:
        """Answer a refused message on {base}/error: ``exc`` in MQTT's words, or (None) our own failure.
        ``address``: the one the topic named, when the error names none."""
        self.stats["errors"] += 1
        if exc is None:
            error = _internal_error(address)
        else:
            error = exc.to_dict(self.topics.hints)
            error["address"] = error["address"] or address
        body = {"topic": topic, "payload": payload[:200].decode("utf-8", "replace"), "error": error}
        log.info("mqtt: refused %s: %s", topic, error["message"])
        # backslashreplace: a message quoting text with a lone surrogate is still published, escaped.
        self._publish(self.topics.error, json.dumps(body, ensure_ascii=False).encode("utf-8", "backslashreplace"),
                      retain=False)

    # -- publishing -------------------------------------------------------------------------------

    def _publish(self, topic: str, payload: str | bytes, retain: bool, qos: int = 0) -> bool:
        """Publish when on the broker (False when not: state is resent after the next connect anyway)."""
        client = self._client
        if client is None or not self._connected.is_set():
            return False
        client.publish(topic, payload, qos=qos, retain=retain)
        self.stats["published"] += 1
        return True

    def _discovery_messages(self, names: list[str] | None = None) -> dict[str, dict[str, Any]]:
        _, values = self.control.state()
        names = self._scene_names() if names is None else names
        return discovery.messages(self._tree, values, self.topics, self.config.discovery_prefix, self.device,
                                  self.config.expose, names, self.config.loudness_interval > 0,
                                  diagnostics=self.diagnostics is not None, access=self.access,
                                  recorder=self.recorder is not None,
                                  modified=modified_label(names))

    def _scene_names(self) -> list[str]:
        return [s.name for s in self.scenes.scenes()] if self.scenes is not None else []

    def _announce(self) -> None:
        """Publish the discovery configs (retained); clear those of entities that are gone."""
        self._announced_names = self._scene_names()
        current = self._discovery_messages(self._announced_names)
        for topic in set(self._discovery) - set(current):
            self._publish(topic, "", retain=True)
        self._discovery = current
        for topic, config in current.items():
            self._publish(topic, json.dumps(config, ensure_ascii=False), retain=True)

    def _publish_state(self, values: dict[str, Any]) -> None:
        for address, value in values.items():
            self._publish(self.topics.state(address), state_payload(value), retain=True)

    def _publish_loop(self) -> None:
        sub = self.control.subscribe(maxsize=16384, notices=("scenes", "problems", "health", "recorder", "player"))
        pending: dict[str, Any] = {}   # address → newest value not yet published
        last: dict[str, float] = {}    # address → when it was last published
        meter_period = 1.0 / self.config.meter_rate if self.config.meter_rate > 0 else None
        next_meters = time.monotonic()
        label = modified_label(self._scene_names())  # the select's option for a mix at no scene
        scene_stale = self.scenes is not None        # {base}/scene may say something new
        scene_sent: dict[str, Any] | None = None
        health_sent: dict[str, Any] | None = None
        diagnostics_sent: int | None = None
        info_stale = False  # {base}/info names what the links send: one of those names changed
        try:
            while not self._stop.is_set():
                if self.config.discovery and self._connected.is_set() and self._rediscover.is_set():
                    self._rediscover.clear()
                    self._announce()
                if self._resync.is_set() and self._connected.is_set():
                    self._resync.clear()
                    _, values = self.control.state()
                    pending.clear()
                    self._publish_state(values)
                    now = time.monotonic()
                    last = dict.fromkeys(values, now)
                    if self.scenes is not None:
                        label = modified_label(self._scene_names())
                        scene_stale, scene_sent = True, None
                    health_sent = self._send_health(health_summary(self.control.health()), None)
                    if self.diagnostics is not None:
                        diagnostics_sent = self._send_diagnostics(self.diagnostics.problems(), None)
                    if self.recorder is not None:
                        self._send_recorder(self.recorder.status())
                    if self.player is not None:
                        self._send_player(self.player.status())
                    if self._loudness.sent:  # retained: a broker that restarted empty has it again
                        self._publish(self.topics.loudness, json.dumps(self._loudness.sent), retain=True)
                now = time.monotonic()
                due = [now + MIN_INTERVAL] if pending else [now + IDLE_WAKE]
                if meter_period:
                    due.append(next_meters)
                try:
                    event = sub.get(timeout=max(0.0, min(due) - now))
                    while event is not None:
                        if isinstance(event, Notice):
                            if event.kind == "scenes" and self.scenes is not None:
                                names = [scene["name"] for scene in event.data["scenes"]]
                                label, scene_stale = modified_label(names), True
                                if names != self._announced_names:
                                    self._rediscover.set()  # the select's options are the scene names
                            elif event.kind == "health":
                                health_sent = self._send_health(dict(event.data), health_sent)
                            elif event.kind == "problems" and event.source is self.diagnostics:
                                diagnostics_sent = self._send_diagnostics(dict(event.data), diagnostics_sent)
                            elif event.kind == "recorder" and self._connected.is_set():
                                self._send_recorder(dict(event.data))
                            elif event.kind == "player" and self._connected.is_set():
                                self._send_player(dict(event.data))
                        else:
                            pending[event.address] = event.value
                            scene_stale = self.scenes is not None
                            if event.address.endswith("/name"):
                                self._rediscover.set()  # entity names follow the strip names
                                if self._sent_names is not None and event.address in self._sent_names.watched:
                                    info_stale = True  # the receiving box names its channels after these
                        event = sub.get(timeout=0)
                except Lagged:
                    self._resync.set()  # too far behind: send everything again
                    continue
                now = time.monotonic()
                for address in [a for a in pending if now - last.get(a, 0.0) >= MIN_INTERVAL]:
                    self._publish(self.topics.state(address), state_payload(pending.pop(address)), retain=True)
                    last[address] = now
                if info_stale and self._connected.is_set():
                    info_stale = False
                    self._publish(self.topics.info, self._info(), retain=True, qos=1)
                if scene_stale and self._connected.is_set() and not self._resync.is_set():
                    scene_stale = False
                    scene = scene_state(self.scenes.current(), label).to_dict()
                    if scene != scene_sent:
                        scene_sent = scene
                        self._publish(self.topics.scene, json.dumps(scene, ensure_ascii=False), retain=True)
                if meter_period and now >= next_meters:
                    next_meters = now + meter_period
                    if self._connected.is_set():
                        frame = self.control.meter_frame()
                        if frame is not None:
                            self._publish(self.topics.meters, json.dumps(compact_meters(frame)), retain=False)
                if self._connected.is_set() and not self._resync.is_set() and self._loudness.due():
                    loudness = self._loudness.take(self.control.meter_frame())
                    if loudness is not None:
                        self._publish(self.topics.loudness, json.dumps(loudness), retain=True)
        finally:
            sub.close()

    def _send_health(self, summary: dict[str, Any], sent: dict[str, Any] | None) -> dict[str, Any] | None:
        """Publish ``{base}/health`` if it says something new (or ``sent`` is None); returns what it says."""
        health = compact_health(summary)
        if health != sent or sent is None:
            if not self._connected.is_set():
                return sent
            self._publish(self.topics.health, json.dumps(health), retain=True)
        return health

    def _send_diagnostics(self, problems: dict[str, Any], sent: int | None) -> int | None:
        """Publish ``{base}/diagnostics`` if the problems are newer than version ``sent`` (or it is None)."""
        if sent is not None and problems["version"] <= sent:
            return sent
        if not self._connected.is_set():
            return sent
        self._publish(self.topics.diagnostics, json.dumps(compact_diagnostics(problems), ensure_ascii=False),
                      retain=True)
        return problems["version"]


def _internal_error(address: str | None) -> dict[str, Any]:
    """The error body for a failure of mixerd's own (logged), in the shape of a refusal's."""
    return {"code": "internal_error", "message": "mixerd could not handle this message (see its log)",
            "address": address, "allowed": None}


def compact_diagnostics(problems: dict[str, Any]) -> dict[str, Any]:
    """What ``{base}/diagnostics`` says: how many problems, the worst severity, and each problem."""
    current = problems["problems"]
    keys = ("code", "address", "severity", "stage", "message", "fix", "fix_address")
    return {"count": len(current), "worst": current[0]["severity"] if current else None,
            "version": problems["version"], "problems": [{k: p.get(k) for k in keys} for p in current]}


def compact_health(health: dict[str, Any]) -> dict[str, Any]:
    """What ``{base}/health`` says: ok/degraded/down, whether audio runs, xruns, and the interface; from
    ``control.health()`` or from a ``health`` notice's summary of it (``mixerd.control.health.summary``)."""
    summary = health_summary(health) if "engine" in health else health
    out = {"status": summary.get("status", "down"), "running": bool(summary.get("running")),
           "xruns": int(summary.get("xruns", 0))}
    if "interface" in summary:
        out["interface"] = summary["interface"]
    return out


def compact_meters(frame: MeterFrame) -> dict[str, Any]:
    """The meter frame in a dashboard's terms: per point peak and RMS (dBFS, per side, 0.1 dB), and where
    measured, short-term loudness (LUFS) and limiter gain reduction (dB)."""
    peak = np.round(frame.peak.astype(np.float64), 1).tolist()
    rms = np.round(frame.rms.astype(np.float64), 1).tolist()
    out: dict[str, Any] = {}
    for i, p in enumerate(frame.layout.points):
        sl = slice(p.first, p.first + p.width)
        entry: dict[str, Any] = {"peak": peak[sl], "rms": rms[sl]}
        if p.master:
            entry["lufs_s"] = round(float(frame.lufs_s[i]), 1)
        for key, g in p.gr:
            if key == "limiter_gr":
                entry[key] = round(float(frame.gr[g]), 1)
        out[p.name] = entry
    return out


def _unquote(text: str) -> str:
    """A scene name or id sent as JSON (``"Verse"``, ``3``) or as plain text."""
    value = read_json(text)
    if value is NOT_JSON:
        return text
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else text
