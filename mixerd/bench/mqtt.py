"""``mixerd bench --workload mqtt``: the whole mixer under a stream of MQTT commands, on loopback.

It starts what it needs — its own jackd (dummy backend, realtime when allowed) and mosquitto on free
loopback ports — and a mixer of the demo's shape. First a reference run: the same span with no commands,
counting xruns; then ``rate`` commands a second for ``seconds`` (channel faders, paced), counting xruns
and checking that every command was applied, in order. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from mixerd.bench.common import BenchError
from mixerd.config import Config
from mixerd.jackhost import JackServer, ServerSpec, realtime_allowed
from mixerd.demo.broker import LocalBroker
from mixerd.system.net import free_port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("mqtt")
    group.add_argument("--mqtt-rate", type=int, default=1000, help="mqtt: commands per second (default 1000)")
    group.add_argument("--mqtt-seconds", type=float, default=10.0, help="mqtt: how long the load lasts (default 10)")


def run(args: argparse.Namespace) -> dict:
    figures = measure_mqtt(args.mqtt_rate, args.mqtt_seconds)
    if not args.json:
        print_mqtt(figures)
    return figures


def measure_mqtt(rate: int = 1000, seconds: float = 10.0) -> dict:
    """Run the reference span and the load; the figures as a dict."""
    import paho.mqtt.client as mqtt

    from mixerd.daemon import Mixer

    realtime = realtime_allowed()
    name = f"mixerd-bench-{free_port()}"
    jackd = JackServer(ServerSpec(name=name, realtime=realtime, driver_args=(
        "-d", "dummy", "-r", "48000", "-p", "64", "-C", "8", "-P", "10", "-w", "1333")))
    broker = LocalBroker(free_port())
    state = Path(tempfile.mkdtemp(prefix="mixerd-bench-"))
    jackd.start()
    mixer = None
    sender = None
    try:
        if broker.start() != "started":
            raise BenchError("mosquitto could not be started for the MQTT bench (apt install mosquitto)", code=2)
        cfg = Config()
        cfg = dataclasses.replace(
            cfg, jack=dataclasses.replace(cfg.jack, server=name, start_server="never", realtime=realtime),
            state=dataclasses.replace(cfg.state, dir=state),
            mqtt=dataclasses.replace(cfg.mqtt, broker=f"mqtt://127.0.0.1:{broker.port}", node_id="bench"))
        mixer = Mixer(cfg)
        mixer.start()
        deadline = time.monotonic() + 15
        while not mixer.mqtt.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        sender = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="mixerd-bench-sender")
        sender.max_inflight_messages_set(1000)
        sender.connect("127.0.0.1", broker.port)
        sender.loop_start()
        base = cfg.mqtt.base

        def xruns() -> int:
            return int(mixer.control.health()["engine"]["xruns"])

        start_xruns = xruns()
        time.sleep(seconds)  # the reference: the same span, no commands
        idle_xruns = xruns() - start_xruns

        n = int(rate * seconds)
        sent = [(f"ch/{1 + k % 8}/fader", round(-60 + (k % 700) * 0.1, 1)) for k in range(n)]
        sub = mixer.control.subscribe(maxsize=2 * n)
        before = xruns()
        t0 = time.monotonic()
        for k, (address, value) in enumerate(sent):
            if k % 10 == 0 and (delay := t0 + k / rate - time.monotonic()) > 0:
                time.sleep(delay)
            sender.publish(f"{base}/{address}/set", str(value), qos=1)
        sending = time.monotonic() - t0
        applied = []
        deadline = time.monotonic() + 60
        while len(applied) < n and time.monotonic() < deadline:
            event = sub.get(timeout=1)
            if event is not None and event.origin == "mqtt":
                applied.append((event.address, event.value))
        done = time.monotonic() - t0
        sub.close()
        return {"realtime_jackd": realtime, "seconds": seconds, "commands": n, "send_rate": n / sending,
                "applied": len(applied), "in_order": applied == sent, "applied_after_s": done,
                "xruns_reference": idle_xruns, "xruns_load": xruns() - before,
                "dropped": mixer.mqtt.stats["dropped_commands"], "errors": mixer.mqtt.stats["errors"]}
    finally:
        if sender is not None:
            sender.loop_stop()
            sender.disconnect()
        if mixer is not None:
            mixer.stop()
        broker.stop()
        jackd.stop()


def print_mqtt(r: dict) -> None:
    print(f"mqtt: {r['commands']} commands at {r['send_rate']:.0f}/s for {r['seconds']:g} s into a mixer on a "
          f"{'realtime' if r['realtime_jackd'] else 'non-realtime'} jackd (dummy, 64 frames) and mosquitto, loopback")
    print(f"  applied: {r['applied']} of {r['commands']}, {'in order' if r['in_order'] else 'NOT in order'}, "
          f"the last {r['applied_after_s']:.2f} s after the first was sent; dropped {r['dropped']}, errors {r['errors']}")
    print(f"  xruns: {r['xruns_load']} under the load, {r['xruns_reference']} in the reference span without "
          "commands (the same length, the same process)")
