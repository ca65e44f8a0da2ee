// The editor for one strip (channel, bus or main): its head (name, colour, signal flow), then a card per
// section the strip has — input and high-pass, the EQ with its drawn curve and draggable bands, gate and
// compressor, the sends, and for a bus or the main its output (with its delay), ring-out (RTA, the howls found
// and their notches), graphic EQ, limiter, effect and the solo bus. Each section
// is its own component (views/editor/); this module only says which a strip has.

import { el } from "../dom.js";
import { compressorCard, gateCard, limiterCard } from "./editor/dynamics.js";
import { effectCard } from "./editor/effect.js";
import { eqCard } from "./editor/equaliser.js";
import { geqCard } from "./editor/geq.js";
import { identity } from "./editor/identity.js";
import { inputCard } from "./editor/input.js";
import { outputCard } from "./editor/output.js";
import { ringoutCard } from "./editor/ringout.js";
import { sendsCard } from "./editor/sends.js";
import { soloCard } from "./editor/solo.js";

/** [whether `prefix` has the section, the component that makes it], in the order they are shown. */
function sectionsOf(conn, prefix) {
  const has = (leaf) => conn.has(`${prefix}/${leaf}`);
  const isChannel = prefix.startsWith("ch/");
  return [
    [isChannel, inputCard], [!isChannel, outputCard], [has("eq/on"), eqCard],
    [has("ringout"), ringoutCard], [has("geq/on"), geqCard],
    [has("gate/on"), gateCard], [has("dyn/on"), compressorCard], [has("limiter/on"), limiterCard],
    [has("fx/type"), effectCard], [prefix === "main" && conn.has("solo/mode"), soloCard], [isChannel, sendsCard],
  ];
}

/** The editor of `prefix` in `root`, bound with `binder`; `focus` (a section: "eq", "dynamics"…) is scrolled
 *  into view, and with `reveal` (a strip was tapped) the editor is brought up under the top bar: its `focus`
 *  section, else its head. Returns the editor's element. */
export function mountEditor(root, ctx, binder, prefix, focus, { reveal = false } = {}) {
  const editor = el("div", { class: "editor", dataset: { prefix } });
  const grid = el("div", { class: "editor-grid" });
  editor.append(identity(ctx, binder, prefix, editor), grid);
  for (const [present, make] of sectionsOf(ctx.conn, prefix)) {
    if (present) grid.append(make(ctx, binder, prefix));
  }
  root.append(editor);
  const target = (focus && editor.querySelector(`[data-section="${focus}"]`)) || (reveal ? editor : null);
  if (target) {
    const behavior = matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
    requestAnimationFrame(() => target.scrollIntoView({ behavior, block: reveal ? "start" : "nearest" }));
  }
  return editor;
}
