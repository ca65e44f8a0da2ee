// Signal flow of one channel — a preview. The stages a channel's signal passes, in the order the engine
// runs them, read from the current state: input, trim/polarity, HPF, the inserts in the channel's order,
// mute, fader, the sends and the main assign. Stages that are switched out are dimmed; stages that stop the
// signal are marked. The diagnostics work (GET /trace, /diagnostics) will fill this view with the live trace.

import { Binder } from "../bind.js";
import { el, formatDb, formatHz, formatPan, icon, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { EqGraph, readEq } from "../eq.js";

export function mount(root, ctx, { ch }) {
  const { conn, meters } = ctx;
  const values = conn.values;
  const P = `ch/${ch}`;
  const channels = numbered(values, "ch");
  if (!channels.includes(ch)) {
    root.append(el("section", { class: "empty-state" }, el("h1", {}, "No such channel"),
      el("p", {}, `This mixer has channels 1 to ${channels.length}.`)));
    return () => {};
  }
  const binder = new Binder(conn, { readOnly: true });
  const title = el("h1", {});
  const head = el("header", { class: "flow-head" });
  const prev = channels[(channels.indexOf(ch) - 1 + channels.length) % channels.length];
  const next = channels[(channels.indexOf(ch) + 1) % channels.length];
  head.append(
    el("a", { class: "btn ghost", href: `#/flow/ch/${prev}`, "aria-label": "Previous channel" }, icon(ICONS.chevronLeft)),
    el("div", { class: "flow-title" }, el("span", { class: "editor-kicker" }, `Signal flow · channel ${ch}`), title),
    el("a", { class: "btn ghost", href: `#/flow/ch/${next}`, "aria-label": "Next channel" }, icon(ICONS.chevronRight)));
  const preview = el("p", { class: "notice preview", role: "note" },
    el("b", {}, "Preview. "), "The stages this channel passes, from its current settings. The live signal trace and the ",
    "gain-staging checks will appear here.");
  const list = el("ol", { class: "flow", "aria-label": "Signal path" });
  const page = el("div", { class: "flow-page" }, head, preview, list);
  root.append(page);

  // Each stage: a title, a state line, a status (on, off/bypassed, blocks), an optional meter or graph.
  const stage = (id, name, extra) => {
    const state = el("span", { class: "stage-state" });
    const badge = el("span", { class: "stage-badge" });
    const item = el("li", { class: "stage", dataset: { stage: id } },
      el("div", { class: "stage-dot", "aria-hidden": "true" }),
      el("div", { class: "stage-body" }, el("div", { class: "stage-line" }, el("span", { class: "stage-name" }, name), badge),
        state, extra || null));
    item.set = (text, status = "on", label) => {
      state.textContent = text;
      item.dataset.status = status;
      badge.textContent = label ?? { on: "", off: "bypassed", block: "blocks signal", warn: "check" }[status];
      badge.hidden = !badge.textContent;
    };
    return item;
  };
  const inputMeter = meters.meter(`${P}/input`, { orientation: "horizontal", label: "input level" });
  const insertsMeter = meters.meter(`${P}/inserts`, { orientation: "horizontal", label: "level after the inserts" });
  const postMeter = meters.meter(`${P}/post`, { orientation: "horizontal", label: "post-fader level" });
  const eqGraph = new EqGraph({ width: 240, height: 60, compact: true, interactive: false, fs: ctx.fs });

  const stages = {
    input: stage("input", "Input", inputMeter.root),
    trim: stage("trim", "Trim · polarity"),
    hpf: stage("hpf", "High-pass filter"),
    eq: stage("eq", "EQ", eqGraph.root),
    gate: stage("gate", "Gate"),
    comp: stage("comp", "Compressor", meters.gr(`${P}/inserts`, "dyn_gr", { label: "GR" }).root),
    meterIns: stage("meter-inserts", "After inserts", insertsMeter.root),
    mute: stage("mute", "Mute"),
    fader: stage("fader", "Fader", postMeter.root),
    sends: stage("sends", "Sends"),
    main: stage("main", "Main mix"),
  };
  const sendList = el("ul", { class: "flow-sends" });
  stages.sends.querySelector(".stage-body").append(sendList);

  const render = () => {
    const v = conn.values;
    title.textContent = v[`${P}/name`];
    page.style.setProperty("--strip-color", v[`${P}/color`]);
    stages.input.set(`Port in_${ch} · metered after trim`);
    const trim = v[`${P}/trim`];
    stages.trim.set(`${formatDb(trim, { floor: -Infinity })} dB${v[`${P}/polarity`] ? " · polarity inverted" : ""}`,
      Math.abs(trim) < 0.05 && !v[`${P}/polarity`] ? "off" : "on", Math.abs(trim) < 0.05 && !v[`${P}/polarity`] ? "unity" : "");
    stages.hpf.set(`${formatHz(v[`${P}/hpf/freq`])}, ${v[`${P}/hpf/slope`]} dB/oct`, v[`${P}/hpf/on`] ? "on" : "off");
    const eq = readEq(v, P);
    eqGraph.update({ ...eq, hpf: null });
    const active = eq.bands.filter((b) => b.type.endsWith("cut") || Math.abs(b.gain) >= 0.05).length;
    stages.eq.set(`${active} of ${eq.bands.length} bands shaping`, eq.on ? "on" : "off");
    stages.gate.set(`threshold ${formatDb(v[`${P}/gate/threshold`], { floor: -Infinity })} dB, range ${formatDb(v[`${P}/gate/range`], { floor: -Infinity })} dB`,
      v[`${P}/gate/on`] ? "on" : "off");
    stages.comp.set(`threshold ${formatDb(v[`${P}/dyn/threshold`], { floor: -Infinity })} dB, ${Number(v[`${P}/dyn/ratio`].toPrecision(2))}:1, make-up ${formatDb(v[`${P}/dyn/makeup`], { floor: -Infinity })} dB`,
      v[`${P}/dyn/on`] ? "on" : "off");
    stages.meterIns.set("pre-fader sends are taken here (after the mute)");
    stages.mute.set(v[`${P}/mute`] ? "muted: main and every send, pre-fader too" : "open", v[`${P}/mute`] ? "block" : "on");
    const fader = v[`${P}/fader`];
    stages.fader.set(`${formatDb(fader)} dB`, fader <= -90 ? "block" : "on", fader <= -90 ? "closed" : "");
    const sends = [];
    let live = 0;
    for (const b of numbered(v, "bus")) {
      const S = `${P}/send/${b}`;
      if (v[`${S}/level`] === undefined) continue;
      const open = v[`${S}/on`] && v[`${S}/level`] > -90;
      if (open) live += 1;
      const pan = v[`${S}/pan`] !== undefined ? ` · ${formatPan(v[`${S}/pan`])}` : "";
      sends.push(el("li", { class: open ? "open" : "closed" }, el("span", {}, v[`bus/${b}/name`]),
        el("span", {}, `${open ? `${formatDb(v[`${S}/level`])} dB` : "off"} · ${v[`${S}/pre`] ? "pre" : "post"}${pan}`)));
    }
    sendList.replaceChildren(...sends);
    stages.sends.set(`${live} of ${sends.length} sends open`, live ? "on" : "off", live ? "" : "none open");
    stages.main.set(v[`${P}/main`] ? `assigned · pan ${formatPan(v[`${P}/pan`])}` : "not assigned to the main mix",
      v[`${P}/main`] ? "on" : "off", v[`${P}/main`] ? "" : "not assigned");
  };
  const order = () => {
    const inserts = conn.get(`${P}/order`) === "dyn>eq" ? [stages.gate, stages.comp, stages.eq] : [stages.eq, stages.gate, stages.comp];
    list.replaceChildren(stages.input, stages.trim, stages.hpf, ...inserts, stages.meterIns, stages.mute, stages.fader,
      stages.sends, stages.main);
  };
  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  };
  for (const key of Object.keys(values)) {
    if (key.startsWith(`${P}/`) || /^bus\/\d+\/name$/.test(key)) binder.watch(key, schedule);
  }
  binder.watch(`${P}/order`, order);
  render();
  const edit = ctx.role === "admin"
    ? el("a", { class: "btn", href: `#/console/${P}` }, icon(ICONS.sliders), "Edit in the console") : null;
  if (edit) page.append(el("div", { class: "flow-actions" }, edit));
  return () => binder.release();
}
