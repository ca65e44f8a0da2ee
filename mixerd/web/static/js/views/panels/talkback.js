// The console's Talkback tab (admin): the talkback mic — the channel it is on (by name), how loud it is in the
// mixes it talks to, and how far the rest of those mixes is turned down while it talks (the dim) — and a card per
// talk button with its name and the mixes it talks to (each aux mix by name, and the main) as switches. All of it
// is addresses of the mixer: talkback/source|level|dim, talkback/T/name and talkback/T/to/B|main. The talk
// buttons themselves are on every console tab (views/talk.js).

import { el, formatDb, numbered } from "../../dom.js";
import { nameWithText, paramSelect, paramSlider, paramToggle } from "../../controls.js";
import { talkButtons, talkDestinations, talkState } from "../talk.js";
import { panel } from "./groups.js";

/** The Talkback tab in `root`, bound with `binder` (released with the console). */
export function mountTalkback(root, ctx, binder) {
  const { conn } = ctx;
  if (!conn.has("talkback/source")) {
    root.append(el("p", { class: "empty" }, "This mixer has no talkback."));
    return;
  }
  root.append(el("div", { class: "panels" }, panel("Talkback",
    "While a talk button is held or latched, the talkback mic is heard in the mixes it names, and the rest of those "
    + "mixes is turned down by the dim. A short tap on a talk button latches it; a longer hold talks until you let go.",
    [micCard(ctx, binder), ...talkButtons(conn.values).map((t) => buttonCard(ctx, binder, t))])));
}

/** The mic: its channel (none: no talkback), its level into the mixes talked to, and the dim. */
function micCard(ctx, binder) {
  const { conn } = ctx;
  const channels = numbered(conn.values, "ch");
  const label = (n) => `Ch ${n} · ${conn.get(`ch/${n}/name`)}`;
  const labels = { none: "None (no talkback)", ...Object.fromEntries(channels.map((n) => [`ch/${n}`, label(n)])) };
  const source = paramSelect(ctx, binder, "talkback/source", { label: "Channel", labels });
  const select = source.querySelector("select");
  select.setAttribute("aria-label", "Talkback mic channel");
  for (const n of channels) {
    binder.watch(`ch/${n}/name`, () => {
      const option = select.querySelector(`option[value="ch/${n}"]`);
      if (option) option.textContent = label(n);
    });
  }
  const note = el("p", { class: "talk-note" });
  binder.watch("talkback/source", (value) => {
    const none = !value || value === "none";
    note.textContent = none ? "No mic chosen: the talk buttons stay off until you choose the channel the mic is on."
      : "While a button talks, this channel is heard only in the mixes it talks to.";
    note.classList.toggle("warn", none);
  });
  return el("section", { class: "card talk-card", dataset: { address: "talkback" }, "aria-labelledby": "talk-mic" },
    el("header", { class: "card-head" }, el("h3", { class: "group-name", id: "talk-mic" }, "Talkback mic")),
    source, note,
    paramSlider(ctx, binder, "talkback/level", { label: "Talkback level",
      format: (v) => `${formatDb(v)} dB`.replace("−∞ dB", "−∞") }),
    paramSlider(ctx, binder, "talkback/dim", { label: "Dim while talking" }));
}

/** Talk button `t`: its name, whether it talks now, and the mixes it talks to. */
function buttonCard(ctx, binder, t) {
  const { conn } = ctx;
  const P = `talkback/${t}`;
  const titleId = `talk-${t}-title`;
  const card = el("section", { class: "card talk-card", dataset: { address: P }, "aria-labelledby": titleId });
  const title = el("h3", { class: "group-name", id: titleId });
  const talking = el("span", { class: "badge talk-badge", hidden: true }, "Talking");
  const input = nameInput(ctx, binder, `${P}/name`, `talk-${t}-name`);
  const destinations = talkDestinations(conn.values, t);
  const toggles = destinations.map((d) => paramToggle(ctx, binder, d.address, { label: `to ${d.name}`, text: d.name,
    className: "member" }));
  const summary = el("p", { class: "members" });
  // The names on the switches and in the summary follow the button's and the mixes' names.
  const show = () => {
    const state = talkState(conn.values, t);
    title.textContent = state.name;
    talking.hidden = !state.on;
    card.classList.toggle("talking", state.on);
    summary.textContent = state.targets.length ? state.targets.join(" · ") : "No mix yet: choose at least one below";
    summary.classList.toggle("none", !state.targets.length);
    talkDestinations(conn.values, t).forEach((d, i) => {
      const root = toggles[i].root;
      root.textContent = d.name;
      const name = nameWithText(d.name, `${state.name} to ${d.name}`);
      root.setAttribute("aria-label", name);
      root.title = name;
    });
  };
  for (const address of [`${P}/name`, `${P}/on`, ...destinations.map((d) => d.address)]) binder.watch(address, show);
  for (const b of numbered(conn.values, "bus")) if (conn.has(`${P}/to/${b}`)) binder.watch(`bus/${b}/name`, show);
  card.append(el("header", { class: "card-head" }, el("div", { class: "group-title" },
      el("span", { class: "group-kind" }, `Talk button ${t}`), title), talking),
    el("label", { class: "field talk-name-field", for: input.id }, el("span", { class: "field-label" }, "Name"), input),
    el("div", { class: "talk-to" }, el("span", { class: "field-label" }, "Talks to"), summary,
      el("div", { class: "member-grid talk-grid" }, toggles.map((x) => x.root))));
  return card;
}

/** A name field bound to `address`, written when it is left; an empty or refused name puts the mixer's back. */
function nameInput(ctx, binder, address, id) {
  const input = el("input", { type: "text", id, class: "talk-name-input", maxlength: "32", enterkeyhint: "done",
    autocomplete: "off" });
  binder.watch(address, (v) => { if (document.activeElement !== input) input.value = v; });
  input.addEventListener("change", async () => {
    const value = input.value.trim();
    if (!value || !(await binder.write(address, value))) input.value = ctx.conn.get(address);
  });
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") input.blur(); });
  return input;
}
