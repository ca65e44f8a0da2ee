// Controls made from the parameter specs (GET /params, held in the store: kind, unit, range, default, choices):
// a slider with the right scale for a dB level, a frequency, a time or a ratio; a toggle for a switch; a select
// for a choice. Views pick the address and the label (and may word a value their way); the range, the taper,
// the default and the choices come from the mixer itself.
//
// Every slider also takes a typed value and a reset: a tap on its read-out (or Enter) opens a small form that
// reads the value in the control's unit ("-6.5", "100 Hz", "1.2k", "350 ms", "L30", "4:1") and checks it
// against the spec's range before anything is sent; a double tap on the read-out (or Delete) sets the spec's
// default. Either is one write of the exact value, an undo step of its own.

import { el, formatDb, formatHz, formatMs, formatPan, icon } from "./dom.js";
import { Slider, Toggle, faderScale, linearScale, logScale } from "./fader.js";
import { ICONS } from "./icons.js";
import { store } from "./store.js";

const dbText = (v) => `${formatDb(v, { floor: -Infinity })} dB`;

/** The Scale for a parameter spec: its range is the spec's; its taper follows the unit (a level whose bottom
 *  closes it: the fader taper; frequencies, times, ratios and Q: logarithmic; the rest linear). `format`
 *  words the value another way (the range stays the spec's). */
export function scaleFor(spec, { format } = {}) {
  const scale = shapeFor(spec);
  return format ? { ...scale, format } : scale;
}

function shapeFor(spec) {
  if (!spec) return linearScale(0, 1);
  const { min, max, unit } = spec;
  // A stereo position (pan, balance): the only percentages that go below zero.
  if (unit === "%" && min < 0) return linearScale(min, max, { step: 5, fineStep: 1, format: formatPan, detent: 0 });
  if (unit === "%") return linearScale(min, max, { step: 1, fineStep: 1, format: (v) => `${Math.round(v)} %`, unit: "%" });
  if (unit === "dB" && spec.note && spec.note.includes("closed")) return faderScale({ min, max });
  if (unit === "dB") {
    return linearScale(min, max, { step: 0.5, fineStep: 0.1, unit: "dB", detent: min < 0 && max > 0 ? 0 : undefined,
      format: dbText });
  }
  // A rate that starts at 0 (a generator's modulation: 0 = a steady tone) cannot be logarithmic.
  if (unit === "Hz" && min <= 0) {
    return linearScale(min, max, { step: 0.5, fineStep: 0.1, unit: "Hz",
      format: (v) => (v <= 0 ? "steady" : `${Number(v.toFixed(1))} Hz`) });
  }
  if (unit === "Hz") return logScale(min, max, { format: formatHz, unit: "Hz" });
  if (unit === "ms") {
    return min > 0 ? logScale(min, max, { format: formatMs, unit: "ms", digits: 2 })
      : linearScale(min, max, { step: Math.max(1, (max - min) / 200), fineStep: 1, format: formatMs, unit: "ms" });
  }
  if (unit === "ratio") return logScale(min, max, { format: (v) => `${Number(v.toPrecision(2))}:1`, digits: 2 });
  if (unit === "Q") return logScale(min, max, { format: (v) => `Q ${Number(v.toPrecision(2))}`, digits: 2 });
  return linearScale(min, max, { step: (max - min) / 100, format: (v) => `${Number(v.toPrecision(3))} ${unit}` });
}

/** A labelled slider bound to `address`: `<div class="field"><label>…</label><slider></div>`. */
export function paramSlider(ctx, binder, address, { label, format, orientation = "horizontal", className = "",
                                                   bare = false, color } = {}) {
  const spec = store.spec(address);
  const name = label || (spec ? spec.description : address);
  const slider = new Slider({ label: ariaLabel(ctx, address, name), scale: scaleFor(spec, { format }),
    orientation, className, value: ctx.conn.get(address) ?? 0, color });
  binder.slider(address, slider);
  if (spec && spec.kind === "number" && spec.min !== undefined && spec.max !== undefined) {
    const what = ariaLabel(ctx, address, name);
    slider.setEntry({
      onEntry: () => openValueEntry(slider, { name: what, spec, write: (value) => binder.write(address, value, { step: true }) }),
      onReset: () => { closeValueEntry(); binder.write(address, spec.default, { step: true }); },
    });
  }
  if (bare) return slider;
  const field = el("div", { class: `field ${orientation}` }, el("span", { class: "field-label" }, name), slider.root);
  field.slider = slider;
  return field;
}

