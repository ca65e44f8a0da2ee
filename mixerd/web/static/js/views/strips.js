// Console strips: a channel (input meter, trim, HPF/EQ/dynamics at a glance, pan, mute/solo, fader with
// the post-fader meter), a bus (meter, limiter, mute/solo, fader) and the main (meters, loudness, limiter,
// fader).
// Tapping a strip's name (or its EQ/dynamics blocks) opens it in the editor below.

import { el, formatDb, formatHz, icon } from "../dom.js";
import { ICONS } from "../icons.js";
import { EqGraph, readEq } from "../eq.js";
import { paramSlider, paramToggle } from "../controls.js";
import { store } from "../store.js";

function nameButton(ctx, binder, prefix, onSelect, fallback) {
  const button = el("button", { type: "button", class: "strip-name", "aria-label": `Edit ${fallback}` });
  if (ctx.conn.has(`${prefix}/name`)) {
    binder.watch(`${prefix}/name`, (name) => {
      button.textContent = name;
      button.setAttribute("aria-label", `Edit ${name}`);
    });
  } else button.textContent = fallback;
  button.addEventListener("click", () => onSelect(prefix));
  return button;
}

function faderBlock(ctx, binder, prefix, points, label) {
  const fader = paramSlider(ctx, binder, `${prefix}/fader`, { label, orientation: "vertical", bare: true,
    className: "strip-fader" });
  const block = el("div", { class: "fader-block" }, fader.root,
    el("div", { class: "fader-meters" }, points.map(([point, lane, what]) =>
      ctx.meters.meter(point, { lane, orientation: "vertical", label: what }).root)));
  return block;
}

export function channelStrip(ctx, binder, n, onSelect) {
  const { meters } = ctx;
  const P = `ch/${n}`;
  const strip = el("div", { class: "strip channel", dataset: { address: P } });
  binder.watch(`${P}/color`, (c) => strip.style.setProperty("--strip-color", c));
  binder.watch(`${P}/mute`, (m) => strip.classList.toggle("muted", Boolean(m)));

  const input = meters.meter(`${P}/input`, { orientation: "horizontal", label: "input level", className: "strip-input-meter" });
  const trim = el("span", { class: "strip-trim" });
  binder.watch(`${P}/trim`, (v) => { trim.textContent = `${formatDb(v, { floor: -Infinity })} dB`; });

  const pan = paramSlider(ctx, binder, `${P}/pan`, { label: "pan", bare: true, className: "strip-pan" });
  const mute = paramToggle(ctx, binder, `${P}/mute`, { label: "mute", text: "Mute", className: "mute" });
  const solo = paramToggle(ctx, binder, `${P}/solo`, { label: "solo", text: "Solo", className: "solo" });
  binder.watch(`${P}/solo`, (on) => strip.classList.toggle("soloed", Boolean(on)));
  // A musician talking to the engineer through this channel (ch/N/talk, from their My mix): on the engineer's phones.
  const talking = el("span", { class: "badge talk-badge strip-talk", role: "status", hidden: true },
    icon(ICONS.mic), "Talking to you");
  binder.watch(`${P}/talk`, (on) => { talking.hidden = !on; strip.classList.toggle("talking", Boolean(on)); });
  const flow = el("a", { class: "strip-flow", href: `#/flow/ch/${n}`, "aria-label": "Signal flow", title: "Signal flow" },
    icon(ICONS.flow));

  strip.append(
    nameButton(ctx, binder, P, onSelect, `Channel ${n}`), talking,
    el("div", { class: "strip-input" }, input.root, trim),
    hpfBlock(ctx, binder, P, onSelect), eqBlock(ctx, binder, P, onSelect), dynamicsBlock(ctx, binder, P, onSelect),
    pan.root, el("div", { class: "strip-buttons" }, mute.root, solo.root),
    faderBlock(ctx, binder, P, [[`${P}/post`, 0, "post-fader level"]], "fader"),
    el("div", { class: "strip-foot" }, el("span", { class: "strip-number" }, String(n)), flow),
  );
  return strip;
}

/** The high-pass at a glance (in or out, its frequency); a tap opens the editor's input section. Its name
 *  starts with what it shows ("HPF 80: high-pass filter settings"). */
function hpfBlock({ conn }, binder, P, onSelect) {
  const hpf = el("button", { type: "button", class: "strip-block hpf" });
  const hpfText = el("span", {});
  hpf.append(el("b", {}, "HPF"), " ", hpfText);
  const showHpf = () => {
    const on = Boolean(conn.get(`${P}/hpf/on`));
    hpf.classList.toggle("on", on);
    hpfText.textContent = formatHz(conn.get(`${P}/hpf/freq`)).replace(" Hz", "");
    hpf.setAttribute("aria-label", `HPF ${hpfText.textContent}: high-pass filter settings (${on ? "in" : "out"})`);
  };
  binder.watch(`${P}/hpf/on`, showHpf);
  binder.watch(`${P}/hpf/freq`, showHpf);
  hpf.addEventListener("click", () => onSelect(P, "input"));
  return hpf;
}

