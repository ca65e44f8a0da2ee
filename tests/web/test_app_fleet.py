"""The fleet view (#/fleet, issue 22) in real Chromium on a tablet: two whole mixers on one real mosquitto, each with
its web app on a real HTTP socket; the first's view lists both, marks itself, and its Open link leads to the other's
web app. Its controls are finger-sized, its read-outs legible, and axe-core finds nothing serious."""

from __future__ import annotations

import dataclasses

import pytest
from support import mixer_config, running_mixer, wait_until
from test_app_a11y import axe, check  # noqa: F401  (axe: the pinned axe-core, a fixture)
from test_app_touch import MEASURE, MIN_READOUT, MIN_TARGET
from tour import PHONE, TABLET


pytestmark = pytest.mark.browser


def box(jack_server, state_dir, broker, node_id):
    cfg = mixer_config(jack_server, state_dir, mqtt={"broker": broker.url, "node_id": node_id, "meter_rate": 0})
    cfg = dataclasses.replace(cfg, jack=dataclasses.replace(cfg.jack, client_name=f"mixerd-{node_id}"),
                              auth=dataclasses.replace(cfg.auth, enabled=False))
    return running_mixer(cfg, http=True)


def test_the_fleet_view_lists_both_boxes_and_opens_the_other(jack_server, tmp_path, broker, open_page, axe):
    with box(jack_server, tmp_path / "stage", broker, "stage") as stage, \
            box(jack_server, tmp_path / "foh", broker, "foh") as foh:
        page = open_page(TABLET)
        page.goto(stage.web_url + "#/console")
        page.locator("#nav a[href='#/fleet']").click()  # the admin's nav leads there
        other = page.locator('.fleet-node[data-node="foh"]')
        other.locator(".fleet-open").wait_for(timeout=20000)
        wait_until(lambda: page.locator('.fleet-node[data-node="foh"][data-state="online"]').count() == 1
                   and page.locator('.fleet-node[data-node="stage"][data-state="online"]').count() == 1,
                   what="both boxes online in the view")
        mine = page.locator('.fleet-node[data-node="stage"]')
        assert mine.locator(".fleet-this").inner_text() == "This mixer"
        assert other.locator(".fleet-this").count() == 0
        assert other.locator(".fleet-open").get_attribute("href") == foh.web_url
        assert other.locator(".fleet-name").inner_text() == foh.profile.name
        # Health read-outs shown once said.
        wait_until(lambda: page.locator('.fleet-node[data-node="foh"]:not([data-health="none"])').count() == 1,
                   what="foh's health in the view")

        # Finger-sized controls, legible read-outs, nothing serious for axe-core.
        targets = page.evaluate(MEASURE, ['.fleet-page a[href], .fleet-page button'])
        small = [t for t in targets if not t.get("inline") and min(t["width"], t["height"]) < MIN_TARGET]
        assert targets and small == []
        readouts = page.evaluate(MEASURE, [".fleet-facts, .fleet-status span, .fleet-this"])
        assert readouts and [r for r in readouts if r["font"] < MIN_READOUT] == []
        assert check(page, stage.web_url.rstrip("/"), axe) == []

        # Open leads to the other box's web app.
        other.locator(".fleet-open").click()
        page.wait_for_url(foh.web_url + "**")
        page.locator("#nav").wait_for()

        # On a phone the top bar has no room for the Fleet: the Links page leads there.
        phone = open_page(PHONE)
        phone.goto(stage.web_url + "#/links")
        phone.get_by_role("link", name="Other mixers (Fleet)").click()
        phone.locator('.fleet-node[data-node="foh"]').wait_for(timeout=20000)
        assert phone.url.endswith("#/fleet")

        # The other box stops: the first's view shows it offline (its Open link stays: the address is known).
        page.goto(stage.web_url + "#/fleet")
        foh_offline = page.locator('.fleet-node[data-node="foh"][data-state="offline"]')
        foh.stop()
        foh_offline.wait_for(timeout=20000)