// -- typed values ----------------------------------------------------------------------------------

/** What a suffix typed after a number multiplies it by, per unit ("1.2k" Hz, "1.5 s" in ms). */
const SUFFIXES = {
  dB: { "": 1, db: 1, dbfs: 1 }, Hz: { "": 1, hz: 1, k: 1000, khz: 1000 }, ms: { "": 1, ms: 1, s: 1000 },
  "%": { "": 1, "%": 1 }, ratio: { "": 1, ":1": 1 }, Q: { "": 1 },
};
/** Words for a level's or a rate's bottom: a closed fader (−∞), "more me" off, a steady tone. */
const OFF_WORDS = /^(-?∞|-?inf|-?infinity|off|closed|steady|none)$/;

/** How a value of `spec` (a number with a range) is typed and read back: `parse(text)` → the number (NaN when
 *  the text is not one), `text(value)` for the field, `show(value)` in a message ("100 Hz", "L30", "−6 dB"),
 *  `range` the allowed values in words ("20 … 400 Hz"). */
export function typing(spec) {
  const { unit, min, max } = spec;
  const pan = unit === "%" && min < 0;
  const closes = unit === "dB" && Boolean(spec.note && spec.note.includes("closed"));
  const offValue = closes ? min : min === 0 && (unit === "dB" || unit === "Hz") ? 0 : undefined;
  const num = (v) => String(Number(Number(v).toPrecision(6)));
  const signed = (v) => (v > 0 ? `+${num(v)}` : num(v).replace("-", "−"));
  const show = (v) => {
    if (pan) return v === 0 ? "C" : `${v < 0 ? "L" : "R"}${num(Math.abs(v))}`;
    if (closes && v <= min) return "−∞ (off)";
    if (unit === "dB") return `${signed(v)} dB`;
    if (unit === "ratio") return `${num(v)}:1`;
    if (unit === "Q") return `Q ${num(v)}`;
    return `${num(v).replace("-", "−")} ${unit}`;
  };
  const range = pan ? `${show(min)} … ${show(max)}`
    : unit === "dB" ? `${signed(min)}${closes ? " (off)" : ""} … ${signed(max)} dB`
      : unit === "ratio" || unit === "Q" ? `${show(min)} … ${show(max)}`
        : `${num(min).replace("-", "−")} … ${num(max).replace("-", "−")} ${unit}`;
  const text = (v) => {
    if (pan) return show(v);
    if (closes && v <= min) return "-inf";
    return num(v);
  };
  const parse = (typed) => {
    let t = String(typed).trim().toLowerCase().replace(/[\u2212\u2013\u2014]/g, "-").replace(/,/g, ".")
      .replace(/\s+/g, "");
    if (offValue !== undefined && OFF_WORDS.test(t)) return offValue;
    if (pan) {
      if (/^(c|center|centre|mid)$/.test(t)) return 0;
      const lead = /^([lr])(\d+\.?\d*|\.\d+)$/.exec(t), trail = /^(\d+\.?\d*|\.\d+)([lr])$/.exec(t);
      if (lead) return (lead[1] === "l" ? -1 : 1) * Number(lead[2]);
      if (trail) return (trail[2] === "l" ? -1 : 1) * Number(trail[1]);
    }
    if (unit === "Q") t = t.replace(/^q/, "");
    const m = /^([+-]?(?:\d+\.?\d*|\.\d+))([a-z%:]*1?)$/.exec(t);
    if (!m) return NaN;
    const factor = (SUFFIXES[unit] || { "": 1, [String(unit).toLowerCase()]: 1 })[m[2]];
    return factor === undefined ? NaN : Number(m[1]) * factor;
  };
  return { parse, text, show, range };
}

let openEntry = null; // the typed entry on the page (one at a time): { close }
let entries = 0;

/** Closes the typed entry if one is open (nothing is written). */
export function closeValueEntry() {
  openEntry?.close();
}

/** A small form by `slider`'s read-out to type its value: the value now, the allowed range, Set (or Enter), the
 *  default, Cancel (or Escape, or a tap elsewhere). A value that is not a number or out of the range is
 *  refused there and nothing is written; an accepted one goes to `write(value)`. */
