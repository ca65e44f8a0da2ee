// EQ curves: the same RBJ cookbook biquads the engine runs (mixerd/engine/dsp/filters.py), evaluated on
// the unit circle to draw what the EQ and the high-pass filter do. Coefficients are [b0, b1, b2, a1, a2]
// with a0 = 1, exactly as filters.design returns them (inputs outside the filter design's own limits are
// clamped here instead of refused: the server has already validated what it sends). The graph's
// frequency axis and the range a handle can be dragged over are the bands' parameter ranges, given by
// the view from the specs.

import { svg, formatHz, formatDb } from "./dom.js";

const MAX_FREQ_FRACTION = 0.49;
// The filter design's own limits (filters.FREQ_RANGE, GAIN_RANGE, Q_RANGE), not a parameter's range.
const FREQ_RANGE = [20, 20000];
const GAIN_RANGE = [-15, 15];
const Q_RANGE = [0.3, 10];
const BUTTERWORTH_Q = { 12: [Math.SQRT1_2], 24: [1 / (2 * Math.cos(Math.PI / 8)), 1 / (2 * Math.cos(3 * Math.PI / 8))] };
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

function normalise(b0, b1, b2, a0, a1, a2) {
  return [b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0];
}

/** Coefficients of one EQ band, as filters.design(kind, freq, gain_db, q, fs). */
export function design(kind, freq, gainDb, q, fs) {
  const f0 = Math.min(clamp(freq, ...FREQ_RANGE), MAX_FREQ_FRACTION * fs);
  gainDb = clamp(gainDb, ...GAIN_RANGE);
  q = clamp(q, ...Q_RANGE);
  const w0 = (2 * Math.PI * f0) / fs;
  const cw = Math.cos(w0), sw = Math.sin(w0);
  const alpha = sw / (2 * q);
  if (kind === "low-cut") return normalise((1 + cw) / 2, -(1 + cw), (1 + cw) / 2, 1 + alpha, -2 * cw, 1 - alpha);
  if (kind === "high-cut") return normalise((1 - cw) / 2, 1 - cw, (1 - cw) / 2, 1 + alpha, -2 * cw, 1 - alpha);
  const a = Math.pow(10, gainDb / 40);
  if (kind === "peaking") {
    return normalise(1 + alpha * a, -2 * cw, 1 - alpha * a, 1 + alpha / a, -2 * cw, 1 - alpha / a);
  }
  const k = 2 * Math.sqrt(a) * alpha;
  if (kind === "low-shelf") {
    return normalise(
      a * ((a + 1) - (a - 1) * cw + k), 2 * a * ((a - 1) - (a + 1) * cw), a * ((a + 1) - (a - 1) * cw - k),
      (a + 1) + (a - 1) * cw + k, -2 * ((a - 1) + (a + 1) * cw), (a + 1) + (a - 1) * cw - k);
  }
  if (kind === "high-shelf") {
    return normalise(
      a * ((a + 1) + (a - 1) * cw + k), -2 * a * ((a - 1) + (a + 1) * cw), a * ((a + 1) + (a - 1) * cw - k),
      (a + 1) - (a - 1) * cw + k, 2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - k);
  }
  throw new Error(`unknown filter kind ${kind}`);
}

/** The channel high-pass filter as biquad sections (Butterworth, 12 or 24 dB/octave), as filters.hpf. */
export function hpf(freq, slope, fs) {
  return (BUTTERWORTH_Q[slope] || BUTTERWORTH_Q[12]).map((q) => design("low-cut", freq, 0, q, fs));
}

/** |H(e^jw)| in dB of one section at `freq` Hz. */
export function magnitudeDb([b0, b1, b2, a1, a2], freq, fs) {
  const w = (2 * Math.PI * freq) / fs;
  const c1 = Math.cos(w), s1 = Math.sin(w), c2 = Math.cos(2 * w), s2 = Math.sin(2 * w);
  const nr = b0 + b1 * c1 + b2 * c2, ni = -(b1 * s1 + b2 * s2);
  const dr = 1 + a1 * c1 + a2 * c2, di = -(a1 * s1 + a2 * s2);
  const num = nr * nr + ni * ni, den = dr * dr + di * di;
  return 10 * Math.log10(Math.max(num, 1e-30) / Math.max(den, 1e-30));
}

