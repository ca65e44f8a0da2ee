"""Scenes, recall scope, safes, automatic versions and A/B — the control side, without audio."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pytest

from mixerd.control import Control
from mixerd.control.scenes import SceneError, SceneService, VersionKeeper, compile_patterns
from mixerd.model.address import PatternSet
from mixerd.model import Layout, ParamTree
from mixerd.store import Store


class FadeLink:
    """An AudioLink recording each apply: (changed addresses, fade_ms)."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], float | None]] = []

    def apply(self, state: Mapping[str, Any], changed: Sequence[str], fade_ms: float | None = None) -> None:
        self.calls.append((tuple(changed), fade_ms))

    def meters(self) -> dict:
        return {"seq": 0, "rate": 0, "points": {}}

    def health(self) -> dict:
        return {}

    def system(self) -> dict:
        return {}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def tree() -> ParamTree:
    return ParamTree.from_layout(Layout.simple(4, 3, stereo_buses=1, generators=1))


@pytest.fixture
def link() -> FadeLink:
    return FadeLink()


@pytest.fixture
def control(tree, link) -> Control:
    return Control(tree, link)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path)
    yield store
    store.close()


@pytest.fixture
def scenes(control, store, clock) -> SceneService:
    return SceneService(control, store, clock=clock)


def error(excinfo) -> SceneError:
    return excinfo.value


# -- patterns ------------------------------------------------------------------------------------------


def test_patterns_must_match_this_mixer_and_near_misses_get_a_suggestion(tree):
    assert [p.text for p in compile_patterns(["ch/*/send/3/*", "bus/3/*", "ch/*/send/3/*"], tree)] == \
        ["ch/*/send/3/*", "bus/3/*"]
    with pytest.raises(SceneError) as e:
        compile_patterns(["bus/9/*", "ch/*/sned/3/level", "bus/3/*", 7], tree)
    err = error(e)
    assert [x.code for x in err.errors] == ["no_match", "no_match", "invalid_pattern"]
    assert [x.address for x in err.errors] == ["bus/9/*", "ch/*/sned/3/level", None]
    assert "did you mean 'ch/*/send/3/level'?" in err.errors[1].message
    assert err.to_dict()["errors"][0]["code"] == "no_match"


def test_a_pattern_set_covers_what_any_pattern_matches(tree):
    safes = PatternSet(compile_patterns(["ch/*/send/3/*", "bus/3/**"], tree))
    assert "ch/2/send/3/level" in safes and "bus/3/eq/2/freq" in safes
    assert "ch/2/send/2/level" not in safes and "bus/2/fader" not in safes
    assert "ch/1/fader" not in PatternSet()


# -- scenes: names, save, rename, delete ----------------------------------------------------------------


MONITORING = {"solo/mode", "solo/level"}  # with every ch/N/solo, bus/B/solo and talk button: not part of a scene


def mix_addresses(tree) -> set[str]:
    return {a for a in tree.addresses()
            if not a.endswith(("/solo", "/talk", "/ringout")) and a not in MONITORING
            and not (a.startswith("talkback/") and a.endswith("/on"))}


def test_save_keeps_every_value_of_the_mix(scenes, control, tree):
    control.set("ch/1/fader", -6, "rest")
    scene = scenes.save_scene("  Verse ")
    assert scene.name == "Verse"
    assert set(scene.values) == mix_addresses(tree)
    assert scene.values == {a: v for a, v in control.state()[1].items() if a in scene.values}
    assert [s.name for s in scenes.scenes()] == ["Verse"]
    assert scenes.scene(scene.id).values["ch/1/fader"] == -6.0