@pytest.mark.parametrize("screen", [PHONE, TABLET], ids=["phone", "tablet"])
def test_a_scene_and_a_channel_copied_to_the_other_box_from_the_fleet_view(jack_server, tmp_path, broker, open_page,
                                                                          axe, screen):
    with box(jack_server, tmp_path / "stage", broker, "stage") as stage, \
            box(jack_server, tmp_path / "foh", broker, "foh") as foh:
        stage.control.set_many({"ch/1/fader": -12.0, "ch/2/mute": True}, "rest")
        stage.scenes.save_scene("Verse")
        stage.control.set_many({"ch/2/name": "Bass DI", "ch/2/eq/1/gain": 5.0, "ch/2/fader": -4.0,
                                "ch/2/send/1/level": -9.0}, "rest")
        page = open_page(screen)
        page.goto(stage.web_url + "#/fleet")
        card = page.locator(".copy-card")
        card.get_by_role("button", name="Copy scene").wait_for(timeout=20000)
        wait_until(lambda: card.get_by_label("Copy to which mixer").input_value() == "foh", what="foh offered")
        assert card.get_by_label("Scene to copy").locator("option").all_inner_texts() == ["Verse"]
        targets = page.evaluate(MEASURE, [".copy-card button, .copy-card select, .copy-card .check"])
        assert targets and [t for t in targets if min(t["width"], t["height"]) < MIN_TARGET] == []
        assert check(page, stage.web_url.rstrip("/"), axe) == []

        # The scene: a finger on Copy scene; it is there, and it recalls there.
        card.get_by_role("button", name="Copy scene").tap()
        page.locator(".toast", has_text="Copied “Verse”").wait_for(timeout=20000)
        copied = [s for s in foh.scenes.scenes() if s.name == "Verse"]
        assert len(copied) == 1
        foh.scenes.recall_scene(copied[0].id)
        _, there = foh.control.state()
        assert there["ch/1/fader"] == -12.0 and there["ch/2/mute"] is True
        # Verse changed here and copied again: the name is taken there; the app asks, and Replace replaces it.
        stage.control.set("ch/1/fader", -20.0, "rest")
        stage.scenes.update_scene(stage.scenes.scenes()[0].id)
        card.get_by_role("button", name="Copy scene").tap()
        page.get_by_role("button", name="Replace").tap()
        wait_until(lambda: [(s.name, s.values["ch/1/fader"]) for s in foh.scenes.scenes()] == [("Verse", -20.0)],
                   what="foh's one Verse replaced")

        # Channel 2's strip onto channel 4 there (not its sends: the box was not asked for them).
        card.get_by_label("Channel to copy").select_option("2")
        card.get_by_label("Onto which channel of the other mixer").select_option("4")
        card.get_by_role("button", name="Copy channel").tap()
        page.locator(".toast", has_text="onto channel 4").wait_for(timeout=20000)
        _, there = foh.control.state()
        assert there["ch/4/name"] == "Bass DI" and there["ch/4/eq/1/gain"] == 5.0 and there["ch/4/fader"] == -4.0
        assert there["ch/4/send/1/level"] != -9.0


def test_without_a_broker_the_fleet_view_lists_the_boxes_on_the_lan(jack_server, tmp_path, open_page):
    """mDNS only (MQTT off): both boxes found on loopback, listed with their web apps; no copy card (copies go
    over a broker)."""
    from test_mdns import lan_box

    with lan_box(jack_server, tmp_path / "stage", "stage") as stage, lan_box(jack_server, tmp_path / "foh", "foh"):
        page = open_page(PHONE)
        page.goto(stage.web_url + "#/fleet")
        other = page.locator('.fleet-node[data-node="foh"][data-state="online"]')
        other.wait_for(timeout=20000)
        assert "on the local network" in other.locator(".fleet-facts").inner_text()
        wait_until(lambda: "on the local network" in page.locator(".fleet-page .lead").inner_text(),
                   what="the summary says where they were found")
        assert "needs an MQTT broker" in page.locator(".fleet-page .lead").inner_text()
        assert page.locator(".copy-card form, .copy-card .copy-form:not([hidden])").count() == 0
