// Faders and sliders for fingers.
//
// A value travels through a Scale: toPos(value) → 0…1 along the track, fromPos(pos) → value, format(value).
// A scale's range is always a parameter's published range (controls.js scaleFor makes it from the spec);
// this module only knows the shapes: the fader taper, linear and logarithmic. The fader taper puts 0 dB at
// three quarters of the travel and spreads the useful −30…+10 dB range over most of it, like a console fader.
//
// Touch rules (no accidental moves):
// - a tap never moves the value: the handle moves by how far the finger travels, from where it was;
// - nothing moves until the finger has travelled a few pixels along the fader (a scroll across it is not
//   a fader move; horizontal faders leave vertical scrolling to the page and vice versa);
// - fine mode (a fifth of the speed) while a second finger rests anywhere, after holding the finger still
//   for half a second, or with the page's Fine toggle.
// - the read-out is not part of the travel: a tap on it asks for a typed value (`onEntry`), a double tap (or
//   double click) puts the default back (`onReset`); Enter and Delete do the same from the keyboard. What is
//   typed and what the default is are the caller's (controls.js): this module only tells the gestures apart.

import { el, formatDb } from "./dom.js";

/** Fader taper: [position, dB] breakpoints, interpolated linearly in between. Its ends are the widest fader
 *  range (fully closed … +10 dB); a narrower range uses the part of the law it covers. */
export const FADER_TAPER = [
  [0, -90], [0.06, -60], [0.15, -40], [0.25, -30], [0.375, -20], [0.5, -10], [0.625, -5], [0.75, 0],
  [0.875, 5], [1, 10],
];
const TAPER_BOTTOM = FADER_TAPER[0][1];
const TAPER_TOP = FADER_TAPER[FADER_TAPER.length - 1][1];

function interpolate(table, x, from, to) {
  if (x <= table[0][from]) return table[0][to];
  for (let i = 1; i < table.length; i++) {
    const [a, b] = [table[i - 1], table[i]];
    if (x <= b[from]) return a[to] + ((x - a[from]) / (b[from] - a[from])) * (b[to] - a[to]);
  }
  return table[table.length - 1][to];
}

const round = (value, step) => Math.round(value / step) * step;
const clamp = (value, lo, hi) => Math.min(hi, Math.max(lo, value));

/** dB → fader position 0…1 (the taper's bottom and below = 0). */
export function dbToPos(db) { return interpolate(FADER_TAPER, clamp(db, TAPER_BOTTOM, TAPER_TOP), 1, 0); }

/** Fader position 0…1 → dB, to 0.1 dB (position 0 = the taper's bottom, closed). */
export function posToDb(pos) {
  const db = interpolate(FADER_TAPER, clamp(pos, 0, 1), 0, 1);
  return db <= TAPER_BOTTOM + 0.05 ? TAPER_BOTTOM : Math.round(db * 10) / 10;
}

/** A fader level in dB from `min` (fully closed, shown as −∞) to `max`, on the fader taper. */
export function faderScale({ min = TAPER_BOTTOM, max = TAPER_TOP } = {}) {
  const lo = dbToPos(min), span = dbToPos(max) - lo;
  return {
    min, max, step: 0.5, fineStep: 0.1, closed: min,
    toPos: (v) => clamp((dbToPos(v) - lo) / span, 0, 1),
    fromPos: (p) => clamp(posToDb(lo + p * span), min, max),
    format: (v) => formatDb(v, { floor: min }),
    unit: "dB",
  };
}

/** A linear range, e.g. trim −24…+24 dB or "more me" 0…+12 dB. */
export function linearScale(min, max, { step = 0.5, fineStep, format, unit = "", detent } = {}) {
  return {
    min, max, step, fineStep: fineStep ?? step / 5, unit, detent,
    toPos: (v) => (clamp(v, min, max) - min) / (max - min),
    fromPos: (p) => {
      const v = round(min + clamp(p, 0, 1) * (max - min), fineStep ?? step / 5);
      return Number(v.toFixed(6));
    },
    format: format || ((v) => `${Number(v.toFixed(1))}${unit ? ` ${unit}` : ""}`),
  };
}

