// "Not reaching this mix": the listener's side of the signal flow. The trace of a bus or the main lists under
// `missing` every channel that does not reach it, each reason in plain words with its one-tap fix (enabled when
// this token may make it, else the reason why not), the cut ones (the mix had them) first. Shown in the flow of
// a bus or the main (fed by its poll) and in My mix (followMissing: read again a moment after values change).
// Every fix is a change like any other: conn.write, one undo step. What the mixer says is shown with names, never
// addresses (names.js), and a failed fix says which control in words.

import { api } from "../api.js";
import { el } from "../dom.js";
import { describeFailure, plainText } from "../names.js";
import { store } from "../store.js";

const SETTLE_MS = 400; // after a change, wait this long for more before reading the trace again

/** Cut ones first, then those the mixer's settings keep out, then the ones silent at their input only. */
function order(missing) {
  const rank = (m) => (m.cut ? 0 : m.reasons.some((r) => r.stage !== "input") ? 1 : 2);
  return [...missing].sort((a, b) => rank(a) - rank(b));
}

/** The list; `show(missing)` keeps it in step with a trace's `missing` (null: hidden). */
export function missingList(ctx, { title = "Not reaching this mix" } = {}) {
  const heading = el("h2", { class: "missing-title" }, title);
  const fixAll = store.role === "admin";
  const list = el("ul", { class: "missing-list" });
  const root = el("section", { class: "missing", "aria-label": title, hidden: true }, heading, list);
  const items = new Map(); // address → {root, key}
  const show = (missing) => {
    if (!missing) { root.hidden = true; return; }
    root.hidden = false;
    heading.textContent = missing.length ? `${title} (${missing.length})` : title;
    const nodes = order(missing).map((m) => {
      const key = JSON.stringify(m);
      let item = items.get(m.address);
      if (!item || item.key !== key) items.set(m.address, (item = { root: missingItem(ctx, m, fixAll), key }));
      return item.root;
    });
    if (!missing.length) nodes.push(el("li", { class: "missing-none" }, "Every channel reaches it."));
    if (nodes.length !== list.children.length || nodes.some((node, i) => list.children[i] !== node)) {
      list.replaceChildren(...nodes);
    }
  };
  return { root, show };
}

/** One channel: its name (and "cut" when the mix had it), each reason with its fix, and for an admin "Fix all". */
function missingItem(ctx, m, fixAll) {
  const words = (text) => plainText(text, ctx.conn.values);
  const reasons = m.reasons.map((r) => {
    const text = el("span", { class: "missing-reason-text" }, words(r.message));
    const row = el("li", { class: "missing-reason", dataset: { code: r.code } }, text);
    if (r.fix) {
      const button = el("button", { type: "button", class: "btn missing-fix", disabled: !r.allowed_fix,
        dataset: { address: r.fix.address } }, words(r.fix.label));
      if (r.allowed_fix) button.addEventListener("click", () => write(ctx, { [r.fix.address]: r.fix.value }, button));
      row.append(button);
      if (!r.allowed_fix && r.fix_refused) {
        text.append(" — ", el("span", { class: "missing-refused" }, words(r.fix_refused)));
      }
    } else if (r.hint) {
      // Where to plug a cable is the engineer's business; a musician is told whom to ask.
      const hint = store.role === "mix" && r.code === "unconnected" ? "only the engineer can connect it" : r.hint;
      row.append(el("span", { class: "missing-hint" }, words(hint)));
    }
    return row;
  });
  const head = el("div", { class: "missing-head" }, el("b", { class: "missing-name" }, m.name),
    m.cut ? el("span", { class: "badge missing-cut" }, "cut off") : null);
  const item = el("li", { class: "missing-item", dataset: { address: m.address, cut: String(Boolean(m.cut)) } },
    head, el("ul", { class: "missing-reasons" }, reasons));
  if (fixAll && Object.keys(m.changes).length > 1) {
    const all = el("button", { type: "button", class: "btn primary missing-fix-all" }, `Fix all for ${m.name}`);
    all.addEventListener("click", () => write(ctx, m.changes, all));
    item.append(all);
  }
  return item;
}

function write(ctx, changes, button) {
  button.disabled = true;
  ctx.conn.write(changes, { drag: false })
    .catch((exc) => { button.disabled = false; ctx.toast(describeFailure(exc, ctx.conn.values), "error"); });
}

/** Reads the trace of `owner` now and again a moment after any value changes, the problems change or the
 *  state is sent again (one request at a time, never more than one per SETTLE_MS); `show(missing)` with
 *  each answer. Returns the stop. */
export function followMissing(ctx, owner, show) {
  const { conn } = ctx;
  let alive = true;
  let timer = null;
  let busy = false;
  let again = false;
  const read = async () => {
    timer = null;
    if (busy) { again = true; return; }
    busy = true;
    try {
      const trace = await api("GET", `trace/${owner}`);
      if (alive) show(trace.missing);
    } catch (exc) {
      if (alive && exc.status !== 0) {
        ctx.toast(`Cannot read what reaches this mix: ${describeFailure(exc, conn.values)}`, "error");
      }
    }
    busy = false;
    if (alive && again) { again = false; soon(); }
  };
  const soon = () => { if (alive && !timer) timer = setTimeout(read, SETTLE_MS); };
  const events = ["change", "diagnostics", "state"];
  for (const name of events) conn.addEventListener(name, soon);
  read();
  return () => {
    alive = false;
    clearTimeout(timer);
    for (const name of events) conn.removeEventListener(name, soon);
  };
}
