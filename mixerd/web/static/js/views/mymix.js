// My mix: one aux mix on a phone. A row per channel with its send fader, the level feeding that send,
// the "me" mark, send on/off and (stereo mixes) the send pan; on top the mix itself: its level, mute,
// "more me", balance, output meter and limiter lamp. Below the head: a notice when someone else changes this mix
// (with "Keep mine", othershand.js); after the channels, the FX returns into this mix (reverb in my ears), then
// the channels that do not reach it, why and the fixes this link may make (missing.js).

import { Binder } from "../bind.js";
import { el, formatMoreMe, icon, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { Toggle, isFineLatched, onFineChange, setFineLatched } from "../fader.js";
import { paramSlider, paramToggle } from "../controls.js";
import { store } from "../store.js";
import { followMissing, missingList } from "./missing.js";
import { othersChanges } from "./othershand.js";

export function mount(root, ctx, { bus, readOnly = false }) {
  const { conn } = ctx;
  const values = conn.values;
  const auxBuses = numbered(values, "bus").filter((b) => values[`bus/${b}/moreme`] !== undefined);
  if (!auxBuses.includes(bus)) {
    root.append(el("section", { class: "empty-state" },
      el("h1", {}, "No such mix"),
      el("p", {}, `This mixer has no monitor mix ${bus}.`),
      auxBuses.length ? el("p", {}, "Mixes: ", auxBuses.map((b) => el("a", { href: `#/mix/${b}`, class: "chip" },
        values[`bus/${b}/name`]))) : null));
    return () => {};
  }
  const binder = new Binder(conn, { readOnly });
  const offs = [];
  const list = el("section", { class: "sends", "aria-label": "Channels in my mix" });
  for (const n of numbered(values, "ch")) {
    if (values[`ch/${n}/send/${bus}/level`] !== undefined) list.append(sendRow(ctx, binder, bus, n));
  }
  const returns = fxReturns(ctx, binder, bus);
  const own = !(store.role === "mix" && store.bus !== bus); // a mix link on another mix: no list, no notice
  let notice = null;
  let missing = null;
  if (own) {
    missing = missingList(ctx);
    offs.push(followMissing(ctx, `bus/${bus}`, missing.show));
    if (!readOnly) {
      const others = othersChanges(ctx, bus);
      offs.push(others.stop);
      notice = others.root;
    }
  }
  // The channels not reaching the mix come after the mix itself: setting the mix is what the page is for, and a
  // band with many silent inputs would otherwise push every fader off a phone's screen.
  root.append(el("div", { class: "mymix" }, mixHead(ctx, binder, bus, readOnly, auxBuses), notice,
    tools(readOnly, offs), list, returns, missing && missing.root));
  return () => {
    binder.release();
    for (const off of offs) off();
  };
}

/** The mix itself: its name (and, for the engineer, a way to another mix), meters and limiter lamp, mute,
 *  level, "more me", balance; and a notice when a mix link opens a mix that is not its own. */
function mixHead(ctx, binder, bus, readOnly, auxBuses) {
  const { conn, meters } = ctx;
  const B = `bus/${bus}`;
  const stereo = conn.has(`ch/1/send/${bus}/pan`) || conn.has(`${B}/balance`);
  const head = el("section", { class: "mix-head", "aria-label": "My mix" });
  binder.watch(`${B}/color`, (color) => head.style.setProperty("--strip-color", color));
  binder.watch(`${B}/mute`, (muted) => head.classList.toggle("muted", Boolean(muted)));

  const outMeters = el("div", { class: "mix-meters" });
  const width = stereo ? 2 : 1;
  for (let lane = 0; lane < width; lane++) {
    outMeters.append(meters.meter(B, { lane, orientation: "horizontal",
      label: `mix output${width === 2 ? (lane ? " right" : " left") : ""} level` }).root);
  }
  const limiter = meters.gr(B, "limiter_gr", { label: "Limiter", range: 12 });
  limiter.root.classList.add("limiter-lamp");
  binder.watch(`${B}/limiter/on`, (on) => limiter.root.classList.toggle("off", !on));

  const mute = paramToggle(ctx, binder, `${B}/mute`, { label: "mute", text: "Mute", className: "mute big" });
  mute.root.prepend(icon(ICONS.mute));
  const master = paramSlider(ctx, binder, `${B}/fader`, { label: "Mix level", className: "big" });
  const moreMe = paramSlider(ctx, binder, `${B}/moreme`, { label: "More me", format: formatMoreMe });
  moreMe.classList.add("moreme");
  const rows = [master, moreMe];
  if (conn.has(`${B}/balance`)) rows.push(paramSlider(ctx, binder, `${B}/balance`, { label: "Balance" }));
  head.append(mixTitle(ctx, binder, bus, readOnly, auxBuses),
    el("div", { class: "mix-out" }, el("div", { class: "mix-meter-block" }, outMeters, limiter.root), mute.root),
    ...rows);

  if (store.role === "mix" && store.bus !== bus) {
    head.prepend(el("p", { class: "notice warn", role: "note" },
      `Your link controls only “${conn.get(`bus/${store.bus}/name`) || `mix ${store.bus}`}”. Changes to this mix will be refused.`,
      " ", el("a", { href: `#/mix/${store.bus}` }, "Back to my mix")));
  }
  return head;
}

/** "My mix" (or "Mix", "view only") and the mix's name; the engineer can pick another mix here. */
function mixTitle(ctx, binder, bus, readOnly, auxBuses) {
  const title = el("h1", { class: "mix-name" });
  binder.watch(`bus/${bus}/name`, (name) => { title.textContent = name; document.title = `${name} · mixerd`; });
  const own = store.role !== "mix" || store.bus === bus;
  const kicker = el("div", { class: "mix-kicker" }, readOnly ? "Mix · view only" : own ? "My mix" : "Mix");
  const row = el("div", { class: "mix-title" }, el("div", {}, kicker, title));
  if (store.role === "admin" && auxBuses.length > 1) {
    const pick = el("select", { class: "mix-pick", "aria-label": "Show another mix" },
      auxBuses.map((b) => el("option", { value: String(b), selected: b === bus }, ctx.conn.get(`bus/${b}/name`))));
    pick.addEventListener("change", () => ctx.navigate(`#/${readOnly ? "view/" : ""}mix/${pick.value}`));
    row.append(pick);
  }
  return row;
}

/** The hint and the page-wide Fine toggle (kept in step with it; `offs` gets its unsubscribe). */
function tools(readOnly, offs) {
  const fine = new Toggle({ label: "Fine control: moves a fifth as fast", text: "Fine", value: isFineLatched(),
    className: "fine-toggle", onChange: (on) => setFineLatched(on) });
  fine.root.prepend(icon(ICONS.fine));
  offs.push(onFineChange((on) => fine.setValue(on)));
  return el("div", { class: "mix-tools" },
    el("span", { class: "hint" }, "Drag to change · hold still or add a second finger for fine"), readOnly ? null : fine.root);
}

/** Channel `n` in the mix: name and colour, muted badge, the send's value, "me" and on, its fader with the
 *  level that feeds it, and the send pan on a stereo mix. */
function sendRow(ctx, binder, bus, n) {
  const S = `ch/${n}/send/${bus}`;
  const row = el("div", { class: "send-row", dataset: { ch: String(n), address: S } });
  const name = el("span", { class: "send-name" });
  binder.watch(`ch/${n}/name`, (v) => { name.textContent = v; });
  binder.watch(`ch/${n}/color`, (c) => row.style.setProperty("--strip-color", c));

  const me = paramToggle(ctx, binder, `${S}/me`, { label: "is one of my channels (more me)", text: "", className: "me" });
  me.root.append(icon(ICONS.star));
  const on = paramToggle(ctx, binder, `${S}/on`, { label: "in my mix", text: "On", className: "send-on" });
  const badge = el("span", { class: "badge muted-badge", hidden: true }, "muted");
  binder.watch(`ch/${n}/mute`, (m) => { badge.hidden = !m; row.classList.toggle("ch-muted", Boolean(m)); });
  binder.watch(`${S}/on`, (v) => row.classList.toggle("send-off", !v));
  binder.watch(`${S}/me`, (v) => row.classList.toggle("is-me", Boolean(v)));

  const fader = paramSlider(ctx, binder, `${S}/level`, { label: "level in my mix", bare: true, className: "send-fader" });
  fader.track.append(sendMeter(ctx, binder, S, n).root);
  // The value sits on the name line, so the fader gets the whole width of the phone.
  fader.readout.classList.add("send-value");
  row.append(el("div", { class: "send-head" }, name, badge, fader.readout, me.root, on.root), fader.root);
  if (ctx.conn.has(`${S}/pan`)) row.append(paramSlider(ctx, binder, `${S}/pan`, { label: "Pan", className: "send-pan" }));
  return row;
}

/** The FX returns into this mix (`bus/F/return/B/level` of each FX bus F) as faders; null when there are none. */
function fxReturns(ctx, binder, bus) {
  const { conn } = ctx;
  const faders = numbered(conn.values, "bus").filter((f) => conn.has(`bus/${f}/return/${bus}/level`))
    .map((f) => {
      const field = paramSlider(ctx, binder, `bus/${f}/return/${bus}/level`,
        { label: `${conn.get(`bus/${f}/name`)} in my mix`, className: "return-fader" });
      field.dataset.address = `bus/${f}/return/${bus}/level`;
      return field;
    });
  return faders.length ? el("section", { class: "fx-returns", "aria-label": "Effects in my mix" },
    el("h2", { class: "fx-returns-title" }, "Effects in my mix"), faders) : null;
}

/** The meter of what feeds the send: after the inserts for a pre-fader send, after the fader otherwise. */
function sendMeter(ctx, binder, S, n) {
  const meter = ctx.meters.meter(`ch/${n}/inserts`, { orientation: "horizontal", label: "channel level", className: "send-meter" });
  binder.watch(`${S}/pre`, (pre) => {
    meter.point = `ch/${n}/${pre ? "inserts" : "post"}`;
    meter.root.dataset.point = meter.point;
    meter.root.title = pre ? "channel level (pre-fader)" : "channel level (post-fader)";
  });
  return meter;
}
