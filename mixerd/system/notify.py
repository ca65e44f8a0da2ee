"""Telling systemd the truth: READY=1 once audio flows, STATUS= lines a person can read, and WATCHDOG=1
only while the audio thread makes progress (the engine's cycle counter advances), so a stalled engine
lets systemd's watchdog restart the service.

Without NOTIFY_SOCKET (not run by systemd with Type=notify) nothing is sent and that is said once.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable, Mapping

log = logging.getLogger(__name__)

Health = Callable[[], Mapping[str, Any]]


def _send(message: str) -> bool:
    from systemd import daemon  # systemd-python (sd_notify)

    return bool(daemon.notify(message))


def status_line(health: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> str:
    """``audio running: Scarlett 18i20 · 48000 Hz / 128 frames · 0 xruns · DSP 3 % · 2 clients``."""
    engine = health.get("engine", {})
    jack = health.get("jack", {})
    card = jack.get("interface") or {}
    if card.get("present") is False:
        state = f"interface {card.get('card')} unplugged; waiting for it"
    elif engine.get("running"):
        state = "audio running"
    elif engine.get("cycles") and not engine.get("cycles_advancing"):
        state = "audio STALLED (the engine stopped advancing)"
    else:
        state = "waiting for audio (JACK)"
    parts = [state]  # the state, then the figures
    extra = dict(extra or {})
    interface = extra.pop("interface", None) or jack.get("server")
    if interface:
        parts.append(str(interface))
    if engine.get("sample_rate") and engine.get("period"):
        parts.append(f"{engine['sample_rate']} Hz / {engine['period']} frames")
    parts.append(f"{engine.get('xruns', 0)} xruns")
    if engine.get("running"):
        parts.append(f"DSP {engine.get('dsp_load', 0):.0f} %")
    for key, value in extra.items():
        if value is not None:
            parts.append(f"{value} {key}" if isinstance(value, int) else f"{key} {value}")  # "3 clients", "MQTT off"
    return f"{state}: " + " · ".join(parts[1:])


class SystemdNotifier:
    """Watches ``health()`` (the control core's health: engine running, cycles advancing) and keeps
    systemd informed. ``extra()`` adds figures to the status line (e.g. ``{"clients": 3}``)."""

    def __init__(self, health: Health, extra: Callable[[], Mapping[str, Any]] | None = None,
                 interval: float | None = None):
        self.health = health
        self.extra = extra or (lambda: {})
        self.enabled = bool(os.environ.get("NOTIFY_SOCKET"))
        usec = _watchdog_usec()
        self.watchdog = usec / 1e6 if usec else None
        # Pet the watchdog at least twice per timeout; look at the engine at least every second.
        self.interval = interval or min(1.0, self.watchdog / 3 if self.watchdog else 1.0)
        self.ready = False
        self.sent: list[str] = []  # the last messages, for /health and tests
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_status = ""

    def start(self) -> None:
        if not self.enabled:
            log.info("systemd: not run by systemd (no NOTIFY_SOCKET); readiness and watchdog are off")
            return
        log.info("systemd: notify socket found; watchdog %s", f"{self.watchdog:.1f} s" if self.watchdog else "off")
        self._thread = threading.Thread(target=self._loop, name="mixerd-systemd", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        if self.enabled:
            self._notify("STOPPING=1\nSTATUS=stopping")

    def _notify(self, message: str) -> None:
        try:
            _send(message)
        except OSError as exc:  # systemd went away: nothing to tell
            log.debug("systemd: notify failed: %s", exc)
        self.sent = (self.sent + [message])[-20:]

    def check(self) -> None:
        """One look at the engine: READY the first time audio flows, STATUS when it changes, WATCHDOG
        while the engine advances."""
        try:
            health = self.health()
            extra = self.extra()
        except Exception:  # a health call that fails is no progress
            log.exception("systemd: health check failed")
            return
        running = bool(health.get("engine", {}).get("running"))
        status = status_line(health, extra)
        lines = []
        if running and not self.ready:
            self.ready = True
            lines.append("READY=1")
        if status != self._last_status:
            self._last_status = status
            lines.append(f"STATUS={status}")
        if running and self.watchdog:
            lines.append("WATCHDOG=1")
        if lines:
            self._notify("\n".join(lines))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.interval)


def _watchdog_usec() -> int | None:
    """WATCHDOG_USEC when it is meant for this process (WATCHDOG_PID unset or ours)."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) or None
    except ValueError:
        return None
