// "The engineer changed your mix": My mix says when a value of this mix changes and this page did not change it,
// old → new in the words the page uses, with a one-tap "Keep mine" that writes the old values back.
//
// Which changes are this page's own the connection knows (conn.isOwn: the seqs of its acked writes and undos; an
// event of an address this page is still writing is judged once that write is answered).
// A resync (a new `state`) is not a change event: it only refreshes what "before" means.

import { el, formatDb, formatMoreMe, formatPan } from "../dom.js";
import { describeError } from "../api.js";
import { store } from "../store.js";

/** Whether `address` belongs to mix `bus`: its own controls, a channel's send to it, an FX return into it. */
export function inMix(address, bus) {
  return address.startsWith(`bus/${bus}/`) || new RegExp(`^(ch/\\d+/send|bus/\\d+/return)/${bus}/`).test(address);
}

const onOff = (v) => (v ? "on" : "off");

/** "Kick −6.7 → −14.5": what changed, in the words My mix uses. */
export function describeChange(values, bus, address, before, after) {
  const send = /^ch\/(\d+)\/send\/\d+\/(\w+)$/.exec(address);
  const ret = /^bus\/(\d+)\/return\/\d+\/level$/.exec(address);
  if (send) {
    const name = values[`ch/${send[1]}/name`] || `channel ${send[1]}`;
    const what = { level: "", on: " in my mix", pan: " pan", me: " is me", pre: " pre-fader" }[send[2]] ?? ` ${send[2]}`;
    return `${name}${what} ${word(send[2], before)} → ${word(send[2], after)}`;
  }
  if (ret) return `${values[`bus/${ret[1]}/name`] || `bus ${ret[1]}`} return ${word("level", before)} → ${word("level", after)}`;
  const leaf = address.slice(`bus/${bus}/`.length);
  const what = { fader: "Mix level", mute: "Mix mute", moreme: "More me", balance: "Balance" }[leaf] || leaf;
  return `${what} ${word(leaf, before)} → ${word(leaf, after)}`;
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

/** The notice; its `root` goes on top of My mix. Returns {root, stop}. */
export function othersChanges(ctx, bus) {
  const { conn } = ctx;
  let before = snapshot(conn.values, bus);
  let changed = new Map(); // address → {old, now}
  const text = el("p", { class: "others-text" });
  const lines = el("ul", { class: "others-lines" });
  const keep = el("button", { type: "button", class: "btn primary others-keep" }, "Keep mine");
  const ok = el("button", { type: "button", class: "btn others-ok" }, "OK");
  const root = el("section", { class: "others-notice", role: "status", hidden: true }, text, lines,
    el("div", { class: "others-actions" }, keep, ok));
  const hide = () => { root.hidden = true; changed = new Map(); };
  ok.addEventListener("click", hide);
  keep.addEventListener("click", () => {
    const changes = Object.fromEntries([...changed].map(([address, { old }]) => [address, old]));
    keep.disabled = true;
    conn.write(changes, { drag: false }).then(hide, (exc) => ctx.toast(describeError(exc), "error"))
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
  const foreign = ({ address, value, origin }, old) => {
    const entry = changed.get(address);
    if (entry) entry.now = value;
    else changed.set(address, { old, now: value });
    if (entry && entry.old === value) changed.delete(address); // back where it was
    if (!changed.size) { hide(); return; }
    const who = WHO[origin] || (store.role === "mix" ? "The engineer" : "Someone else");
    text.textContent = `${who} changed ${store.role === "mix" ? "your" : "this"} mix:`;
    const shown = [...changed].slice(-3).map(([a, { old: o, now }]) => el("li", {}, describeChange(conn.values, bus, a, o, now)));
    if (changed.size > 3) shown.push(el("li", {}, `and ${changed.size - 3} more`));
    lines.replaceChildren(...shown);
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
