"""A real mosquitto on a free loopback port (started and stopped by the tests), and a listening client."""

from __future__ import annotations

import json
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from support import Broker, wait_until



class Listener:
    """A plain MQTT client subscribed to ``topic`` that keeps every message (topic → payloads, in order)."""

    def __init__(self, broker: Broker, topic: str):
        self.messages: dict[str, list[bytes]] = {}
        self.retained: set[str] = set()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"listener-{time.monotonic_ns()}")
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self._ready.set()
        self.client.connect("127.0.0.1", broker.port)
        self.client.subscribe(topic, qos=1)
        self.client.loop_start()
        assert self._ready.wait(5), "the listener could not subscribe"

    def _on_message(self, client, userdata, msg) -> None:
        with self._lock:
            self.messages.setdefault(msg.topic, []).append(msg.payload)
            if msg.retain:
                self.retained.add(msg.topic)

    def last(self, topic: str):
        with self._lock:
            got = self.messages.get(topic)
            return json.loads(got[-1]) if got else None

    def count(self, topic: str) -> int:
        with self._lock:
            return len(self.messages.get(topic, []))

    def wait_for(self, topic: str, value, timeout: float = 10.0) -> None:
        wait_until(lambda: self.last(topic) == value, timeout=timeout, what=f"{topic} = {value!r}")

    def publish(self, topic: str, payload, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.retained.clear()

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def listen(broker):
    made: list[Listener] = []

    def make(topic: str) -> Listener:
        made.append(Listener(broker, topic))
        return made[-1]

    yield make
    for listener in made:
        listener.close()
