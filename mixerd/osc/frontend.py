"""OSC as one of the mixer's front ends (``mixerd.frontend``): the X AIR server on the services."""

from __future__ import annotations

import logging
import socket

from mixerd.frontend import Services

log = logging.getLogger(__name__)


class OscFrontEnd:
    """Runs an ``OscServer`` on the services while started. A port that is taken is logged as an error and the
    mixer runs on without OSC (the web app and MQTT still work)."""

    name = "osc"

    def __init__(self) -> None:
        self.server = None
        self._statuses: dict = {}

    def start(self, services: Services) -> None:
        from mixerd.osc.server import OscServer
        from mixerd.osc.xair import XAirMap

        control, config = services.control, services.config.osc
        server = OscServer(control, config, XAirMap(control.tree.layout, control.tree), name=mixer_name(),
                           scenes=services.scenes)
        try:
            server.start()
        except OSError as exc:
            log.error("osc: cannot listen on udp %s:%d (%s): X AIR apps cannot reach this mixer; stop what uses "
                      "the port or set [osc] port to a free one", config.host, config.port, exc.strerror or exc)
            return
        self.server = server
        self._statuses = services.statuses
        services.statuses[self.name] = server.status  # /health's osc

    def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            self._statuses.pop(self.name, None)
            server.stop()


def mixer_name() -> str:
    """What app discovery lists this mixer as: ``mixerd-<host name>`` (an X AIR says ``XR18-xx-xx-xx``)."""
    return f"mixerd-{socket.gethostname().split('.')[0]}"[:32]
