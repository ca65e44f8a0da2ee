"""mixerd: a headless digital monitor mixer on JACK, controlled over REST, WebSocket and MQTT."""

__version__ = "0.1.0"
