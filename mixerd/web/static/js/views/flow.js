// Signal flow: the path of a channel, a bus or the main as the engine runs it, stage by stage, with the level
// after each stage and the problems found on the way (GET /trace about 4 times a second while the view is
// shown). The first stage with a problem is highlighted; each stage and each fix links to the control that
// changes it in the console. On a channel an admin can run the gain-staging assistant: listen 10 s, look at
// the proposed trim, apply it as one undo step.

import { api, describeError } from "../api.js";
import { el, formatDb, formatHz, formatPan, icon, numbered } from "../dom.js";
import { EqGraph, readEq } from "../eq.js";
import { ICONS } from "../icons.js";

const POLL_MS = 250;
const HIDDEN_POLL_MS = 2000; // the page is in the background: look now and then only
const SIGNAL_DB = -60;       // the diagnostics' threshold: a 2 s peak below this is no signal
const LISTEN_S = 10;
const TARGET_DB = -18;

/** The strip an address belongs to: "ch/3", "bus/2", "main", or null (dca/…, gen/…, audio, solo). */
export function ownerOf(address) {
  const m = /^(ch|bus)\/(\d+)(\/|$)/.exec(address || "");
  if (m) return `${m[1]}/${m[2]}`;
  return address === "main" || (address || "").startsWith("main/") ? "main" : null;
}

/** The flow view that shows a problem at `address`; audio dropouts and the solo output show with the main. */
export function flowHref(address) {
  return `#/flow/${ownerOf(address) || "main"}`;
}

/** The console (the read-only view for a viewer) with the strip of `address` open and that control focused;
 *  null when no strip holds it. */
export function controlHref(address, readOnly = false) {
  const owner = ownerOf(address);
  return owner ? `${readOnly ? "#/view" : "#/console"}/${owner}?focus=${address}` : null;
}

/** "−12.0 dBFS" for a meter reading (its 2 s peak), "no signal" below the signal threshold. */
export function formatLevel(level) {
  if (!level) return "";
  if (!(level.hold > SIGNAL_DB)) return "no signal";
  return `${dbfs(level.hold)}${level.hold >= 0 ? " · clips" : ""}`;
}

const dbfs = (value) => `${formatDb(value, { floor: -Infinity, plus: false })} dBFS`;
const db = (value) => formatDb(value, { floor: -Infinity });
const fader = (value) => formatDb(value);
const port = (name) => name.replace(/^mixerd:/, "");
const portsIn = (ports) => ports.map((p) => (p.connections.length ? `${port(p.port)} ← ${p.connections.join(", ")}`
  : `${port(p.port)}: nothing connected`));
const portsOut = (ports) => ports.map((p) => (p.connections.length ? `${port(p.port)} → ${p.connections.join(", ")}`
  : `${port(p.port)}: connected to nothing`)).join(" · ");

/** One line for a stage's state, by stage. */
const DESCRIBE = {
  input: (s) => [...portsIn(s.ports), ...s.generators.map((g) => `generator ${g}`)].join(" · ")
    || (s.ports_known ? "no input port" : "ports not known"),
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
  mute: (s) => (s.muted ? `muted by ${s.muted_by.join(", ")}` : "open"),
  fader: (s) => {
    let text = `${fader(s.fader)} dB`;
    if (s.effective !== undefined && Math.abs(s.effective - s.fader) >= 0.05) {
      text += ` (${fader(s.effective)} dB with ${s.dcas.join(", ")})`;
    }
    if (s.muted) text += " · muted";
    return text;
  },
  sends: (s, stage) => `${s.open} of ${stage.sends.length} open`,
  main: (s) => {
    if (!s.assigned) return "not assigned to the main mix";
    if (s.pan === undefined) return "assigned to the main mix";
    const paths = s.paths.length > 1 ? ` · ${s.paths.length} paths (${s.paths.join(", ")})` : "";
    return `assigned · pan ${formatPan(s.pan)} · main ${fader(s.main_fader)} dB${s.main_muted ? " (muted)" : ""}${paths}`;
  },
  outputs: (s) => portsOut(s.ports) || "no output port",
  sources: (s, stage) => (s.count ? `${stage.sources.filter((x) => x.signal).length} of ${s.count} with signal`
    : "nothing feeds it"),
  effect: (s) => s.type,
  limiter: (s) => (s.on ? `ceiling ${db(s.threshold)} dB` : "off"),
  returns: (s) => Object.entries(s.returns).map(([to, level]) => `to ${to} ${fader(level)} dB`).join(" · ")
    || "returns to nothing",
};