def test_solo_is_neither_saved_nor_recalled(scenes, control, tree):
    # Solo is the engineer's monitoring: a scene change must not pull the phones away from what they hear.
    assert all(not tree.spec(a).scene for a in set(tree.addresses()) - mix_addresses(tree))
    control.set_many({"ch/2/solo": True, "bus/1/solo": True, "solo/mode": "afl", "solo/level": -6}, "rest")
    scene = scenes.save_scene("Chorus")
    assert "ch/2/solo" not in scene.values and "solo/mode" not in scene.values
    control.set_many({"ch/2/solo": False, "ch/3/solo": True, "ch/1/fader": -12}, "rest")
    # Even a scene (or an imported file) that carries solo values leaves solo as it is.
    imported, _ = scenes.import_scene({"mixerd_scene": 1, "name": "Old", "values": {**scene.values, "ch/1/solo": True}})
    result = scenes.recall_scene(imported.id)
    assert result.changed == {"ch/1/fader": 0.0}
    state = control.state()[1]
    assert (state["ch/1/solo"], state["ch/2/solo"], state["ch/3/solo"]) == (False, False, True)
    assert state["solo/mode"] == "afl" and state["bus/1/solo"] is True


@pytest.mark.parametrize("name, words", [
    ("", "is empty"), ("   ", "is empty"), ("x" * 65, "65 characters"),
    ("a\nb", "U+000A at character 2, a control character"), (5, "must be a string"),
    # The one text rule for names (mixerd/model/text.py), as for channel names.
    ("Ver\x85se", "U+0085 at character 4, a control character"),
    ("Verse \u202e1", "U+202E (RIGHT-TO-LEFT OVERRIDE) at character 7, a bidirectional control"),
    ("Ver\u200bse", "U+200B (ZERO WIDTH SPACE) at character 4, an invisible format character"),
])
def test_bad_names_are_refused(scenes, name, words):
    with pytest.raises(SceneError) as e:
        scenes.save_scene(name)
    assert error(e).code == "invalid_name" and words in error(e).message and "64" in error(e).allowed
    assert scenes.scenes() == []


@pytest.mark.parametrize("name", ["👩\u200d🎤 Vox", "👨\u200d👩\u200d👧\u200d👦 Family", "🇩🇪 Set", "👍🏽 ok", "❤\ufe0f Ballad"])
def test_emoji_names_are_names(scenes, name):
    assert scenes.save_scene(name).name == name


def test_names_are_unique_ignoring_case(scenes):
    first = scenes.save_scene("x" * 64)
    verse = scenes.save_scene("Verse")
    with pytest.raises(SceneError) as e:
        scenes.save_scene("VERSE")
    assert error(e).code == "name_taken" and f"scene {verse.id}" in error(e).message
    with pytest.raises(SceneError):
        scenes.rename_scene(first.id, "verse")
    assert scenes.rename_scene(verse.id, "verse").name == "verse"  # its own name in other case is fine
    assert scenes.rename_scene(first.id, "Chorus").name == "Chorus"


def test_delete_needs_confirmation(scenes):
    scene = scenes.save_scene("Verse")
    with pytest.raises(SceneError) as e:
        scenes.delete_scene(scene.id)
    assert error(e).code == "confirm_required" and "'Verse'" in error(e).message
    assert scenes.scene(scene.id).name == "Verse"
    assert scenes.delete_scene(scene.id, confirm=True).name == "Verse"
    with pytest.raises(SceneError) as e:
        scenes.scene(scene.id)
    assert error(e).code == "not_found"


# -- export / import ------------------------------------------------------------------------------------


def test_export_import_round_trip(scenes, control):
    control.set_many({"ch/1/fader": -12, "ch/2/mute": True, "bus/1/name": "Drums"}, "rest")
    original = scenes.save_scene("Verse")
    document = scenes.export_scene(original.id)
    assert document == {"mixerd_scene": 1, "name": "Verse", "values": original.values}
    scenes.delete_scene(original.id, confirm=True)
    imported, skipped = scenes.import_scene(document)
    assert skipped == [] and imported.name == "Verse" and imported.values == original.values


