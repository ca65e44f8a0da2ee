"""Access control's rule itself (control/access.py): what a mix link may change, on a mixer with FX."""

from __future__ import annotations

from mixerd.control.access import OPEN, Principal, may_write
from mixerd.model import Layout, ParamTree


def test_a_mix_link_changes_its_own_mix_and_the_fx_coming_back_into_it():
    tree = ParamTree.from_layout(Layout.simple(3, 2, fx=("reverb", "delay")))  # buses 3 and 4 are FX
    drummer = Principal("mix", bus=1)
    allowed = {a for a in tree.addresses() if may_write(drummer, a)}
    assert {"bus/3/return/1/level", "bus/4/return/1/level", "ch/2/send/1/level", "bus/1/moreme"} <= allowed
    assert not allowed & {"bus/3/return/2/level", "bus/3/return/main/level", "bus/3/fx/size", "bus/3/fader",
                          "ch/2/send/3/level", "ch/2/send/2/level", "ch/2/fader"}
    assert all(a.startswith(("ch/", "bus/1/", "bus/3/return/1/", "bus/4/return/1/")) for a in allowed)
    assert not any(may_write(Principal("viewer"), a) for a in tree.addresses())
    assert all(may_write(OPEN, a) for a in tree.addresses())
