// Engine health for the console toolbar: is the audio running, at what rate and period, any xruns, is the
// interface there. Pushed by the server over the WebSocket (a `health` message on connect and whenever it
// changes; see connection.js): nothing is asked on a timer. The DSP load, which moves all the time, is on
// GET /health.

import { el } from "./dom.js";

export function healthBadge(conn) {
  const state = el("span", { class: "health-state" }, "…");
  const facts = el("span", { class: "health-facts" });
  const root = el("div", { class: "health", role: "status", "aria-label": "Audio engine" }, state, facts);
  const show = () => {
    const health = conn.health;
    if (!health) return;
    root.dataset.status = health.status || "down";
    state.textContent = health.running ? (health.status === "ok" ? "running" : health.status) : "stopped";
    const parts = [];
    const iface = health.interface;
    if (iface && iface.present === false) {
      state.textContent = "unplugged";
      parts.push(`interface ${iface.card} unplugged: plug it back in`);
    }
    if (health.sample_rate) parts.push(`${(health.sample_rate / 1000).toLocaleString()} kHz`);
    if (health.period && health.sample_rate) parts.push(`${health.period} · ${((health.period / health.sample_rate) * 1000).toFixed(1)} ms`);
    if (Number.isFinite(health.xruns)) parts.push(`${health.xruns} xrun${health.xruns === 1 ? "" : "s"}`);
    facts.textContent = parts.join(" · ");
  };
  conn.addEventListener("health", show);
  show();
  return { root, stop: () => conn.removeEventListener("health", show) };
}
