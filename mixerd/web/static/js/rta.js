// The RTA wherever the app shows one (a mix's Ring out card, behind an EQ curve, the full-screen view): the
// spectrum drawn on a canvas (bars of the bands' levels, a tick at each band's held peak), the bands named in words,
// the 1/3- or 1/6-octave choice (one for the whole app, kept in this browser) and the look that asks for it.
//
// One connection has one RTA (conn.rta). Every view looks through `rtaPanel`/`lookAt`, which share it: of the looks
// switched on and on screen (while the page is shown), the one switched on last names the point; the others that
// want the same point draw the same frames, those that want another say they are paused (a tap takes it back).
// No look stops what another still shows, and nothing is asked for while nobody looks.

import { describeError } from "./api.js";
import { el, listen } from "./dom.js";
import { busName, capital, channelName } from "./names.js";

const FLOOR = -80; // the drawing's bottom (dBFS): a band below it is silent
const TOP = 0;

// -- words -------------------------------------------------------------------------------------------

/** The ISO preferred numbers R20 (a decade): the nominal names of 1/6-octave bands; every other one (R10) names
 *  a 1/3-octave band. A band (exactly 1000 · 2^(k/6) Hz) is named by the nearest. */
const R20 = [1, 1.12, 1.25, 1.4, 1.6, 1.8, 2, 2.24, 2.5, 2.8, 3.15, 3.55, 4, 4.5, 5, 5.6, 6.3, 7.1, 8, 9, 10];

/** "31.5 Hz", "224 Hz", "1 kHz", "1.12 kHz", "12.5 kHz": the band at `hz` by its nominal name. */
export function bandName(hz) {
  const decade = 10 ** Math.floor(Math.log10(hz));
  const nominal = R20.map((m) => Math.round(m * decade * 100) / 100)
    .reduce((a, b) => (Math.abs(Math.log(b / hz)) < Math.abs(Math.log(a / hz)) ? b : a));
  return nominal >= 1000 ? `${Number((nominal / 1000).toFixed(2))} kHz` : `${nominal} Hz`;
}

export const dbfs = (db) => `${Math.round(db)} dBFS`.replace("-", "−");

const CHANNEL_TAPS = { input: "at its input", inserts: "after its EQ and dynamics", post: "after its fader" };

/** A meter point in words, with the strip's name: "Kick at its input", "Kick after the EQ", "Drummer mix", "the
 *  main", "the solo bus". */
export function pointName(point, values) {
  const ch = /^ch\/(\d+)\/(\w+)$/.exec(point);
  if (ch) {
    const [, n, tap] = ch;
    const first = values[`ch/${n}/order`] === "dyn>eq" ? "after its gate and compressor" : "after its EQ";
    return `${channelName(values, Number(n))} ${tap === "insert1" ? first : CHANNEL_TAPS[tap] || tap}`;
  }
  const bus = /^bus\/(\d+)$/.exec(point);
  if (bus) return busName(values, Number(bus[1]), { mine: null });
  return { main: "the main", solo: "the solo bus" }[point] || point;
}

// -- the bands: 1/3 or 1/6 octave, one choice for the whole app -----------------------------------------

const RESOLUTION_KEY = "mixerd.rta.per_octave";
const resolutionEvents = new EventTarget();
let perOctave = 3;
try { perOctave = localStorage.getItem(RESOLUTION_KEY) === "6" ? 6 : 3; } catch { /* storage off: 1/3 octave */ }

export const resolution = () => perOctave;

function setResolution(value) {
  if (value === perOctave) return;
  perOctave = value;
  try { localStorage.setItem(RESOLUTION_KEY, String(value)); } catch { /* for this page only */ }
  resolutionEvents.dispatchEvent(new Event("change"));
}

