// "The engineer changed your mix": My mix says when a value of this mix changes and this page did not change it,
// old → new in the words the page uses (names, never addresses: names.js), with a one-tap "Keep mine" that
// writes the old values back. "Keep mine" takes back only what this page has a control for (`keepable`): the rest
// (a send made pre-fader, the mix's limiter or EQ) is listed as the engineer's setting, not offered to undo.
//
// Which changes are this page's own the connection knows (conn.isOwn: the seqs of its acked writes and undos; an
// event of an address this page is still writing is judged once that write is answered).
// A resync (a new `state`) is not a change event: it only refreshes what "before" means.

import { el, formatDb, formatMoreMe, formatPan } from "../dom.js";
import { capital, describeFailure, nameOf } from "../names.js";
import { store } from "../store.js";
import { actorName } from "../undo.js";

/** Whether `address` belongs to mix `bus`: its own controls, a channel's send to it, an FX return into it. */
export function inMix(address, bus) {
  return address.startsWith(`bus/${bus}/`) || new RegExp(`^(ch/\\d+/send|bus/\\d+/return)/${bus}/`).test(address);
}

const onOff = (v) => (v ? "on" : "off");

/** "Kick −6.7 → −14.5": what changed, in the words My mix uses (names.js for what it has no words of its own). */
export function describeChange(values, bus, address, before, after) {
  const send = /^ch\/(\d+)\/send\/\d+\/(\w+)$/.exec(address);
  const ret = /^bus\/(\d+)\/return\/\d+\/level$/.exec(address);
  const leaf = address.split("/").pop();
  const change = `${word(leaf, before)} → ${word(leaf, after)}`;
  if (send) {
    const name = values[`ch/${send[1]}/name`] || `channel ${send[1]}`;
    const what = { level: "", on: " in my mix", pan: " pan", me: " is me", pre: " pre-fader" }[send[2]];
    return what === undefined ? `${nameOf(address, values)} ${change}` : `${name}${what} ${change}`;
  }
  if (ret) return `${values[`bus/${ret[1]}/name`] || `bus ${ret[1]}`} return ${change}`;
  const own = { fader: "Mix level", mute: "Mix mute", moreme: "More me", balance: "Balance" };
  const what = own[address.slice(`bus/${bus}/`.length)];
  return `${what || capital(nameOf(address, values))} ${change}`;
}

function word(leaf, value) {
  if (typeof value === "boolean") return onOff(value);
  if (typeof value !== "number") return String(value);
  if (leaf === "pan" || leaf === "balance") return formatPan(value);
  if (leaf === "moreme") return formatMoreMe(value);
  if (leaf === "level" || leaf === "fader") return formatDb(value);
  return String(Number(value.toFixed(2)));
}

const WHO = { scene: "A scene recall", undo: "An undo", redo: "A redo", mqtt: "An automation (MQTT)", system: "The mixer" };

/** The notice; its `root` goes on top of My mix. `keepable(address)`: whether this page has a control for it
 *  ("Keep mine" writes those back; the others are the engineer's settings). Returns {root, stop}. */
export function othersChanges(ctx, bus, { keepable = () => true } = {}) {
  const { conn } = ctx;
  let before = snapshot(conn.values, bus);
  let changed = new Map(); // address → {old, now}
  const text = el("p", { class: "others-text" });
  const lines = el("ul", { class: "others-lines" });
  const theirs = el("ul", { class: "others-lines others-theirs" });
  const keep = el("button", { type: "button", class: "btn primary others-keep" }, "Keep mine");
  const ok = el("button", { type: "button", class: "btn others-ok" }, "OK");
  const root = el("section", { class: "others-notice", role: "status", hidden: true }, text, lines, theirs,
    el("div", { class: "others-actions" }, keep, ok));
  const hide = () => { root.hidden = true; changed = new Map(); };
  ok.addEventListener("click", hide);
  keep.addEventListener("click", () => {
    const changes = Object.fromEntries([...changed].filter(([address]) => keepable(address))
      .map(([address, { old }]) => [address, old]));
    keep.disabled = true;
    conn.write(changes, { drag: false }).then(hide, (exc) => ctx.toast(describeFailure(exc, conn.values), "error"))
      .finally(() => { keep.disabled = false; });
  });
  const onChange = (e) => {
    const { address, value } = e.detail;
    if (!inMix(address, bus)) return;
    const old = before[address];
    before[address] = value;
    if (old === undefined || old === value) return;
    conn.isOwn(e.detail).then((mine) => { if (!mine && alive) foreign(e.detail, old); });
  };
  const foreign = ({ address, value, origin, actor }, old) => {
    const entry = changed.get(address);
    if (entry) entry.now = value;
    else changed.set(address, { old, now: value });
    if (entry && entry.old === value) changed.delete(address); // back where it was
    if (!changed.size) { hide(); return; }
    // Who, as the server says (a scene recall is named as one, whoever recalled it)
    const who = origin !== "scene" && actor ? capital(actorName(actor, { values: conn.values }))
      : WHO[origin] || (store.role === "mix" ? "The engineer" : "Someone else");
    text.textContent = `${who} changed ${store.role === "mix" ? "your" : "this"} mix:`;
    const line = ([a, { old: o, now }]) => describeChange(conn.values, bus, a, o, now);
    const mine = [...changed].filter(([a]) => keepable(a));
    const shown = mine.slice(-3).map((entry) => el("li", {}, line(entry)));
    if (mine.length > 3) shown.push(el("li", {}, `and ${mine.length - 3} more`));
    lines.replaceChildren(...shown);
    const settings = [...changed].filter(([a]) => !keepable(a));
    theirs.replaceChildren(...settings.slice(-3).map((entry) => el("li", {}, `The engineer's setting: ${line(entry)}`)),
      ...(settings.length > 3 ? [el("li", {}, `and ${settings.length - 3} more`)] : []));
    lines.hidden = !mine.length;
    theirs.hidden = !settings.length;
    keep.hidden = !mine.length;
    root.hidden = false;
  };
  const onState = () => { before = snapshot(conn.values, bus); };
  let alive = true;
  conn.addEventListener("change", onChange);
  conn.addEventListener("state", onState);
  return { root, stop: () => {
    alive = false;
    conn.removeEventListener("change", onChange);
    conn.removeEventListener("state", onState);
  } };
}

function snapshot(values, bus) {
  return Object.fromEntries(Object.entries(values).filter(([address]) => inMix(address, bus)));
}
