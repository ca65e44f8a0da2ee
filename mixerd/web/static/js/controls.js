// Controls made from the parameter specs (GET /params, held in the store: kind, unit, range, choices): a
// slider with the right scale for a dB level, a frequency, a time or a ratio; a toggle for a switch; a select
// for a choice. Views pick the address and the label (and may word a value their way); the range, the taper
// and the choices come from the mixer itself.

import { el, formatDb, formatHz, formatMs, formatPan } from "./dom.js";
import { Slider, Toggle, faderScale, linearScale, logScale } from "./fader.js";
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
  if (unit === "Hz") return logScale(Math.max(min, 1), max, { format: formatHz, unit: "Hz" });
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
  if (bare) return slider;
  const field = el("div", { class: `field ${orientation}` }, el("span", { class: "field-label" }, name), slider.root);
  field.slider = slider;
  return field;
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

/** Display name of the channel/bus an address belongs to ("Kick", "Drummer", "Main"). */
export function ownerName(values, address) {
  const m = /^(ch|bus|dca|mutegroup)\/(\d+)\//.exec(address);
  if (m) return values[`${m[1]}/${m[2]}/name`] || `${m[1]} ${m[2]}`;
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
  }
  if (parts[i] === "send" || parts[i] === "return") {
    const target = parts[i + 1] === "main" ? "Main" : values[`bus/${parts[i + 1]}/name`] || `bus ${parts[i + 1]}`;
    out.push(`${parts[i] === "send" ? "send to" : "return to"} ${target}`);
    i += 2;
  }
  const leaf = parts.slice(i);
  const words = { moreme: "more me", dyn: "comp", hpf: "HPF", eq: "EQ", mod: "modulation", on: "on" };
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