/** "1/3 oct" | "1/6 oct": the bands of every RTA shown. Returns {root, release}. */
export function resolutionChoice() {
  const root = el("div", { class: "segmented rta-bands", role: "radiogroup", "aria-label": "RTA bands" });
  for (const [value, text, title] of [[3, "1/3 oct", "Third-octave bands"], [6, "1/6 oct", "Sixth-octave bands"]]) {
    const b = el("button", { type: "button", role: "radio", title, dataset: { perOctave: String(value) } }, text);
    b.addEventListener("click", () => setResolution(value));
    root.append(b);
  }
  const show = () => {
    for (const b of root.children) b.setAttribute("aria-checked", String(Number(b.dataset.perOctave) === perOctave));
  };
  show();
  return { root, release: listen(resolutionEvents, "change", show) };
}

// -- drawing ---------------------------------------------------------------------------------------------

/** Where a spectrum goes in a w × h box when it has the box to itself: a log axis from the first band's lower edge
 *  to the last one's upper edge, the frequencies under it (`labels`: their size in px). */
function ownArea(w, h, { centres, per_octave: n }) {
  const half = 2 ** (0.5 / n);
  const lo = centres[0] / half, hi = centres[centres.length - 1] * half;
  const x = (f) => (w * Math.log(f / lo)) / Math.log(hi / lo);
  return { x, left: 0, right: w, top: 4, bottom: h - 18, labels: h > 300 ? 13 : 11 };
}

/** The octave bands labelled under an RTA of its own. */
const OCTAVES = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4].map((k) => 1000 * 2 ** k);

function paint(g, frame, area, faint) {
  const { centres, levels, peaks, per_octave: n } = frame;
  const y = (db) => area.top + ((area.bottom - area.top) * (TOP - Math.min(TOP, Math.max(FLOOR, db)))) / (TOP - FLOOR);
  const half = 2 ** (0.5 / n);
  if (area.labels) {
    g.strokeStyle = "rgba(148, 163, 184, 0.25)";
    g.fillStyle = "rgba(148, 163, 184, 0.8)";
    g.font = `${area.labels}px system-ui, sans-serif`;
    for (const db of [-60, -40, -20]) {
      g.beginPath(); g.moveTo(area.left, y(db)); g.lineTo(area.right, y(db)); g.stroke();
      g.fillText(`${db}`, area.left + 2, y(db) - 2);
    }
    g.fillStyle = "rgba(148, 163, 184, 0.9)";
    g.textAlign = "center";
    for (const f of OCTAVES) {
      g.fillText(bandName(f).replace(" kHz", "k").replace(" Hz", ""), area.x(f), area.bottom + area.labels + 3);
    }
    g.textAlign = "start";
  }
  g.save();
  g.beginPath();
  g.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  g.clip();
  for (let i = 0; i < centres.length; i++) {
    const x0 = area.x(centres[i] / half) + 0.5, x1 = area.x(centres[i] * half) - 0.5;
    const width = Math.max(1, x1 - x0);
    g.fillStyle = faint ? "rgba(56, 189, 248, 0.22)"
      : levels[i] > -10 ? "#ef4444" : levels[i] > -20 ? "#eab308" : "#22c55e";
    g.fillRect(x0, y(levels[i]), width, area.bottom - y(levels[i]));
    if (peaks[i] <= FLOOR) continue;
    g.fillStyle = faint ? "rgba(226, 232, 240, 0.45)" : "#f8fafc";
    g.fillRect(x0, y(peaks[i]) - 1, width, 2);
  }
  g.restore();
}

/** The loudest band now and the highest held peak ({name, db}, null when silent). */
function summary({ centres, levels, peaks }) {
  const top = (values) => {
    let at = 0;
    for (let i = 1; i < values.length; i++) if (values[i] > values[at]) at = i;
    return values[at] > FLOOR ? { name: bandName(centres[at]), db: values[at] } : null;
  };
  return { loudest: top(levels), peak: top(peaks) };
}

/** A spectrum on a canvas, drawn at most once a frame: on an axis of its own with its frequencies, or `faint` on
 *  another's (`area(w, h)`: the EQ curve's x(f), left, right, top, bottom in CSS px). Its data-* say what it drew
 *  last for whoever checks: frames, bands, the loudest band and the highest peak (empty when silent). */
