// Plain-language names for addresses: what a musician calls a control ("Snare fader", "Snare in Drummer mix",
// "Reverb return in your mix"), made from the channel and bus names the mixer holds and the kinds of its buses
// (the state's layout, in the store). Views that show a message to a person run it through here, so a refusal or
// a problem says "Snare mute", never "ch/2/mute".
//
// `mine` is the mix that is "your mix" in the words (a mix link's own bus by default; null: none is).

import { describeError } from "./api.js";
import { store } from "./store.js";

/** Any address of the mixer's address space inside running text. */
const ADDRESS = /\b(?:(?:ch|bus|dca|mutegroup|gen)\/\d+|main|solo|talkback)(?:\/[a-z0-9]+)*\b/g;
/** An address that is more than a bare word ("main", "solo" alone are words, not addresses). */
const isAddress = (text) => text.includes("/");

const CHANNEL_WORDS = {
  fader: "fader", mute: "mute", solo: "solo", talk: "talking to the engineer", trim: "trim", pan: "pan", polarity: "polarity invert",
  main: "on the main", name: "name", color: "colour", order: "insert order",
  "hpf/on": "low cut", "hpf/freq": "low-cut frequency", "hpf/slope": "low-cut slope", "eq/on": "EQ",
  "gate/on": "gate", "dyn/on": "compressor", "dyn/makeup": "compressor make-up gain",
};
const BUS_WORDS = {
  fader: "level", mute: "mute", solo: "solo", pan: "pan", balance: "balance", main: "on the main", name: "name",
  color: "colour", kind: "kind", "eq/on": "EQ", "limiter/on": "limiter", "limiter/threshold": "limiter threshold",
  "limiter/release": "limiter release", "geq/on": "graphic EQ", delay: "output delay", ringout: "ring-out",
};
/** The graphic EQ's band names (ISO third-octave centres), band 1 … 31. */
const GEQ_BANDS = ["20", "25", "31.5", "40", "50", "63", "80", "100", "125", "160", "200", "250", "315", "400",
  "500", "630", "800", "1k", "1.25k", "1.6k", "2k", "2.5k", "3.15k", "4k", "5k", "6.3k", "8k", "10k", "12.5k",
  "16k", "20k"];
const MAIN_WORDS = { ...BUS_WORDS, fader: "fader" };
const SECTION = { eq: "EQ", gate: "gate", dyn: "compressor", limiter: "limiter", fx: "effect", hpf: "low cut" };

/** The mix a mix link may change: "your mix" in the words. */
export function ownMix() {
  return store.role === "mix" ? store.bus : null;
}

/** A channel's name ("Snare"), or "channel 2" before the state has it. */
export function channelName(values, n) {
  return values[`ch/${n}/name`] || `channel ${n}`;
}

/** What a bus is called in a sentence: "your mix", "Drummer mix", "Reverb", "Drums group". */
export function busName(values, b, { mine = ownMix() } = {}) {
  const kind = busKind(values, b);
  if (kind === "aux" && Number(b) === Number(mine)) return "your mix";
  const name = values[`bus/${b}/name`] || `bus ${b}`;
  if (kind === "aux") return /\bmix$/i.test(name) ? name : `${name} mix`;
  if (kind === "group") return /\bgroup$/i.test(name) ? name : `${name} group`;
  return name;
}

/** "aux", "fx" or "group" (the layout's word; a bus with "more me" is a monitor mix). */
function busKind(values, b) {
  const bus = store.layout && store.layout.buses ? store.layout.buses[b - 1] : null;
  if (bus && bus.kind) return bus.kind;
  if (values[`bus/${b}/kind`]) return values[`bus/${b}/kind`];
  return values[`bus/${b}/moreme`] !== undefined ? "aux" : "fx";
}

/** The short human label of `address`: "Snare fader", "Snare in Drummer mix", "Snare's send to your mix",
 *  "Reverb return in your mix", "More me in your mix", "the main fader": written for the middle of a sentence
 *  (`capital` for the start of one). Never the address itself. */
