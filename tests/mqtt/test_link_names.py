"""Channels received over an audio link are named from the sender (issue 22), through the fleet: two whole mixers
on one real mosquitto and the tests' jackd, FOH sending two channels to the stage box over zita-njbridge (loopback).
The stage box's received channels take FOH's channel names, follow a rename there, and keep a name given here."""

from __future__ import annotations

import dataclasses

from support import wait_until
from test_fleet import box, box_config, fleet_of, node

from mixerd.config import LinkConfig
from mixerd.system.net import free_port


def test_received_channels_are_named_from_the_sender_and_keep_a_name_given_here(jack_server, tmp_path, broker):
    port = free_port()
    foh_cfg = box_config(jack_server, tmp_path / "foh", broker, "foh")
    foh_cfg = dataclasses.replace(foh_cfg, link=(LinkConfig(name="stage", peer="127.0.0.1", port=free_port(),
                                                            peer_port=port, send=("ch/1", "ch/2")),))
    stage_cfg = box_config(jack_server, tmp_path / "stage", broker, "stage")
    stage_cfg = dataclasses.replace(stage_cfg, link=(LinkConfig(name="foh", listen="127.0.0.1", port=port,
                                                                receive=2),))
    with box(foh_cfg) as foh:
        foh.control.set_many({"ch/1/name": "Kick", "ch/2/name": "Snare"}, "rest")
        with box(stage_cfg) as stage:
            first = stage.control.tree.layout.n_inputs - 1  # the link's channels come last
            name = lambda k: stage.control.state()[1][f"ch/{first + k}/name"]  # noqa: E731
            wait_until(lambda: (name(0), name(1)) == ("Kick", "Snare"), what="the stage box's link channels named")
            entry = next(e for e in stage.control.history(limit=5) if e.address == f"ch/{first}/name")
            assert entry.actor == "link" and entry.origin == "system"
            seen = node(fleet_of(stage), "foh")
            assert seen is not None and seen["node_id"] == "foh"
            # FOH renames Snare: the stage box follows. The stage engineer names the first one: it stays.
            stage.control.set(f"ch/{first}/name", "BD", "rest")
            foh.control.set_many({"ch/1/name": "Kick In", "ch/2/name": "Snare top"}, "rest")
            wait_until(lambda: name(1) == "Snare top", what="the rename followed")
            assert name(0) == "BD"
