"""The ``mixerd`` command: ``run`` (the daemon), ``demo`` (a self-contained demo mixer), ``bench``."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
from pathlib import Path

from mixerd import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mixerd", description="Headless digital monitor mixer on JACK.")
    parser.add_argument("--version", action="version", version=f"mixerd {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the mixer daemon")
    run.add_argument("--config", type=Path, help="TOML config file (every key has a default)")

    demo = sub.add_parser("demo", help="run a demo mixer: own JACK server (dummy backend), tone generators")
    demo.add_argument("--config", type=Path, help="TOML config file; the profile defaults to 'demo'")
    demo.add_argument("--port", type=int, help="HTTP port (default 8080; 0 picks a free one)")
    demo.add_argument("--state-dir", type=Path, default=Path(".mixerd-demo"), help="where the demo keeps state")

    profiles = sub.add_parser("profiles", help="list the hardware profiles and which one the connected "
                              "interface matches; --check validates a profile file")
    profiles.add_argument("--config", type=Path, help="TOML config file (for mixer.profile_dirs)")
    profiles.add_argument("--check", type=Path, metavar="FILE", help="validate your own profile file")
    profiles.add_argument("--asound", type=Path, default=Path("/proc/asound"), help=argparse.SUPPRESS)

    bench = sub.add_parser("bench", help="measure and print the figures that matter: the core against numpy, the "
                           "DSP kernels, recovery from a jackd crash, WebSocket meters and latency, MQTT load")
    from mixerd.bench import add_arguments

    add_arguments(bench)
    args = parser.parse_args(argv)

    if args.command == "bench":
        from mixerd.bench import run_bench

        return run_bench(args)
    if args.command == "profiles":
        return _list_profiles(args)
    return _serve(args)


def _load_config(args: argparse.Namespace):
    """The config file named on the command line (defaults without one); None after printing why not."""
    from mixerd.config import ConfigError, load_config

    try:
        return load_config(args.config)
    except ConfigError as exc:
        print(f"mixerd: config error: {exc}", file=sys.stderr)
        return None


def _list_profiles(args: argparse.Namespace) -> int:
    from mixerd.daemon import usable_profiles
    from mixerd.profiles import ProfileError, connected, list_profiles, load_profile

    if args.check:
        try:
            p = load_profile(args.check)
        except ProfileError as exc:
            print(f"mixerd: {exc}", file=sys.stderr)
            return 1
        print(f"{args.check}: OK — {p.name}: {len(p.inputs)} inputs, {len(p.outputs)} outputs, main on "
              f"{' + '.join(p.main_outputs)}, {len(p.buses)} mixes, JACK {' '.join(p.jack.driver_argv())}")
        return 0
    config = _load_config(args)
    if config is None:
        return 2
    found = connected(usable_profiles(config.mixer.profile_dirs), args.asound)
    match = found.profile.id if found.profile is not None and not found.generic else None
    for p in list_profiles(config.mixer.profile_dirs):
        mark = "*" if p.id == match else " "
        print(f"{mark} {p.id:34} UNUSABLE: {p.error}" if p.error else f"{mark} {p.id:34} {p.driver:6} {p.name}")
    print()
    if not found.cards:
        print("Connected: no sound cards.")
    for card in found.cards:
        usb = f" (USB {found.usb_ids[card.index]})" if card.index in found.usb_ids else ""
        print(f"Connected: card {card.index} [{card.id}] {card.name}{usb}")
    if found.profile is None:
        print("Matches: none.")
    elif found.generic:
        print(f"Matches: no profile; \"auto\" uses {found.profile.name} on {found.profile.jack.device}")
    else:
        print(f"Matches: * {found.profile.id} on {found.profile.jack.device or found.profile.jack.driver} "
              "(mixer.profile = \"auto\" picks it)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from mixerd.profiles import ProfileError

    config = _load_config(args)
    if config is None:
        return 2
    changes = {}
    if args.command == "demo":
        config = _demo_config(config, args)
    from mixerd.system import setup_logging

    setup_logging(config.log.level)

    from mixerd.daemon import Mixer, StateError, bind_http, check_tls, web_addresses
    from mixerd.jackhost import JackServerError

    if args.command == "demo":
        from mixerd.demo import demo_changes
        from mixerd.profiles import load_profile

        try:
            profile = load_profile(config.mixer.profile, config.mixer.profile_dirs)
        except ProfileError as exc:
            print(f"mixerd: {exc}", file=sys.stderr)
            return 1
        # One tone generator per channel (as many as the engine allows).
        generators = max(config.engine.generators, min(16, len(profile.inputs)))
        config = dataclasses.replace(config, engine=dataclasses.replace(config.engine, generators=generators))
        changes = demo_changes(profile.layout(generators=generators).with_fx(config.engine.fx))
    if config.http.tls:
        try:
            check_tls(config.http.tls_cert, config.http.tls_key)
        except ValueError as exc:
            print(f"mixerd: config error: https: {exc}", file=sys.stderr)
            return 2
    try:
        sock = bind_http(config.http.host, config.http.port)
    except OSError as exc:
        print(f"mixerd: cannot listen on {config.http.host}:{config.http.port}: {exc.strerror}; "
              "set http.port in the config (or --port) to a free port", file=sys.stderr)
        return 2
    # SIGTERM (systemd's stop) is a clean exit from here on, even while starting: every finally below
    # runs, so the jackd and mosquitto we started are stopped. uvicorn handles it itself while serving,
    # then re-raises it with this handler.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    broker = None
    mixer = Mixer(config, initial_changes=changes)  # the demo mix only when the store has no state yet
    addresses = web_addresses(sock, "https" if config.http.tls else "http")
    mixer.web_url = addresses[-1]  # a LAN address when there is one: Home Assistant runs elsewhere
    try:
        if args.command == "demo" and config.mqtt.enabled and (port := _demo_broker_port(config.mqtt.broker)):
            from mixerd.daemon import CHILDREN
            from mixerd.mqtt.local_broker import LocalBroker
            from mixerd.system.children import ChildRecord

            # The demo's own mosquitto when none runs here; noted in the state directory, so the next demo
            # stops one a killed demo left running.
            broker = LocalBroker(port, record=ChildRecord(Path(config.state.dir) / CHILDREN / "mosquitto.json",
                                                          "mosquitto"))
            broker_state = broker.start()
        try:
            mixer.start()
        except (ProfileError, JackServerError, StateError) as exc:
            print(f"mixerd: {exc}", file=sys.stderr)
            return 1
        _serve_http(config, mixer, sock, addresses, args, f" (mosquitto {broker_state})" if broker else "")
    finally:
        mixer.stop()
        if broker:
            broker.stop()
        sock.close()
        print("mixerd stopped.", flush=True)
    return 0


def _serve_http(config, mixer, sock, addresses: list[str], args: argparse.Namespace, broker_note: str) -> None:
    """Serve the web app and the API on ``sock`` until Ctrl-C or SIGTERM, telling systemd how it goes."""
    import uvicorn

    from mixerd.system import SystemdNotifier
    from mixerd.web import create_app
    from mixerd.web.server import server_config

    assert mixer.control is not None
    app = create_app(mixer.control, scenes=mixer.scenes, auth=mixer.auth, diagnostics=mixer.diagnostics)
    print("mixerd is running. Open the mixer in a browser:", flush=True)
    for address in addresses:
        print(f"    {address}", flush=True)
    _print_access(config, mixer, demo=args.command == "demo")
    if config.mqtt.enabled:
        print(f"MQTT: {config.mqtt.broker}{broker_note}, base topic {config.mqtt.base}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    # READY=1 once audio flows (the HTTP socket already listens), then STATUS and the watchdog.
    notifier = SystemdNotifier(mixer.control.health, extra=lambda: {
        "interface": mixer.profile.name if mixer.profile else None,
        "clients": len(app.state.live), "problems": _problem_count(mixer),
        "MQTT": "connected" if mixer.mqtt and mixer.mqtt.connected else "off"})
    notifier.start()
    tls = {"ssl_certfile": config.http.tls_cert, "ssl_keyfile": config.http.tls_key} if config.http.tls else {}
    server = uvicorn.Server(server_config(app, lifespan="on", **tls))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        notifier.stop()


def _problem_count(mixer) -> int | None:
    """Signal-flow problems worth a look in the status line (errors and warnings, not notes)."""
    if mixer.diagnostics is None:
        return None
    return sum(p["severity"] != "info" for p in mixer.diagnostics.problems()["problems"])


def _print_access(config, mixer, demo: bool) -> None:
    """Tell how to get in: the demo's password, or that the first visitor sets one."""
    if mixer.auth is None:
        print("Access control is off: everyone who opens the address may change everything.", flush=True)
    elif demo:
        print(f"    admin password: {config.auth.admin_password}", flush=True)
    elif not mixer.auth.password_set:
        print("No admin password yet: open the address and set one (or set [auth] admin_password in the "
              "config).", flush=True)


