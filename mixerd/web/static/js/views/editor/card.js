// A section of the strip editor: a card found by its `data-section` (where a signal-flow fix or a tap on a
// strip's block lands), its title, and its in/out switch in the header where it has one.

import { el } from "../../dom.js";

/** `<section class="card" data-section=…>` titled `title`, holding `children`. */
export function card(title, section, ...children) {
  return el("section", { class: "card", dataset: { section }, "aria-label": title },
    el("header", { class: "card-head" }, el("h3", {}, title)), ...children);
}

/** The card with `toggle` (its in/out switch) in its header. */
export function withSwitch(section, toggle) {
  section.querySelector(".card-head").append(toggle.root);
  return section;
}
