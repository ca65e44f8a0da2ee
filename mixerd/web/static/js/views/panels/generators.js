// The console's Generators tab (admin): the signal generators the engineer uses to find where a signal stops —
// a card per generator gen/K with its switch, what it plays (sine tone, pink or white noise), where it plays
// into (a channel's input or a bus), its level and, for a tone, its frequency and pulsing; and one button that
// stops them all in one change.

import { describeError } from "../../api.js";
import { el, numbered } from "../../dom.js";
import { paramSelect, paramSlider, paramToggle } from "../../controls.js";
import { toast } from "../../toast.js";
import { panel } from "./groups.js";

const TYPES = { sine: "Sine tone", pink: "Pink noise", white: "White noise" };

/** The Generators tab in `root`, bound with `binder` (released with the console). */
export function mountGenerators(root, ctx, binder) {
  const { conn } = ctx;
  const gens = numbered(conn.values, "gen", "on");
  if (!gens.length) {
    root.append(el("p", { class: "empty" }, "This mixer has no signal generators."));
    return;
  }
  const stop = el("button", { type: "button", class: "btn danger" }, "Stop all");
  const showStop = () => {
    const running = gens.filter((k) => conn.get(`gen/${k}/on`)).length;
    stop.disabled = running === 0;
    stop.textContent = running ? `Stop all (${running} on)` : "Stop all";
  };
  for (const k of gens) binder.watch(`gen/${k}/on`, showStop);
  stop.addEventListener("click", async () => {
    const changes = Object.fromEntries(gens.filter((k) => conn.get(`gen/${k}/on`)).map((k) => [`gen/${k}/on`, false]));
    try {
      await conn.write(changes, { drag: false });
    } catch (exc) {
      toast(describeError(exc), "error");
    }
  });
  root.append(el("div", { class: "panels" }, panel("Signal generators",
    "A test tone or noise into a channel's input or a bus: follow it along the signal flow to find where it stops.",
    gens.map((k) => generatorCard(ctx, binder, k)), stop)));
}

/** Generator `k`: on, type, target, level, and a tone's frequency and pulsing (hidden for noise). */
function generatorCard(ctx, binder, k) {
  const { conn } = ctx;
  const G = `gen/${k}`;
  const card = el("section", { class: "card gen-card", dataset: { address: G }, "aria-label": `Generator ${k}` });
  const on = paramToggle(ctx, binder, `${G}/on`, { label: "on", text: "On" });
  binder.watch(`${G}/on`, (v) => card.classList.toggle("running", Boolean(v)));
  const targets = {};
  for (const n of numbered(conn.values, "ch")) targets[`ch/${n}`] = `Ch ${n} · ${conn.get(`ch/${n}/name`)}`;
  for (const b of numbered(conn.values, "bus")) targets[`bus/${b}`] = `Bus ${b} · ${conn.get(`bus/${b}/name`)}`;
  targets.none = "Nowhere";
  const tone = [conn.has(`${G}/freq`) && paramSlider(ctx, binder, `${G}/freq`, { label: "Frequency" }),
    conn.has(`${G}/mod`) && paramSlider(ctx, binder, `${G}/mod`, { label: "Pulsing" })].filter(Boolean);
  binder.watch(`${G}/type`, (type) => { for (const field of tone) field.hidden = type !== "sine"; });
  card.append(el("header", { class: "card-head" }, el("h3", { class: "group-name" }, `Generator ${k}`), on.root),
    el("div", { class: "row" }, paramSelect(ctx, binder, `${G}/type`, { label: "Plays", labels: TYPES }),
      paramSelect(ctx, binder, `${G}/target`, { label: "Into", labels: targets })),
    paramSlider(ctx, binder, `${G}/level`, { label: "Level" }), ...tone);
  return card;
}