export function openValueEntry(slider, { name, spec, write }) {
  closeValueEntry();
  const { parse, text, show, range } = typing(spec);
  const id = `value-entry-${++entries}`;
  const input = el("input", { type: "text", id, class: "value-entry-input", value: text(slider.value), autocomplete: "off",
    autocapitalize: "off", spellcheck: "false", enterkeyhint: "done", "aria-describedby": `${id}-range ${id}-error` });
  const error = el("p", { class: "value-entry-error", id: `${id}-error`, role: "alert" });
  const set = el("button", { type: "submit", class: "btn primary" }, "Set");
  const byDefault = el("button", { type: "button", class: "btn value-entry-default" }, `Default ${show(spec.default)}`);
  const cancel = el("button", { type: "button", class: "icon-btn", "aria-label": "Cancel", title: "Cancel" }, icon(ICONS.close));
  const form = el("form", { class: "value-entry-form", novalidate: true }, input, set);
  const box = el("div", { class: "value-entry", role: "dialog", "aria-label": `Type a value: ${name}` },
    el("div", { class: "value-entry-head" }, el("label", { for: id, class: "value-entry-name" }, name), cancel),
    form, el("p", { class: "value-entry-range", id: `${id}-range` }, `Allowed: ${range}`), error, byDefault);

  const place = () => {
    if (!slider.root.isConnected) { close(); return; }
    // By the read-out, never over it (a second tap on it is a double tap: the default).
    const anchor = slider.readout.isConnected && slider.readout.getClientRects().length ? slider.readout : slider.root;
    const r = anchor.getBoundingClientRect();
    const vw = document.documentElement.clientWidth, vh = window.innerHeight;
    const w = box.offsetWidth, h = box.offsetHeight;
    let top = r.bottom + 6;
    if (top + h > vh - 8 && r.top - 6 - h >= 8) top = r.top - 6 - h;
    box.style.top = `${Math.max(8, Math.min(top, vh - h - 8))}px`;
    box.style.left = `${Math.max(8, Math.min(r.right - w, vw - w - 8))}px`;
  };
  const outside = (e) => { if (!box.contains(e.target)) close(); };
  const back = () => { close(); slider.root.focus({ preventScroll: true }); }; // the keyboard goes on from the control
  const onKey = (e) => {
    if (e.key !== "Escape") return;
    e.preventDefault();
    back();
  };
  function close() {
    if (openEntry !== entry) return;
    openEntry = null;
    box.remove();
    window.removeEventListener("scroll", place, true);
    window.removeEventListener("resize", place);
    window.removeEventListener("hashchange", close);
    document.removeEventListener("pointerdown", outside, true);
  }
  const entry = { close };
  openEntry = entry;

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = parse(input.value);
    if (!Number.isFinite(value)) {
      error.textContent = `“${input.value.trim()}” is not a value. Type one from ${range}.`;
    } else if (value < spec.min || value > spec.max) {
      error.textContent = `${show(value)} is out of range. Type one from ${range}.`;
    } else {
      back();
      write(value);
      return;
    }
    input.select();
  });
  input.addEventListener("input", () => { error.textContent = ""; });
  byDefault.addEventListener("click", () => { back(); write(spec.default); });
  cancel.addEventListener("click", back);
  box.addEventListener("keydown", onKey);
  document.body.append(box);
  place();
  window.addEventListener("scroll", place, true);
  window.addEventListener("resize", place);
  window.addEventListener("hashchange", close);
  document.addEventListener("pointerdown", outside, true);
  input.focus({ preventScroll: true });
  input.select();
  return entry;
}

/** A toggle button bound to `address`; its accessible name contains the text it shows ("On: Kick in my mix"). */
export function paramToggle(ctx, binder, address, { label, text, className = "" } = {}) {
  const shown = text ?? label;
  const toggle = new Toggle({ label: nameWithText(shown, ariaLabel(ctx, address, label || address)), text: shown,
    value: ctx.conn.get(address), className });
  binder.toggle(address, toggle);
  return toggle;
}

/** A select bound to `address`: one option per choice of its spec, worded by `labels` (value → text; else
 *  the value, with its unit for a number). */