class SpectrumCanvas {
  constructor({ label, area = null, faint = false, className = "rta-canvas", onPaint = () => {} }) {
    this.canvas = el("canvas", { class: className, width: 640, height: 180, dataset: { frames: "0" },
      ...(label ? { role: "img", "aria-label": label } : { "aria-hidden": "true" }) });
    Object.assign(this, { area, faint, onPaint, latest: null, pending: false, frames: 0 });
  }

  draw(frame) {
    this.latest = frame;
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => this._paint());
    }
  }

  clear() {
    this.latest = null;
    this.canvas.getContext("2d").clearRect(0, 0, this.canvas.width, this.canvas.height);
    for (const key of ["bands", "loudest", "peak"]) delete this.canvas.dataset[key]; // nothing drawn: nothing said
  }

  _paint() {
    this.pending = false;
    const { canvas, latest: frame } = this;
    if (!frame || !canvas.isConnected || !canvas.clientWidth) return;
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    paint(g, frame, this.area ? this.area(w, h) : ownArea(w, h, frame), this.faint);
    const found = summary(frame);
    this.frames += 1;
    Object.assign(canvas.dataset, { frames: String(this.frames), bands: String(frame.centres.length),
      loudest: found.loudest ? found.loudest.name : "", peak: found.peak ? found.peak.name : "" });
    this.onPaint(found);
  }
}

// -- looking: one RTA per connection, shared ---------------------------------------------------------------

const arbiters = new WeakMap();

/** The looks at the RTA on one connection and what it asks for (see the module's opening comment). */
class Arbiter {
  constructor(conn) {
    this.conn = conn;
    this.looks = new Set();
    this.owner = {}; // one owner for every look: conn.rta(null) stops only what the looks asked for
    this.asked = null; // {point, perOctave}
    this.ready = false; // the server follows `asked`: frames before that are an older ask's
    this.error = null;
    this.clock = 0;
    this.stops = [];
  }

  add(look) {
    if (!this.looks.size) {
      const settle = () => this.settle();
      this.stops = [listen(this.conn, "rta", (e) => this.frame(e.detail)), listen(document, "visibilitychange", settle),
        listen(resolutionEvents, "change", settle)];
    }
    this.looks.add(look);
  }

  remove(look) {
    this.looks.delete(look);
    this.settle();
    if (!this.looks.size) for (const stop of this.stops.splice(0)) stop();
  }

  /** Ask for what the newest look wants (or stop), and tell every look where it stands. */
  settle() {
    const shown = document.visibilityState === "visible";
    const wanting = [...this.looks].filter((l) => shown && l.active);
    const top = wanting.reduce((a, b) => (a && a.since > b.since ? a : b), null);
    const want = top ? { point: top.point, perOctave } : null;
    const fresh = want?.point !== this.asked?.point || want?.perOctave !== this.asked?.perOctave;
    if (fresh) {
      this.asked = want;
      this.error = null;
      this.ask();
    }
    for (const look of this.looks) {
      const state = !wanting.includes(look) ? "off" : this.error ? "error" : look.point === want.point ? "live" : "paused";
      look.show(state, { point: want?.point, error: this.error, fresh });
    }
  }

  ask() {
    const { asked } = this;
    this.ready = false;
    const request = this.conn.rta(asked ? asked.point : null, asked ? asked.perOctave : perOctave, this.owner);
    return request.then(() => {
      if (this.asked === asked) this.ready = true;
    }, (exc) => {
      if (this.asked !== asked) return;
      this.error = describeError(exc);
      this.settle();
    });
  }

  /** Ask again for what is shown: the server starts its peak hold afresh. */
  restart() {
    if (!this.asked) return Promise.resolve(false);
    this.conn.rta(null, perOctave, this.owner).catch(() => {});
    for (const look of this.looks) look.show(look.state, { point: this.asked.point, error: null, fresh: true });
    return this.ask().then(() => this.ready);
  }

  frame(frame) {
    const { asked } = this;
    if (!this.ready || !asked || frame.point !== asked.point || frame.per_octave !== asked.perOctave) return;
    for (const look of this.looks) if (look.state === "live") look.onFrame(frame);
  }
}