/** The EQ curve in small (redrawn at most once a frame); a tap opens the editor's EQ. */
function eqBlock({ conn }, binder, P, onSelect) {
  const graph = new EqGraph({ width: 80, height: 34, range: 15, fs: store.fs, compact: true, interactive: false,
    freqRange: store.range(`${P}/eq/1/freq`), label: "EQ curve" });
  const eq = el("button", { type: "button", class: "strip-block eq", "aria-label": "EQ settings" }, graph.root);
  let pending = false;
  const redraw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const data = readEq(conn.values, P);
      graph.update(data);
      eq.classList.toggle("on", data.on);
    });
  };
  for (const key of Object.keys(conn.values)) {
    if (key.startsWith(`${P}/eq/`) || key.startsWith(`${P}/hpf/`)) binder.watch(key, redraw);
  }
  eq.addEventListener("click", () => onSelect(P, "eq"));
  return eq;
}

/** The compressor's gain reduction, lit while the gate or the compressor is in; a tap opens the dynamics. */
function dynamicsBlock({ conn, meters }, binder, P, onSelect) {
  const gr = meters.gr(`${P}/inserts`, "dyn_gr", { label: "Comp", range: 20 });
  const dyn = el("button", { type: "button", class: "strip-block dyn", "aria-label": "Comp: dynamics settings" }, gr.root);
  const showDyn = () => {
    const gate = conn.get(`${P}/gate/on`), comp = conn.get(`${P}/dyn/on`);
    dyn.classList.toggle("on", Boolean(gate || comp));
    dyn.dataset.gate = String(Boolean(gate));
  };
  binder.watch(`${P}/gate/on`, showDyn);
  binder.watch(`${P}/dyn/on`, showDyn);
  dyn.addEventListener("click", () => onSelect(P, "dynamics"));
  return dyn;
}

export function busStrip(ctx, binder, b, onSelect) {
  const { conn, meters } = ctx;
  const P = `bus/${b}`;
  const fx = conn.has(`${P}/fx/type`);
  const strip = el("div", { class: `strip bus${fx ? " fx" : ""}`, dataset: { address: P } });
  binder.watch(`${P}/color`, (c) => strip.style.setProperty("--strip-color", c));
  binder.watch(`${P}/mute`, (m) => strip.classList.toggle("muted", Boolean(m)));
  const group = conn.has(`${P}/main`);  // a group bus: assigned channels, summed into the main
  const kind = el("span", { class: "strip-kind" }, fx ? "FX" : group ? "Group" : "Mix");
  if (fx) binder.watch(`${P}/fx/type`, (t) => { kind.title = `Effect: ${t}`; });
  const width = store.layout?.buses?.[b - 1]?.width || (conn.has(`${P}/balance`) ? 2 : 1);
  const lanes = Array.from({ length: width }, (_, lane) => [P, lane, `output level${width === 2 ? (lane ? " right" : " left") : ""}`]);
  const limiter = meters.gr(P, "limiter_gr", { label: "Lim", range: 12 });
  if (conn.has(`${P}/limiter/on`)) binder.watch(`${P}/limiter/on`, (on) => limiter.root.classList.toggle("off", !on));
  const mute = paramToggle(ctx, binder, `${P}/mute`, { label: "mute", text: "Mute", className: "mute" });
  // Soloing a mix puts what the musician hears on the engineer's phones.
  const solo = paramToggle(ctx, binder, `${P}/solo`, { label: "solo", text: "Solo", className: "solo" });
  binder.watch(`${P}/solo`, (on) => strip.classList.toggle("soloed", Boolean(on)));
  const open = el("a", { class: "strip-open", href: `#/mix/${b}` }, "My mix view");
  const toMain = group ? paramToggle(ctx, binder, `${P}/main`, { label: "to main", text: "Main" }).root : null;
  strip.append(nameButton(ctx, binder, P, onSelect, `Bus ${b}`), kind, limiter.root,
    fx ? el("div", { class: "strip-spacer" }) : group ? toMain : open, el("div", { class: "strip-buttons" }, mute.root, solo.root),
    faderBlock(ctx, binder, P, lanes, "fader"), el("div", { class: "strip-foot" }, el("span", { class: "strip-number" }, `B${b}`)));
  return strip;
}

export function mainStrip(ctx, binder, onSelect) {
  const { meters } = ctx;
  const strip = el("div", { class: "strip main", dataset: { address: "main" } });
  binder.watch("main/mute", (m) => strip.classList.toggle("muted", Boolean(m)));
  const lufs = el("output", { class: "strip-lufs", "aria-label": "Main loudness, short-term" }, "– LUFS");
  ctx.meters.onFrame((message, extra) => {
    const value = (extra.main || {}).lufs_s;
    lufs.textContent = Number.isFinite(value) && value > -70 ? `${value.toFixed(1)} LUFS` : "– LUFS";
  });
  const limiter = meters.gr("main", "limiter_gr", { label: "Lim", range: 12 });
  binder.watch("main/limiter/on", (on) => limiter.root.classList.toggle("off", !on));
  const mute = paramToggle(ctx, binder, "main/mute", { label: "mute", text: "Mute", className: "mute" });
  strip.append(nameButton(ctx, binder, "main", onSelect, "Main"), lufs, limiter.root, mute.root,
    faderBlock(ctx, binder, "main", [["main", 0, "main left level"], ["main", 1, "main right level"]], "Main fader"),
    el("div", { class: "strip-foot" }, el("span", { class: "strip-number" }, "L/R")));
  return strip;
}