/** Summed response in dB of a cascade of sections at each frequency. */
export function responseDb(sections, freqs, fs) {
  return freqs.map((f) => sections.reduce((sum, coefs) => sum + magnitudeDb(coefs, f, fs), 0));
}

/** `n` frequencies spaced evenly on a log axis from lo to hi. */
export function logFreqs(n, lo = FREQ_RANGE[0], hi = FREQ_RANGE[1]) {
  const a = Math.log(lo), b = Math.log(hi);
  return Array.from({ length: n }, (_, i) => Math.exp(a + ((b - a) * i) / (n - 1)));
}

/** The bands and HPF of `prefix` (ch/N, bus/B, main) from a state's values. */
export function readEq(values, prefix) {
  const bands = [];
  for (let i = 1; values[`${prefix}/eq/${i}/type`] !== undefined; i++) {
    bands.push({
      type: values[`${prefix}/eq/${i}/type`], freq: values[`${prefix}/eq/${i}/freq`],
      gain: values[`${prefix}/eq/${i}/gain`], q: values[`${prefix}/eq/${i}/q`],
    });
  }
  const hasHpf = values[`${prefix}/hpf/on`] !== undefined;
  return {
    on: values[`${prefix}/eq/on`] !== false,
    bands,
    hpf: hasHpf ? { on: Boolean(values[`${prefix}/hpf/on`]), freq: values[`${prefix}/hpf/freq`],
                    slope: values[`${prefix}/hpf/slope`] } : null,
  };
}

/** Sections of what is switched in: the EQ bands (when the EQ is on) and the HPF (when on). */
export function sectionsOf(eq, fs) {
  const sections = [];
  if (eq.on) for (const b of eq.bands) sections.push(design(b.type, b.freq, b.gain, b.q, fs));
  if (eq.hpf && eq.hpf.on) sections.push(...hpf(eq.hpf.freq, eq.hpf.slope, fs));
  return sections;
}

// Grid lines and labels: where a console's EQ draws them (those inside the axis are drawn).
const GRID_FREQS = [20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000];
const LABEL_FREQS = [50, 100, 200, 500, 1000, 2000, 5000, 10000];
const AUDIO_BAND = FREQ_RANGE; // the axis when no range is given
export const BAND_COLORS = ["#f59e0b", "#22c55e", "#38bdf8", "#e879f9"];

/** A handle's size in CSS pixels, whatever the size the graph is drawn at: what the finger can grab (the
 *  smallest touch target) and the dot it sees. */
const HANDLE_HIT_PX = 44;
const HANDLE_DOT_PX = 20;

/**
 * The EQ graph: grid, the summed curve (EQ + HPF), each band's own curve, and a handle per band that
 * drags frequency (x) and gain (y). `onBand(i, {freq, gain}, done)` is called while dragging.
 * The graph stretches to its box (the curve is drawn in viewBox units), but a handle keeps its size in CSS
 * pixels: it is scaled back by the graph's own scale, measured whenever its box changes.
 * `freqRange` ([lo, hi] Hz, a band frequency's range) is the x axis; `gainRange` (a band gain's range) bounds
 * a drag; `range` (dB above and below 0) is how much of the curve is drawn.
 */
export class EqGraph {
  constructor({ width = 640, height = 240, range = 18, fs = 48000, interactive = true, onBand, onSelect,
                compact = false, label = "EQ curve", freqRange = AUDIO_BAND, gainRange = [-range, range] } = {}) {
    Object.assign(this, { width, height, range, fs, interactive, onBand, onSelect, compact, freqRange, gainRange });
    this.pad = compact ? { l: 0, r: 0, t: 0, b: 0 } : { l: 30, r: 8, t: 8, b: 18 };
    this.freqs = logFreqs(compact ? 48 : 160, ...freqRange);
    this.root = svg("svg", { class: `eq-graph${compact ? " compact" : ""}`, viewBox: `0 0 ${width} ${height}`,
      preserveAspectRatio: "none", role: "img", "aria-label": label });
    this.grid = svg("g", { class: "eq-grid" });
    this.bandCurves = svg("g", { class: "eq-bands" });
    this.fillPath = svg("path", { class: "eq-fill" });
    this.curve = svg("path", { class: "eq-curve" });
    this.handles = svg("g", { class: "eq-handles" });
    this.root.append(this.grid, this.bandCurves, this.fillPath, this.curve, this.handles);
    this.selected = 0;
    this.unitsPerPx = [1, 1];
    this._drawGrid();
    // Read-only too: a viewer's handles keep their size (and their numbers stay readable) on a narrow graph.
    if (!compact && typeof ResizeObserver === "function") {
      new ResizeObserver(() => this._measure()).observe(this.root);
    }
  }

