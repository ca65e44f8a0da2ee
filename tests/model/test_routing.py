"""Routing facts from the values alone: effective fader and mute, sends, the paths into the main."""

from mixerd.model.layout import BusLayout, Layout
from mixerd.model.params import ParamTree
from mixerd.model.routing import CLOSED_DB, channel_level, fx_return_targets, main_paths, send_level_db

LAYOUT = Layout(inputs=("Vox", "Gtr"), buses=(BusLayout("Wedge"), BusLayout("Drums", stereo=True, kind="group")),
                generators=0).with_fx(("reverb",))


def values(**changes):
    v = ParamTree.from_layout(LAYOUT).defaults()
    v.update({k.replace("__", "/"): x for k, x in changes.items()})
    return v


def test_dcas_add_their_faders_and_name_what_closes_or_mutes():
    v = values(ch__1__fader=-6.0, ch__1__dca__1=True, dca__1__fader=-4.0)
    assert channel_level(v, LAYOUT, 1).fader_db == -10.0
    level = channel_level(values(ch__1__dca__2=True, dca__2__fader=-90.0, dca__2__mute=True), LAYOUT, 1)
    assert level.closed and level.closed_by == ("dca/2/fader",) and level.muted_by == ("dca/2/mute",)
    level = channel_level(values(ch__1__mute=True, ch__1__mutegroup__3=True, mutegroup__3__on=True), LAYOUT, 1)
    assert level.muted_by == ("ch/1/mute", "mutegroup/3/on")
    # a channel fader at -inf stays closed whatever its DCA adds
    level = channel_level(values(ch__1__fader=-90.0, ch__1__dca__1=True, dca__1__fader=10.0), LAYOUT, 1)
    assert level.closed and level.fader_db == CLOSED_DB and level.closed_by == ("ch/1/fader",)


def test_sends_paths_and_returns():
    v = values(ch__1__send__1__level=-3.0, ch__1__send__1__me=True, bus__1__moreme=6.0)
    assert send_level_db(v, LAYOUT, 1, 1) == 3.0  # "more me" lifts an open send
    assert send_level_db(values(ch__1__send__1__level=-3.0, ch__1__send__1__on=False), LAYOUT, 1, 1) is None
    assert send_level_db(values(), LAYOUT, 1, 1) is None  # -90: closed
    assert main_paths(values(), LAYOUT, 1) == ["direct"]
    assert main_paths(values(ch__1__send__2__on=True, ch__1__send__2__level=0.0), LAYOUT, 1) == ["direct", "bus/2"]
    assert main_paths(values(ch__1__main=False, ch__1__send__2__on=True, ch__1__send__2__level=0.0,
                             bus__2__main=False), LAYOUT, 1) == []
    assert fx_return_targets(values(), LAYOUT, 3) == {"main": 0.0}
    assert fx_return_targets(values(bus__3__return__main__level=-90.0, bus__3__return__1__level=-6.0),
                             LAYOUT, 3) == {"bus/1": -6.0}
