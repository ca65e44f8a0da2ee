"""What a front end is given and what it does: the mixer's services, built once by ``daemon.Mixer``, and the small
interface every front end implements (the web, MQTT, and the ones to come: OSC, links between boxes).

``Mixer`` starts its front ends in order once the services run, and stops them in reverse before the services.
A front end talks to the services only — never to the engine or the JACK host (``tests/test_layers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from mixerd.config import Config
    from mixerd.control import Control
    from mixerd.control.access import Auth
    from mixerd.control.scenes import SceneService
    from mixerd.diagnostics import Diagnostics
    from mixerd.diagnostics.listener import Listener
    from mixerd.links.names import SentNames
    from mixerd.fleet import Fleet
    from mixerd.recorder import Player, Recorder


@dataclass(frozen=True)
class Services:
    """The mixer's shared services: the control core (the one mutation path), scenes, the problem finder,
    access control (None: off), the config, the audio interface's name, the web app's address (if it runs) and the
    recorder (None: off). ``fleet``: the mixerd on this box's MQTT broker (None: MQTT is off), fed by the MQTT front
    end, read by the web's ``/fleet``. ``statuses``: what each running front end says of itself in ``/health`` (its name →
    a call returning JSON-ready facts), filled by the front ends as they start."""

    config: "Config"
    control: "Control"
    scenes: "SceneService"
    diagnostics: "Diagnostics"
    access: "Auth | None"
    interface: str
    web_url: str | None = None
    recorder: "Recorder | None" = None
    player: "Player | None" = None
    listener: "Listener | None" = None
    fleet: "Fleet | None" = None
    #: what this box's audio links send, named, for its ``{base}/info`` (None: no link sends)
    sent_names: "SentNames | None" = None
    statuses: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)


class FrontEnd(Protocol):
    """A way in: started with the services, stopped before them."""

    name: str

    def start(self, services: Services) -> None:
        """Start serving; raise if that is impossible (the mixer then stops what it started)."""

    def stop(self) -> None:
        """Stop serving and let go of the services; safe to call twice."""
