// A channel's input section: trim, polarity, main assignment, the high-pass filter and the insert order.

import { el } from "../../dom.js";
import { paramSelect, paramSlider, paramToggle } from "../../controls.js";
import { card } from "./card.js";

const ORDERS = { "eq>dyn": "EQ → Dynamics", "dyn>eq": "Dynamics → EQ" };

/** The input card of channel `prefix`. */
export function inputCard(ctx, binder, prefix) {
  const at = (leaf) => `${prefix}/${leaf}`;
  return card("Input", "input",
    paramSlider(ctx, binder, at("trim"), { label: "Trim" }),
    el("div", { class: "row" },
      paramToggle(ctx, binder, at("polarity"), { label: "polarity", text: "Ø Invert" }).root,
      paramToggle(ctx, binder, at("main"), { label: "To main", text: "To main" }).root),
    el("div", { class: "subhead" }, "High-pass"),
    el("div", { class: "row" }, paramToggle(ctx, binder, at("hpf/on"), { label: "High-pass in", text: "HPF" }).root,
      paramSelect(ctx, binder, at("hpf/slope"), { label: "Slope" })),
    paramSlider(ctx, binder, at("hpf/freq"), { label: "Frequency" }),
    paramSelect(ctx, binder, at("order"), { label: "Insert order", labels: ORDERS }),
  );
}
