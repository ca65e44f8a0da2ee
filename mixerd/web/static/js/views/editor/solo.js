// The solo bus section (shown with the main): what the engineer's phones carry, how a channel solo taps the
// channel, the phones level and its meter.

import { el } from "../../dom.js";
import { paramSelect, paramSlider } from "../../controls.js";
import { card } from "./card.js";

const MODES = { pfl: "PFL: before mute and fader", afl: "AFL: after the fader, panned" };

/** The solo bus card. */
export function soloCard(ctx, binder) {
  const lane = (n, side) => ctx.meters.meter("solo", { lane: n, orientation: "horizontal", label: `solo ${side} level` }).root;
  return card("Solo bus (phones)", "solo",
    el("p", { class: "hint" }, "Carries the main mix until a channel or a mix is soloed, then only what is soloed."),
    paramSelect(ctx, binder, "solo/mode", { label: "Channel solo", labels: MODES }),
    paramSlider(ctx, binder, "solo/level", { label: "Phones level" }),
    el("div", { class: "row" }, lane(0, "left"), lane(1, "right")));
}