/** One view's look at `point`'s RTA on `conn`: `want(on)` (its switch), `observe(element)` (on screen while that
 *  is), `setPoint`, `take()` (show it here now), `restart()` (reset the peaks), `release()`. `onFrame(frame)` gets
 *  the frames while it is live; `onState(state, {point, error, fresh})` each change (`fresh`: a new stream, of
 *  another point, other bands or peaks reset): "off", "live", "paused" (another look shows `point`) or "error". */
export function lookAt(conn, point, { onFrame, onState }) {
  let arbiter = arbiters.get(conn);
  if (!arbiter) arbiters.set(conn, (arbiter = new Arbiter(conn)));
  let switchedOn = false, onScreen = false, observer = null;
  const look = {
    point, since: 0, state: "off", onFrame,
    get active() { return switchedOn && onScreen; },
    show(state, detail) {
      const changed = state !== look.state || detail.fresh;
      look.state = state;
      if (changed || state !== "live") onState(state, detail);
    },
    want(on) { change(() => { switchedOn = Boolean(on); }); },
    observe(element) {
      observer = new IntersectionObserver((entries) => change(() => {
        onScreen = entries[entries.length - 1].isIntersecting;
      }));
      observer.observe(element);
    },
    setPoint(next) {
      look.point = next;
      look.take();
    },
    take() {
      look.since = ++arbiter.clock;
      arbiter.settle();
    },
    restart: () => arbiter.restart(),
    release() {
      observer?.disconnect();
      arbiter.remove(look);
    },
  };
  const change = (apply) => {
    const was = look.active;
    apply();
    if (look.active && !was) look.since = ++arbiter.clock; // the look switched on last wins
    arbiter.settle();
  };
  arbiter.add(look);
  return look;
}

// -- a panel: the spectrum, the loudest band in words, the bands choice, the way to full screen ------------------

/** An RTA of `point` to put in a card or a view, asked for while `want(true)` and `watch` (an element) is on screen:
 *  `canvas`, `readout` (the loudest band; waiting; paused, with Show here; the mixer's refusal), `choice` (1/3 |
 *  1/6), `link` (Full screen: null with `link: false`), `bar` (readout, choice and link in a row), `look`,
 *  `release()`. `caption` heads the readout; `area` and `faint`: drawn on another's axis (see SpectrumCanvas). */
export function rtaPanel(conn, point, { watch, label, caption = null, area = null, faint = false, link = true,
  className } = {}) {
  const spectrum = new SpectrumCanvas({ label, area, faint, className, onPaint: (found) => {
    text.textContent = found.loudest ? `Loudest: ${found.loudest.name} at ${dbfs(found.loudest.db)}` : "Silent";
  } });
  const text = el("span", { class: "rta-loudest" }, "Waiting for the spectrum…");
  const take = el("button", { type: "button", class: "btn rta-take", hidden: true }, "Show here");
  const readout = el("div", { class: "rta-readout" }, caption && el("span", { class: "rta-caption" }, caption), text,
    take);
  const choice = resolutionChoice();
  const full = link ? el("a", { class: "btn rta-full", href: `#/rta/${point}` }, "Full screen") : null;
  const look = lookAt(conn, point, {
    onFrame: (frame) => spectrum.draw(frame),
    onState(state, { point: shown, error }) {
      take.hidden = state !== "paused";
      spectrum.canvas.dataset.state = state;
      spectrum.clear();
      text.textContent = state === "paused" ? `Paused: the RTA shows ${pointName(shown, conn.values)} elsewhere`
        : state === "error" ? error : "Waiting for the spectrum…";
    },
  });
  take.addEventListener("click", () => look.take());
  if (watch) look.observe(watch);
  const setPoint = look.setPoint;
  look.setPoint = (next) => {
    if (full) full.href = `#/rta/${next}`;
    setPoint(next);
  };
  return {
    canvas: spectrum.canvas, readout, choice: choice.root, link: full, look,
    bar: el("div", { class: "rta-bar" }, readout, choice.root, full),
    release() {
      look.release();
      choice.release();
    },
  };
}
