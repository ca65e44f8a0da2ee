"""JACK lifecycle: attach to or start the server, register and wire ports, reconnect after a restart."""

from mixerd.jackhost.host import JackHost, Wiring, input_port_names, output_port_names
from mixerd.jackhost.server import (JackServer, JackServerError, ServerSpec, port_limit, realtime_allowed,
                                    server_running)

__all__ = ["JackHost", "JackServer", "JackServerError", "ServerSpec", "Wiring", "input_port_names",
           "output_port_names", "port_limit", "realtime_allowed", "server_running"]
