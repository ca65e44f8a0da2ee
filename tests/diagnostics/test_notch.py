"""Where the feedback finder's notch goes: a free parametric band becomes a narrow cut, a notch near the same
frequency is deepened, the graphic EQ takes over when the parametric bands are in use, and at the limits there
is no notch to offer."""

from mixerd.diagnostics.notch import DEEPEST_DB, NOTCH_DB, NOTCH_Q, notch_changes
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

TREE = ParamTree.from_layout(Layout.simple(2, 2))


def values(**changes):
    state = TREE.defaults()
    state.update({k.replace("__", "/"): v for k, v in changes.items()})
    return state


def test_a_free_band_becomes_a_narrow_cut_and_the_eq_goes_in():
    state = values(**{"bus/1/eq/on": False})
    changes = notch_changes(state, "bus/1", 2512.34)
    assert changes == {"bus/1/eq/on": True, "bus/1/eq/2/freq": 2512.3, "bus/1/eq/2/gain": NOTCH_DB,
                       "bus/1/eq/2/q": NOTCH_Q}
    assert TREE.validate_many(changes) == changes  # values mixerd takes


def test_a_howl_near_a_notch_deepens_it_and_another_frequency_takes_the_next_band():
    state = values()
    state.update(notch_changes(state, "main", 1000.0))
    again = notch_changes(state, "main", 1040.0)  # within a sixth of an octave: the same notch, deeper
    assert again == {"main/eq/on": True, "main/eq/2/gain": NOTCH_DB - 3.0}
    other = notch_changes(state, "main", 400.0)
    assert other["main/eq/3/freq"] == 400.0 and other["main/eq/3/gain"] == NOTCH_DB


def test_with_every_band_in_use_the_graphic_eq_takes_it_or_nothing_is_left():
    state = values(**{"bus/2/eq/2/gain": 3.0, "bus/2/eq/3/gain": -2.0})  # both peaking bands in use, wide
    changes = notch_changes(state, "bus/2", 1000.0)
    assert changes == {"bus/2/geq/on": True, "bus/2/geq/18/gain": -3.0}
    state["bus/2/geq/18/gain"] = DEEPEST_DB
    assert notch_changes(state, "bus/2", 1000.0) is None