/** A logarithmic range (frequencies, times, ratios). */
export function logScale(min, max, { format, unit = "", digits = 3 } = {}) {
  const lmin = Math.log(min), span = Math.log(max) - lmin;
  const snap = (v) => Number(v.toPrecision(digits));
  return {
    min, max, unit, step: null,
    toPos: (v) => (Math.log(clamp(v, min, max)) - lmin) / span,
    fromPos: (p) => clamp(snap(Math.exp(lmin + clamp(p, 0, 1) * span)), min, max),
    format: format || ((v) => `${snap(v)} ${unit}`),
    stepBy: (v, n) => clamp(snap(v * Math.pow(max / min, n / 200)), min, max),
  };
}

const DEAD_ZONE_PX = 6;
const LONG_PRESS_MS = 500;
const FINE_FACTOR = 0.2;
const fineToggles = new Set();
let fineLatched = false;

/** The page-wide Fine toggle. */
export function setFineLatched(on) {
  fineLatched = Boolean(on);
  for (const fn of fineToggles) fn(fineLatched);
}
export function isFineLatched() { return fineLatched; }
export function onFineChange(fn) { fineToggles.add(fn); return () => fineToggles.delete(fn); }

/** Two taps on a read-out with no key pressed in between (a value typed after the first tap) are a double tap when
 *  the browser counts them so (`click.detail`), or when they are at most this far apart (ms, by the events' own
 *  times) and this close (px), for a browser that does not count taps. */
const DOUBLE_TAP_MS = 400;
const DOUBLE_TAP_PX = 24;
let lastTap = null; // the newest tap on a read-out: {slider, t, x, y}
addEventListener("keydown", () => { lastTap = null; }, true);

/**
 * A fader/slider. Options: label (accessible name), scale, orientation ("horizontal" | "vertical"),
 * value, onInput(value) while moving, onCommit(value) when the finger lifts, onEntry() for a tap on the
 * read-out (or Enter), onReset() for a double tap on it (or Delete), readOnly, className.
 */
export class Slider {
  constructor({ label, scale, orientation = "horizontal", value = 0, onInput, onCommit, onEntry, onReset,
                readOnly = false, className = "", showValue = true, color }) {
    this.scale = scale;
    this.vertical = orientation === "vertical";
    this.onInput = onInput || (() => {});
    this.onCommit = onCommit || (() => {});
    this.onEntry = onEntry || null;
    this.onReset = onReset || null;
    this.readOnly = readOnly;
    this.dragging = false;
    this.value = value;
    this.fill = el("div", { class: "slider-fill" });
    this.thumb = el("div", { class: "slider-thumb" });
    this.track = el("div", { class: "slider-track" }, this.fill, this.thumb);
    if (scale.detent !== undefined) {
      this.track.append(el("div", { class: "slider-detent", style: { "--at": scale.toPos(scale.detent).toFixed(4) } }));
    }
    this.readout = el("output", { class: "slider-value", "aria-hidden": "true" });
    this.root = el("div", {
      class: `slider ${this.vertical ? "vertical" : "horizontal"} ${className}`.trim(),
      role: "slider", tabindex: readOnly ? "-1" : "0", "aria-label": label,
      "aria-orientation": this.vertical ? "vertical" : "horizontal",
      "aria-valuemin": String(scale.min), "aria-valuemax": String(scale.max),
      "aria-readonly": readOnly ? "true" : undefined,
      style: color ? { "--accent": color } : undefined,
    }, this.track, showValue ? this.readout : null);
    if (readOnly) this.root.classList.add("readonly");
    this.root.addEventListener("pointerdown", (e) => this._down(e));
    this.root.addEventListener("keydown", (e) => this._key(e));
    this.root.addEventListener("contextmenu", (e) => e.preventDefault());
    this._readoutGestures();
    this.setValue(value);
  }

  /** Whether the read-out takes a typed value and a reset (not on a read-only control). */
  get editable() { return !this.readOnly && Boolean(this.onEntry || this.onReset); }