def test_import_into_a_smaller_mixer_skips_and_reports_what_does_not_fit(scenes, tree):
    big = Control(ParamTree.from_layout(Layout.simple(8, 3, stereo_buses=1, generators=1)))
    big.set_many({"ch/8/fader": -3, "ch/1/fader": -4}, "rest")
    other = SceneService(big)
    document = other.export_scene(other.save_scene("Big").id)
    document["values"]["ch/2/fader"] = 99  # out of range
    imported, skipped = scenes.import_scene(document)
    extra = mix_addresses(big.tree) - mix_addresses(tree)
    assert extra and all(a.startswith(("ch/5/", "ch/6/", "ch/7/", "ch/8/")) for a in extra)
    assert {s["address"] for s in skipped} == extra | {"ch/2/fader"}
    assert set(imported.values) == mix_addresses(tree) - {"ch/2/fader"}
    assert imported.values["ch/1/fader"] == -4.0
    codes = {s["address"]: s["code"] for s in skipped}
    assert codes["ch/2/fader"] == "out_of_range" and codes["ch/8/fader"] == "unknown_address"


def test_strict_import_refuses_everything(scenes):
    document = {"mixerd_scene": 1, "name": "Strict", "values": {"ch/1/fader": -3, "ch/99/fader": 0}}
    with pytest.raises(SceneError) as e:
        scenes.import_scene(document, strict=True)
    assert error(e).code == "invalid_scene" and [x.address for x in error(e).errors] == ["ch/99/fader"]
    assert scenes.scenes() == []
    imported, skipped = scenes.import_scene(document)
    assert imported.values == {"ch/1/fader": -3.0} and [s["address"] for s in skipped] == ["ch/99/fader"]


@pytest.mark.parametrize("document, code", [
    ([], "invalid_scene"),
    ({"name": "x", "values": {"ch/1/fader": 0}}, "invalid_scene"),
    ({"mixerd_scene": 2, "name": "x", "values": {"ch/1/fader": 0}}, "invalid_scene"),
    ({"mixerd_scene": True, "name": "x", "values": {"ch/1/fader": 0}}, "invalid_scene"),
    ({"mixerd_scene": 1, "name": "x", "values": [1]}, "invalid_scene"),
    ({"mixerd_scene": 1, "name": "x", "values": {"nope": 1}}, "invalid_scene"),
    ({"mixerd_scene": 1, "name": "", "values": {"ch/1/fader": 0}}, "invalid_name"),
])
def test_bad_imports_are_refused(scenes, document, code):
    with pytest.raises(SceneError) as e:
        scenes.import_scene(document)
    assert error(e).code == code
    assert scenes.scenes() == []


def test_import_keeps_names_unique(scenes):
    scenes.save_scene("Verse")
    with pytest.raises(SceneError) as e:
        scenes.import_scene({"mixerd_scene": 1, "name": "verse", "values": {"ch/1/fader": 0}})
    assert error(e).code == "name_taken"


def test_import_with_replace_takes_over_the_scene_of_that_name(scenes):
    verse = scenes.save_scene("Verse")
    replaced, skipped = scenes.import_scene({"mixerd_scene": 1, "name": "VERSE", "values": {"ch/1/fader": -7}},
                                            replace=True)
    assert skipped == [] and replaced.id == verse.id and replaced.name == "Verse"
    assert replaced.values == {"ch/1/fader": -7.0} and len(scenes.scenes()) == 1
    added, _ = scenes.import_scene({"mixerd_scene": 1, "name": "Chorus", "values": {"ch/1/fader": 0}}, replace=True)
    assert added.id != verse.id and [s.name for s in scenes.scenes()] == ["Verse", "Chorus"]


# -- recall, scope, safes -------------------------------------------------------------------------------


def test_recall_changes_only_what_differs_in_one_faded_batch(scenes, control, link):
    scene = scenes.save_scene("Verse")
    control.set_many({"ch/1/fader": -20, "ch/2/mute": True}, "rest")
    sub = control.subscribe()
    link.calls.clear()
    result = scenes.recall_scene(scene.id, fade_ms=1000)
    assert result.changed == {"ch/1/fader": 0.0, "ch/2/mute": False}
    assert result.safe == [] and result.ignored == [] and result.fade_ms == 1000.0
    assert link.calls == [(("ch/1/fader", "ch/2/mute"), 1000.0)]  # one batch, faded
    events = [sub.get_nowait(), sub.get_nowait()]
    assert sub.get_nowait() is None
    assert [(e.address, e.origin) for e in events] == [("ch/1/fader", "scene"), ("ch/2/mute", "scene")]
    assert result.seq == events[-1].seq == control.seq
    assert result.source.to_dict() == {"kind": "scene", "id": scene.id, "name": "Verse"}
    # recalled again: nothing differs, nothing is sent
    again = scenes.recall_scene(scene.id, fade_ms=1000)
    assert again.changed == {} and len(link.calls) == 1 and again.seq == control.seq