export function paramSelect(ctx, binder, address, { label, labels = {} } = {}) {
  const spec = store.spec(address);
  const numeric = spec && spec.kind === "number";
  const text = (c) => labels[c] ?? (numeric ? `${c} ${spec.unit}` : String(c));
  const select = el("select", { "aria-label": ariaLabel(ctx, address, label || address) },
    (spec && spec.choices ? spec.choices : []).map((c) => el("option", { value: String(c) }, text(c))));
  binder.select(address, select, numeric ? Number : (v) => v);
  return el("label", { class: "field select" }, el("span", { class: "field-label" }, label), select);
}

/** An accessible name that holds the visible text `text` (WCAG 2.5.3, label in name: a voice user says what
 *  they see): `name` when it already has it as words, else "text: name" ("On: Kick in my mix"). */
export function nameWithText(text, name) {
  const shown = (text || "").trim();
  if (!shown) return name;
  const words = (s) => ` ${s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;
  return words(name).includes(words(shown)) ? name : `${shown}: ${name}`;
}

/** "Kick: send level to Drummer" style accessible names: the owner's name and what the control is. */
export function ariaLabel(ctx, address, what) {
  const owner = ownerName(ctx.conn.values, address);
  return owner ? `${owner} ${what}` : what;
}

/** Display name of the channel/bus/group an address belongs to ("Kick", "Drummer", "Main", "Generator 2",
 *  "Talk A"). */
export function ownerName(values, address) {
  const talk = /^talkback\/(\d+)\//.exec(address);
  if (talk) return values[`talkback/${talk[1]}/name`] || `Talk ${talk[1]}`;
  const m = /^(ch|bus|dca|mutegroup|gen)\/(\d+)\//.exec(address);
  if (m) return values[`${m[1]}/${m[2]}/name`] || `${m[1] === "gen" ? "Generator" : m[1]} ${m[2]}`;
  if (address.startsWith("main/")) return "Main";
  return "";
}

/** A readable line for an address: "Kick · send to Drummer · level". */
export function describeAddress(values, address) {
  const parts = address.split("/");
  const out = [];
  let i = 0;
  if (parts[0] === "ch" || parts[0] === "bus" || parts[0] === "dca" || parts[0] === "mutegroup" || parts[0] === "gen") {
    out.push(values[`${parts[0]}/${parts[1]}/name`] || `${parts[0]} ${parts[1]}`);
    i = 2;
  } else if (parts[0] === "main") {
    out.push("Main");
    i = 1;
  } else if (parts[0] === "talkback") {
    // "Talk A · talking", "Talk A · talks to Drummer", "Talkback · mic"
    const button = /^\d+$/.test(parts[1] || "");
    out.push(button ? values[`talkback/${parts[1]}/name`] || `Talk ${parts[1]}` : "Talkback");
    i = button ? 2 : 1;
    if (parts[i] === "to") {
      const to = parts[i + 1];
      out.push(`talks to ${to === "main" ? "Main" : values[`bus/${to}/name`] || `bus ${to}`}`);
      return out.join(" · ");
    }
  }
  if (parts[i] === "send" || parts[i] === "return") {
    const target = parts[i + 1] === "main" ? "Main" : values[`bus/${parts[i + 1]}/name`] || `bus ${parts[i + 1]}`;
    out.push(`${parts[i] === "send" ? "send to" : "return to"} ${target}`);
    i += 2;
  }
  const leaf = parts.slice(i);
  const words = { moreme: "more me", dyn: "comp", hpf: "HPF", eq: "EQ", mod: "modulation",
    on: parts[0] === "talkback" ? "talking" : "on", source: "mic", talk: "talking to the engineer" };
  if (leaf[0] === "eq" && /^\d+$/.test(leaf[1] || "")) leaf.splice(0, 2, `EQ band ${leaf[1]}`);
  if (leaf.length) out.push(leaf.map((w) => words[w] || w).join(" "));
  return out.join(" · ");
}

/** A value for lists and readouts, given its address. */
export function formatValue(address, value) {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "string") return value;
  if (/\/(fader|level)$/.test(address)) return `${formatDb(value)} dB`.replace("−∞ dB", "−∞");
  if (/\/(pan|balance)$/.test(address)) return formatPan(value);
  if (/freq|highcut$/.test(address)) return formatHz(value);
  if (/(attack|release|hold|time|predelay)$/.test(address)) return formatMs(value);
  if (/(gain|trim|threshold|makeup|range|moreme)$/.test(address)) return `${formatDb(value, { floor: -Infinity })} dB`;
  return String(Number(Number(value).toPrecision(4)));
}
