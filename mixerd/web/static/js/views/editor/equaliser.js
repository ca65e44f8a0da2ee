// The EQ section: the drawn curve (the bands and the high-pass) with a handle per band to drag, a legend, and
// the selected band's controls under tabs. The curve's axis and a drag's limits are the bands' ranges. Its RTA
// switch draws the live spectrum faintly behind the curve, on the same frequency axis (rta.js): for a channel what
// comes into its inserts (ch/N/input), for a mix or the main what leaves it; asked for only while the switch is on,
// the card on screen and the page shown.

import { SEND_EVERY_MS } from "../../bind.js";
import { newGesture } from "../../connection.js";
import { el, numbered } from "../../dom.js";
import { BAND_COLORS, EqGraph, describeBand, readEq } from "../../eq.js";
import { paramSelect, paramSlider, paramToggle } from "../../controls.js";
import { Toggle } from "../../fader.js";
import { pointName, rtaPanel } from "../../rta.js";
import { store } from "../../store.js";
import { card } from "./card.js";

const TYPES = { "low-shelf": "Low shelf", peaking: "Peaking", "high-shelf": "High shelf", "low-cut": "Low cut",
  "high-cut": "High cut" };

/** The EQ card of `prefix` (ch/N, bus/B or main). */
export function eqCard(ctx, binder, prefix) {
  const { conn } = ctx;
  const graph = new EqGraph({ width: 640, height: 220, fs: store.fs, interactive: !binder.readOnly,
    freqRange: store.range(`${prefix}/eq/1/freq`), gainRange: store.range(`${prefix}/eq/1/gain`),
    label: "EQ curve: the summed response of the bands and the high-pass" });
  const section = card("EQ", "eq");
  const rta = rtaBehind(ctx, binder, prefix, graph, section);
  section.querySelector(".card-head").append(el("div", { class: "row eq-switches" }, rta.toggle.root,
    paramToggle(ctx, binder, `${prefix}/eq/on`, { label: "EQ in", text: "On" }).root));
  const legend = el("div", { class: "eq-legend" });
  const bands = bandEditor(ctx, binder, prefix, graph);
  const drag = bandDrag(conn, binder, prefix, graph, () => redraw());
  const redraw = curveDrawer(conn, prefix, graph, legend, () => drag.active);
  graph.onBand = drag.onBand;
  for (const key of Object.keys(conn.values)) {
    if (key.startsWith(`${prefix}/eq/`) || key.startsWith(`${prefix}/hpf/`)) binder.watch(key, redraw);
  }
  section.classList.add("wide");
  section.append(el("div", { class: "eq-graph-wrap" }, rta.canvas, graph.root), rta.bar, legend, bands.root);
  bands.show(0);
  return section;
}

/** The RTA behind the curve of `prefix` and its switch: {toggle, canvas, bar}. */
function rtaBehind(ctx, binder, prefix, graph, section) {
  const channel = prefix.startsWith("ch/");
  const point = channel ? `${prefix}/input` : prefix;
  const what = pointName(point, ctx.conn.values);
  const toggle = new Toggle({ text: "RTA", className: "rta-switch", label: `RTA behind the curve: ${what}`,
    title: channel ? `Behind the curve, the spectrum of ${what}: after the trim, before the high-pass, EQ and dynamics`
      : `Behind the curve, the spectrum of ${what} as it leaves (after its EQ)` });
  const rta = rtaPanel(ctx.conn, point, { watch: section, area: (w, h) => graph.plotArea(w, h), faint: true,
    className: "eq-rta", caption: channel ? "Before the EQ:" : "As it leaves:" });
  const show = (on) => {
    rta.canvas.hidden = rta.bar.hidden = !on;
    rta.look.want(on);
  };
  toggle.onChange = show;
  show(false);
  binder.onRelease(rta.release);
  return { toggle, canvas: rta.canvas, bar: rta.bar };
}

/** Band tabs and the selected band's type, frequency, gain and Q (bound while shown). */
function bandEditor(ctx, binder, prefix, graph) {
  const tabs = el("div", { class: "band-tabs", role: "tablist" });
  const body = el("div", { class: "band-body" });
  let bandBinder = null;
  const show = (i) => {
    graph.select(i);
    for (const [j, tab] of [...tabs.children].entries()) tab.setAttribute("aria-selected", String(j === i));
    bandBinder?.release();
    bandBinder = binder.child();
    const band = `${prefix}/eq/${i + 1}`;
    body.replaceChildren(
      paramSelect(ctx, bandBinder, `${band}/type`, { label: "Type", labels: TYPES }),
      paramSlider(ctx, bandBinder, `${band}/freq`, { label: "Frequency" }),
      paramSlider(ctx, bandBinder, `${band}/gain`, { label: "Gain" }),
      paramSlider(ctx, bandBinder, `${band}/q`, { label: "Q" }));
  };
  numbered(ctx.conn.values, `${prefix}/eq`, "type").forEach((_, i) => {
    const tab = el("button", { type: "button", role: "tab", class: "band-tab", style: { "--band": BAND_COLORS[i % 4] },
      "aria-label": `Band ${i + 1}` }, String(i + 1));
    tab.addEventListener("click", () => show(i));
    tabs.append(tab);
  });
  graph.onSelect = show;
  return { root: el("div", { class: "band-editor" }, tabs, body), show };
}

/** Dragging a band's handle: frequency and gain move together as one write (a cut has no gain), as fast as
 *  the finger allows, the curve following it meanwhile; the mixer makes one undo step of the drag. A refused
 *  write is shown and the curve goes back to the mixer's values (`redraw`). */
function bandDrag(conn, binder, prefix, graph, redraw) {
  let timer = null;
  let latest = null; // the newest position while the handle is held
  let gesture = null; // this drag's id: all its writes are one undo step whatever each names
  const send = (changes) => conn.write(changes, { gesture }).catch((exc) => {
    for (const address of Object.keys(changes)) binder.refused(address, exc);
    redraw();
  });
  const onBand = (i, change, done) => {
    const band = `${prefix}/eq/${i + 1}`;
    if (change) {
      if (latest === null) gesture = newGesture();
      latest = { [`${band}/freq`]: change.freq };
      if (!conn.get(`${band}/type`).endsWith("cut")) latest[`${band}/gain`] = change.gain;
      graph.update(readEq({ ...conn.values, ...latest }, prefix));
      if (!timer) timer = setTimeout(() => { timer = null; send(latest); }, SEND_EVERY_MS);
    } else if (done) {
      clearTimeout(timer);
      timer = null;
      const changes = latest;
      latest = null;
      if (changes) send(changes);
    }
  };
  return { onBand, get active() { return latest !== null; } };
}

/** Redraws the curve and the legend from the mixer's values, at most once a frame; not while a handle is
 *  held (the curve follows the finger then). */
function curveDrawer(conn, prefix, graph, legend, dragging) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (dragging()) return;
      const eq = readEq(conn.values, prefix);
      graph.update(eq);
      legend.replaceChildren(...eq.bands.map((band, i) => el("span", { class: "legend-item",
        style: { "--band": BAND_COLORS[i % 4] } }, `${i + 1} ${describeBand(band)}`)));
    });
  };
}
