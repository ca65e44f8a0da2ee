// Engine health for the console toolbar: is the audio running, at what rate and period, how loaded, any
// xruns. From GET /health every 2 s (503 with the same body while the engine is down).

import { api } from "./api.js";
import { el } from "./dom.js";

const EVERY_MS = 2000;

export function healthBadge() {
  const state = el("span", { class: "health-state" }, "…");
  const facts = el("span", { class: "health-facts" });
  const root = el("div", { class: "health", role: "status", "aria-label": "Audio engine" }, state, facts);
  let timer = null;
  let alive = true;
  const show = (health) => {
    const engine = health.engine || {};
    root.dataset.status = health.status || "down";
    state.textContent = engine.running ? (health.status === "ok" ? "running" : health.status) : "stopped";
    const parts = [];
    const iface = (health.jack || {}).interface;
    if (iface && iface.present === false) {
      state.textContent = "unplugged";
      parts.push(`interface ${iface.card} unplugged: plug it back in`);
    }
    if (engine.sample_rate) parts.push(`${(engine.sample_rate / 1000).toLocaleString()} kHz`);
    if (engine.period && engine.sample_rate) parts.push(`${engine.period} · ${((engine.period / engine.sample_rate) * 1000).toFixed(1)} ms`);
    if (Number.isFinite(engine.dsp_load)) parts.push(`DSP ${engine.dsp_load.toFixed(1)} %`);
    if (Number.isFinite(engine.xruns)) parts.push(`${engine.xruns} xrun${engine.xruns === 1 ? "" : "s"}`);
    facts.textContent = parts.join(" · ");
  };
  const poll = async () => {
    try {
      show(await api("GET", "health"));
    } catch (exc) {
      // 503: the engine is down, and the body says so
      if (exc.status === 503) show({ status: "down", engine: { running: false } });
    }
    if (alive) timer = setTimeout(poll, EVERY_MS);
  };
  poll();
  return { root, stop: () => { alive = false; clearTimeout(timer); } };
}
