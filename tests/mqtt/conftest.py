"""A real mosquitto on a free loopback port (started and stopped by the tests), and a listening client."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from support import wait_until

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """One mosquitto process on 127.0.0.1:``port``; ``restart()`` brings it back on the same port."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.conf = tmp_path / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        self.log = tmp_path / "mosquitto.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        wait_until(self._listening, timeout=10, what=f"mosquitto on port {self.port}")

    def _listening(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"mosquitto exited: {self.log.read_text()}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


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
