"""``mixerd bench --workload mqtt`` (mixerd/bench/mqtt.py): its own jackd and mosquitto."""

from __future__ import annotations

import pytest


@pytest.mark.jack
def test_the_mqtt_bench_prints_its_figures(bench):
    figures = bench("--workload", "mqtt", "--mqtt-rate", "200", "--mqtt-seconds", "1")
    assert figures["commands"] == 200 and figures["applied"] == 200 and figures["in_order"] is True
    assert {"xruns_load", "xruns_reference", "send_rate", "realtime_jackd"} <= set(figures)
