"""The web app's logic that matters, run in Chromium on the served modules (page.evaluate): the fader taper and
the touch rules of a fader, the EQ curve math against mixerd's own filter design and scipy, meter ballistics."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import signal

from mixerd.engine.dsp import filters

pytestmark = pytest.mark.browser


@pytest.fixture
def page(open_page, live_server):
    page = open_page({"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True})
    page.goto(live_server + "/")
    return page


def test_fader_taper_puts_0_db_at_three_quarters_and_round_trips(page):
    out = page.evaluate("""async () => {
        const f = await import("/static/js/fader.js");
        let worst = 0, monotonic = true, prev = -1;
        for (let i = -899; i <= 100; i++) {
            const db = i / 10, pos = f.dbToPos(db);
            if (!(pos > prev)) monotonic = false;
            prev = pos;
            worst = Math.max(worst, Math.abs(f.posToDb(pos) - db));
        }
        return { ends: [f.dbToPos(-90), f.dbToPos(-120), f.dbToPos(0), f.dbToPos(10), f.posToDb(0), f.posToDb(0.75),
                        f.posToDb(1), f.posToDb(0.0001)], worst, monotonic,
                 marks: [-60, -40, -30, -20, -10, -5, 5].map(f.dbToPos) };
    }""")
    assert out["ends"] == [0, 0, 0.75, 1, -90, 0, 10, -90]  # bottom = closed (−∞), 0 dB at 3/4, +10 at the top
    assert out["monotonic"] and out["worst"] < 0.0501  # every 0.1 dB step has its own position and comes back
    assert out["marks"] == pytest.approx([0.06, 0.15, 0.25, 0.375, 0.5, 0.625, 0.875])


def test_fader_touch_rules(page):
    """A tap never moves a fader; a drag moves it by the finger's travel (from where it was, after a small dead
    zone); a second finger makes it five times finer; a swipe across it is a scroll, not a move."""
    out = page.evaluate("""async () => {
        const { Slider, faderScale, dbToPos, posToDb } = await import("/static/js/fader.js");
        const commits = [];
        const s = new Slider({ label: "test fader", scale: faderScale(), value: -20, onCommit: (v) => commits.push(v) });
        s.root.style.cssText = "position: fixed; left: 20px; top: 300px; width: 320px; z-index: 99";
        document.body.append(s.root);
        const track = s.track.getBoundingClientRect(), thumb = s.thumb.getBoundingClientRect();
        const travel = track.width - thumb.width, y = track.top + track.height / 2;
        const fire = (type, id, x, yy = y) => (type === "pointerdown" && id !== 1 ? document.body : s.root).dispatchEvent(
            new PointerEvent(type, { pointerId: id, clientX: x, clientY: yy, bubbles: true, cancelable: true,
                                     pointerType: "touch", isPrimary: id === 1, button: 0 }));
        const r = { travel };
        fire("pointerdown", 1, track.right - 4); fire("pointerup", 1, track.right - 4);
        r.afterTap = s.value;                                            // a tap far right of the thumb
        const x0 = track.left + 40;
        fire("pointerdown", 1, x0);
        fire("pointermove", 1, x0 + 3);                                  // inside the dead zone: nothing yet
        r.inDeadZone = s.value;
        for (let k = 1; k <= 10; k++) fire("pointermove", 1, x0 + 10 * k);
        fire("pointerup", 1, x0 + 100);
        r.afterDrag = s.value;
        r.expectedDrag = posToDb(dbToPos(-20) + 90 / travel);            // moves counted from where it started moving
        const before = s.value;
        fire("pointerdown", 1, x0); fire("pointermove", 1, x0 + 10); fire("pointermove", 1, x0 + 20);
        const started = s.value;
        r.startedMoved = started !== before;
        fire("pointerdown", 2, 300, 100);                                // a second finger rests on the screen
        r.fineShown = s.root.classList.contains("fine");
        fire("pointermove", 1, x0 + 120);
        fire("pointerup", 2, 300, 100); fire("pointerup", 1, x0 + 120);
        r.afterFine = s.value;
        r.expectedFine = posToDb(dbToPos(started) + 0.2 * 100 / travel);
        const beforeSwipe = s.value;
        fire("pointerdown", 1, x0); fire("pointermove", 1, x0 + 4, y + 30); fire("pointermove", 1, x0 + 60, y + 40);
        fire("pointerup", 1, x0 + 60, y + 40);
        r.afterSwipe = s.value; r.beforeSwipe = beforeSwipe;
        s.root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
        r.afterKey = s.value;
        r.commits = commits;
        r.aria = [s.root.getAttribute("role"), s.root.getAttribute("aria-label"), s.root.getAttribute("aria-valuetext")];
        s.root.remove();
        return r;
    }""")
    assert out["afterTap"] == -20 and out["inDeadZone"] == -20
    assert out["afterDrag"] == out["expectedDrag"] and out["afterDrag"] > -20
    assert out["startedMoved"] and out["fineShown"]
    assert out["afterFine"] == out["expectedFine"]
    assert out["afterSwipe"] == out["beforeSwipe"]  # a scroll across the fader moved nothing
    assert out["afterKey"] == pytest.approx(out["beforeSwipe"] + 0.5)
    assert out["commits"] == [out["afterDrag"], out["afterFine"], out["afterKey"]]  # no commit for tap or swipe
    assert out["aria"][0] == "slider" and out["aria"][1] == "test fader" and out["aria"][2] == f"{out['afterKey']:+.1f}"


KINDS = filters.KINDS
CASES = [(kind, f, g, q, fs) for kind, f, g, q, fs in itertools.product(
    KINDS, (20.0, 63.0, 1000.0, 12500.0, 20000.0), (-15.0, -3.5, 0.0, 6.0, 15.0), (0.3, 0.707, 2.0, 10.0),
    (44100.0, 48000.0, 96000.0))]


def test_eq_curve_math_matches_the_engine_filter_design_and_scipy(page):
    """The curve the app draws is the response of exactly the biquads the engine runs: the JS design gives
    filters.design's coefficients, and its magnitude is scipy's freqz of them."""
    freqs = np.geomspace(20.0, 20000.0, 61)
    out = page.evaluate("""async ([cases, freqs]) => {
        const eq = await import("/static/js/eq.js");
        return cases.map(([kind, f, g, q, fs]) => {
            const coefs = eq.design(kind, f, g, q, fs);
            return [coefs, freqs.filter((x) => x < fs / 2).map((x) => eq.magnitudeDb(coefs, x, fs))];
        });
    }""", [CASES, freqs.tolist()])
    worst_coef = worst_db = 0.0
    for (kind, f, g, q, fs), (coefs, mags) in zip(CASES, out):
        ref = filters.design(kind, f, g, q, fs)
        worst_coef = max(worst_coef, max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(coefs, ref)))
        b, a = ref[:3], (1.0, *ref[3:])
        w = freqs[freqs < fs / 2]
        _, h = signal.freqz(b, a, worN=w, fs=fs)
        ref_db = 20 * np.log10(np.maximum(np.abs(h), 1e-15))
        keep = ref_db > -120  # far down a cut's skirt float rounding dominates; nothing to draw there
        worst_db = max(worst_db, float(np.max(np.abs(np.array(mags)[keep] - ref_db[keep]), initial=0.0)))
    assert worst_coef < 1e-12
    assert worst_db < 1e-6


def test_hpf_and_summed_curve_match_the_engine(page):
    out = page.evaluate("""async () => {
        const eq = await import("/static/js/eq.js");
        const freqs = [20, 50, 80, 100, 200, 1000, 10000];
        const state = { "ch/1/eq/on": true, "ch/1/hpf/on": true, "ch/1/hpf/freq": 100, "ch/1/hpf/slope": 24 };
        const bands = [["low-shelf", 100, 4, 0.7], ["peaking", 500, -6, 2], ["peaking", 2500, 3, 1], ["high-shelf", 8000, -2, 0.7]];
        bands.forEach(([t, f, g, q], i) => Object.assign(state, { [`ch/1/eq/${i + 1}/type`]: t, [`ch/1/eq/${i + 1}/freq`]: f,
                                                                  [`ch/1/eq/${i + 1}/gain`]: g, [`ch/1/eq/${i + 1}/q`]: q }));
        const read = eq.readEq(state, "ch/1");
        return { hpf12: eq.hpf(80, 12, 48000), hpf24: eq.hpf(80, 24, 48000), freqs,
                 total: eq.responseDb(eq.sectionsOf(read, 48000), freqs, 48000),
                 bypassed: eq.responseDb(eq.sectionsOf({ ...read, on: false, hpf: { ...read.hpf, on: false } }, 48000), freqs, 48000),
                 nBands: read.bands.length, corner: eq.responseDb(eq.hpf(100, 24, 48000), [100], 48000)[0] };
    }""")
    for slope in (12, 24):
        for js, py in zip(out[f"hpf{slope}"], filters.hpf(80.0, slope, 48000.0)):
            assert js == pytest.approx(py, rel=1e-12, abs=1e-15)
    sections = filters.hpf(100.0, 24, 48000.0) + [filters.design(*band, 48000.0) for band in (
        ("low-shelf", 100.0, 4.0, 0.7), ("peaking", 500.0, -6.0, 2.0), ("peaking", 2500.0, 3.0, 1.0),
        ("high-shelf", 8000.0, -2.0, 0.7))]
    total = np.zeros(len(out["freqs"]))
    for coefs in sections:
        _, h = signal.freqz(coefs[:3], (1.0, *coefs[3:]), worN=out["freqs"], fs=48000.0)
        total += 20 * np.log10(np.abs(h))
    assert out["total"] == pytest.approx(total.tolist(), abs=1e-6)
    assert out["corner"] == pytest.approx(-10 * np.log10(2), abs=1e-9)  # Butterworth: -3.01 dB at the corner
    assert out["bypassed"] == [0.0] * len(out["freqs"]) and out["nBands"] == 4


def test_meter_ballistics_decay_smoothly_and_hold_peaks(page):
    out = page.evaluate("""async () => {
        const m = await import("/static/js/meters.js");
        const s = { target: -6, prev: -60, at: 0, t: 0, level: -60, hold: -120, holdAt: 0 };
        const levels = [];
        for (let now = 0; now <= 40; now += 1000 / 60) levels.push(m.ballistics(s, now).level);
        const rose = s.level;
        Object.assign(s, { prev: s.target, target: -60, at: 40 });    // the next frame is much quieter
        const fall = [];
        for (let now = 40 + 1000 / 60; now <= 3000; now += 1000 / 60) {
            if (now - s.at >= 40) Object.assign(s, { prev: s.target, at: now });  // frames keep coming, 25 Hz
            fall.push([now, m.ballistics(s, now).level, s.hold]);
        }
        return { rose, levels, fall, pos: [-70, -60, -20, -6, -3, 0, 3].map(m.meterPos) };
    }""")
    assert out["rose"] == -6  # a rising level shows within one frame interval
    assert out["levels"] == sorted(out["levels"])
    fall = np.array(out["fall"])
    steps = np.diff(fall[:, 1])
    assert np.all(steps <= 0) and np.all(steps >= -24.0 / 60 - 1e-9)  # falls, never faster than 24 dB/s
    assert fall[-1, 1] == pytest.approx(-60.0)  # and settles on the new level
    held = fall[fall[:, 0] < 1500]
    assert np.all(held[:, 2] == -6)  # the peak-hold line stays 1.5 s ...
    assert fall[-1, 2] < -6  # ... then falls
    assert out["pos"] == [0, 0, 0.45, 0.76, 0.87, 1, 1]  # the stylesheet's colour zones sit at these positions


def test_the_app_reads_a_binary_meter_frame_as_the_server_wrote_it(page):
    import dataclasses

    from mixerd.model.meters import MeterLayout, MeterPoint, empty_frame
    from mixerd.web.ws import MeterEncoder, decode_meters

    layout = MeterLayout((MeterPoint("ch/1/inserts", 0, 1, gr=(("gate_gr", 0), ("dyn_gr", 1))),
                          MeterPoint("main", 1, 2, master=True, gr=(("limiter_gr", 2),))), n_gr=3)
    frame = dataclasses.replace(
        empty_frame(layout, 50), seq=2**32 + 5, peak=np.array([-12.04, -0.06, 3.3], np.float32),
        clips=np.array([0, 70000, 3]), true_peak=np.array([-120, -0.5, 2.9], np.float32),
        lufs_m=np.array([-120, -23.04]), lufs_s=np.array([-120, -18.96]), gr=np.array([1.5, 0, 6.25], np.float32))
    encoder = MeterEncoder(layout)
    data = encoder.encode(frame)
    assert len(data) == 8 + 4 * 3 + 2 * (2 + 5)  # header, peak and clips per channel, 7 extras
    expected = decode_meters(data, encoder.points)
    assert expected == {"type": "meters", "seq": 5, "peak": [-12.0, -0.1, 3.3], "clips": [0, 70000 % 65536, 3],
                        "extra": {"ch/1/inserts": {"gate_gr": 1.5, "dyn_gr": 0.0},
                                  "main": {"true_peak": [-0.5, 2.9], "lufs_m": -23.0, "lufs_s": -19.0,
                                           "limiter_gr": 6.2}}}
    got = page.evaluate("""async ([bytes, points]) => {
        const m = await import("/static/js/meterframe.js");
        return m.decodeMeters(new Uint8Array(bytes).buffer, points);
    }""", [list(data), encoder.points])
    assert got == expected


def test_who_made_a_change_is_said_in_words(page):
    said = page.evaluate("""async () => {
        const u = await import("/static/js/undo.js");
        const values = {"bus/2/name": "Drummer"};
        return ["admin:s1", "mix:2:abc", "mqtt", "box:foh", "link", "osc:10.0.0.5", "rest", "me"].map(
            (actor) => u.actorName(actor, { self: "me", values }));
    }""")
    assert said == ["the engineer", "the Drummer mix link", "Home Assistant (MQTT)", "the foh mixer",
                    "an audio link (the sender's names)", "an X AIR app (10.0.0.5)", "the REST API", "you"]


def test_a_link_channels_input_says_where_it_comes_from(page):
    said = page.evaluate("""async () => {
        const s = await import("/static/js/views/flow/stages.js");
        const l = {name: "stage", running: true, state: "receiving", from: "10.0.0.5", latency_ms: 11.24,
                   buffer_ms: 10, dropouts: 0, dropouts_last_minute: 0};
        return [s.linkLine(l), s.linkLine({...l, dropouts: 3, dropouts_last_minute: 1}),
                s.linkLine({...l, running: false, from: null, latency_ms: null})];
    }""")
    assert said == ["from link stage (10.0.0.5): receiving, 11.2 ms (buffer 10 ms), no dropouts",
                    "from link stage (10.0.0.5): receiving, 11.2 ms (buffer 10 ms), 1 dropout in the last minute",
                    "from link stage: its bridge is not running, no dropouts"]
