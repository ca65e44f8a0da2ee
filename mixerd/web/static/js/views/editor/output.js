// The output section of a bus or the main: level, mute, and where they exist balance, "more me"
// and the output delay (ms: time-aligning a fill or a side-fill with the PA).

import { el, formatMoreMe } from "../../dom.js";
import { paramSlider, paramToggle } from "../../controls.js";
import { card } from "./card.js";

/** The output card of `prefix` (bus/B or main). */
export function outputCard(ctx, binder, prefix) {
  const has = (leaf) => ctx.conn.has(`${prefix}/${leaf}`);
  const out = card("Output", "output",
    paramSlider(ctx, binder, `${prefix}/fader`, { label: "Level" }),
    el("div", { class: "row" }, paramToggle(ctx, binder, `${prefix}/mute`, { label: "mute", text: "Mute", className: "mute" }).root));
  if (has("balance")) out.append(paramSlider(ctx, binder, `${prefix}/balance`, { label: "Balance" }));
  if (has("moreme")) out.append(paramSlider(ctx, binder, `${prefix}/moreme`, { label: "More me", format: formatMoreMe }));
  if (has("delay")) out.append(paramSlider(ctx, binder, `${prefix}/delay`, { label: "Delay",
    format: (v) => `${Number(v.toFixed(1))} ms` }));
  return out;
}