def test_an_instant_recall_uses_the_normal_ramp(scenes, control, link):
    scene = scenes.save_scene("Verse")
    control.set("ch/1/fader", -20, "rest")
    link.calls.clear()
    scenes.recall_scene(scene.id)
    assert link.calls == [(("ch/1/fader",), None)]


def test_a_recall_is_one_undo_step(scenes, control):
    scene = scenes.save_scene("Verse")
    control.set_many({"ch/1/fader": -20, "ch/2/fader": -10}, "rest")
    scenes.recall_scene(scene.id)
    assert control.get("ch/1/fader") == 0.0 and control.get("ch/2/fader") == 0.0
    control.undo()
    assert control.get("ch/1/fader") == -20.0 and control.get("ch/2/fader") == -10.0


@pytest.mark.parametrize("fade", [-1, 60001, float("nan"), float("inf"), True, "1000"])
def test_fade_must_be_0_to_60000_ms(scenes, fade):
    scene = scenes.save_scene("Verse")
    with pytest.raises(SceneError) as e:
        scenes.recall_scene(scene.id, fade_ms=fade)
    assert error(e).code == "out_of_range" and error(e).address == "fade_ms"


def test_scope_limits_the_recall(scenes, control):
    scene = scenes.save_scene("Verse")
    control.set_many({"ch/1/send/3/level": -10, "ch/2/send/3/pre": False, "ch/1/send/2/level": -10,
                      "ch/1/fader": -5, "bus/3/fader": -7}, "rest")
    result = scenes.recall_scene(scene.id, scope=["ch/*/send/3/*"])
    assert result.changed == {"ch/1/send/3/level": -90.0, "ch/2/send/3/pre": True}
    assert control.get("ch/1/send/2/level") == -10.0 and control.get("ch/1/fader") == -5.0
    assert scenes.recall_scene(scene.id, scope=["bus/3/**", "ch/1/fader"]).changed == \
        {"ch/1/fader": 0.0, "bus/3/fader": 0.0}


def test_bad_scopes_are_refused_and_change_nothing(scenes, control):
    scene = scenes.save_scene("Verse")
    control.set("ch/1/fader", -5, "rest")
    for scope, code in (([], "invalid_scope"), (["ch/*/fadr"], "no_match"), (["ch/*x"], "invalid_pattern")):
        with pytest.raises(SceneError) as e:
            scenes.recall_scene(scene.id, scope=scope)
        assert error(e).code == code
    assert control.get("ch/1/fader") == -5.0


def test_safes_are_never_changed_by_a_recall(scenes, control):
    scene = scenes.save_scene("Verse")
    assert scenes.set_safes(["ch/*/send/3/*", "bus/3/*"]) == ["ch/*/send/3/*", "bus/3/*"]
    control.set_many({"ch/1/send/3/level": -10, "bus/3/fader": -6, "ch/1/fader": -20,
                      "bus/3/eq/1/gain": 3}, "rest")
    result = scenes.recall_scene(scene.id, fade_ms=500)
    assert result.changed == {"ch/1/fader": 0.0, "bus/3/eq/1/gain": 0.0}  # bus/3/* does not reach its EQ
    assert result.safe == ["ch/1/send/3/level", "bus/3/fader"]
    assert control.get("ch/1/send/3/level") == -10.0 and control.get("bus/3/fader") == -6.0
    # scope and safes together: the scope asks for bus 3, the safe still wins
    assert scenes.recall_scene(scene.id, scope=["bus/3/fader"]).safe == ["bus/3/fader"]
    assert "bus/3/fader" in scenes.safe_addresses() and "bus/2/fader" not in scenes.safe_addresses()


