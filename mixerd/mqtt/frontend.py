"""MQTT as one of the mixer's front ends (``mixerd.frontend``): the bridge on the services."""

from __future__ import annotations

from mixerd.frontend import Services


class MqttFrontEnd:
    """Runs an ``MqttBridge`` on the services while started; a broker that is not there is retried quietly."""

    name = "mqtt"

    def __init__(self) -> None:
        self.bridge = None

    def start(self, services: Services) -> None:
        from mixerd.mqtt.bridge import MqttBridge  # paho only when MQTT is on

        self.bridge = MqttBridge(services.control, services.config.mqtt, services.scenes,
                                 diagnostics=services.diagnostics, recorder=services.recorder,
                                 player=services.player, fleet=services.fleet, sent_names=services.sent_names,
                                 model=services.interface,
                                 configuration_url=services.web_url)
        self.bridge.start()

    def stop(self) -> None:
        bridge, self.bridge = self.bridge, None
        if bridge is not None:
            bridge.stop()