/** Keeps `list`'s children in step with `rows` (by `key`), each made once by `make()` and updated in place: a
 *  finger on a link keeps its target while the trace refreshes under it. */
function syncRows(list, rows, key, make) {
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
function target(a, href) {
  if (href) a.setAttribute("href", href);
  else a.removeAttribute("href");
}

export function mount(root, ctx, { owner }) {
  const { conn } = ctx;
  const values = conn.values;
  const readOnly = ctx.role !== "admin";
  const exists = owner === "main" ? values["main/fader"] !== undefined : values[`${owner}/name`] !== undefined;
  const owners = [...numbered(values, "ch").map((n) => `ch/${n}`), ...numbered(values, "bus").map((b) => `bus/${b}`), "main"];
  if (!exists) {
    root.append(el("section", { class: "empty-state" }, el("h1", {}, "Nothing to trace here"),
      el("p", {}, `${owner} is not part of this mixer.`), el("a", { class: "btn", href: "#/flow/ch/1" }, "Trace channel 1")));
    return () => {};
  }
  const [kind, number] = owner.split("/");
  const kicker = { ch: `channel ${number}`, bus: `bus ${number}`, main: "main" }[kind];
  const title = el("h1", {}, owner === "main" ? "Main" : values[`${owner}/name`]);
  const at = owners.indexOf(owner);
  const prev = owners[(at - 1 + owners.length) % owners.length];
  const next = owners[(at + 1) % owners.length];
  const head = el("header", { class: "flow-head" },
    el("a", { class: "btn ghost", href: `#/flow/${prev}`, "aria-label": "Previous strip" }, icon(ICONS.chevronLeft)),
    el("div", { class: "flow-title" }, el("span", { class: "editor-kicker" }, `Signal flow · ${kicker}`), title),
    el("a", { class: "btn ghost", href: `#/flow/${next}`, "aria-label": "Next strip" }, icon(ICONS.chevronRight)));
  const headline = el("b", {}, "Tracing the signal…");
  const detail = el("span", {});
  const summaryFix = el("a", { class: "stage-fix", hidden: true }, el("span", {}), icon(ICONS.chevronRight));
  const summary = el("div", { class: "flow-summary", role: "status", dataset: { state: "loading" } },
    headline, detail, summaryFix);
  const failure = el("p", { class: "notice warn", role: "alert", hidden: true });
  const list = el("ol", { class: "flow", "aria-label": "Signal path" });
  const page = el("div", { class: "flow-page" }, head, summary, failure, list);
  root.append(page);
  const cleanups = [];
  if (kind === "ch" && !readOnly) page.append(gainStaging(ctx, Number(number), cleanups));
  if (!readOnly) page.append(el("div", { class: "flow-actions" },
    el("a", { class: "btn", href: `#/console/${owner}` }, icon(ICONS.sliders), "Edit in the console")));

  const link = (address) => controlHref(address, readOnly);
  const makeStage = (row) => stageItem(ctx, owner, row.stage, link);
  const show = (trace) => {
    title.textContent = trace.name;
    page.style.setProperty("--strip-color", conn.values[`${owner}/color`] || "#e5e7eb");
    const index = trace.first_problem;
    const first = index === null ? null : trace.problems.find((p) => p.code === trace.stages[index].problems[0]);
    summary.dataset.state = first ? first.severity : "ok";
    if (first) {
      const more = trace.problems.length > 1 ? ` (${trace.problems.length} problems on this path)` : "";
      headline.textContent = `First problem: ${trace.stages[index].label}${more}`;
      detail.textContent = first.message;
      summaryFix.firstChild.textContent = `Fix: ${first.fix}`;
      target(summaryFix, first.fix_address && link(first.fix_address));
    } else {
      headline.textContent = "No problems on this path";
      detail.textContent = trace.stages.every((s) => s.passes) ? "The signal passes every stage."
        : "Stages that stop the signal are marked.";
    }
    summaryFix.hidden = !first;
    syncRows(list, trace.stages.map((stage, i) => ({ stage, first: i === trace.first_problem, problems: trace.problems })),
      (row) => row.stage.stage, makeStage);
  };

  let alive = true;
  let timer = null;
  let request = null;
  const poll = async () => {
    request = new AbortController();
    try {
      const trace = await api("GET", `trace/${owner}`, undefined, { signal: request.signal });
      if (!alive) return;
      show(trace);
      failure.hidden = true;
      page.classList.remove("stale");
    } catch (exc) {
      if (!alive || exc.name === "AbortError") return;
      failure.textContent = `The live trace is not available: ${describeError(exc)}`;
      failure.hidden = false;
      page.classList.add("stale");
    }
    if (alive) timer = setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
  };
  poll();
  return () => {
    alive = false;
    clearTimeout(timer);
    request?.abort();
    for (const fn of cleanups) fn();
  };
}

/** One stage of the path: its name (a link to its control), status, state line, level and meter, what it
 *  holds (the EQ curve, gain reduction, the sends or the sources) and the problems found there. */
function stageItem(ctx, owner, initial, link) {
  const { conn, meters } = ctx;
  const id = initial.stage;
  const name = el("a", { class: "stage-name" }, el("span", {}), icon(ICONS.chevronRight));
  const badge = el("span", { class: "stage-badge" });
  const state = el("span", { class: "stage-state" });
  const bars = el("div", { class: "stage-meters" });
  const figure = el("span", { class: "stage-figure" });
  const level = el("div", { class: "stage-level" }, bars, figure);
  const problems = el("ul", { class: "stage-problems" });
  const body = el("div", { class: "stage-body" }, el("div", { class: "stage-line" }, name, badge), state, level);
  const root = el("li", { class: "stage", dataset: { stage: id } },
    el("div", { class: "stage-dot", "aria-hidden": "true" }), body);

  // What the stage holds: made once, from what the first trace said the stage is.
  let refresh = () => {};
  const isChannel = owner.startsWith("ch/");
  if (id === "eq" && isChannel) {
    const graph = new EqGraph({ width: 240, height: 60, compact: true, interactive: false, fs: ctx.fs });
    let drawn = "";
    refresh = () => {
      const eq = readEq(conn.values, owner);
      const key = JSON.stringify(eq);
      if (key !== drawn) graph.update({ ...eq, hpf: null });
      drawn = key;
    };
    body.append(graph.root);
  } else if ((id === "gate" || id === "dyn") && isChannel) {
    body.append(meters.gr(`${owner}/inserts`, `${id === "gate" ? "gate" : "dyn"}_gr`,
      { label: id === "gate" ? "Gate" : "GR", range: id === "gate" ? 60 : 20 }).root);
  } else if (id === "limiter") {
    body.append(meters.gr(owner, "limiter_gr", { label: "GR", range: 12 }).root);
  } else if (initial.sends || initial.sources) {
    const rows = el("ul", { class: "flow-sends" });
    body.append(rows);
    refresh = (stage) => {
      if (stage.sends) syncRows(rows, stage.sends, (s) => s.bus, () => sendRow(link));
      else syncRows(rows, stage.sources, (s) => s.address, () => sourceRow(link));
    };
  }
  body.append(problems);

  let point;
  const update = ({ stage, first, problems: all }) => {
    name.firstChild.textContent = stage.label;
    target(name, stage.address && link(stage.address));
    state.textContent = (DESCRIBE[stage.stage] || (() => ""))(stage.state, stage);
    if (stage.meter !== point) {
      // A meter for every lane of the point (the main is stereo); the insert meters move with the insert order.
      point = stage.meter;
      const lanes = point ? (conn.meterIndex.get(point) || { width: 1 }).width : 0;
      const side = (lane) => (lanes > 1 ? ` (${lane ? "right" : "left"})` : "");
      bars.replaceChildren(...Array.from({ length: lanes }, (_, lane) =>
        meters.meter(point, { lane, orientation: "horizontal", label: `level after ${stage.label}${side(lane)}` }).root));
      level.hidden = !point;
    }
    figure.textContent = formatLevel(stage.level);
    const found = stage.problems.map((code) => all.find((p) => p.code === code)
      || { code, message: code, severity: "warning" });
    // Nothing feeding a bus is quiet, not a stop; every other stage that does not pass stops the signal.
    const status = found.length ? "problem" : !stage.passes ? (stage.stage === "sources" ? "off" : "block")
      : stage.state.on === false ? "off" : "on";
    root.dataset.status = status;
    root.dataset.severity = found.length ? found[0].severity : "";
    root.classList.toggle("first-problem", first);
    if (first) root.setAttribute("aria-current", "step");
    else root.removeAttribute("aria-current");
    badge.textContent = first ? "first problem" : status === "off" && stage.stage === "sources" ? "no signal"
      : { problem: "problem", block: "stops signal", off: "bypassed", on: "" }[status];
    badge.hidden = !badge.textContent;
    syncRows(problems, found, (p) => p.code, () => problemRow(link));
    refresh(stage);
  };
  return { root, update };
}

/** A problem at a stage: what is wrong, and the fix (a link to its control when it has one). */
function problemRow(link) {
  const message = el("span", { class: "stage-problem-text" });
  const fixText = el("span", {});
  const fix = el("a", { class: "stage-fix" }, fixText, icon(ICONS.chevronRight));
  const root = el("li", { class: "stage-problem" }, message, fix);
  return {
    root,
    update(p) {
      root.dataset.severity = p.severity;
      root.dataset.code = p.code;
      message.textContent = p.message;
      fixText.textContent = p.fix ? `Fix: ${p.fix}` : "";
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

// -- gain staging ------------------------------------------------------------------------------------

/** The gain-staging assistant for channel `n`: listen, show what it heard and proposes, apply it (one undo
 *  step, with an undo right there while nothing else has changed since). */
function gainStaging(ctx, n, cleanups) {
  const { toast } = ctx;
  const intro = el("p", { class: "hint" }, `Listens to the input for ${LISTEN_S} s, then proposes the trim that puts `
    + `its peaks at ${TARGET_DB} dBFS.`);
  const listen = el("button", { type: "button", class: "btn primary" }, icon(ICONS.play), `Listen ${LISTEN_S} s`);
  const progress = el("div", { class: "gain-progress", hidden: true, style: { "--listen": `${LISTEN_S}s` } }, el("span", {}));
  const result = el("div", { class: "gain-result", "aria-live": "polite" });
  const card = el("section", { class: "card gain-staging", "aria-label": "Gain staging" },
    el("header", { class: "card-head" }, el("h3", {}, "Gain staging")), intro, el("div", { class: "row" }, listen),
    progress, result);
  let request = null;
  cleanups.push(() => request?.abort());

  const run = async () => {
    listen.disabled = true;
    listen.lastChild.textContent = "Listening…";
    progress.hidden = false;
    result.replaceChildren();
    request = new AbortController();
    try {
      const body = { channels: [n], listen_s: LISTEN_S, target_db: TARGET_DB, apply: false };
      const proposal = await api("POST", "gain-staging", body, { signal: request.signal });
      showProposal(proposal);
    } catch (exc) {
      if (exc.name === "AbortError") return;
      toast(describeError(exc), "error");
    } finally {
      listen.disabled = false;
      listen.lastChild.textContent = `Listen again`;
      progress.hidden = true;
    }
  };

  const showProposal = (proposal) => {
    const ch = proposal.channels[0];
    const facts = el("dl", { class: "gain-facts" },
      el("dt", {}, "Heard"), el("dd", {}, ch.input_peak_db === null ? "no signal"
        : `${dbfs(ch.input_peak_db)} peak before the trim`),
      el("dt", {}, "Trim"), el("dd", { class: "gain-trim" }, ch.proposed_trim_db === null ? `${db(ch.trim_db)} dB`
        : `${db(ch.trim_db)} → ${db(ch.proposed_trim_db)} dB`));
    const changes = proposal.changes;
    const apply = el("button", { type: "button", class: "btn primary" }, "Apply");
    apply.addEventListener("click", async () => {
      apply.disabled = true;
      try {
        const done = await api("PATCH", "params", { changes });
        result.replaceChildren(el("p", { class: "gain-message", dataset: { status: "applied" } },
          `Applied: trim ${db(changes[ch.address])} dB (one undo step).`), el("div", { class: "row" }, undoButton(done.seq)));
      } catch (exc) {
        apply.disabled = false;
        toast(describeError(exc), "error");
      }
    });
    result.replaceChildren(facts, el("p", { class: "gain-message", dataset: { status: ch.status } }, ch.message),
      Object.keys(changes).length ? el("div", { class: "row" }, apply) : null);
  };

  const undoButton = (seq) => {
    const undo = el("button", { type: "button", class: "btn" }, icon(ICONS.undo), "Undo");
    undo.addEventListener("click", async () => {
      undo.disabled = true;
      try {
        // The server's undo message says which change last moved the undo position: still this one?
        const status = ctx.conn.undo;
        if (!status || status.seq !== seq || !status.can_undo) {
          toast("Other changes came after it: undo from the console's history", "info");
          return;
        }
        await api("POST", "undo");
        toast("Undone: the trim is back", "ok");
        result.replaceChildren();
      } catch (exc) {
        undo.disabled = false;
        toast(describeError(exc), "error");
      }
    });
    return undo;
  };

  listen.addEventListener("click", run);
  return card;
}
