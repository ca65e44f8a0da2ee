// The graphic EQ section of a mix (bus/B) or the main: its in/out switch and 31 vertical sliders, one per ISO
// third-octave band from 20 Hz to 20 kHz ({owner}/geq/K/gain, ±15 dB), each labelled with its frequency, each
// taking a typed value (a tap on its read-out) and its default (a double tap) like every slider. The row scrolls
// sideways where the screen is narrower than 31 finger-wide sliders; "Flat" puts every band back at 0 dB in one
// undo step.

import { describeError } from "../../api.js";
import { el } from "../../dom.js";
import { paramSlider, paramToggle } from "../../controls.js";
import { store } from "../../store.js";
import { toast } from "../../toast.js";
import { card, withSwitch } from "./card.js";

/** The ISO nominal centres (a band's spec names its own: this is the fallback). */
const CENTRES = ["20", "25", "31.5", "40", "50", "63", "80", "100", "125", "160", "200", "250", "315", "400", "500",
  "630", "800", "1k", "1.25k", "1.6k", "2k", "2.5k", "3.15k", "4k", "5k", "6.3k", "8k", "10k", "12.5k", "16k", "20k"];

/** "1k", "31.5", "12.5k": band `k`'s centre, from its spec's description ("… band 18 (1 kHz) gain"). */
function centre(address, k) {
  const spec = store.spec(address);
  const m = spec && /\(([\d.]+)\s*(k?)Hz\)/.exec(spec.description || "");
  return m ? `${m[1]}${m[2]}` : CENTRES[k - 1] || String(k);
}

const short = (v) => (Math.abs(v) < 0.05 ? "0" : `${v > 0 ? "+" : "−"}${Math.abs(v) >= 9.95 ? Math.abs(v).toFixed(0) : Math.abs(v).toFixed(1)}`);

/** The graphic EQ card of `prefix`. */
export function geqCard(ctx, binder, prefix) {
  const { conn } = ctx;
  const section = withSwitch(card("Graphic EQ", "geq"),
    paramToggle(ctx, binder, `${prefix}/geq/on`, { label: "Graphic EQ in", text: "On" }));
  section.classList.add("wide", "geq-card");
  const bands = el("div", { class: "geq-bands", role: "group", "aria-label": "Graphic EQ bands" });
  const gains = [];
  for (let k = 1; conn.has(`${prefix}/geq/${k}/gain`); k++) {
    const address = `${prefix}/geq/${k}/gain`;
    const hz = centre(address, k);
    gains.push(address);
    const slider = paramSlider(ctx, binder, address, { label: `Graphic EQ ${hz}Hz`, orientation: "vertical",
      bare: true, format: short, className: "geq-slider" });
    bands.append(el("div", { class: "geq-band", dataset: { band: String(k) } }, slider.root,
      el("span", { class: "geq-freq", "aria-hidden": "true" }, hz)));
  }
  const flat = el("button", { type: "button", class: "btn geq-flat", disabled: binder.readOnly }, "Flat");
  flat.addEventListener("click", async () => {
    const changes = Object.fromEntries(gains.filter((a) => conn.get(a) !== 0).map((a) => [a, 0]));
    try {
      await conn.write(changes, { drag: false });
    } catch (exc) {
      toast(describeError(exc), "error");
    }
  });
  section.append(el("div", { class: "geq-scroll" }, bands),
    el("div", { class: "row geq-foot" }, el("p", { class: "geq-note" },
      "Drag a band, tap its value to type one, double-tap it for 0 dB."), flat));
  return section;
}
