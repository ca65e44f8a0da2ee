// The stages of a signal path as the flow view lists them: a line per stage (its name linking to its control,
// its state, the level after it, what it holds, the problems found there), kept in step with each new trace.
// What the mixer says (problems, fixes, what mutes a channel, the paths to the main) is shown with names, never
// addresses (names.js).

import { el, formatHz, formatPan, icon } from "../../dom.js";
import { EqGraph, readEq } from "../../eq.js";
import { ICONS } from "../../icons.js";
import { busName, nameOf, plainText } from "../../names.js";
import { store } from "../../store.js";
import { db, dbfs, fader, formatLevel } from "./format.js";

const port = (name) => name.replace(/^mixerd:/, "");
const portsIn = (ports) => ports.map((p) => (p.connections.length ? `${port(p.port)} ← ${p.connections.join(", ")}`
  : `${port(p.port)}: nothing connected`));
const portsOut = (ports) => ports.map((p) => (p.connections.length ? `${port(p.port)} → ${p.connections.join(", ")}`
  : `${port(p.port)}: connected to nothing`)).join(" · ");

/** A graphic EQ band's ISO nominal centre as it is printed on the sliders: "31.5 Hz", "1 kHz", "1.25 kHz". */
const nominalHz = (hz) => (hz >= 1000 ? `${hz / 1000} kHz` : `${hz} Hz`);

/** What a bus or the main is called in a line: "Drummer mix", "Drums group", "the main" (`to`: "bus/2", "main"). */
const destination = (to, v) => (to === "main" ? "the main" : busName(v, Number(to.split("/")[1])));

/** A channel an audio link brings in: "from the stage box (link stage): receiving, 11.2 ms, no dropouts". */
export const linkLine = (l) => {
  const state = !l.running ? "its bridge is not running" : l.state === "receiving" ? "receiving"
    : l.state === "waiting" ? "waiting for the other box" : l.state;
  const latency = l.latency_ms != null ? `, ${l.latency_ms.toFixed(1)} ms (buffer ${l.buffer_ms} ms)` : "";
  const lost = l.dropouts_last_minute ? `, ${l.dropouts_last_minute} dropout${l.dropouts_last_minute === 1 ? "" : "s"} in the last minute`
    : l.dropouts ? `, ${l.dropouts} dropout${l.dropouts === 1 ? "" : "s"} since it started` : ", no dropouts";
  return `from link ${l.name}${l.from ? ` (${l.from})` : ""}: ${state}${latency}${lost}`;
};

/** One line for a stage's state, by stage (`v`: the mixer's values, for names). */
const DESCRIBE = {
  input: (s, stage, v) => [...(s.link ? [linkLine(s.link)] : []), ...portsIn(s.ports), ...s.generators.map((g) => nameOf(g, v))]
    .join(" · ") || (s.ports_known ? "no input port" : "ports not known"),
  trim: (s) => `${db(s.trim)} dB${s.polarity ? " · polarity inverted" : ""}`,
  hpf: (s) => (s.on ? `${formatHz(s.freq)}, ${s.slope} dB/oct` : "bypassed"),
  eq: (s) => {
    if (!s.on) return "bypassed";
    if (!s.bands) return "in";
    const shaping = s.bands.filter((b) => b.type.endsWith("cut") || Math.abs(b.gain) >= 0.05).length;
    return `${shaping} of ${s.bands.length} bands shaping${s.max_boost >= 0.05 ? ` · boost up to ${db(s.max_boost)} dB` : ""}`;
  },
  gate: (s) => (s.on ? `threshold ${db(s.threshold)} dB, range ${db(s.range)} dB` : "bypassed"),
  dyn: (s) => (s.on ? `threshold ${db(s.threshold)} dB, ${Number(s.ratio.toPrecision(2))}:1, make-up ${db(s.makeup)} dB`
    : "bypassed"),
  mute: (s, stage, v) => (s.muted ? `muted by ${s.muted_by.map((a) => (/^ch\/\d+\/mute$/.test(a) ? "its own mute"
    : nameOf(a, v))).join(", ")}` : "open"),
  fader: (s, stage, v) => {
    let text = `${fader(s.fader)} dB`;
    if (s.effective !== undefined && Math.abs(s.effective - s.fader) >= 0.05) {
      text += ` (${fader(s.effective)} dB with ${s.dcas.map((d) => nameOf(d, v)).join(", ")})`;
    }
    if (s.muted) text += " · muted";
    return text;
  },
  sends: (s, stage) => `${s.open} of ${stage.sends.length} open`,
  main: (s, stage, v) => {
    if (!s.assigned) return "not assigned to the main mix";
    if (s.pan === undefined) return "assigned to the main mix";
    const paths = s.paths.length > 1 ? ` · ${s.paths.length} paths (${s.paths.map((p) => (p === "direct" ? p
      : `through ${destination(p, v)}`)).join(", ")})` : "";
    return `assigned · pan ${formatPan(s.pan)} · main ${fader(s.main_fader)} dB${s.main_muted ? " (muted)" : ""}${paths}`;
  },
  outputs: (s) => portsOut(s.ports) || "no output port",
  sources: (s, stage) => (s.count ? `${stage.sources.filter((x) => x.signal).length} of ${s.count} with signal`
    : "nothing feeds it"),
  effect: (s) => s.type,
  geq: (s) => {
    if (!s.on) return "bypassed";
    if (!s.bands.length) return "in, flat";
    const shown = s.bands.slice(0, 4).map((b) => `${nominalHz(b.freq)} ${db(b.gain)} dB`).join(", ");
    return `${s.bands.length} of 31 bands set: ${shown}${s.bands.length > 4 ? " …" : ""}`;
  },
  limiter: (s) => (s.on ? `ceiling ${db(s.threshold)} dB` : "off"),
  delay: (s) => (s.ms > 0 ? `${Number(s.ms.toFixed(2))} ms` : "none"),
  returns: (s, stage, v) => Object.entries(s.returns).map(([to, level]) => `to ${destination(to, v)} ${fader(level)} dB`).join(" · ")
    || "returns to nothing",
};

