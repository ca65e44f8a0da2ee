"""The MQTT front end: every address as a retained state topic, ``/set`` commands, actions, errors,
meters and availability, over paho-mqtt. It talks only to the control core (and the scene service)."""

from mixerd.mqtt.bridge import MqttBridge
from mixerd.mqtt.topics import PayloadError, Topics, parse_payload

__all__ = ["MqttBridge", "PayloadError", "Topics", "parse_payload"]