def test_safes_persist_and_bad_ones_change_nothing(scenes, control, store, clock):
    scenes.set_safes(["bus/3/**"])
    with pytest.raises(SceneError) as e:
        scenes.set_safes(["bus/3/*", "bus/9/*"])
    assert error(e).code == "no_match" and error(e).address == "bus/9/*"
    assert scenes.safes() == ["bus/3/**"] and store.safes() == ["bus/3/**"]
    assert SceneService(control, store, clock=clock).safes() == ["bus/3/**"]  # as after a restart
    assert scenes.set_safes([]) == [] and store.safes() == []


def test_stored_safes_that_no_longer_fit_the_layout_are_ignored(store, clock):
    store.set_safes(["bus/3/*", "bus/9/*"])
    small = Control(ParamTree.from_layout(Layout.simple(4, 3)))
    assert SceneService(small, store, clock=clock).safes() == ["bus/3/*"]


def test_values_that_no_longer_fit_are_ignored_on_recall(scenes, control, store):
    scene_id = store.save_scene("Old", {"ch/1/fader": -3.0, "ch/9/fader": 0.0, "ch/2/fader": 50.0})
    result = scenes.recall_scene(scene_id)
    assert result.changed == {"ch/1/fader": -3.0}
    assert [(i["address"], i["code"]) for i in result.ignored] == [("ch/9/fader", "unknown_address"),
                                                                   ("ch/2/fader", "out_of_range")]


def test_recalling_a_missing_scene_or_version_is_not_found(scenes):
    for call in (lambda: scenes.recall_scene(42), lambda: scenes.recall_version(42), lambda: scenes.version(42)):
        with pytest.raises(SceneError) as e:
            call()
        assert error(e).code == "not_found"


# -- automatic versions ---------------------------------------------------------------------------------


def test_versions_are_kept_n_minutes_after_the_first_unsaved_change(control, store, clock):
    keeper = VersionKeeper(control, store, interval=300, clock=clock)
    assert keeper.tick() is None and keeper.due_at is None  # nothing changed: nothing to keep
    clock.now += 3600
    assert keeper.tick() is None
    control.set("ch/1/fader", -3, "rest")
    assert keeper.tick() is None and keeper.due_at == clock.now + 300
    clock.now += 120
    control.set("ch/1/fader", -4, "rest")
    assert keeper.tick() is None
    clock.now += 179.9
    assert keeper.tick() is None
    clock.now += 0.1
    first = keeper.tick()
    assert first is not None
    assert store.versions()[0][0] == first and store.versions()[0][2] == control.seq
    assert store.version(first)["ch/1/fader"] == -4.0
    clock.now += 3600  # idle: no more versions
    assert keeper.tick() is None and len(store.versions()) == 1
    control.set("ch/2/fader", -1, "rest")
    keeper.tick()
    clock.now += 300
    second = keeper.tick()
    assert second is not None and store.version(second)["ch/2/fader"] == -1.0
    assert [v[0] for v in store.versions()] == [second, first]


def test_a_change_undone_before_the_version_is_due_keeps_nothing(control, store, clock):
    keeper = VersionKeeper(control, store, interval=60, clock=clock)
    control.set("ch/1/fader", -3, "rest")
    keeper.tick()
    clock.now += 60
    assert keeper.tick() is not None
    control.set("ch/1/fader", -10, "rest")
    keeper.tick()
    control.set("ch/1/fader", -3, "rest")
    clock.now += 60
    assert keeper.tick() is None and len(store.versions()) == 1


def test_versions_continue_after_a_restart_without_duplicates(control, store, clock):
    keeper = VersionKeeper(control, store, interval=60, clock=clock)
    control.set("ch/1/fader", -3, "rest")
    keeper.tick()
    clock.now += 60
    keeper.tick()
    again = VersionKeeper(control, store, interval=60, clock=clock)
    control.set("ch/1/fader", -3, "rest")  # a re-sent value: seq moves, the state does not
    again.tick()
    clock.now += 60
    assert again.tick() is None and len(store.versions()) == 1


