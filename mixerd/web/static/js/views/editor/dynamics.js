// The dynamics sections, each with its switch, its gain reduction and its settings: a channel's gate and
// compressor, a bus's or the main's limiter.

import { paramSlider, paramToggle } from "../../controls.js";
import { card, withSwitch } from "./card.js";

/** Sliders for `[leaf, label]` pairs under `base`. */
const sliders = (ctx, binder, base, fields) =>
  fields.map(([leaf, label]) => paramSlider(ctx, binder, `${base}/${leaf}`, { label }));

/** The gate card of channel `prefix`. */
export function gateCard(ctx, binder, prefix) {
  const gate = withSwitch(card("Gate", "dynamics"),
    paramToggle(ctx, binder, `${prefix}/gate/on`, { label: "Gate in", text: "On" }));
  gate.append(ctx.meters.gr(`${prefix}/inserts`, "gate_gr", { label: "Gate", range: 60 }).root,
    ...sliders(ctx, binder, `${prefix}/gate`, [["threshold", "Threshold"], ["range", "Range"], ["attack", "Attack"],
      ["hold", "Hold"], ["release", "Release"]]));
  return gate;
}

/** The compressor card of channel `prefix`. */
export function compressorCard(ctx, binder, prefix) {
  const comp = withSwitch(card("Compressor", "dynamics"),
    paramToggle(ctx, binder, `${prefix}/dyn/on`, { label: "Compressor in", text: "On" }));
  comp.append(ctx.meters.gr(`${prefix}/inserts`, "dyn_gr", { label: "GR", range: 20 }).root,
    ...sliders(ctx, binder, `${prefix}/dyn`, [["threshold", "Threshold"], ["ratio", "Ratio"], ["knee", "Knee"],
      ["attack", "Attack"], ["release", "Release"], ["makeup", "Make-up"]]));
  return comp;
}

/** The limiter card of `prefix` (bus/B or main): its meter point has the same name. */
export function limiterCard(ctx, binder, prefix) {
  const lim = withSwitch(card("Limiter", "limiter"),
    paramToggle(ctx, binder, `${prefix}/limiter/on`, { label: "Limiter in", text: "On" }));
  lim.append(ctx.meters.gr(prefix, "limiter_gr", { label: "GR", range: 12 }).root,
    ...sliders(ctx, binder, `${prefix}/limiter`, [["threshold", "Ceiling"], ["release", "Release"]]));
  return lim;
}