#: The demo's admin password unless its config sets another (printed with the address).
DEMO_PASSWORD = "mixerd"


def _demo_broker_port(broker: str) -> int | None:
    """The port of a broker on 127.0.0.1 (the default mqtt://127.0.0.1:1883, or another port a demo's config
    names), where the demo starts a mosquitto when nothing listens there yet; None for any other broker."""
    import re

    m = re.fullmatch(r"mqtt://127\.0\.0\.1(?::(\d{1,5}))?/?", broker)
    return (int(m.group(1)) if m.group(1) else 1883) if m else None


def _demo_config(config, args: argparse.Namespace):
    """The demo: profile 'demo', local state, HTTP port from the command line, admin password "mixerd"."""
    http = config.http if args.port is None else dataclasses.replace(config.http, port=args.port)
    state = dataclasses.replace(config.state, dir=args.state_dir)
    mixer = config.mixer if args.config else dataclasses.replace(config.mixer, profile="demo")
    auth = config.auth if config.auth.admin_password else dataclasses.replace(config.auth, admin_password=DEMO_PASSWORD)
    mqtt = config.mqtt if args.config else dataclasses.replace(config.mqtt, node_id="demo")  # mixerd/demo
    return dataclasses.replace(config, http=http, state=state, mixer=mixer, auth=auth, mqtt=mqtt)


if __name__ == "__main__":
    sys.exit(main())