export function nameOf(address, values, { mine = ownMix() } = {}) {
  const parts = String(address).split("/");
  const [family, number] = parts;
  const rest = parts.slice(2);
  if (family === "ch" && /^\d+$/.test(number)) return channelLabel(values, Number(number), rest, mine);
  if (family === "bus" && /^\d+$/.test(number)) return busLabel(values, Number(number), rest, mine);
  if (family === "main") return `the main ${leafWords(parts.slice(1), MAIN_WORDS)}`.trim();
  if (family === "dca" && /^\d+$/.test(number)) {
    return `DCA ${values[`dca/${number}/name`] || number} ${leafWords(rest, MAIN_WORDS)}`.trim();
  }
  if (family === "mutegroup" && /^\d+$/.test(number)) {
    const name = values[`mutegroup/${number}/name`] || number;
    return rest[0] === "on" || !rest.length ? `mute group ${name}` : `mute group ${name} ${leafWords(rest, BUS_WORDS)}`;
  }
  if (family === "gen" && /^\d+$/.test(number)) return `signal generator ${number} ${rest.join(" ")}`.trim();
  if (family === "solo") return `solo ${parts.slice(1).join(" ")}`.trim();
  if (family === "talkback") return talkbackLabel(values, parts.slice(1), mine);
  if (family === "feedback") {
    return { watch: "the feedback finder on every mix", auto: "automatic feedback notches" }[number]
      || `feedback ${parts.slice(1).join(" ")}`;
  }
  return parts.join(" ");
}

/** "Talk A", "Talk A to Drummer mix", "Talk A to the main", "the talkback mic": a talk button is called by its
 *  name, and turning it on is talking. */
function talkbackLabel(values, rest, mine) {
  const [first, ...more] = rest;
  if (!/^\d+$/.test(first || "")) {
    return { source: "the talkback mic", level: "the talkback level", dim: "the talkback dim" }[first]
      || `talkback ${rest.join(" ")}`.trim();
  }
  const talk = values[`talkback/${first}/name`] || `talk button ${first}`;
  if (more[0] === "to" && more[1]) {
    return more[1] === "main" ? `${talk} to the main` : `${talk} to ${busName(values, Number(more[1]), { mine })}`;
  }
  if (more[0] === "name") return `${talk} name`;
  return talk;
}

function channelLabel(values, n, rest, mine) {
  const ch = channelName(values, n);
  if (!rest.length) return ch;
  if (rest[0] === "send" && rest.length >= 2) {
    const b = Number(rest[1]);
    const to = busName(values, b, { mine });
    const kind = busKind(values, b);
    const into = kind === "fx" ? `to ${to}` : `in ${to}`; // an effect is sent to; a mix or a group holds it
    switch (rest[2]) {
      case undefined: case "level": return kind === "fx" ? `${ch}'s send to ${to}` : `${ch} in ${to}`;
      case "on": return `${ch}'s send to ${to}`;
      case "pre": return `${ch}'s send to ${to} before the fader`;
      case "pan": return `${ch} pan ${into}`;
      case "me": return `${ch} marked as me ${into}`;
      default: return `${ch} ${rest.slice(2).join(" ")} ${into}`;
    }
  }
  if (rest[0] === "dca") return `${ch} in DCA ${values[`dca/${rest[1]}/name`] || rest[1]}`;
  if (rest[0] === "mutegroup") return `${ch} in mute group ${values[`mutegroup/${rest[1]}/name`] || rest[1]}`;
  return `${ch} ${leafWords(rest, CHANNEL_WORDS)}`;
}

function busLabel(values, b, rest, mine) {
  const bus = busName(values, b, { mine });
  if (!rest.length) return bus;
  if (rest[0] === "return") {
    const into = rest[1] === "main" ? "to the main" : `in ${busName(values, Number(rest[1]), { mine })}`;
    return `${values[`bus/${b}/name`] || `bus ${b}`} return ${into}`;
  }
  if (rest[0] === "moreme") return `More me in ${bus}`;
  return `${bus} ${leafWords(rest, BUS_WORDS)}`;
}

/** "fader", "EQ band 2 gain", "compressor threshold": the words for the part of a strip an address names. */
function leafWords(rest, table) {
  const key = rest.join("/");
  if (table[key]) return table[key];
  if (rest[0] === "eq" && /^\d+$/.test(rest[1] || "")) {
    const what = { freq: "frequency", q: "Q", gain: "gain", type: "type" }[rest[2]] || rest.slice(2).join(" ");
    return `EQ band ${rest[1]} ${what}`.trim();
  }
  if (rest[0] === "geq" && /^\d+$/.test(rest[1] || "")) return `graphic EQ ${GEQ_BANDS[Number(rest[1]) - 1] || rest[1]} Hz`;
  if (SECTION[rest[0]]) return `${SECTION[rest[0]]} ${rest.slice(1).join(" ")}`.trim();
  return rest.join(" ");
}

