// Problems: everything the mixer's problem finder reports now (the WebSocket's `diagnostics`), what the header
// badge opens. Errors first, then warnings, then notes; each in plain words with what to do and a link to its
// place: the signal flow of its channel, bus or the main; for the audio itself (dropouts, JACK gone) a short
// explanation and the audio status in the console's toolbar; the recorder for the recorder's. It follows every
// new `diagnostics` message. The mixer's words are shown with names for addresses ("unmute Snare", not "unmute
// ch/2/mute": names.js).

import { el, icon } from "../dom.js";
import { ICONS } from "../icons.js";
import { plainText } from "../names.js";
import { store } from "../store.js";
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

/** Where a problem is seen and dealt with: the signal flow of its channel, bus or the main; the audio status
 *  (rate, period, dropouts) in the console's toolbar for the audio itself; the recorder; the main's editor for
 *  the solo output. Null when this role has no such place. */
function placeOf(p) {
  const admin = store.role === "admin";
  if (ownerOf(p.address)) return { href: flowHref(p.address), text: "Show in the signal flow", icon: ICONS.flow };
  if (p.address === "audio") return { href: admin ? "#/console" : "#/view", text: "Show the audio status", icon: ICONS.sliders };
  if (p.address === "recorder" && admin) return { href: "#/recorder", text: "Open the recorder", icon: ICONS.record };
  if (p.address === "solo") return { href: admin ? "#/console/main" : "#/view/main", text: "Show the solo output", icon: ICONS.sliders };
  return null;
}

function problemItem(p, values) {
  const words = (text) => plainText(text, values);
  const item = el("li", { class: "problem-item", dataset: { code: p.code, severity: p.severity, address: p.address } },
    el("div", { class: "problem-head" }, el("span", { class: "badge problem-severity" }, SEVERITY[p.severity] || p.severity),
      el("b", { class: "problem-message" }, words(p.message))));
  const place = placeOf(p);
  if (SYSTEM[p.code] || !ownerOf(p.address)) {
    item.append(el("p", { class: "problem-explain" }, SYSTEM[p.code] || words(p.fix)));
  } else if (p.fix) {
    item.append(el("p", { class: "problem-fix" }, `What to do: ${words(p.fix)}`));
  }
  if (place) {
    item.append(el("a", { class: "btn problem-link", href: place.href }, icon(place.icon), place.text,
      icon(ICONS.chevronRight)));
  }
  return item;
}
