// Signal flow: the path of a channel, a bus or the main as the engine runs it, stage by stage, with the level
// after each stage and the problems found on the way (GET /trace about 4 times a second while the view is
// shown). The first stage with a problem is highlighted; each stage and each fix links to the control that
// changes it in the console. On a channel an admin can run the gain-staging assistant (flow/gainstaging.js):
// listen 10 s, look at the proposed trim, apply it as one undo step. On a bus or the main, the channels that do
// not reach it are listed above the path with their one-tap fixes (views/missing.js).

import { api, describeError } from "../api.js";
import { el, icon, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { store } from "../store.js";
import { gainStaging } from "./flow/gainstaging.js";
import { missingList } from "./missing.js";
import { stageItem, syncRows, target } from "./flow/stages.js";

export { formatLevel } from "./flow/format.js";

const POLL_MS = 250;
const HIDDEN_POLL_MS = 2000; // the page is in the background: look now and then only

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

export function mount(root, ctx, { owner }) {
  const { conn } = ctx;
  const values = conn.values;
  const readOnly = store.role !== "admin";
  const exists = owner === "main" ? values["main/fader"] !== undefined : values[`${owner}/name`] !== undefined;
  if (!exists) {
    root.append(el("section", { class: "empty-state" }, el("h1", {}, "Nothing to trace here"),
      el("p", {}, `${owner} is not part of this mixer.`), el("a", { class: "btn", href: "#/flow/ch/1" }, "Trace channel 1")));
    return () => {};
  }
  const link = (address) => controlHref(address, readOnly);
  const head = flowHead(values, owner);
  const summary = summaryBox(link);
  const failure = el("p", { class: "notice warn", role: "alert", hidden: true });
  const list = el("ol", { class: "flow", "aria-label": "Signal path" });
  // A bus or the main: the channels that do not reach it, why, and the fixes (the trace's `missing`).
  const missing = owner.startsWith("ch/") ? null
    : missingList(ctx, { title: owner === "main" ? "Not reaching the main" : "Not reaching this mix" });
  const page = el("div", { class: "flow-page" }, head.root, summary.root, failure, missing && missing.root, list);
  root.append(page);
  const cleanups = [];
  const [kind, number] = owner.split("/");
  if (kind === "ch" && !readOnly) page.append(gainStaging(ctx, Number(number), cleanups));
  if (!readOnly) page.append(el("div", { class: "flow-actions" },
    el("a", { class: "btn", href: `#/console/${owner}` }, icon(ICONS.sliders), "Edit in the console")));

  const makeStage = (row) => stageItem(ctx, owner, row.stage, link);
  const show = (trace) => {
    head.title.textContent = trace.name;
    page.style.setProperty("--strip-color", conn.values[`${owner}/color`] || "#e5e7eb");
    summary.show(trace);
    if (missing) missing.show(trace.missing);
    syncRows(list, trace.stages.map((stage, i) => ({ stage, first: i === trace.first_problem, problems: trace.problems })),
      (row) => row.stage.stage, makeStage);
    failure.hidden = true;
    page.classList.remove("stale");
  };
  const fail = (exc) => {
    failure.textContent = `The live trace is not available: ${describeError(exc)}`;
    failure.hidden = false;
    page.classList.add("stale");
  };
  cleanups.push(pollTrace(owner, show, fail));
  return () => { for (const fn of cleanups) fn(); };
}

/** The title (what is traced) between links to the previous and the next strip. */
function flowHead(values, owner) {
  const owners = [...numbered(values, "ch").map((n) => `ch/${n}`), ...numbered(values, "bus").map((b) => `bus/${b}`), "main"];
  const [kind, number] = owner.split("/");
  const kicker = { ch: `channel ${number}`, bus: `bus ${number}`, main: "main" }[kind];
  const title = el("h1", {}, owner === "main" ? "Main" : values[`${owner}/name`]);
  const at = owners.indexOf(owner);
  const prev = owners[(at - 1 + owners.length) % owners.length];
  const next = owners[(at + 1) % owners.length];
  const root = el("header", { class: "flow-head" },
    el("a", { class: "btn ghost", href: `#/flow/${prev}`, "aria-label": "Previous strip" }, icon(ICONS.chevronLeft)),
    el("div", { class: "flow-title" }, el("span", { class: "editor-kicker" }, `Signal flow · ${kicker}`), title),
    el("a", { class: "btn ghost", href: `#/flow/${next}`, "aria-label": "Next strip" }, icon(ICONS.chevronRight)));
  return { root, title };
}

/** The verdict on top: the first problem on the path and the link to its fix, or that the signal passes. */
function summaryBox(link) {
  const headline = el("b", {}, "Tracing the signal…");
  const detail = el("span", {});
  const fix = el("a", { class: "stage-fix", hidden: true }, el("span", {}), icon(ICONS.chevronRight));
  const root = el("div", { class: "flow-summary", role: "status", dataset: { state: "loading" } }, headline, detail, fix);
  const show = (trace) => {
    const index = trace.first_problem;
    const first = index === null ? null : trace.problems.find((p) => p.code === trace.stages[index].problems[0]);
    root.dataset.state = first ? first.severity : "ok";
    if (first) {
      const more = trace.problems.length > 1 ? ` (${trace.problems.length} problems on this path)` : "";
      headline.textContent = `First problem: ${trace.stages[index].label}${more}`;
      detail.textContent = first.message;
      fix.firstChild.textContent = `Fix: ${first.fix}`;
      target(fix, first.fix_address && link(first.fix_address));
    } else {
      headline.textContent = "No problems on this path";
      detail.textContent = trace.stages.every((s) => s.passes) ? "The signal passes every stage."
        : "Stages that stop the signal are marked.";
    }
    fix.hidden = !first;
  };
  return { root, show };
}

/** Asks for the trace of `owner` again and again (slower while the page is hidden), one request at a time;
 *  `show(trace)` or `fail(error)` with each answer. Returns the stop. */
function pollTrace(owner, show, fail) {
  let alive = true;
  let timer = null;
  let request = null;
  const poll = async () => {
    request = new AbortController();
    try {
      const trace = await api("GET", `trace/${owner}`, undefined, { signal: request.signal });
      if (!alive) return;
      show(trace);
    } catch (exc) {
      if (!alive || exc.name === "AbortError") return;
      fail(exc);
    }
    if (alive) timer = setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
  };
  poll();
  return () => {
    alive = false;
    clearTimeout(timer);
    request?.abort();
  };
}
