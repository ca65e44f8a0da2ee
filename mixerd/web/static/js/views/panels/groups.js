// The console's Groups tab (admin): a card per DCA — its level (added to every member channel's fader), its
// mute (mutes every member) and the channels assigned to it — and a card per mute group — engaged or not and
// its members. Everything is an address of the mixer: dca/D/name|fader|mute, mutegroup/G/name|on, and the
// memberships ch/N/dca/D and ch/N/mutegroup/G (a tap on a channel in the card's list assigns or removes it).

import { el, formatDb, numbered } from "../../dom.js";
import { paramSlider, paramToggle } from "../../controls.js";
import { store } from "../../store.js";

/** The Groups tab in `root`, bound with `binder` (released with the console). */
export function mountGroups(root, ctx, binder) {
  const { values } = ctx.conn;
  const dcas = numbered(values, "dca");
  const groups = numbered(values, "mutegroup");
  const page = el("div", { class: "panels" });
  if (dcas.length) {
    page.append(panel("DCAs", "A DCA's level is added to the fader of every channel assigned to it; its mute mutes them.",
      dcas.map((d) => dcaCard(ctx, binder, d))));
  }
  if (groups.length) {
    page.append(panel("Mute groups", "Engaging a mute group mutes every channel in it; releasing it gives them back.",
      groups.map((g) => muteGroupCard(ctx, binder, g))));
  }
  if (!dcas.length && !groups.length) page.append(el("p", { class: "empty" }, "This mixer has no DCAs or mute groups."));
  root.append(page);
}

/** A titled section of cards. */
export function panel(title, lead, cards, ...tools) {
  return el("section", { class: "panel", "aria-label": title },
    el("header", { class: "panel-head" }, el("h2", {}, title), ...tools), el("p", { class: "panel-lead" }, lead),
    el("div", { class: "panel-grid" }, cards));
}

/** DCA `d`: its name, mute, level and members. */
function dcaCard(ctx, binder, d) {
  const P = `dca/${d}`;
  const card = el("section", { class: "card group-card", dataset: { address: P } });
  const mute = paramToggle(ctx, binder, `${P}/mute`, { label: "mute", text: "Mute", className: "mute" });
  binder.watch(`${P}/mute`, (m) => card.classList.toggle("muted", Boolean(m)));
  card.append(groupHead(binder, card, P, `DCA ${d}`, mute.root),
    paramSlider(ctx, binder, `${P}/fader`, { label: "Level", format: (v) => `${formatDb(v)} dB`.replace("−∞ dB", "−∞") }),
    members(ctx, binder, `dca/${d}`, (n) => `ch/${n}/dca/${d}`));
  return card;
}

/** Mute group `g`: its name, whether it is engaged, and its members. */
function muteGroupCard(ctx, binder, g) {
  const P = `mutegroup/${g}`;
  const card = el("section", { class: "card group-card", dataset: { address: P } });
  const on = paramToggle(ctx, binder, `${P}/on`, { label: "engaged", text: "Mute", className: "mute" });
  binder.watch(`${P}/on`, (m) => card.classList.toggle("muted", Boolean(m)));
  card.append(groupHead(binder, card, P, `Mute group ${g}`, on.root),
    members(ctx, binder, `mutegroup/${g}`, (n) => `ch/${n}/mutegroup/${g}`));
  return card;
}

/** The card's head: the group's name (and what it is, when renamed: "DCA 2 · Drums"), its switch; the card is
 *  named by it. */
function groupHead(binder, card, P, kind, toggle) {
  const name = el("h3", { class: "group-name", id: `name-${P.replace("/", "-")}` });
  const kicker = el("span", { class: "group-kind" }, kind);
  const plain = [kind, store.spec(`${P}/name`)?.default];
  binder.watch(`${P}/name`, (v) => {
    name.textContent = v;
    kicker.hidden = plain.includes(v);
  });
  card.setAttribute("aria-labelledby", name.id);
  return el("header", { class: "card-head" }, el("div", { class: "group-title" }, kicker, name), toggle);
}

/** Who is in the group `owner` (its channels whose `address(n)` is on), and a list to change it: a button per
 *  channel, shown on demand (a mixer of 32 channels would make every card long). */
function members(ctx, binder, owner, address) {
  const { conn } = ctx;
  const channels = numbered(conn.values, "ch").filter((n) => conn.has(address(n)));
  const summary = el("p", { class: "members" });
  const show = () => {
    const names = channels.filter((n) => conn.get(address(n))).map((n) => conn.get(`ch/${n}/name`));
    summary.textContent = names.length ? names.join(" · ") : "No channels assigned";
    summary.classList.toggle("none", !names.length);
  };
  for (const n of channels) {
    binder.watch(address(n), show);
    binder.watch(`ch/${n}/name`, show);
  }
  const grid = el("div", { class: "member-grid", id: `members-${owner.replace("/", "-")}`, hidden: true });
  const edit = el("button", { type: "button", class: "btn ghost members-edit", "aria-expanded": "false",
    "aria-controls": grid.id }, "Assign channels");
  let gridBinder = null;
  edit.addEventListener("click", () => {
    const open = grid.hidden;
    grid.hidden = !open;
    edit.setAttribute("aria-expanded", String(open));
    edit.textContent = open ? "Done" : "Assign channels";
    gridBinder?.release();
    gridBinder = null;
    grid.replaceChildren();
    if (!open) return;
    gridBinder = binder.child();
    const group = conn.get(`${owner}/name`);
    for (const n of channels) {
      grid.append(paramToggle(ctx, gridBinder, address(n), { label: `in ${group}`, text: conn.get(`ch/${n}/name`),
        className: "member" }).root);
    }
  });
  show();
  return el("div", { class: "group-members" }, el("div", { class: "members-line" }, summary, edit), grid);
}
