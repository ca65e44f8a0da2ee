"""Home Assistant's Behringer mixer library (``behringer-mixer`` from PyPI, what its "Behringer Mixer"
integration runs) drives mixerd as an XR18 through its own public API: it connects, reads the whole state,
follows changes made elsewhere, sets values and loads a scene (it sends the snapshot number as a string)."""

from __future__ import annotations

import asyncio

import pytest

from mixerd.control.scenes import SceneService

WAIT_S = 30.0  # a bound on each wait, not a measurement


async def eventually(check, what: str) -> None:
    """Wait (bounded) until ``check()`` is true, letting the library's event loop run meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not check():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def connected(server):
    """The library's XR18 on ``server``, started. It checks the connection by asking /xinfo and looking 0.5 s
    later; a busy machine may answer later, so it is asked again, as Home Assistant retries a setup."""
    from behringer_mixer import mixer_api

    host, port = server.address
    mixer = mixer_api.create("XR18", ip=host, port=port, delay=0.001)
    ok = await mixer.start()
    for _ in range(20):
        if ok:
            return mixer
        ok = await mixer.validate_connection()
    await mixer.stop()
    pytest.fail("the library never saw mixerd answer /xinfo")


@pytest.fixture
def scenes(control):
    service = SceneService(control)
    service.start()
    yield service
    service.stop()


def test_home_assistants_library_reads_follows_sets_and_loads_a_scene(serve, control, scenes):
    control.set("ch/2/name", "Snare", "rest")
    control.set("bus/1/fader", -20.0, "rest")
    control.set("ch/3/fader", -30.0, "rest")
    scenes.save_scene("Loud")
    control.set("ch/3/fader", 0.0, "rest")
    server = serve(scenes=scenes)

    async def drive():
        mixer = await connected(server)
        updates = []
        following = asyncio.create_task(mixer.subscribe(updates.append))
        try:
            assert mixer.name() == "mixerd-test" and mixer.firmware() == "1.17"
            await mixer.reload()  # every address it knows, one query each
            await eventually(lambda: mixer.state("/scene/current") is not None, "the whole state")
            assert mixer.state("/ch/2/config_name") == "Snare"
            assert mixer.state("/bus/1/mix_fader_db") == pytest.approx(-20.0, abs=0.1)
            assert mixer.state("/main/st/mix_on") is True
            assert mixer.state("/scene/current") == 1

            # A change made elsewhere (the web app) reaches it through its /xremote subscription.
            control.set("ch/5/mute", True, "rest")
            await eventually(lambda: {"property": "/ch/5/mix_on", "value": False} in updates, "the mute followed")

            # Values set through its API land on mixerd's.
            await mixer.set_value("/ch/1/mix_fader_db", -10.0)
            await mixer.set_value("/ch/4/mix_on", False)
            await eventually(lambda: control.get("ch/1/fader") == -10.0 and control.get("ch/4/mute") is True,
                             "the values set")

            # A scene loaded (the library sends "1", a string): mixerd recalls its first scene.
            await mixer.load_scene(1)
            await eventually(lambda: control.get("ch/3/fader") == -30.0, "the scene loaded")
        finally:
            await mixer.unsubscribe()
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)
            await mixer.stop()

    asyncio.run(drive())
