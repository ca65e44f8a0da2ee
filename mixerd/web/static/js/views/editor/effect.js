// An FX bus's effect section: the effect, each of its settings, and its returns into the main and the mixes.

import { el } from "../../dom.js";
import { paramSelect, paramSlider } from "../../controls.js";
import { card } from "./card.js";

/** The effect card of FX bus `prefix`: a slider for every `fx/…` setting the bus has, then its returns. */
export function effectCard(ctx, binder, prefix) {
  const values = ctx.conn.values;
  const fx = card("Effect", "fx", paramSelect(ctx, binder, `${prefix}/fx/type`, { label: "Type" }));
  const setting = new RegExp(`^${prefix}/fx/(\\w+)$`);
  for (const key of Object.keys(values)) {
    const m = key.match(setting);
    if (m && m[1] !== "type") fx.append(paramSlider(ctx, binder, key, { label: m[1][0].toUpperCase() + m[1].slice(1) }));
  }
  const returns = Object.keys(values).filter((k) => k.startsWith(`${prefix}/return/`) && k.endsWith("/level"));
  if (returns.length) fx.append(el("div", { class: "subhead" }, "Returns"));
  for (const key of returns) {
    const target = key.split("/")[3];
    fx.append(paramSlider(ctx, binder, key, { label: target === "main" ? "To main" : `To ${values[`bus/${target}/name`]}` }));
  }
  return fx;
}