def test_only_the_newest_versions_are_kept(control, store, clock):
    keeper = VersionKeeper(control, store, interval=1, keep=3, clock=clock)
    for i in range(5):
        control.set("ch/1/fader", -float(i + 1), "rest")
        keeper.tick()
        clock.now += 1
        keeper.tick()
    assert [store.version(v[0])["ch/1/fader"] for v in store.versions()] == [-5.0, -4.0, -3.0]


def test_the_version_thread_starts_and_stops(control, store):
    keeper = VersionKeeper(control, store, interval=60, poll=0.01)
    keeper.start()
    keeper.start()  # idempotent
    assert keeper.running
    keeper.stop()
    assert not keeper.running
    keeper.stop()


def test_bad_version_settings_are_refused(control, store):
    with pytest.raises(ValueError):
        VersionKeeper(control, store, interval=0)
    with pytest.raises(ValueError):
        VersionKeeper(control, store, keep=0)


def test_a_version_is_recalled_like_a_scene(scenes, control, clock):
    control.set("ch/1/fader", -3, "rest")
    scenes.versions.tick()
    clock.now += 300
    version_id = scenes.versions.tick()
    info = scenes.version_list()
    assert [v["id"] for v in info] == [version_id] and info[0]["seq"] == control.seq
    control.set_many({"ch/1/fader": -30, "ch/1/send/3/level": 0}, "rest")
    scenes.set_safes(["ch/*/send/3/*"])
    result = scenes.recall_version(version_id, fade_ms=200)
    assert result.changed == {"ch/1/fader": -3.0} and result.safe == ["ch/1/send/3/level"]
    assert result.source.to_dict() == {"kind": "version", "id": version_id, "name": None}
    assert scenes.version(version_id)["values"]["ch/1/fader"] == -3.0


# -- A/B -----------------------------------------------------------------------------------------------


def test_ab_toggles_and_keeps_edits_per_slot(scenes, control):
    control.set("ch/1/fader", -10, "rest")
    b = scenes.save_scene("B")  # B: fader -10
    control.set("ch/1/fader", -20, "rest")  # A: fader -20
    status, result = scenes.ab_start(scene_id=b.id, fade_ms=250)
    assert status["active"] == "B" and result.changed == {"ch/1/fader": -10.0} and result.fade_ms == 250.0
    assert status["slots"] == {"A": {"kind": "live", "id": None, "name": None},
                               "B": {"kind": "scene", "id": b.id, "name": "B"}}
    control.set("ch/2/fader", -5, "rest")  # an edit while listening to B
    status, result = scenes.ab_toggle()
    assert status["active"] == "A" and result.fade_ms == 250.0
    assert control.get("ch/1/fader") == -20.0 and control.get("ch/2/fader") == 0.0
    control.set("ch/3/fader", -7, "rest")  # an edit while listening to A
    status, result = scenes.ab_toggle(fade_ms=0)
    assert status["active"] == "B" and result.fade_ms == 0.0
    assert (control.get("ch/1/fader"), control.get("ch/2/fader"), control.get("ch/3/fader")) == (-10.0, -5.0, 0.0)
    scenes.ab_toggle()
    assert (control.get("ch/1/fader"), control.get("ch/2/fader"), control.get("ch/3/fader")) == (-20.0, 0.0, -7.0)
    assert scenes.ab_end() == "A"
    assert scenes.ab_status()["active"] is None
    assert control.get("ch/3/fader") == -7.0  # ending keeps what is playing


def test_ab_respects_safes_and_scope(scenes, control):
    b = scenes.save_scene("B")
    control.set_many({"ch/1/fader": -20, "ch/1/send/3/level": -6, "ch/2/fader": -3}, "rest")
    scenes.set_safes(["ch/*/send/3/*"])
    status, result = scenes.ab_start(scene_id=b.id, scope=["ch/1/**"])
    assert result.changed == {"ch/1/fader": 0.0} and result.safe == ["ch/1/send/3/level"]
    assert status["scope"] == ["ch/1/**"] and control.get("ch/2/fader") == -3.0
    _, back = scenes.ab_toggle()
    assert back.changed == {"ch/1/fader": -20.0}


