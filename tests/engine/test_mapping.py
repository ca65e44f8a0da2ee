"""Values → core commands: every address's unit comes from its parameter row, and every unit has a builder."""

from __future__ import annotations

import dataclasses

from mixerd.engine.mapping import CommandMap
from mixerd.model import Layout, ParamTree
from mixerd.model.layout import BusLayout
from mixerd.model.table import DRIVES, ROWS

LAYOUT = dataclasses.replace(Layout.simple(3, 2, stereo_buses=1, fx=("reverb", "delay")),
                             dcas=2, mute_groups=2)
LAYOUT = dataclasses.replace(LAYOUT, buses=LAYOUT.buses + (BusLayout("Drums", stereo=True, kind="group"),))


def test_every_unit_a_row_can_drive_has_a_builder():
    assert set(CommandMap(LAYOUT, 48000)._builders) == set(DRIVES)
    assert {row.drives[0] for row in ROWS if row.drives} <= set(DRIVES)


def test_units_are_looked_up_from_the_table():
    units = CommandMap(LAYOUT, 48000)
    assert units.unit_of("ch/3/eq/2/gain") == ("eq", "ch/3", 2)
    assert units.unit_of("bus/2/eq/on") == ("insert", "bus/2", "eq")
    assert units.unit_of("main/limiter/release") == ("limiter", "main")
    assert units.unit_of("ch/2/dca/1") == ("level", 2)
    assert units.unit_of("bus/3/return/main/level") == ("return", 3, 0)
    assert units.unit_of("mutegroup/2/on") == ("group", "mutegroup", 2)
    assert units.unit_of("gen/1/target") == ("gen_target", 1)
    assert units.unit_of("ch/1/name") is None and units.unit_of("nope/1") is None


def test_every_address_that_feeds_audio_yields_commands():
    """A full load builds every unit once, and a change of any address with a unit yields commands."""
    tree = ParamTree.from_layout(LAYOUT)
    # "more me" raises a mix's own channels, a DCA or mute group its members: give them some
    members = [*tree.expand("ch/*/send/*/me"), *tree.expand("ch/*/dca/*"), *tree.expand("ch/*/mutegroup/*")]
    state = tree.defaults() | dict.fromkeys(members, True)
    units = CommandMap(LAYOUT, 48000)
    assert units.all_commands(state)
    for address in tree.addresses():
        if units.unit_of(address) is not None:
            assert units.commands_for(state, address), address
