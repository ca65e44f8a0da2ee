// Undo for the people sharing a mixer: who made a change (an actor, as the server names it) in words, a value in
// its parameter's own unit (from the specs the app loaded), and what an undo or redo did — including what it
// left alone because someone changed it since (the bassist's change survives the engineer's undo).

import { formatDb, formatHz, formatMs, formatMoreMe, formatPan } from "./dom.js";
import { describeAddress } from "./controls.js";
import { store } from "./store.js";

/** Who `actor` is, for a person: "you" (this page's own), "the engineer", "the Drummer mix link", "Home
 *  Assistant", … `self`: this page's actor (conn.actor); `values`: the state (bus names). */
export function actorName(actor, { self = null, values = {} } = {}) {
  if (!actor) return "an undo";
  if (actor === self) return "you";
  const [kind, a] = actor.split(":");
  switch (kind) {
    case "admin": return "the engineer";
    case "mix": return `the ${values[`bus/${a}/name`] || `mix ${a}`} mix link`;
    case "viewer": return "a viewer link";
    case "browser": case "ws": return "another device";
    case "mqtt": return "Home Assistant (MQTT)";
    case "osc": return `an X AIR app${a ? ` (${a})` : ""}`;
    case "rest": return "the REST API";
    case "scene": return "a scene recall";
    case "box": return `the ${a} mixer`; // another box of the fleet copied a channel here
    case "link": return "an audio link (the sender's names)";
    default: return actor;
  }
}

/** `value` of `address` as its parameter's unit says ("−20.0 dB", "120 Hz", "L30", "4:1"). */
export function formatParam(address, value) {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "string") return value === "" ? "(none)" : value;
  if (typeof value !== "number") return String(value);
  const spec = store.spec(address) || {};
  switch (spec.unit) {
    case "dB":
      if (address.endsWith("/moreme")) return formatMoreMe(value);
      // a fader or send at its bottom is closed: −∞; any other dB value is shown as it is
      return `${formatDb(value, { floor: spec.note && spec.note.includes("closed") ? spec.min : -Infinity })} dB`
        .replace("−∞ dB", "−∞");
    case "Hz": return value <= 0 ? "off" : formatHz(value);
    case "ms": return formatMs(value);
    case "%": return spec.min < 0 ? formatPan(value) : `${Math.round(value)} %`;
    case "ratio": return `${Number(value.toPrecision(2))}:1`;
    case "Q": return `Q ${Number(value.toPrecision(2))}`;
    case "dB/oct": return `${Math.round(value)} dB/oct`;
    default: return String(Number(value.toPrecision(4)));
  }
}

/** The toast after an undo or redo (`which`) answered `ack` ({changed, kept}). */
export function describeStep(which, ack, { self = null, values = {} } = {}) {
  const done = which === "undo" ? "Undone" : "Redone";
  const kept = (ack.kept || []).map((k) =>
    `${describeAddress(values, k.address)} (changed since by ${actorName(k.by, { self, values })})`);
  const changed = ack.changed || 0;
  if (!changed && kept.length) return `Nothing ${done.toLowerCase()}: kept ${kept.join(", ")}`;
  const main = `${done}: ${changed} change${changed === 1 ? "" : "s"}`;
  return kept.length ? `${main}; kept ${kept.join(", ")}` : main;
}