def test_ab_with_a_version_and_its_conflicts(scenes, control, clock):
    with pytest.raises(SceneError) as e:
        scenes.ab_toggle()
    assert error(e).code == "ab_not_active"
    with pytest.raises(SceneError) as e:
        scenes.ab_end()
    assert error(e).code == "ab_not_active"
    with pytest.raises(SceneError) as e:
        scenes.ab_start(version_id=5)
    assert error(e).code == "not_found" and scenes.ab_status()["active"] is None
    control.set("ch/1/fader", -3, "rest")
    scenes.versions.tick()
    clock.now += 300
    version_id = scenes.versions.tick()
    control.set("ch/1/fader", -9, "rest")
    status, result = scenes.ab_start(version_id=version_id)
    assert status["slots"]["B"] == {"kind": "version", "id": version_id, "name": None}
    assert result.changed == {"ch/1/fader": -3.0}
    with pytest.raises(SceneError) as e:
        scenes.ab_start(version_id=version_id)
    assert error(e).code == "ab_active"
    with pytest.raises(SceneError) as e:
        scenes.ab_toggle(fade_ms=-5)
    assert error(e).code == "out_of_range" and scenes.ab_status()["active"] == "B"


def test_a_service_without_a_store_uses_the_controls_or_memory(tree, store):
    assert SceneService(Control(tree)).save_scene("x").id == 1
    assert SceneService(Control(tree, store=store)).store is store


# -- the current scene and "update scene" ---------------------------------------------------------------------

def at(scenes: SceneService) -> tuple | None:
    current = scenes.current()
    return None if current is None else (current["name"], current["modified"])


def test_the_current_scene_is_the_one_saved_or_recalled_and_changes_make_it_modified(scenes, control):
    assert scenes.current() is None and scenes.listing()["current"] is None  # no scene yet
    verse = scenes.save_scene("Verse")
    assert scenes.current() == {"id": verse.id, "name": "Verse", "modified": False}
    control.set("ch/1/fader", -10.0, "rest")
    assert at(scenes) == ("Verse", True)  # a value the scene holds changed
    chorus = scenes.save_scene("Chorus")
    assert at(scenes) == ("Chorus", False)
    scenes.recall_scene(verse.id)
    assert at(scenes) == ("Verse", False)
    control.set("ch/2/mute", True, "ws")
    assert at(scenes) == ("Verse", True)
    control.set("ch/2/mute", False, "ws")  # changed back: the mix is at the scene again
    assert at(scenes) == ("Verse", False)
    control.set("ch/3/solo", True, "ws")  # monitoring: no scene holds it
    assert at(scenes) == ("Verse", False)
    scenes.set_safes(["ch/1/fader"])  # a safe value is not the scene's business any more
    control.set("ch/1/fader", -30.0, "rest")
    assert at(scenes) == ("Verse", False)
    scenes.rename_scene(verse.id, "Verse 1")
    assert at(scenes) == ("Verse 1", False) and scenes.listing()["current"]["name"] == "Verse 1"
    scenes.delete_scene(verse.id, confirm=True)
    assert at(scenes) == ("Chorus", False)  # Chorus holds the same values where it counts
    assert scenes.current()["id"] == chorus.id


def test_recalling_one_of_two_identical_scenes_makes_it_current(scenes, control):
    a = scenes.save_scene("A")
    b = scenes.save_scene("B")
    assert at(scenes) == ("B", False)
    result = scenes.recall_scene(a.id)
    assert result.changed == {} and at(scenes) == ("A", False)  # nothing to change, and still A is current


