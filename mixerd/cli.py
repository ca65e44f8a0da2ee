"""The ``mixerd`` command: ``run`` (the daemon), ``profiles``; ``demo`` and ``bench`` plug in (see COMMANDS)."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import signal
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

from mixerd import __version__

log = logging.getLogger(__name__)


#: Entry-point group of the commands that live outside the runtime (``mixerd bench``, ``mixerd demo``): each is a
#: module with ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``, declared in pyproject.toml. The
#: runtime never imports them; only the command chosen gets its arguments (and imports what it needs).
COMMANDS = "mixerd.commands"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="mixerd", description="Headless digital monitor mixer on JACK.")
    parser.add_argument("--version", action="version", version=f"mixerd {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the mixer daemon")
    run.add_argument("--config", type=Path, help="TOML config file (every key has a default)")

    profiles = sub.add_parser("profiles", help="list the hardware profiles and which one the connected "
                              "interface matches; --check validates a profile file")
    profiles.add_argument("--config", type=Path, help="TOML config file (for mixer.profile_dirs)")
    profiles.add_argument("--check", type=Path, metavar="FILE", help="validate your own profile file")
    profiles.add_argument("--asound", type=Path, default=Path("/proc/asound"), help=argparse.SUPPRESS)

    plugged = {}
    for entry in sorted(entry_points(group=COMMANDS), key=lambda e: e.name):
        command = entry.load()
        plugged[entry.name] = (command, sub.add_parser(entry.name, help=command.HELP))
    chosen = next((a for a in argv if not a.startswith("-")), None)  # the top level has only --help/--version
    if chosen in plugged:
        command, command_parser = plugged[chosen]
        command.add_arguments(command_parser)
    args = parser.parse_args(argv)

    if args.command in plugged:
        return plugged[args.command][0].run(args)
    if args.command == "profiles":
        return _list_profiles(args)
    config = load_config_or_say(args.config)
    return 2 if config is None else serve(config)


def load_config_or_say(path: Path | None):
    """The config file ``path`` (defaults without one); None after printing why not."""
    from mixerd.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"mixerd: config error: {exc}", file=sys.stderr)
        return None


def _list_profiles(args: argparse.Namespace) -> int:
    from mixerd.daemon import choose_profile, usable_profiles
    from mixerd.links.describe import describe_links
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
    config = load_config_or_say(args.config)
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
    print()
    try:
        hardware = choose_profile(config.mixer.profile, config.mixer.profile_dirs).layout(
            generators=config.engine.generators).with_fx(config.engine.fx)
    except ProfileError as exc:
        print(f"Links: cannot tell where their channels land: {exc}")
        return 0
    print("\n".join(describe_links(config.link, hardware, config.jack.client_name)))
    return 0


def serve(config, *, initial_changes: dict | None = None, before_start=None, after_stop=None,
          show_password: bool = False) -> int:
    """Run the mixer of ``config`` and serve its web app until Ctrl-C or SIGTERM; the exit status.

    ``initial_changes``: the mix a new state directory starts with; ``before_start``: called once the HTTP
    port is bound, before the mixer starts, returning a note for the MQTT line (the demo starts its broker
    there) or None; ``after_stop``: called once the mixer has stopped (the demo stops its broker);
    ``show_password``: print the admin password with the address (the demo's)."""
    from mixerd.daemon import Mixer, StateError, bind_http, check_tls, web_addresses
    from mixerd.jackhost import JackServerError
    from mixerd.links.supervisor import LinkError
    from mixerd.profiles import ProfileError
    from mixerd.system import setup_logging

    setup_logging(config.log.level)
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
    # SIGTERM (systemd's stop) is a clean exit from here on, even while starting: every finally below runs, so
    # the front ends, the jackd we started and what the caller started (after_stop) are stopped in order.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Ctrl-C (SIGINT) stops mixerd however it was started. Python leaves SIGINT alone when it was ignored at
    # start-up, and a shell ignores it in whatever it starts in the background (`mixerd run &`, a script's `&`):
    # such a mixerd would shrug off Ctrl-C and `kill -INT`.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # `kill -USR1 <pid>` writes every thread's stack to stderr (the journal) and mixerd goes on: what a mixer that
    # hangs, starting or stopping, is doing, without a debugger on the box. (Done by C code, so it answers even
    # while a thread holds the GIL.)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    mixer = Mixer(config, initial_changes=initial_changes, http_socket=sock)  # the mix: only for a new store
    try:
        note = before_start() if before_start else None
        try:
            mixer.start()
        except (ProfileError, JackServerError, StateError, LinkError) as exc:
            print(f"mixerd: {exc}", file=sys.stderr)
            return 1
        _run(config, mixer, web_addresses(sock, "https" if config.http.tls else "http"), show_password,
             f" ({note})" if note else "")
    except KeyboardInterrupt:  # Ctrl-C while starting, or before _run waits for it: the same clean stop
        pass
    finally:
        mixer.stop()
        if after_stop:
            after_stop()
        sock.close()
        print("mixerd stopped.", flush=True)
    return 0


def _run(config, mixer, addresses: list[str], show_password: bool, broker_note: str) -> None:
    """Say where the mixer is and keep systemd informed until Ctrl-C, SIGTERM or the web front end ends."""
    from mixerd.system import SystemdNotifier

    print("mixerd is running. Open the mixer in a browser:", flush=True)
    for address in addresses:
        print(f"    {address}", flush=True)
    _print_access(config, mixer, show_password)
    if config.mqtt.enabled:
        print(f"MQTT: {config.mqtt.broker}{broker_note}, base topic {config.mqtt.base}", flush=True)
    if mixer.osc is not None:
        from mixerd.daemon import udp_addresses
        from mixerd.osc import MODEL

        print(f"X AIR apps (OSC, the mixer shows as an {MODEL}): {', '.join(udp_addresses(mixer.osc.address))}",
              flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    web = mixer.front_end("web")
    # READY=1 once audio flows, then STATUS and the watchdog.
    notifier = SystemdNotifier(mixer.control.health, extra=lambda: {
        "interface": mixer.profile.name if mixer.profile else None,
        "clients": web.clients, "problems": _problem_count(mixer),
        "MQTT": "connected" if mixer.mqtt and mixer.mqtt.connected else "off", "OSC": _osc_state(config, mixer)})
    notifier.start()
    try:
        while web.running:  # a signal's handler ends the wait (SIGTERM: SystemExit, Ctrl-C: KeyboardInterrupt)
            time.sleep(0.5)
        log.error("the web front end stopped by itself; stopping mixerd")
    except KeyboardInterrupt:
        pass
    finally:
        notifier.stop()


def _osc_state(config, mixer) -> str | None:
    """The OSC front end in the status line: how many apps follow, or that it could not listen; None when off."""
    if not config.osc.enabled:
        return None
    if mixer.osc is None:
        return "not listening (port taken)"
    followers = mixer.osc.status()["followers"]
    return f"{followers} app{'s' if followers != 1 else ''}"


def _problem_count(mixer) -> int | None:
    """Signal-flow problems worth a look in the status line (errors and warnings, not notes)."""
    if mixer.diagnostics is None:
        return None
    return sum(p["severity"] != "info" for p in mixer.diagnostics.problems()["problems"])


def _print_access(config, mixer, show_password: bool) -> None:
    """Tell how to get in: the (demo's) password, or that the first visitor sets one."""
    if mixer.auth is None:
        print("Access control is off: everyone who opens the address may change everything.", flush=True)
    elif show_password:
        print(f"    admin password: {config.auth.admin_password}", flush=True)
    elif not mixer.auth.password_set:
        print("No admin password yet: open the address and set one (or set [auth] admin_password in the "
              "config).", flush=True)


if __name__ == "__main__":
    sys.exit(main())
