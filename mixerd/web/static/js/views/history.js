// History: who changed what and when, newest first, from every front end (phones, REST, MQTT, scenes);
// undone steps are struck through. Undo and redo take back one's own changes; here the engineer can take back
// (or re-apply) any one step, whoever made it: "Undo this" on the step's newest row. Follows live changes: the view asks the server for its `history`
// messages (each recorded step, drag, undo and redo), loads the newest page once, and from then on updates
// the list from those messages alone — no GET /history after a change. A message with a seq up to the
// page's is already in it; one that arrives while the page loads is applied after it.

import { api, describeError } from "../api.js";
import { el } from "../dom.js";
import { describeAddress } from "../controls.js";
import { store } from "../store.js";
import { toast } from "../toast.js";
import { actorName, describeStep, formatParam } from "../undo.js";

const ORIGINS = { ws: "app", rest: "api", mqtt: "mqtt", osc: "osc", scene: "scene", undo: "undo", system: "system" };
const PAGE = 100;

export function mountHistory(root, ctx) {
  const { conn } = ctx;
  const list = el("ol", { class: "history-list", "aria-label": "Changes, newest first" });
  const more = el("button", { type: "button", class: "btn ghost", hidden: true }, "Older changes");
  const shown = new Map(); // seq → its row
  let before = null;      // ?before= of the next older page (null: none)
  const undone = new Set(); // the undone steps among those shown
  let asOf = null;        // the seq the loaded page is as of (null: loading)
  let waiting = [];       // history messages that came while the page loaded
  let alive = true;
  let loads = 0;

  const row = (e) => el("li", { class: "history-entry", dataset: { seq: String(e.seq), step: String(e.step) } },
    el("time", { datetime: e.when }, new Date(e.when).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false })),
    el("span", { class: `origin origin-${e.origin}` }, ORIGINS[e.origin] || e.origin),
    el("span", { class: "history-who" }, actorName(e.actor, { self: conn.actor, values: conn.values })),
    el("span", { class: "history-what" }, describeAddress(conn.values, e.address)),
    el("span", { class: "history-change" }, `${formatParam(e.address, e.old)} → ${formatParam(e.address, e.new)}`));

  /** Take back (or re-apply) exactly one step, whoever made it. */
  const take = async (step, button) => {
    const which = undone.has(step) ? "redo" : "undo";
    button.disabled = true;
    try {
      const ack = await conn.step(which, { step });
      toast(describeStep(which, ack, { self: conn.actor, values: conn.values }), "ok");
    } catch (exc) {
      toast(describeError(exc), "error");
    } finally {
      button.disabled = false;
    }
  };

  const empty = () => {
    if (!shown.size && !list.querySelector(".empty")) list.replaceChildren(el("li", { class: "empty" }, "No changes yet."));
    if (shown.size) list.querySelector(".empty")?.remove();
  };
  // Undone steps struck through; the newest row of each step carries its "Undo this" / "Redo this" (admin).
  const marks = () => {
    const admin = store.role === "admin";
    const steps = new Set();
    for (const li of list.querySelectorAll(".history-entry")) {
      const step = Number(li.dataset.step);
      li.classList.toggle("undone", undone.has(step));
      let button = li.querySelector(".history-take");
      if (!admin || steps.has(step)) { button?.remove(); continue; }
      steps.add(step);
      if (!button) {
        button = el("button", { type: "button", class: "btn ghost history-take" });
        button.addEventListener("click", () => take(step, button));
        li.append(button);
      }
      button.textContent = undone.has(step) ? "Redo this" : "Undo this";
    }
  };
  const remove = (test) => {
    for (const [seq, li] of shown) if (test(li)) { li.remove(); shown.delete(seq); }
  };
  /** Rows of `entries` (newest first) not shown yet, at the top (or the end, for an older page). */
  const add = (entries, atEnd) => {
    const rows = [];
    for (const e of entries) {
      if (e.undone) undone.add(e.step);
      if (shown.has(e.seq)) continue;
      const li = row(e);
      shown.set(e.seq, li);
      rows.push(li);
    }
    if (atEnd) list.append(...rows); else list.prepend(...rows);
  };

  const apply = (m) => {
    if (m.seq <= asOf) return; // already in the page
    if (m.action === "undo") undone.add(m.step);
    if (m.action === "redo") undone.delete(m.step);
    if (m.replaces.length) { const gone = new Set(m.replaces); remove((li) => gone.has(Number(li.dataset.seq))); }
    if (m.drop_steps.length) { const gone = new Set(m.drop_steps); remove((li) => gone.has(Number(li.dataset.step))); }
    if (m.drop_steps_through !== null) remove((li) => Number(li.dataset.step) <= m.drop_steps_through);
    if (!m.complete) {
      // A step too big to send whole (a scene recall): its newest rows are the new first page.
      remove(() => true);
      before = m.entries.length ? m.entries[m.entries.length - 1].seq : null;
      more.hidden = !before;
    }
    add(m.entries, false);
    marks();
    empty();
  };
  const onHistory = (e) => { if (asOf === null) waiting.push(e.detail); else apply(e.detail); };

  async function load(append = false) {
    const mine = ++loads;
    try {
      if (!append) {
        asOf = null;
        waiting = [];
        await conn.followHistory(true); // from here on every history message comes
      }
      const page = await api("GET", `history?limit=${PAGE}${append && before ? `&before=${before}` : ""}`);
      if (!alive || mine !== loads) return;
      if (append) {
        add(page.entries, true);
      } else {
        remove(() => true);
        list.replaceChildren();
        undone.clear();
        add(page.entries, true);
        asOf = page.seq;
        for (const m of waiting) apply(m);
        waiting = [];
      }
      before = page.next_before;
      more.hidden = !before;
      marks();
      empty();
    } catch (exc) { toast(describeError(exc), "error"); }
  }
  more.addEventListener("click", () => load(true));
  // A new socket (the link dropped, the server restarted) follows nothing yet: follow again and reload.
  const onState = (e) => { if (e.detail && e.detail.resync) load(false); };
  conn.addEventListener("history", onHistory);
  conn.addEventListener("state", onState);
  root.append(el("section", { class: "card wide history" },
    el("header", { class: "card-head" }, el("h3", {}, "History")), list, more));
  load();
  return () => {
    alive = false;
    conn.removeEventListener("history", onHistory);
    conn.removeEventListener("state", onState);
    conn.followHistory(false).catch(() => {});
  };
}
