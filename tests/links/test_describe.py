"""``mixerd profiles`` on links: where a link's channels land on this mixer, what it sends from which ports, and
the [[link]] the other box needs — from the config and the profile, without JACK."""

from __future__ import annotations

import subprocess
import sys

from mixerd.config import LinkConfig
from mixerd.links.describe import describe_links
from mixerd.model.layout import BusLayout, Layout

HARDWARE = Layout(inputs=tuple(f"In {n}" for n in range(1, 9)),
                  buses=(BusLayout("Wedge"), BusLayout("Drummer", stereo=True)))


def test_a_link_in_words_with_the_other_boxs_half():
    lines = describe_links([LinkConfig(name="stage", peer="192.168.1.30", send=("bus/2", "ch/1"), receive=4),
                            LinkConfig(name="foh", receive=1, port=30300)], HARDWARE)
    text = "\n".join(lines)
    assert 'receives 4 channels on UDP 0.0.0.0:30200 and 30201 → ch/9 … ch/12 ("stage 1" … "stage 4")' in text
    assert ("sends 3 channels to 192.168.1.30:30200: bus/2 (mixerd:bus_2_L), bus/2 (mixerd:bus_2_R), ch/1 as it "
            "comes in") in text
    assert 'receives 1 channel on UDP 0.0.0.0:30300 and 30301 → ch/13 ("foh 1")' in text
    stage_half = lines[lines.index("  stage (zita):") + 3:lines.index("  foh (zita):")]
    assert stage_half == ["    the other box's matching [[link]]:", "      [[link]]",
                          '      name = "<what it calls this box>"', '      peer = "<this box\'s address>"',
                          "      send = [<4 of its channels, mixes or its main>]", "      receive = 3",
                          "      port = 30200"]
    assert "      peer_port = 30300" in lines  # the other box must send to the port this one listens on


def test_a_source_it_has_not_and_no_links_at_all():
    [_, _, line, *_] = describe_links([LinkConfig(name="x", peer="h", send=("bus/7",))], HARDWARE)
    assert line.startswith("    cannot send: link 'x' sends bus/7, which this mixer does not have")
    assert describe_links([], HARDWARE)[0].startswith("Links: none. Two boxes? Give each a [[link]]")


def test_mixerd_profiles_shows_the_links_of_its_config(tmp_path):
    config = tmp_path / "mixerd.toml"
    config.write_text('[[link]]\nname = "stage"\nreceive = 2\n')
    out = subprocess.run([sys.executable, "-m", "mixerd", "profiles", "--config", str(config),
                          "--asound", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert 'receives 2 channels on UDP 0.0.0.0:30200 and 30201 → ch/9 … ch/10 ("stage 1" … "stage 2")' in out.stdout