  /** viewBox units per CSS pixel, both ways (the graph is stretched); redraws the handles when it changed. */
  _measure() {
    const rect = this.root.getBoundingClientRect();
    if (!rect.width || !rect.height) return;
    const scale = [this.width / rect.width, this.height / rect.height];
    if (scale.every((v, i) => Math.abs(v - this.unitsPerPx[i]) < 1e-3)) return;
    this.unitsPerPx = scale;
    if (this.eq) this.update(this.eq);
  }

  x(freq) {
    const { l, r } = this.pad;
    const [lo, hi] = this.freqRange;
    return l + ((Math.log(freq) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (this.width - l - r);
  }

  y(db) {
    const { t, b } = this.pad;
    const clamped = Math.max(-this.range, Math.min(this.range, db));
    return t + ((this.range - clamped) / (2 * this.range)) * (this.height - t - b);
  }

  /** The curve's plot area in a box of w × h CSS px (the graph stretched over it): where something drawn behind the
   *  curve (an RTA) meets the same frequency axis. */
  plotArea(w, h) {
    const sx = w / this.width, sy = h / this.height;
    return { x: (f) => this.x(f) * sx, left: this.pad.l * sx, right: (this.width - this.pad.r) * sx,
      top: this.pad.t * sy, bottom: (this.height - this.pad.b) * sy };
  }

  freqAt(x) {
    const { l, r } = this.pad;
    const [lo, hi] = this.freqRange;
    const f = Math.exp(Math.log(lo) + ((x - l) / (this.width - l - r)) * (Math.log(hi) - Math.log(lo)));
    return clamp(f, lo, hi);
  }

  gainAt(y) {
    const { t, b } = this.pad;
    return this.range - ((y - t) / (this.height - t - b)) * 2 * this.range;
  }

  _drawGrid() {
    if (this.compact) {
      this.grid.append(svg("line", { x1: 0, x2: this.width, y1: this.y(0), y2: this.y(0), class: "zero" }));
      return;
    }
    const [lo, hi] = this.freqRange;
    for (const f of GRID_FREQS.filter((g) => g >= lo && g <= hi)) {
      this.grid.append(svg("line", { x1: this.x(f), x2: this.x(f), y1: this.pad.t, y2: this.height - this.pad.b }));
    }
    for (const f of LABEL_FREQS.filter((g) => g > lo && g < hi)) {
      this.grid.append(svg("text", { x: this.x(f), y: this.height - 4, "text-anchor": "middle" },
        formatHz(f).replace(" Hz", "").replace(" kHz", "k")));
    }
    for (let db = -this.range + (this.range % 6); db <= this.range; db += 6) {
      this.grid.append(svg("line", { x1: this.pad.l, x2: this.width - this.pad.r, y1: this.y(db), y2: this.y(db),
        class: db === 0 ? "zero" : "" }));
      this.grid.append(svg("text", { x: this.pad.l - 4, y: this.y(db) + 3, "text-anchor": "end" },
        db > 0 ? `+${db}` : String(db)));
    }
  }

  _path(dbs) {
    return dbs.map((db, i) => `${i ? "L" : "M"}${this.x(this.freqs[i]).toFixed(1)},${this.y(db).toFixed(1)}`).join("");
  }

  /** Redraw for an EQ as readEq returns it. */
  update(eq) {
    this.eq = eq;
    const total = responseDb(sectionsOf(eq, this.fs), this.freqs, this.fs);
    const line = this._path(total);
    this.curve.setAttribute("d", line);
    const [lo, hi] = this.freqRange;
    this.fillPath.setAttribute("d", `${line}L${this.x(hi)},${this.y(0)}L${this.x(lo)},${this.y(0)}Z`);
    this.root.classList.toggle("bypassed", !eq.on);
    this.total = total;
    if (this.compact) return;
    this.bandCurves.replaceChildren();
    this.handles.replaceChildren();
    eq.bands.forEach((band, i) => {
      const own = responseDb([design(band.type, band.freq, band.gain, band.q, this.fs)], this.freqs, this.fs);
      this.bandCurves.append(svg("path", { d: this._path(own), stroke: BAND_COLORS[i % 4],
        class: i === this.selected ? "selected" : "" }));
      const cuts = band.type === "low-cut" || band.type === "high-cut";
      const cx = this.x(band.freq), cy = this.y(cuts ? 0 : band.gain);
      const [ux, uy] = this.unitsPerPx; // inside the handle, one unit is one CSS pixel
      const handle = svg("g", { class: `eq-handle${i === this.selected ? " selected" : ""}`, dataset: { band: String(i + 1) },
        transform: `translate(${cx.toFixed(1)},${cy.toFixed(1)}) scale(${ux.toFixed(4)},${uy.toFixed(4)})` },
      svg("circle", { r: HANDLE_HIT_PX / 2, class: "hit" }),
      svg("circle", { r: HANDLE_DOT_PX / 2, fill: BAND_COLORS[i % 4] }),
      svg("text", { y: 4, "text-anchor": "middle" }, String(i + 1)));
      if (this.interactive) this._draggable(handle, i, cuts);
      this.handles.append(handle);
    });
    if (eq.hpf && eq.hpf.on) {
      const hx = this.x(eq.hpf.freq);
      this.handles.append(svg("g", { class: "eq-hpf-mark", transform: `translate(${hx.toFixed(1)},${this.y(-this.range + 3).toFixed(1)})` },
        svg("text", { "text-anchor": "middle" }, "HPF")));
    }
  }

  select(i) {
    this.selected = i;
    if (this.eq) this.update(this.eq);
  }

  _draggable(handle, i, cuts) {
    // A finger on a handle drags the band, not the page. The graph lets vertical swipes scroll the page
    // (touch-action: pan-y); Chromium does not take a touch-action from SVG content, so the handle says it here.
    handle.addEventListener("touchstart", (e) => e.preventDefault(), { passive: false });
    handle.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      e.stopPropagation();
      const rect = this.root.getBoundingClientRect();
      const sx = this.width / rect.width, sy = this.height / rect.height;
      const band = this.eq.bands[i];
      const start = { x: e.clientX, y: e.clientY, freqX: this.x(band.freq), gainY: this.y(band.gain) };
      let moved = false;
      if (this.selected !== i) { this.select(i); this.onSelect?.(i); }
      const target = this.root;
      try { target.setPointerCapture(e.pointerId); } catch { /* synthetic pointer */ }
      const move = (ev) => {
        if (ev.pointerId !== e.pointerId) return;
        const dx = (ev.clientX - start.x) * sx, dy = (ev.clientY - start.y) * sy;
        if (!moved && Math.hypot(dx, dy) < 4) return;
        moved = true;
        const freq = Number(this.freqAt(start.freqX + dx).toPrecision(3));
        const gain = cuts ? band.gain : Math.round(clamp(this.gainAt(start.gainY + dy), ...this.gainRange) * 10) / 10;
        this.onBand?.(i, { freq, gain }, false);
      };
      const up = (ev) => {
        if (ev.pointerId !== e.pointerId) return;
        target.removeEventListener("pointermove", move);
        target.removeEventListener("pointerup", up);
        target.removeEventListener("pointercancel", up);
        if (moved) this.onBand?.(i, null, true);
      };
      target.addEventListener("pointermove", move);
      target.addEventListener("pointerup", up);
      target.addEventListener("pointercancel", up);
    });
  }
}

/** A small legend line for a band: "Peaking 2.5 kHz +3.0 dB Q 1". */
export function describeBand(band) {
  const kind = band.type.replace("-", " ");
  const gain = band.type.endsWith("cut") ? "" : ` ${formatDb(band.gain, { floor: -Infinity })} dB`;
  return `${kind[0].toUpperCase()}${kind.slice(1)} ${formatHz(band.freq)}${gain}`;
}
