// mixerd live status: strips from /api/v1/state, meters ~10×/s, health and state each second.
// Plain ES module, no dependencies. Names are user text: always set through textContent.

const API = "api/v1";
const METER_MS = 100;
const HEALTH_MS = 1000;
const FLOOR = -120;       // engine floor: at or below means silence
const SCALE_MIN = -60;    // left edge of the bars
const CLIP_HOLD_MS = 2000;

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function getJSON(path) {
  const response = await fetch(`${API}/${path}`, { cache: "no-store" });
  // /health answers 503 with a normal body while the engine is down: still worth showing.
  if (!response.ok && response.status !== 503) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

export function formatDb(db) {
  if (!Number.isFinite(db) || db <= FLOOR) return "-∞";
  return db.toFixed(1);
}

function percent(db) {
  const clamped = Number.isFinite(db) ? Math.min(0, Math.max(SCALE_MIN, db)) : SCALE_MIN;
  return ((clamped - SCALE_MIN) / -SCALE_MIN) * 100;
}

// One metering point (e.g. "ch/1/post", "bus/2"): a lane per audio channel, built when data arrives.
class MeterGroup {
  constructor(parent, point, label) {
    this.point = point;
    this.label = label;
    this.root = el("div", "meter-group");
    this.root.dataset.point = point;
    this.lanes = [];
    this.clipUntil = [];
    this.lastClips = [];
    parent.append(this.root);
  }

  build(width) {
    this.root.replaceChildren();
    this.lanes = [];
    for (let i = 0; i < width; i++) {
      const side = width === 2 ? (i === 0 ? " L" : " R") : "";
      const lane = el("div", "meter");
      const bar = el("div", "bar");
      const mask = el("div", "mask");
      const hold = el("div", "hold");
      const readout = el("output", "readout", "-∞");
      bar.append(mask, hold);
      lane.append(el("span", "meter-label", `${this.label}${side}`.trim()), bar, readout);
      this.root.append(lane);
      this.lanes.push({ mask, hold, readout });
    }
    this.clipUntil = new Array(width).fill(0);
    this.lastClips = new Array(width).fill(null);
  }

  update(data, now) {
    const peak = data.peak || [];
    if (peak.length !== this.lanes.length) this.build(peak.length);
    // The inserts stage and the outputs carry the strip's dynamics and loudness figures.
    if ("dyn_gr" in data || "lufs_s" in data) {
      this.root.parentElement.querySelector(".strip-dynamics").textContent = describeDynamics(data);
    }
    this.lanes.forEach((lane, i) => {
      const p = peak[i];
      lane.mask.style.width = `${100 - percent(p)}%`;
      const hold = (data.hold || [])[i];
      lane.hold.style.left = `calc(${percent(hold ?? FLOOR)}% - 2px)`;
      lane.hold.hidden = !(hold > SCALE_MIN);
      lane.readout.textContent = formatDb(p);
      // A clip lights the readout for a while after the engine's clip count went up.
      const clips = (data.clips || [])[i] ?? 0;
      if (this.lastClips[i] !== null && clips > this.lastClips[i]) this.clipUntil[i] = now + CLIP_HOLD_MS;
      this.lastClips[i] = clips;
      lane.readout.classList.toggle("clip", now < this.clipUntil[i]);
    });
  }
}

// Gain reduction, loudness and true peak of a meter point, where it has them ("" otherwise).
export function describeDynamics(data) {
  const parts = [];
  if (data.gate_gr > 0.05) parts.push(`gate −${data.gate_gr.toFixed(1)} dB`);
  if (data.dyn_gr > 0.05) parts.push(`comp −${data.dyn_gr.toFixed(1)} dB`);
  if (Number.isFinite(data.lufs_s)) parts.push(`${formatDb(data.lufs_s)} LUFS-S`);
  if (data.true_peak) parts.push(`${formatDb(Math.max(...data.true_peak))} dBTP`);
  if (data.limiter_gr > 0.05) parts.push(`limit −${data.limiter_gr.toFixed(1)} dB`);
  return parts.join(" · ");
}

function strip(parent, address, name, color) {
  const root = el("div", "strip");
  root.dataset.address = address;
  if (color) root.style.setProperty("--strip-color", color);
  root.append(el("div", "strip-name", name), el("div", "strip-state"), el("div", "strip-dynamics"));
  parent.append(root);
  return root;
}

function formatPan(pan) {
  if (!pan) return "C";
  return `${pan < 0 ? "L" : "R"}${Math.round(Math.abs(pan))}`;
}

// One line of the settings that decide what a strip lets through: fader, pan, mute, main assign.
export function describe(values, address) {
  const fader = values[`${address}/fader`];
  const parts = [fader <= -90 ? "fader closed" : `fader ${fader > 0 ? "+" : ""}${fader.toFixed(1)} dB`];
  if (`${address}/pan` in values && address.startsWith("ch/")) parts.push(`pan ${formatPan(values[`${address}/pan`])}`);
  if (values[`${address}/main`] === false) parts.push("not on main");
  if (values[`${address}/mute`]) parts.push("MUTED");
  return parts.join(" · ");
}

function showState(values) {
  for (const root of document.querySelectorAll(".strip[data-address]")) {
    const address = root.dataset.address;
    root.querySelector(".strip-name").textContent = values[`${address}/name`] ?? "Main";
    root.querySelector(".strip-state").textContent = describe(values, address);
    root.classList.toggle("muted", Boolean(values[`${address}/mute`]));
  }
}

const groups = new Map();   // point → MeterGroup

function numbered(values, family) {
  const pattern = new RegExp(`^${family}/(\\d+)/name$`);
  return Object.keys(values)
    .map((key) => key.match(pattern))
    .filter(Boolean)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
}

function buildStrips(values) {
  groups.clear();
  for (const [id, family, points] of [
    ["channels", "ch", [["input", "in"], ["inserts", "ins"], ["post", "post"]]],
    ["buses", "bus", [[null, ""]]],
  ]) {
    const container = $(id);
    container.replaceChildren();
    for (const n of numbered(values, family)) {
      const address = `${family}/${n}`;
      const root = strip(container, address, values[`${address}/name`], values[`${address}/color`]);
      for (const [suffix, label] of points) {
        const point = suffix ? `${address}/${suffix}` : address;
        groups.set(point, new MeterGroup(root, point, label));
      }
    }
  }
  const main = $("main");
  main.replaceChildren();
  groups.set("main", new MeterGroup(strip(main, "main", "Main"), "main", ""));
}

function showMeters(snapshot) {
  const now = performance.now();
  for (const [point, data] of Object.entries(snapshot.points || {})) {
    groups.get(point)?.update(data, now);
  }
}

function showHealth(health) {
  const engine = health.engine || {};
  const pill = $("engine-state");
  pill.dataset.status = health.status || "down";
  pill.textContent = engine.running ? (health.status === "ok" ? "running" : health.status) : "stopped";
  const rate = engine.sample_rate;
  $("sample-rate").textContent = rate ? `${(rate / 1000).toLocaleString()} kHz` : "–";
  const period = $("period");
  period.textContent = engine.period ? `${engine.period}` : "–";
  if (engine.period && rate) {
    period.append(el("span", "sub", `${((engine.period / rate) * 1000).toFixed(1)} ms`));
  }
  $("xruns").textContent = engine.xruns ?? "–";
  $("dsp-load").textContent = Number.isFinite(engine.dsp_load) ? `${engine.dsp_load.toFixed(1)} %` : "–";
}

function showOffline() {
  const pill = $("engine-state");
  pill.dataset.status = "offline";
  pill.textContent = "offline";
}

// Each loop schedules its next run only after the previous request finished, so a slow network
// never piles up requests.
function every(ms, task) {
  const run = async () => {
    try { await task(); } catch { showOffline(); }
    setTimeout(run, ms);
  };
  run();
}

async function loadState() {
  for (;;) {
    try {
      const state = await getJSON("state");
      buildStrips(state.values);
      showState(state.values);
      return;
    } catch {
      showOffline();
      await new Promise((resolve) => setTimeout(resolve, HEALTH_MS));
    }
  }
}

async function start() {
  every(HEALTH_MS, async () => showHealth(await getJSON("health")));
  await loadState();
  every(METER_MS, async () => showMeters(await getJSON("meters")));
  every(HEALTH_MS, async () => showState((await getJSON("state")).values));
}

start();