/** Keeps `list`'s children in step with `rows` (by `key`), each made once by `make()` and updated in place: a
 *  finger on a link keeps its target while the trace refreshes under it. */
export function syncRows(list, rows, key, make) {
  const known = list.rows || (list.rows = new Map());
  const nodes = rows.map((row) => {
    let item = known.get(key(row));
    if (!item) known.set(key(row), (item = make(row)));
    item.update(row);
    return item.root;
  });
  if (nodes.length !== list.children.length || nodes.some((node, i) => list.children[i] !== node)) {
    list.replaceChildren(...nodes);
  }
}

/** Sets (or removes) an anchor's target. */
export function target(a, href) {
  if (href) a.setAttribute("href", href);
  else a.removeAttribute("href");
}

/** One stage of the path: its name (a link to its control), status, state line, level and meter, what it
 *  holds (the EQ curve, gain reduction, the sends or the sources) and the problems found there. */
export function stageItem(ctx, owner, initial, link) {
  const name = el("a", { class: "stage-name" }, el("span", {}), icon(ICONS.chevronRight));
  const badge = el("span", { class: "stage-badge" });
  const state = el("span", { class: "stage-state" });
  const level = stageLevel(ctx);
  const problems = el("ul", { class: "stage-problems" });
  const body = el("div", { class: "stage-body" }, el("div", { class: "stage-line" }, name, badge), state, level.root);
  const root = el("li", { class: "stage", dataset: { stage: initial.stage } },
    el("div", { class: "stage-dot", "aria-hidden": "true" }), body);
  const contents = stageContents(ctx, owner, initial, link);
  if (contents) body.append(contents.root);
  body.append(problems);

  const update = ({ stage, first, problems: all }) => {
    name.firstChild.textContent = stage.label;
    target(name, stage.address && link(stage.address));
    state.textContent = (DESCRIBE[stage.stage] || (() => ""))(stage.state, stage, ctx.conn.values);
    level.show(stage);
    const found = stage.problems.map((code) => all.find((p) => p.code === code)
      || { code, message: code, severity: "warning" });
    const status = stageStatus(stage, found);
    root.dataset.status = status;
    root.dataset.severity = found.length ? found[0].severity : "";
    root.classList.toggle("first-problem", first);
    if (first) root.setAttribute("aria-current", "step");
    else root.removeAttribute("aria-current");
    badge.textContent = first ? "first problem" : status === "off" && stage.stage === "sources" ? "no signal"
      : { problem: "problem", block: "stops signal", off: "bypassed", on: "" }[status];
    badge.hidden = !badge.textContent;
    syncRows(problems, found, (p) => p.code, () => problemRow(link, ctx.conn));
    contents?.refresh(stage);
  };
  return { root, update };
}

/** "problem", "block" (stops the signal), "off" (bypassed, or a bus nothing feeds) or "on". */
function stageStatus(stage, found) {
  if (found.length) return "problem";
  // Nothing feeding a bus is quiet, not a stop; every other stage that does not pass stops the signal.
  if (!stage.passes) return stage.stage === "sources" ? "off" : "block";
  return stage.state.on === false ? "off" : "on";
}

/** The level after a stage: a meter for every lane of its meter point (the main is stereo; the insert meters
 *  move with the insert order) and the figure of its 2 s peak. */
