"""``mixerd demo``: a self-contained demo mixer — profile ``demo`` (jackd's dummy backend), a tone on every
channel, the demo mix, its own mosquitto when none runs here, OSC for X AIR apps, the admin password printed with
the address."""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path

from mixerd.cli import load_config_or_say, serve

HELP = "run a demo mixer: own JACK server (dummy backend), tone generators"

#: The demo's admin password unless its config sets another (printed with the address).
DEMO_PASSWORD = "mixerd"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML config file; the profile defaults to 'demo'")
    parser.add_argument("--port", type=int, help="HTTP port (default 8080; 0 picks a free one)")
    parser.add_argument("--state-dir", type=Path, default=Path(".mixerd-demo"), help="where the demo keeps state")


def run(args: argparse.Namespace) -> int:
    """Run the demo mixer until Ctrl-C or SIGTERM."""
    from mixerd.demo import demo_changes
    from mixerd.profiles import ProfileError, load_profile

    config = load_config_or_say(args.config)
    if config is None:
        return 2
    config = demo_config(config, args)
    try:
        profile = load_profile(config.mixer.profile, config.mixer.profile_dirs)
    except ProfileError as exc:
        print(f"mixerd: {exc}", file=sys.stderr)
        return 1
    # One tone generator per channel (as many as the engine allows).
    generators = max(config.engine.generators, min(16, len(profile.inputs)))
    config = dataclasses.replace(config, engine=dataclasses.replace(config.engine, generators=generators))
    changes = demo_changes(profile.layout(generators=generators).with_fx(config.engine.fx))
    broker = None

    def start_broker() -> str | None:
        nonlocal broker
        port = broker_port(config.mqtt.broker) if config.mqtt.enabled else None
        if port is None:
            return None
        from mixerd.daemon import CHILDREN
        from mixerd.demo.broker import LocalBroker
        from mixerd.system.children import ChildRecord

        # The demo's own mosquitto when none runs here; noted in the state directory, so the next demo stops
        # one a killed demo left running.
        broker = LocalBroker(port, record=ChildRecord(Path(config.state.dir) / CHILDREN / "mosquitto.json",
                                                      "mosquitto"))
        return f"mosquitto {broker.start()}"

    def stop_broker() -> None:
        if broker:
            broker.stop()

    return serve(config, initial_changes=changes, before_start=start_broker, after_stop=stop_broker,
                 show_password=True)


def broker_port(broker: str) -> int | None:
    """The port of a broker on 127.0.0.1 (the default mqtt://127.0.0.1:1883, or another port a demo's config
    names), where the demo starts a mosquitto when nothing listens there yet; None for any other broker."""
    m = re.fullmatch(r"mqtt://127\.0\.0\.1(?::(\d{1,5}))?/?", broker)
    return (int(m.group(1)) if m.group(1) else 1883) if m else None


def demo_config(config, args: argparse.Namespace):
    """The demo: profile 'demo', local state, HTTP port from the command line, admin password "mixerd", OSC on for
    X AIR apps (unless a config file says otherwise)."""
    http = config.http if args.port is None else dataclasses.replace(config.http, port=args.port)
    state = dataclasses.replace(config.state, dir=args.state_dir)
    mixer = config.mixer if args.config else dataclasses.replace(config.mixer, profile="demo")
    auth = config.auth if config.auth.admin_password else dataclasses.replace(config.auth, admin_password=DEMO_PASSWORD)
    mqtt = config.mqtt if args.config else dataclasses.replace(config.mqtt, node_id="demo")  # mixerd/demo
    osc = config.osc if args.config else dataclasses.replace(config.osc, enabled=True)  # X AIR apps, on this network
    return dataclasses.replace(config, http=http, state=state, mixer=mixer, auth=auth, mqtt=mqtt, osc=osc)
