// Meters at display rate.
//
// The server sends meter frames up to 25 times a second (peak and clip counts flat over the hello's meter
// points, plus per-point extras such as gain reduction; decoded by meterframe.js). Every animation frame each meter on the page
// moves towards the newest reading: it interpolates from the previous reading over one frame interval and
// falls back no faster than a PPM-like decay, so the bar moves smoothly instead of stepping 25 times a
// second. A peak-hold line stays 1.5 s and then falls; a clip (the engine's clip count went up, or a
// reading at 0 dBFS) lights the meter's clip lamp for 2 s.

import { el } from "./dom.js";

export const METER_FLOOR = -60;
const DECAY_DB_PER_S = 24;
const HOLD_MS = 1500;
const HOLD_FALL_DB_PER_S = 30;
const CLIP_MS = 2000;
const STALE_MS = 600;          // no frame for this long: the reading falls to silence
const FRAME_MS = 40;           // nominal interval between frames (25 Hz)

/** Meter scale: dBFS → 0…1 with more room near the top. */
const METER_TAPER = [[-60, 0], [-50, 0.07], [-40, 0.16], [-30, 0.28], [-20, 0.45], [-10, 0.66], [-6, 0.76],
  [-3, 0.87], [0, 1]];

export function meterPos(db) {
  if (!(db > METER_TAPER[0][0])) return 0;
  for (let i = 1; i < METER_TAPER.length; i++) {
    const [a, b] = [METER_TAPER[i - 1], METER_TAPER[i]];
    if (db <= b[0]) return a[1] + ((db - a[0]) / (b[0] - a[0])) * (b[1] - a[1]);
  }
  return 1;
}

/** One step of the ballistics: where the bar is at `now` given the last two readings. Pure, for tests. */
export function ballistics(state, now) {
  const dt = Math.max(0, Math.min(0.1, (now - state.t) / 1000));
  state.t = now;
  const target = now - state.at > STALE_MS ? -120 : state.target;
  const rising = target > state.prev;
  const k = Math.min(1, (now - state.at) / (rising ? FRAME_MS / 2 : FRAME_MS));
  const interpolated = state.prev + (target - state.prev) * k;
  state.level = interpolated > state.level ? interpolated
    : Math.max(interpolated, state.level - DECAY_DB_PER_S * dt);
  if (state.level >= state.hold) {
    state.hold = state.level;
    state.holdAt = now;
  } else if (now - state.holdAt > HOLD_MS) {
    state.hold = Math.max(state.level, state.hold - HOLD_FALL_DB_PER_S * dt);
  }
  return state;
}

function freshState() {
  return { target: -120, prev: -120, at: -1e9, t: performance.now(), level: -120, hold: -120, holdAt: 0,
           clipUntil: 0, clips: null, shown: null };
}

const live = new Set();
let running = false;

function tick(now) {
  for (const meter of live) {
    if (!meter.root.isConnected) { if (meter.attached) live.delete(meter); continue; }
    meter.attached = true;
    meter.draw(now);
  }
  if (live.size) requestAnimationFrame(tick);
  else running = false;
}

function ensureRunning() {
  if (!running) {
    running = true;
    requestAnimationFrame(tick);
  }
}

/** A level meter for one lane of a meter point ("ch/1/input", "bus/4" lane 1 = right). */
export class Meter {
  constructor(point, { lane = 0, orientation = "vertical", label, className = "", showClip = true } = {}) {
    this.point = point;
    this.lane = lane;
    this.vertical = orientation === "vertical";
    this.state = freshState();
    this.mask = el("div", { class: "meter-mask" });
    this.holdLine = el("div", { class: "meter-hold" });
    this.clipLamp = showClip ? el("div", { class: "meter-clip", title: "clip" }) : null;
    this.root = el("div", {
      class: `meter ${this.vertical ? "vertical" : "horizontal"} ${className}`.trim(),
      role: "meter", "aria-label": label || `${point} level`, "aria-valuemin": "-120", "aria-valuemax": "0",
      dataset: { point, lane: String(lane) },
    }, el("div", { class: "meter-scale" }), this.mask, this.holdLine, this.clipLamp);
    this.attached = false;
    live.add(this);
    ensureRunning();
  }

  /** A new reading (dBFS) and the engine's clip count for this lane (it wraps: any change is a clip). */
  feed(peak, clips, now) {
    const s = this.state;
    s.prev = now - s.at > STALE_MS ? -120 : s.target; // interpolate between the last two readings
    s.target = peak;
    s.at = now;
    if (s.clips !== null && clips !== s.clips) s.clipUntil = now + CLIP_MS; // (a wrapping count: compare)
    if (peak >= -0.05) s.clipUntil = now + CLIP_MS;
    s.clips = clips;
    live.add(this);
    ensureRunning();
  }

