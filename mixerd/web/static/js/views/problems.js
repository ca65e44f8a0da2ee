// Problems: everything the mixer's problem finder reports now (the WebSocket's `diagnostics`), what the header
// badge opens. Errors first, then warnings, then notes; each in plain words with what to do and a link to its
// place: the signal flow of its channel, bus or the main, or for the audio itself (dropouts, JACK gone) a short
// explanation. It follows every new `diagnostics` message. The mixer's words are shown with names for addresses
// ("unmute Snare", not "unmute ch/2/mute": names.js).

import { el, icon } from "../dom.js";
import { ICONS } from "../icons.js";
import { plainText } from "../names.js";
import { flowHref, ownerOf } from "./flow.js";

const ORDER = { error: 0, warning: 1, info: 2 };
const SEVERITY = { error: "Error", warning: "Warning", info: "Note" };

/** What a problem of the audio system itself means, for whoever holds the phone. */
const SYSTEM = {
  xruns: "The audio dropped out for a moment: the computer did not keep up with the sound card. Close other "
    + "programs on the mixer, or ask the engineer to raise the JACK period.",
  audio_stopped: "No sound passes the mixer right now: it is not connected to the audio server (the interface "
    + "unplugged, or JACK stopped). It reconnects by itself as soon as the audio is back.",
};

export function mount(root, ctx) {
  const { conn } = ctx;
  const count = el("p", { class: "lead" });
  const list = el("ol", { class: "problem-list", "aria-label": "Current problems" });
  root.append(el("div", { class: "problems-page" },
    el("header", { class: "page-head" }, el("h1", {}, "Problems"), count), list));
  const show = () => {
    const problems = [...(conn.diagnostics ? conn.diagnostics.problems : [])]
      .sort((a, b) => (ORDER[a.severity] ?? 3) - (ORDER[b.severity] ?? 3));
    const serious = problems.filter((p) => p.severity !== "info").length;
    count.textContent = !problems.length ? "The mixer finds nothing wrong."
      : `${serious} to look at${problems.length > serious ? `, ${problems.length - serious} note${problems.length - serious === 1 ? "" : "s"}` : ""}.`;
    list.replaceChildren(...problems.map((p) => problemItem(p, conn.values)));
  };
  show();
  conn.addEventListener("diagnostics", show);
  return () => conn.removeEventListener("diagnostics", show);
}

function problemItem(p, values) {
  const where = ownerOf(p.address);
  const words = (text) => plainText(text, values);
  const item = el("li", { class: "problem-item", dataset: { code: p.code, severity: p.severity, address: p.address } },
    el("div", { class: "problem-head" }, el("span", { class: "badge problem-severity" }, SEVERITY[p.severity] || p.severity),
      el("b", { class: "problem-message" }, words(p.message))));
  if (SYSTEM[p.code] || !where) {
    item.append(el("p", { class: "problem-explain" }, SYSTEM[p.code] || words(p.fix)));
  } else {
    if (p.fix) item.append(el("p", { class: "problem-fix" }, `What to do: ${words(p.fix)}`));
    item.append(el("a", { class: "btn problem-link", href: flowHref(p.address) }, icon(ICONS.flow), "Show in the signal flow",
      icon(ICONS.chevronRight)));
  }
  return item;
}