def test_update_saves_the_mix_into_the_scene_and_makes_it_current(scenes, control, store):
    verse = scenes.save_scene("Verse")
    chorus = scenes.save_scene("Chorus")
    scenes.recall_scene(verse.id)
    control.set_many({"ch/1/fader": -4.5, "ch/2/solo": True}, "rest")
    assert at(scenes) == ("Verse", True)
    sub = control.subscribe(notices=["scenes"])
    updated = scenes.update_scene(verse.id)
    assert (updated.id, updated.name, updated.created) == (verse.id, "Verse", verse.created)
    assert updated.values["ch/1/fader"] == -4.5 and "ch/2/solo" not in updated.values
    assert updated.updated >= verse.updated and store.scene(verse.id).values == updated.values
    assert scenes.current() == {"id": verse.id, "name": "Verse", "modified": False}
    notice = sub.get_nowait()
    assert (notice.data["action"], notice.data["id"]) == ("updated", verse.id)
    assert notice.data["current"] == {"id": verse.id, "name": "Verse", "modified": False}
    assert sub.get_nowait() is None  # one notice for the update and the mix coming to the scene
    assert scenes.scene(chorus.id).values["ch/1/fader"] == 0.0  # the other scene is left alone
    with pytest.raises(SceneError) as e:
        scenes.update_scene(99)
    assert error(e).code == "not_found" and "there is no scene 99" in error(e).message


def test_a_move_of_the_current_scene_is_announced_once(scenes, control):
    verse = scenes.save_scene("Verse")
    sub = control.subscribe(notices=["scenes"])
    scenes.start()  # the follower thread announces it without anybody asking
    try:
        seen = []

        def announced(count: int) -> None:
            while len(seen) < count:
                item = sub.get(timeout=10)
                assert item is not None, f"only {seen} announced"
                if getattr(item, "kind", None) == "scenes":
                    seen.append((item.data["action"], item.data["id"], item.data["current"]["modified"]))

        for step in range(1, 21):  # a fader drag: one notice when the mix leaves the scene
            control.set("ch/1/fader", -0.5 * step, "ws")
        # The follower reads the changes in batches, as fast as it gets to them: it is asked to tell where the mix
        # is, so the drag's end is waited for before the fader goes back (a follower that read the drag and the way
        # back in one batch would rightly see the mix never left).
        announced(1)
        control.set("ch/1/fader", 0.0, "ws")  # and one when it is back
        announced(2)
        assert seen == [("current", verse.id, True), ("current", verse.id, False)]
        assert scenes.listing()["current"] == {"id": verse.id, "name": "Verse", "modified": False}
        assert not [item for item in iter(sub.get_nowait, None) if getattr(item, "kind", None) == "scenes"]
    finally:
        scenes.stop()
    assert scenes._follower is None
    control.set("ch/2/mute", True, "rest")  # stopped: still answers, caught up when asked
    assert at(scenes) == ("Verse", True)


def test_following_a_drag_copies_no_state(scenes, control, monkeypatch):
    """The cost of a fader move: a look-up per scene holding the address, never a comparison of the whole mix."""
    scenes.save_scene("Verse")
    scenes.save_scene("Chorus")
    copies = []
    state = control.state
    monkeypatch.setattr(control, "state", lambda: copies.append(1) or state())
    for step in range(50):
        control.set("ch/1/fader", -0.25 * step, "ws")
        scenes.current()
    assert copies == [] and at(scenes) == ("Chorus", True)


def test_a_follower_that_fell_behind_compares_again(control, store, clock, monkeypatch):
    import mixerd.control.scenes.service as service

    monkeypatch.setattr(service, "FOLLOW_QUEUE", 4)
    scenes = SceneService(control, store, clock=clock)
    verse = scenes.save_scene("Verse")
    away = {**{f"ch/{n}/fader": -6.0 for n in range(1, 5)}, **{f"ch/{n}/mute": True for n in range(1, 5)}}
    control.set_many(away, "rest")  # more changes than it may queue: they are dropped
    assert at(scenes) == ("Verse", True)
    control.set_many({address: control.tree.spec(address).default for address in away}, "rest")
    assert scenes.current() == {"id": verse.id, "name": "Verse", "modified": False}