  draw(now) {
    const s = ballistics(this.state, now);
    const pos = meterPos(s.level);
    const hold = meterPos(s.hold);
    const clip = now < s.clipUntil;
    const key = `${pos.toFixed(3)}|${hold.toFixed(3)}|${clip}`;
    if (key === s.shown) return;
    s.shown = key;
    this.mask.style.transform = this.vertical ? `scaleY(${(1 - pos).toFixed(4)})` : `scaleX(${(1 - pos).toFixed(4)})`;
    this.holdLine.style[this.vertical ? "bottom" : "left"] = `${(hold * 100).toFixed(2)}%`;
    this.holdLine.style.opacity = s.hold > METER_FLOOR ? "1" : "0";
    this.root.classList.toggle("clipping", clip);
    this.root.setAttribute("aria-valuenow", String(Math.round(s.level * 10) / 10));
    this.root.dataset.level = s.level.toFixed(1);
  }
}

/** Gain reduction (dB, 0…20) as a bar growing from the top/left, with a figure. */
export class GrMeter {
  constructor(point, key, { label = "GR", orientation = "horizontal", range = 20 } = {}) {
    this.point = point;
    this.key = key;
    this.range = range;
    this.vertical = orientation === "vertical";
    this.state = { target: 0, level: 0, t: performance.now(), at: -1e9, shown: null };
    this.bar = el("div", { class: "gr-bar" });
    this.figure = el("span", { class: "gr-figure" }, "0.0");
    this.root = el("div", { class: `gr ${this.vertical ? "vertical" : "horizontal"}`, role: "meter",
      "aria-label": `${label} gain reduction`, "aria-valuemin": "0", "aria-valuemax": String(range),
      dataset: { point, key } },
    el("span", { class: "gr-label" }, label), el("div", { class: "gr-track" }, this.bar), this.figure);
    this.attached = false;
    live.add(this);
    ensureRunning();
  }

  feed(gr, now) {
    this.state.target = gr;
    this.state.at = now;
  }

  draw(now) {
    const s = this.state;
    const dt = Math.max(0, Math.min(0.1, (now - s.t) / 1000));
    s.t = now;
    const target = now - s.at > STALE_MS ? 0 : s.target;
    s.level = target > s.level ? target : Math.max(target, s.level - 30 * dt);
    const key = s.level.toFixed(1);
    if (key === s.shown) return;
    s.shown = key;
    const frac = Math.min(1, s.level / this.range);
    this.bar.style.transform = this.vertical ? `scaleY(${frac.toFixed(4)})` : `scaleX(${frac.toFixed(4)})`;
    this.figure.textContent = s.level >= 0.05 ? `−${key}` : "0.0";
    this.root.classList.toggle("active", s.level >= 0.5);
    this.root.setAttribute("aria-valuenow", key);
  }
}

/** Routes meter frames from a Connection to the meters on the page. */
export class MeterRouter {
  constructor(conn) {
    this.conn = conn;
    this.meters = new Set();
    this.listeners = new Set();
    conn.addEventListener("meters", (e) => this.frame(e.detail));
  }

  /** Create a Meter (or GrMeter) bound to this router. */
  meter(point, options) {
    const meter = new Meter(point, options);
    this.meters.add(meter);
    return meter;
  }

  gr(point, key, options) {
    const meter = new GrMeter(point, key, options);
    this.meters.add(meter);
    return meter;
  }

  /** Per-frame callback for readouts that are not bars (LUFS figures…); returns a remover. */
  onFrame(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  frame(message) {
    const now = performance.now();
    const index = this.conn.meterIndex;
    const extra = message.extra || {};
    for (const meter of this.meters) {
      if (meter.attached && !meter.root.isConnected) { this.meters.delete(meter); continue; }
      const point = index.get(meter.point);
      if (!point) continue;
      if (meter instanceof GrMeter) {
        const value = (extra[meter.point] || {})[meter.key];
        if (value !== undefined) meter.feed(value, now);
        continue;
      }
      const i = point.offset + Math.min(meter.lane, point.width - 1);
      meter.feed(message.peak[i], (message.clips || [])[i] || 0, now);
    }
    for (const fn of this.listeners) fn(message, extra);
  }

  /** Forget every meter (the view is being replaced). */
  clear() {
    this.meters.clear();
    this.listeners.clear();
  }
}
