// Signal flow: the path of a channel, a bus or the main as the engine runs it, stage by stage, with the level
// after each stage and the problems found on the way (GET /trace about 4 times a second while the view is
// shown). The first stage with a problem is highlighted; each stage and each fix links to the control that
// changes it in the console. On a channel an admin can run the gain-staging assistant (flow/gainstaging.js):
// listen 10 s, look at the proposed trim, apply it as one undo step. On a bus or the main, the channels that do
// not reach it are listed above the path with their one-tap fixes (views/missing.js), and the verdict on top
// says how many; on a channel, the verdict names the mixes it does not reach and why. Everything the mixer
// says is shown with names, never addresses ("Fix: unmute Kick", names.js).

import { api, describeError } from "../api.js";
import { el, icon, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { busName, capital, nameOf, plainText } from "../names.js";
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
      el("p", {}, `${capital(nameOf(owner, values))} is not part of this mixer.`),
      el("a", { class: "btn", href: "#/flow/ch/1" }, "Trace channel 1")));
    return () => {};
  }
  const link = (address) => controlHref(address, readOnly);
  const words = (text) => plainText(text, conn.values);
  const head = flowHead(values, owner);
  const summary = summaryBox(owner, link, conn);
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
    failure.textContent = `The live trace is not available: ${words(describeError(exc))}`;
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

/** The verdict on top: the first problem on the path and the link to its fix; else, on a bus or the main, how
 *  many channels do not reach it (the list below says why), on a channel the mixes it does not reach and why;
 *  else that the signal passes. In names, never addresses. */
function summaryBox(owner, link, conn) {
  const headline = el("b", {}, "Tracing the signal…");
  const detail = el("span", {});
  const fix = el("a", { class: "stage-fix", hidden: true }, el("span", {}), icon(ICONS.chevronRight));
  const root = el("div", { class: "flow-summary", role: "status", dataset: { state: "loading" } }, headline, detail, fix);
  const words = (text) => plainText(text, conn.values);
  const verdict = (trace) => {
    const index = trace.first_problem;
    const first = index === null ? null : trace.problems.find((p) => p.code === trace.stages[index].problems[0]);
    // A mix that lost a channel (a note at its sources) says it with the rest that does not reach it.
    const missing = trace.missing && trace.missing.length ? trace.missing : null;
    if (first && !(missing && first.severity === "info")) {
      const more = trace.problems.length > 1 ? ` (${trace.problems.length} problems on this path)` : "";
      return { state: first.severity, headline: `First problem: ${trace.stages[index].label}${more}`,
        detail: words(first.message), fix: first.fix && { label: words(first.fix), address: first.fix_address } };
    }
    if (missing) return notReaching(owner, missing);
    const sends = trace.stages.find((s) => s.stage === "sends");
    const lost = sends ? sends.sends.filter((s) => s.kind === "aux" && s.reasons && s.reasons.length) : [];
    if (lost.length) return mixesNotReached(trace, lost, conn.values);
    return { state: "ok", headline: "No problems on this path",
      detail: trace.stages.every((s) => s.passes) ? "The signal passes every stage." : "Stages that stop the signal are marked." };
  };
  const show = (trace) => {
    const v = verdict(trace);
    root.dataset.state = v.state;
    headline.textContent = v.headline;
    detail.textContent = v.detail;
    fix.hidden = !v.fix;
    if (v.fix) {
      fix.firstChild.textContent = `Fix: ${v.fix.label}`;
      target(fix, v.fix.address && link(v.fix.address));
    }
  };
  return { root, show };
}

/** A bus or the main that channels do not reach: how many (a warning when a setting keeps one out, a note when
 *  they are only silent at their input), which it lost while they played; the list below says why, with the
 *  fixes. */
function notReaching(owner, missing) {
  const n = missing.length;
  const where = owner === "main" ? "the main" : "this mix";
  const settings = missing.some((m) => m.cut || m.reasons.some((r) => r.stage !== "input"));
  const cut = missing.filter((m) => m.cut).map((m) => m.name);
  const lost = cut.length ? `${listed(cut, "and")} ${cut.length === 1 ? "was" : "were"} cut off. ` : "";
  return { state: settings ? "warning" : "info", headline: `${n} channel${n === 1 ? " does" : "s do"} not reach ${where}`,
    detail: `${lost}${listed(missing.map((m) => m.name), "and")}: each is listed below with the reason`
      + `${settings ? " and the fix" : ""}.` };
}

/** A channel that does not reach some monitor mixes (`lost`: its aux sends with reasons): which, and why, with
 *  the first fix. A note (leaving a channel out of a mix is often meant), a warning when a mix lost it. */
function mixesNotReached(trace, lost, values) {
  const prefix = `${trace.name}: `;
  const whats = [];
  for (const reason of lost.flatMap((s) => s.reasons)) {
    const message = plainText(reason.message, values);
    const what = message.startsWith(prefix) ? message.slice(prefix.length) : message;
    if (!whats.includes(what)) whats.push(what);
  }
  const withFix = lost.flatMap((s) => s.reasons).find((r) => r.fix);
  const mix = (s) => busName(values, Number(s.bus.split("/")[1]));
  const cut = lost.filter((s) => s.cut).map(mix);
  const others = lost.filter((s) => !s.cut).map(mix);
  const parts = [cut.length && `was cut off from ${listed(cut, "and")}`, others.length && `does not reach ${listed(others, "or")}`];
  return { state: cut.length ? "warning" : "info",
    headline: `${trace.name} ${parts.filter(Boolean).join(" and ")}`,
    detail: capital(whats.join("; ")),
    fix: withFix && { label: plainText(withFix.fix.label, values), address: withFix.fix.address } };
}

/** "Kick", "Kick and Snare", "Kick, Snare and Bass" (`word`: "and", "or"); more than six: the first five and
 *  how many more. */
function listed(names, word) {
  if (names.length > 6) return `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`;
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} ${word} ${names[names.length - 1]}` : names[0] || "";
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
