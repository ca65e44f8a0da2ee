// How the signal-flow view words levels: a meter reading, a level in dBFS, a gain, a fader.

import { formatDb } from "../../dom.js";

const SIGNAL_DB = -60; // the diagnostics' threshold: a 2 s peak below this is no signal

/** "−12.0 dBFS" for a meter reading (its 2 s peak), "no signal" below the signal threshold. */
export function formatLevel(level) {
  if (!level) return "";
  if (!(level.hold > SIGNAL_DB)) return "no signal";
  return `${dbfs(level.hold)}${level.hold >= 0 ? " · clips" : ""}`;
}

/** "−12.0 dBFS". */
export const dbfs = (value) => `${formatDb(value, { floor: -Infinity, plus: false })} dBFS`;
/** A gain: "+3.0", "−90.0" (no −∞). */
export const db = (value) => formatDb(value, { floor: -Infinity });
/** A fader or send level: "−6.0", "−∞" when closed. */
export const fader = (value) => formatDb(value);
