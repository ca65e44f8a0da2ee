// The editor for one strip (channel, bus or main): name and colour, input and high-pass, the EQ with its
// drawn curve and draggable bands, gate and compressor with their gain reduction, the sends, and for a
// bus its output, limiter and effect. Every section is made only where the addresses exist.

import { el, numbered } from "../dom.js";
import { BAND_COLORS, EqGraph, describeBand, readEq } from "../eq.js";
import { paramSelect, paramSlider, paramToggle } from "../controls.js";
import { scales } from "../fader.js";

function card(title, section, ...children) {
  return el("section", { class: "card", dataset: { section }, "aria-label": title },
    el("header", { class: "card-head" }, el("h3", {}, title)), ...children);
}

function headerToggle(sectionEl, toggle) {
  sectionEl.querySelector(".card-head").append(toggle.root);
}

export function mountEditor(root, ctx, binder, prefix, focus) {
  const { conn } = ctx;
  const values = conn.values;
  const has = (leaf) => values[`${prefix}/${leaf}`] !== undefined;
  const isChannel = prefix.startsWith("ch/");
  const editor = el("div", { class: "editor", dataset: { prefix } });

  // -- identity ------------------------------------------------------------------------------------
  const head = el("div", { class: "editor-head" });
  if (has("name")) {
    const name = el("input", { class: "name-input", "aria-label": "Name", maxlength: "32", enterkeyhint: "done",
      readonly: binder.readOnly });
    binder.watch(`${prefix}/name`, (v) => { if (document.activeElement !== name) name.value = v; });
    name.addEventListener("change", async () => {
      const value = name.value.trim();
      if (!value || !(await binder.write(`${prefix}/name`, value))) name.value = conn.get(`${prefix}/name`);
    });
    name.addEventListener("keydown", (e) => { if (e.key === "Enter") name.blur(); });
    const color = el("input", { type: "color", class: "color-input", "aria-label": "Colour", disabled: binder.readOnly });
    binder.watch(`${prefix}/color`, (v) => { color.value = v; editor.style.setProperty("--strip-color", v); });
    color.addEventListener("change", () => binder.write(`${prefix}/color`, color.value));
    head.append(el("span", { class: "editor-kicker" }, isChannel ? `Channel ${prefix.split("/")[1]}` : `Bus ${prefix.split("/")[1]}`),
      name, color);
  } else {
    head.append(el("span", { class: "editor-kicker" }, "Output"), el("h2", {}, "Main"));
  }
  head.append(el("a", { class: "btn ghost", href: `#/flow/${prefix}` }, "Signal flow"));
  editor.append(head);
  const grid = el("div", { class: "editor-grid" });
  editor.append(grid);

  // -- input / output ---------------------------------------------------------------------------
  if (isChannel) {
    const input = card("Input", "input",
      paramSlider(ctx, binder, `${prefix}/trim`, { label: "Trim", scale: scales.trim }),
      el("div", { class: "row" },
        paramToggle(ctx, binder, `${prefix}/polarity`, { label: "Polarity invert", text: "Ø Invert" }).root,
        paramToggle(ctx, binder, `${prefix}/main`, { label: "To main", text: "To main" }).root),
      el("div", { class: "subhead" }, "High-pass"),
      el("div", { class: "row" }, paramToggle(ctx, binder, `${prefix}/hpf/on`, { label: "High-pass in", text: "HPF" }).root,
        paramSelect(ctx, binder, `${prefix}/hpf/slope`, { label: "Slope", options: [[12, "12 dB/oct"], [24, "24 dB/oct"]] })),
      paramSlider(ctx, binder, `${prefix}/hpf/freq`, { label: "Frequency" }),
      paramSelect(ctx, binder, `${prefix}/order`, { label: "Insert order", options: [["eq>dyn", "EQ → Dynamics"], ["dyn>eq", "Dynamics → EQ"]] }),
    );
    grid.append(input);
  } else {
    const out = card("Output", "output",
      paramSlider(ctx, binder, `${prefix}/fader`, { label: "Level" }),
      el("div", { class: "row" }, paramToggle(ctx, binder, `${prefix}/mute`, { label: "mute", text: "Mute", className: "mute" }).root));
    if (has("balance")) out.append(paramSlider(ctx, binder, `${prefix}/balance`, { label: "Balance" }));
    if (has("moreme")) out.append(paramSlider(ctx, binder, `${prefix}/moreme`, { label: "More me", scale: scales.moreme }));
    grid.append(out);
  }

  // -- EQ ----------------------------------------------------------------------------------------
  if (has("eq/on")) {
    const graph = new EqGraph({ width: 640, height: 220, fs: ctx.fs, interactive: !binder.readOnly,
      label: "EQ curve: the summed response of the bands and the high-pass" });
    const eqCard = card("EQ", "eq");
    headerToggle(eqCard, paramToggle(ctx, binder, `${prefix}/eq/on`, { label: "EQ in", text: "On" }));
    const legend = el("div", { class: "eq-legend" });
    const bandTabs = el("div", { class: "band-tabs", role: "tablist" });
    const bandBody = el("div", { class: "band-body" });
    const nBands = numbered(values, `${prefix}/eq`, "type").length;
    let selected = 0;
    const bandBinder = { current: null };
    const showBand = (i) => {
      selected = i;
      graph.select(i);
      for (const [j, tab] of [...bandTabs.children].entries()) tab.setAttribute("aria-selected", String(j === i));
      if (bandBinder.current) bandBinder.current.release();
      const sub = binder.child();
      bandBinder.current = sub;
      const B = `${prefix}/eq/${i + 1}`;
      bandBody.replaceChildren(
        paramSelect(ctx, sub, `${B}/type`, { label: "Type", options: [["low-shelf", "Low shelf"], ["peaking", "Peaking"],
          ["high-shelf", "High shelf"], ["low-cut", "Low cut"], ["high-cut", "High cut"]] }),
        paramSlider(ctx, sub, `${B}/freq`, { label: "Frequency" }),
        paramSlider(ctx, sub, `${B}/gain`, { label: "Gain", scale: scales.eqGain }),
        paramSlider(ctx, sub, `${B}/q`, { label: "Q", scale: scales.q }));
    };
    for (let i = 0; i < nBands; i++) {
      const tab = el("button", { type: "button", role: "tab", class: "band-tab", style: { "--band": BAND_COLORS[i % 4] },
        "aria-label": `Band ${i + 1}` }, String(i + 1));
      tab.addEventListener("click", () => showBand(i));
      bandTabs.append(tab);
    }
    graph.onSelect = (i) => showBand(i);
    // Dragging a band handle: frequency and gain move together (one batch), as fast as the finger.
    let dragTimer = null, dragLatest = null;
    graph.onBand = (i, change, done) => {
      const B = `${prefix}/eq/${i + 1}`;
      if (change) {
        dragLatest = { [`${B}/freq`]: change.freq };
        if (!values[`${B}/type`].endsWith("cut")) dragLatest[`${B}/gain`] = change.gain;
        const local = readEq({ ...conn.values, ...dragLatest }, prefix);
        graph.update(local);
        if (!dragTimer) {
          dragTimer = setTimeout(() => {
            dragTimer = null;
            const changes = dragLatest;
            conn.setMany(changes).catch((exc) => { for (const a of Object.keys(changes)) binder.refused(a, exc); redraw(); });
          }, 50);
        }
      } else if (done) {
        clearTimeout(dragTimer);
        dragTimer = null;
        if (dragLatest) {
          const changes = dragLatest;
          dragLatest = null;
          conn.setMany(changes).catch((exc) => { for (const a of Object.keys(changes)) binder.refused(a, exc); redraw(); });
        }
      }
    };
    let pending = false;
    const redraw = () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        if (dragLatest) return;
        const eq = readEq(conn.values, prefix);
        graph.update(eq);
        legend.replaceChildren(...eq.bands.map((band, i) => el("span", { class: "legend-item", style: { "--band": BAND_COLORS[i % 4] } },
          `${i + 1} ${describeBand(band)}`)));
      });
    };
    for (const key of Object.keys(values)) {
      if (key.startsWith(`${prefix}/eq/`) || key.startsWith(`${prefix}/hpf/`)) binder.watch(key, redraw);
    }
    eqCard.classList.add("wide");
    eqCard.append(el("div", { class: "eq-graph-wrap" }, graph.root), legend, el("div", { class: "band-editor" }, bandTabs, bandBody));
    grid.append(eqCard);
    showBand(selected);
  }

  // -- dynamics ------------------------------------------------------------------------------------
  if (has("gate/on")) {
    const gate = card("Gate", "dynamics");
    headerToggle(gate, paramToggle(ctx, binder, `${prefix}/gate/on`, { label: "Gate in", text: "On" }));
    gate.append(ctx.meters.gr(`${prefix}/inserts`, "gate_gr", { label: "Gate", range: 60 }).root,
      paramSlider(ctx, binder, `${prefix}/gate/threshold`, { label: "Threshold" }),
      paramSlider(ctx, binder, `${prefix}/gate/range`, { label: "Range" }),
      paramSlider(ctx, binder, `${prefix}/gate/attack`, { label: "Attack" }),
      paramSlider(ctx, binder, `${prefix}/gate/hold`, { label: "Hold" }),
      paramSlider(ctx, binder, `${prefix}/gate/release`, { label: "Release" }));
    const comp = card("Compressor", "dynamics");
    headerToggle(comp, paramToggle(ctx, binder, `${prefix}/dyn/on`, { label: "Compressor in", text: "On" }));
    comp.append(ctx.meters.gr(`${prefix}/inserts`, "dyn_gr", { label: "GR", range: 20 }).root,
      paramSlider(ctx, binder, `${prefix}/dyn/threshold`, { label: "Threshold" }),
      paramSlider(ctx, binder, `${prefix}/dyn/ratio`, { label: "Ratio" }),
      paramSlider(ctx, binder, `${prefix}/dyn/knee`, { label: "Knee" }),
      paramSlider(ctx, binder, `${prefix}/dyn/attack`, { label: "Attack" }),
      paramSlider(ctx, binder, `${prefix}/dyn/release`, { label: "Release" }),
      paramSlider(ctx, binder, `${prefix}/dyn/makeup`, { label: "Make-up" }));
    grid.append(gate, comp);
  }

  // -- limiter and effect (buses, main) ----------------------------------------------------------
  if (has("limiter/on")) {
    const point = prefix === "main" ? "main" : prefix;
    const lim = card("Limiter", "limiter");
    headerToggle(lim, paramToggle(ctx, binder, `${prefix}/limiter/on`, { label: "Limiter in", text: "On" }));
    lim.append(ctx.meters.gr(point, "limiter_gr", { label: "GR", range: 12 }).root,
      paramSlider(ctx, binder, `${prefix}/limiter/threshold`, { label: "Ceiling" }),
      paramSlider(ctx, binder, `${prefix}/limiter/release`, { label: "Release" }));
    grid.append(lim);
  }
  if (has("fx/type")) {
    const fx = card("Effect", "fx", paramSelect(ctx, binder, `${prefix}/fx/type`, { label: "Type" }));
    for (const key of Object.keys(values)) {
      const m = key.match(new RegExp(`^${prefix}/fx/(\\w+)$`));
      if (m && m[1] !== "type") fx.append(paramSlider(ctx, binder, key, { label: m[1][0].toUpperCase() + m[1].slice(1) }));
    }
    const returns = Object.keys(values).filter((k) => k.startsWith(`${prefix}/return/`) && k.endsWith("/level"));
    if (returns.length) fx.append(el("div", { class: "subhead" }, "Returns"));
    for (const key of returns) {
      const target = key.split("/")[3];
      const label = target === "main" ? "To main" : `To ${values[`bus/${target}/name`]}`;
      fx.append(paramSlider(ctx, binder, key, { label }));
    }
    grid.append(fx);
  }

  // -- the solo bus (with the main): what the engineer's phones carry ------------------------------
  if (prefix === "main" && values["solo/mode"] !== undefined) {
    const solo = card("Solo bus (phones)", "solo",
      el("p", { class: "hint" }, "Carries the main mix until a channel or a mix is soloed, then only what is soloed."),
      paramSelect(ctx, binder, "solo/mode", { label: "Channel solo",
        options: [["pfl", "PFL: before mute and fader"], ["afl", "AFL: after the fader, panned"]] }),
      paramSlider(ctx, binder, "solo/level", { label: "Phones level" }),
      el("div", { class: "row" }, ctx.meters.meter("solo", { lane: 0, orientation: "horizontal", label: "solo left level" }).root,
        ctx.meters.meter("solo", { lane: 1, orientation: "horizontal", label: "solo right level" }).root));
    grid.append(solo);
  }

  // -- sends -------------------------------------------------------------------------------------
  if (isChannel) {
    const sends = card("Sends", "sends");
    for (const b of numbered(values, "bus")) {
      const S = `${prefix}/send/${b}`;
      if (values[`${S}/level`] === undefined) continue;
      const row = el("div", { class: "send-line", dataset: { address: S } });
      const name = el("span", { class: "send-line-name" });
      binder.watch(`bus/${b}/name`, (v) => { name.textContent = v; });
      binder.watch(`bus/${b}/color`, (c) => row.style.setProperty("--strip-color", c));
      binder.watch(`${S}/on`, (on) => row.classList.toggle("send-off", !on));
      row.append(name,
        paramToggle(ctx, binder, `${S}/on`, { label: `send to ${values[`bus/${b}/name`]} on`, text: "On" }).root,
        paramToggle(ctx, binder, `${S}/pre`, { label: `send to ${values[`bus/${b}/name`]} pre-fader`, text: "Pre" }).root,
        paramSlider(ctx, binder, `${S}/level`, { label: `send level to ${values[`bus/${b}/name`]}`, bare: true }).root);
      if (values[`${S}/pan`] !== undefined) {
        row.append(paramSlider(ctx, binder, `${S}/pan`, { label: `send pan to ${values[`bus/${b}/name`]}`, bare: true,
          className: "send-line-pan" }).root);
      }
      sends.append(row);
    }
    grid.append(sends);
  }

  root.append(editor);
  if (focus) {
    const target = editor.querySelector(`[data-section="${focus}"]`);
    if (target) requestAnimationFrame(() => target.scrollIntoView({ behavior: "smooth", block: "nearest" }));
  }
  return editor;
}