  /** Taps on the read-out (wherever a view puts it): never a drag; one asks for a value, two reset. */
  _readoutGestures() {
    this.readout.addEventListener("pointerdown", (e) => {
      if (this.editable) e.stopPropagation(); // not the start of a drag
    });
    this.readout.addEventListener("click", (e) => {
      if (!this.editable) return;
      e.stopPropagation();
      const last = lastTap && lastTap.slider === this ? lastTap : null; // a key since: a new first tap
      const near = last && e.timeStamp - last.t <= DOUBLE_TAP_MS
        && Math.hypot(e.clientX - last.x, e.clientY - last.y) <= DOUBLE_TAP_PX;
      const double = Boolean(last) && (near || e.detail >= 2);
      lastTap = double ? null : { slider: this, t: e.timeStamp, x: e.clientX, y: e.clientY };
      if (double) this.onReset?.();
      else this.onEntry?.();
    });
    this._markEditable();
  }

  _markEditable() {
    this.readout.classList.toggle("editable", this.editable);
    this.readout.title = this.editable ? "Tap to type a value · double-tap for the default" : "";
    if (this.editable) this.root.setAttribute("aria-keyshortcuts", "Enter Delete");
    else this.root.removeAttribute("aria-keyshortcuts");
  }

  /** Show a value (from the server); ignored while a finger is on the fader. */
  setValue(value, force = false) {
    if (this.dragging && !force) return;
    this.value = value;
    this._render();
  }

  setReadOnly(readOnly) {
    this.readOnly = readOnly;
    this.root.classList.toggle("readonly", readOnly);
    this.root.setAttribute("tabindex", readOnly ? "-1" : "0");
    if (readOnly) this.root.setAttribute("aria-readonly", "true");
    else this.root.removeAttribute("aria-readonly");
    this._markEditable();
  }

  /** Sets what a tap and a double tap on the read-out do (see the constructor). */
  setEntry({ onEntry = this.onEntry, onReset = this.onReset } = {}) {
    this.onEntry = onEntry;
    this.onReset = onReset;
    this._markEditable();
  }

  _render() {
    // Position as a CSS variable: the stylesheet places fill and thumb so the thumb stays on the track.
    this.root.style.setProperty("--pos", this.scale.toPos(this.value).toFixed(4));
    const text = this.scale.format(this.value);
    this.readout.textContent = text;
    this.root.setAttribute("aria-valuenow", String(this.value));
    this.root.setAttribute("aria-valuetext", text);
  }

  /** Travel of the thumb in pixels: the handle follows the finger one to one. */
  _length() {
    const rect = this.track.getBoundingClientRect();
    const thumb = this.thumb.getBoundingClientRect();
    return Math.max(40, this.vertical ? rect.height - thumb.height : rect.width - thumb.width);
  }

  _coord(e) { return this.vertical ? -e.clientY : e.clientX; }

  _down(e) {
    if (this.readOnly || (e.pointerType === "mouse" && e.button !== 0)) return;
    if (this.dragging) return; // a second finger on the same fader: handled by the window listener
    e.preventDefault();
    try { this.root.setPointerCapture(e.pointerId); } catch { /* synthetic pointer */ }
    const drag = {
      id: e.pointerId, x0: e.clientX, y0: e.clientY, start: this._coord(e), pos0: this.scale.toPos(this.value),
      moving: false, fine: fineLatched, held: false, others: 0,
    };
    this._drag = drag;
    this.dragging = true;
    this.root.classList.add("active");
    drag.longPress = setTimeout(() => {
      if (!drag.moving) { drag.held = true; this._setFine(drag, true); navigator.vibrate?.(10); }
    }, LONG_PRESS_MS);
    const move = (ev) => this._move(ev);
    const up = (ev) => this._up(ev);
    const other = (ev) => {
      if (ev.pointerId === drag.id) return;
      drag.others += 1;
      this._setFine(drag, true);
    };
    const otherUp = (ev) => {
      if (ev.pointerId === drag.id) return;
      drag.others = Math.max(0, drag.others - 1);
      if (!drag.others && !drag.held && !fineLatched) this._setFine(drag, false);
    };
    drag.cleanup = () => {
      clearTimeout(drag.longPress);
      this.root.removeEventListener("pointermove", move);
      this.root.removeEventListener("pointerup", up);
      this.root.removeEventListener("pointercancel", up);
      window.removeEventListener("pointerdown", other, true);
      window.removeEventListener("pointerup", otherUp, true);
      window.removeEventListener("pointercancel", otherUp, true);
    };
    this.root.addEventListener("pointermove", move);
    this.root.addEventListener("pointerup", up);
    this.root.addEventListener("pointercancel", up);
    window.addEventListener("pointerdown", other, true);
    window.addEventListener("pointerup", otherUp, true);
    window.addEventListener("pointercancel", otherUp, true);
    this._setFine(drag, drag.fine);
  }

