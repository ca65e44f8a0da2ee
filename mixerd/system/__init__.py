"""systemd integration: readiness, status lines and the watchdog (sd_notify), and journal logging.
Everything falls back cleanly (and says so once) when mixerd is not run by systemd."""

from mixerd.system.journal import setup_logging
from mixerd.system.notify import SystemdNotifier, status_line

__all__ = ["SystemdNotifier", "setup_logging", "status_line"]