function stageLevel({ conn, meters }) {
  const bars = el("div", { class: "stage-meters" });
  const figure = el("span", { class: "stage-figure" });
  const root = el("div", { class: "stage-level" }, bars, figure);
  let point;
  const show = (stage) => {
    if (stage.meter !== point) {
      point = stage.meter;
      const lanes = point ? (conn.meterIndex.get(point) || { width: 1 }).width : 0;
      const side = (lane) => (lanes > 1 ? ` (${lane ? "right" : "left"})` : "");
      bars.replaceChildren(...Array.from({ length: lanes }, (_, lane) =>
        meters.meter(point, { lane, orientation: "horizontal", label: `level after ${stage.label}${side(lane)}` }).root));
      root.hidden = !point;
    }
    figure.textContent = formatLevel(stage.level);
  };
  return { root, show };
}

/** What a stage holds, made once from what the first trace said the stage is: a channel's EQ curve, the gain
 *  reduction of a gate, compressor or limiter, the sends or the sources; null for the others. */
function stageContents({ conn, meters }, owner, initial, link) {
  const id = initial.stage;
  const isChannel = owner.startsWith("ch/");
  const still = () => {};
  if (id === "eq" && isChannel) {
    const graph = new EqGraph({ width: 240, height: 60, compact: true, interactive: false, fs: store.fs,
      freqRange: store.range(`${owner}/eq/1/freq`) });
    let drawn = "";
    const refresh = () => {
      const eq = readEq(conn.values, owner);
      const key = JSON.stringify(eq);
      if (key !== drawn) graph.update({ ...eq, hpf: null });
      drawn = key;
    };
    return { root: graph.root, refresh };
  }
  if ((id === "gate" || id === "dyn") && isChannel) {
    const gr = meters.gr(`${owner}/inserts`, `${id}_gr`, { label: id === "gate" ? "Gate" : "GR", range: id === "gate" ? 60 : 20 });
    return { root: gr.root, refresh: still };
  }
  if (id === "limiter") return { root: meters.gr(owner, "limiter_gr", { label: "GR", range: 12 }).root, refresh: still };
  if (!initial.sends && !initial.sources) return null;
  const rows = el("ul", { class: "flow-sends" });
  const refresh = (stage) => {
    if (stage.sends) syncRows(rows, stage.sends, (s) => s.bus, () => sendRow(link));
    else syncRows(rows, stage.sources, (s) => s.address, () => sourceRow(link));
  };
  return { root: rows, refresh };
}

/** A problem at a stage: what is wrong, and the fix (a link to its control when it has one), in names. */
function problemRow(link, conn) {
  const message = el("span", { class: "stage-problem-text" });
  const fixText = el("span", {});
  const fix = el("a", { class: "stage-fix" }, fixText, icon(ICONS.chevronRight));
  const root = el("li", { class: "stage-problem" }, message, fix);
  return {
    root,
    update(p) {
      root.dataset.severity = p.severity;
      root.dataset.code = p.code;
      message.textContent = plainText(p.message, conn.values);
      fixText.textContent = p.fix ? `Fix: ${plainText(p.fix, conn.values)}` : "";
      fix.hidden = !p.fix;
      target(fix, p.fix_address && link(p.fix_address));
    },
  };
}

/** A row of two links: a name (to its own trace) and a value (to the control that sets it); ``fill(s, name,
 *  value, root)`` writes one item into them. */
function linkRow(fill) {
  const name = el("a", {});
  const value = el("a", {});
  const root = el("li", {}, name, value);
  return { root, update: (s) => fill(s, name, value, root) };
}

/** A channel's send: the bus (a link to the bus's own trace), and its level (a link to the send control). */
const sendRow = (link) => linkRow((s, name, value, root) => {
  root.className = s.open ? (s.reaches.ok ? "open" : "open stops") : "closed";
  name.textContent = s.name;
  target(name, `#/flow/${s.bus}`);
  const into = s.into_bus_db !== null ? ` · ${dbfs(s.into_bus_db)} in` : "";
  const stops = s.reaches.ok ? "" : " · reaches nothing";
  value.textContent = s.open ? `${fader(s.level)} dB · ${s.pre ? "pre" : "post"}${into}${stops}` : "off";
  target(value, link(s.address));
});

/** A source of a bus or the main: its own trace, and what it puts in (a link to the control that sets it). */
const sourceRow = (link) => linkRow((s, name, value, root) => {
  root.className = s.signal ? "open" : "closed";
  name.textContent = s.name;
  target(name, `#/flow/${s.address}`);
  value.textContent = `${s.via} ${fader(s.level_db)} dB · ${s.signal ? dbfs(s.contributes_db) : "silent"}`;
  target(value, link(s.control));
});