/** `text` with its first letter in upper case (a label that starts a line). */
export function capital(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/** `text` with every address in it put in words: "unmute ch/2/mute" → "unmute Snare", "bus/1 (Drummer): …" →
 *  "Drummer mix: …", "lower ch/2/send/1/level" → "lower Snare in Drummer mix", "(ch/2/main)" after words that
 *  already say it → nothing. Text without an address comes back as it was. */
export function plainText(text, values, { mine = ownMix() } = {}) {
  if (typeof text !== "string" || !text) return text;
  let out = text;
  // A verb that already says what the control does: "unmute ch/2/mute" is "unmute Snare".
  out = out.replace(/\b(unmute|mute) ((?:ch|bus|dca)\/\d+|main)\/mute\b/g,
    (_, verb, owner) => `${verb} ${ownerWords(values, owner, mine)}`);
  // "Snare: … muted (by ch/2/mute)": its own mute goes without saying.
  out = out.replace(/ \(by (ch\/\d+)\/mute\)/g, (whole, owner, at, all) =>
    (saysAlready(all.slice(0, at), owner, values) ? "" : whole));
  // "bus/1 (Drummer): …", "ch/2 (Snare): …": the name is enough.
  out = out.replace(/\b((?:ch|bus)\/\d+) \(([^()]*)\)/g, (whole, owner, name) =>
    (values[`${owner}/name`] === name ? ownerWords(values, owner, mine) : whole));
  // "(ch/2/send/1/on)" after words that already name the channel and the bus: dropped; else put in words.
  const inParens = / ?\(((?:ch|bus|dca|mutegroup|gen)\/\d+(?:\/[a-z0-9]+)*|(?:main|talkback)\/[a-z0-9/]+)\)/g;
  out = out.replace(inParens, (whole, address, at, all) => {
    const before = all.slice(Math.max(0, all.lastIndexOf(";", at) + 1), at);
    return saysAlready(before, address, values) ? "" : ` (${nameOf(address, values, { mine })})`;
  });
  out = out.replace(ADDRESS, (address, at, all) => {
    if (!isAddress(address)) return address;
    const label = nameOf(address, values, { mine });
    return at === 0 || /[.:!?]\s*$/.test(all.slice(0, at)) ? capital(label) : label;
  });
  // "a mix link for bus 1": the musician's own words for it.
  out = out.replace(/\ba mix link for bus (\d+)\b/g, (_, b) =>
    (Number(b) === Number(mine) ? "your link" : `the link for ${busName(values, Number(b), { mine })}`));
  out = out.replace(/^main:/, "The main:");
  return /^(?:ch|bus|dca|mutegroup|gen|main|talkback)\//.test(text) ? capital(out) : out;
}

/** The channel's name, "Drummer mix", "the main": the thing an owner address stands for. */
function ownerWords(values, owner, mine) {
  if (owner === "main") return "the main";
  const [family, n] = owner.split("/");
  if (family === "ch") return channelName(values, n);
  if (family === "bus") return busName(values, Number(n), { mine });
  return nameOf(owner, values, { mine });
}

/** Whether `words` already name the channel and the bus of `address` (so "(address)" adds nothing). */
function saysAlready(words, address, values) {
  const m = /^(ch|bus)\/(\d+)(?:\/(?:send|return)\/(\d+|main))?/.exec(address);
  if (!m) return false;
  const has = (name) => Boolean(name) && words.includes(name);
  if (!has(values[`${m[1]}/${m[2]}/name`])) return false;
  if (!m[3]) return true;
  return m[3] === "main" ? /\bmain\b/.test(words) : has(values[`bus/${m[3]}/name`]);
}

/** A refused or failed change in words: "Refused: only the engineer can change Snare mute (your link changes
 *  only your mix)". Takes an ApiError (api.js) or the line describeError made of one. */
export function describeFailure(error, values, { mine = ownMix() } = {}) {
  const text = typeof error === "string" ? error : describeError(error);
  const refused = /^Refused \(403\): (?:a mix link for bus (\d+)|[^:]*?) may not change (\S+?)(?:,| and |$)/.exec(text);
  if (refused && isAddress(refused[2])) {
    const bus = refused[1] ? Number(refused[1]) : null;
    const what = nameOf(refused[2], values, { mine });
    const scope = bus !== null && bus === Number(mine) ? " (your link changes only your mix)" : "";
    return `Refused: only the engineer can change ${what}${scope}`;
  }
  return capital(plainText(text, values, { mine }));
}
