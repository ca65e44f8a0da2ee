"""The MQTT front end: every address as a retained state topic, ``/set`` commands, actions, errors,
meters and availability, over paho-mqtt. It talks only to the control core (and the scene service).

The bridge (and paho with it) is imported on first use, so ``mixerd.config`` can read the action names
from ``mixerd.mqtt.topics`` without loading the network client.
"""

from typing import Any

from mixerd.mqtt.topics import PayloadError, Topics, parse_payload

__all__ = ["MqttBridge", "PayloadError", "Topics", "parse_payload"]


def __getattr__(name: str) -> Any:
    if name == "MqttBridge":
        from mixerd.mqtt.bridge import MqttBridge

        return MqttBridge
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
