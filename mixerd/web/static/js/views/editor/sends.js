// A channel's sends section: a line per bus it can send to — the bus's name and colour, on, pre-fader, the
// level, and the pan on a stereo bus.

import { el, numbered } from "../../dom.js";
import { paramSlider, paramToggle } from "../../controls.js";
import { card } from "./card.js";

/** The sends card of channel `prefix`. */
export function sendsCard(ctx, binder, prefix) {
  const sends = card("Sends", "sends");
  for (const b of numbered(ctx.conn.values, "bus")) {
    if (ctx.conn.has(`${prefix}/send/${b}/level`)) sends.append(sendLine(ctx, binder, prefix, b));
  }
  return sends;
}

function sendLine(ctx, binder, prefix, b) {
  const send = `${prefix}/send/${b}`;
  const to = ctx.conn.get(`bus/${b}/name`);
  const row = el("div", { class: "send-line", dataset: { address: send } });
  const name = el("span", { class: "send-line-name" });
  binder.watch(`bus/${b}/name`, (v) => { name.textContent = v; });
  binder.watch(`bus/${b}/color`, (c) => row.style.setProperty("--strip-color", c));
  binder.watch(`${send}/on`, (on) => row.classList.toggle("send-off", !on));
  row.append(name,
    paramToggle(ctx, binder, `${send}/on`, { label: `send to ${to} on`, text: "On" }).root,
    paramToggle(ctx, binder, `${send}/pre`, { label: `send to ${to} pre-fader`, text: "Pre" }).root,
    paramSlider(ctx, binder, `${send}/level`, { label: `send level to ${to}`, bare: true }).root);
  if (ctx.conn.has(`${send}/pan`)) {
    row.append(paramSlider(ctx, binder, `${send}/pan`, { label: `send pan to ${to}`, bare: true,
      className: "send-line-pan" }).root);
  }
  return row;
}