  _setFine(drag, fine) {
    if (drag.fine !== fine) {
      // Re-anchor so switching speed never makes the value jump.
      drag.pos0 = this.scale.toPos(this.value);
      drag.start = drag.last ?? drag.start;
      drag.fine = fine;
    }
    this.root.classList.toggle("fine", fine);
  }

  _move(e) {
    const drag = this._drag;
    if (!drag || e.pointerId !== drag.id) return;
    const coord = this._coord(e);
    drag.last = coord;
    if (!drag.moving) {
      const along = Math.abs(coord - drag.start);
      const across = Math.abs(this.vertical ? e.clientX - drag.x0 : e.clientY - drag.y0);
      if (across >= DEAD_ZONE_PX && across > along) { this._end(false); return; } // a scroll across it
      if (along < DEAD_ZONE_PX) return;
      drag.moving = true;
      clearTimeout(drag.longPress);
      drag.start = coord; // start from here: the dead zone is not added to the move
      drag.pos0 = this.scale.toPos(this.value);
    }
    const delta = (coord - drag.start) / this._length() * (drag.fine ? FINE_FACTOR : 1);
    const value = this.scale.fromPos(drag.pos0 + delta);
    if (value !== this.value) {
      this.value = value;
      this._render();
      this.onInput(value);
    }
  }

  _up(e) {
    if (!this._drag || e.pointerId !== this._drag.id) return;
    this._end(this._drag.moving);
  }

  _end(moved) {
    const drag = this._drag;
    if (!drag) return;
    drag.cleanup();
    this._drag = null;
    this.dragging = false;
    this.root.classList.remove("active", "fine");
    if (moved) this.onCommit(this.value);
  }

  _key(e) {
    if (this.readOnly) return;
    const s = this.scale;
    const sign = { ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1, PageUp: 10, PageDown: -10 }[e.key];
    let value;
    if (e.key === "Enter" && this.onEntry) { e.preventDefault(); this.onEntry(); return; }
    if ((e.key === "Delete" || e.key === "Backspace") && this.onReset) { e.preventDefault(); this.onReset(); return; }
    if (sign !== undefined) {
      if (s.stepBy) value = s.stepBy(this.value, sign * (e.shiftKey ? 1 : 5));
      else if (s.closed !== undefined && this.value <= s.closed && sign > 0) value = s.fromPos(0.02); // out of −∞
      else value = Math.min(s.max, Math.max(s.min, round(this.value + sign * (e.shiftKey ? s.fineStep : s.step), s.fineStep)));
      value = Number(value.toFixed(4));
    } else if (e.key === "Home") value = s.min;
    else if (e.key === "End") value = s.max;
    else return;
    e.preventDefault();
    if (value === this.value) return;
    this.value = value;
    this._render();
    this.onCommit(value);
  }
}

/** An on/off button (mute, "me", HPF in…) with aria-pressed. */
export class Toggle {
  constructor({ label, text, value = false, onChange, readOnly = false, className = "", title }) {
    this.value = value;
    this.onChange = onChange || (() => {});
    this.readOnly = readOnly;
    this.root = el("button", {
      type: "button", class: `toggle ${className}`.trim(), "aria-label": label, title: title || label,
      "aria-pressed": "false", disabled: readOnly,
    }, text ?? label);
    this.root.addEventListener("click", () => {
      if (this.readOnly) return;
      this.setValue(!this.value);
      this.onChange(this.value);
    });
    this.setValue(value);
  }

  setValue(value) {
    this.value = Boolean(value);
    this.root.setAttribute("aria-pressed", String(this.value));
    this.root.classList.toggle("on", this.value);
  }

  setReadOnly(readOnly) {
    this.readOnly = readOnly;
    this.root.disabled = readOnly;
  }
}
