// History: who changed what and when, newest first, from every front end (phones, REST, MQTT, scenes);
// undone steps are struck through. Follows live changes.

import { api, describeError } from "../api.js";
import { el } from "../dom.js";
import { describeAddress, formatValue } from "../controls.js";
import { toast } from "../toast.js";

const ORIGINS = { ws: "app", rest: "api", mqtt: "mqtt", scene: "scene", undo: "undo", system: "system" };

export function mountHistory(root, ctx) {
  const { conn } = ctx;
  const list = el("ol", { class: "history-list", "aria-label": "Changes, newest first" });
  const more = el("button", { type: "button", class: "btn ghost", hidden: true }, "Older changes");
  let before = null;
  let alive = true;

  const row = (e) => el("li", { class: `history-entry${e.undone ? " undone" : ""}`, dataset: { seq: String(e.seq) } },
    el("time", { datetime: e.when }, new Date(e.when).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false })),
    el("span", { class: `origin origin-${e.origin}` }, ORIGINS[e.origin] || e.origin),
    el("span", { class: "history-what" }, describeAddress(conn.values, e.address)),
    el("span", { class: "history-change" }, `${formatValue(e.address, e.old)} → ${formatValue(e.address, e.new)}`));

  async function load(append = false) {
    try {
      const page = await api("GET", `history?limit=100${append && before ? `&before=${before}` : ""}`);
      if (!alive) return;
      const rows = page.entries.map(row);
      if (append) list.append(...rows);
      else list.replaceChildren(...(rows.length ? rows : [el("li", { class: "empty" }, "No changes yet.")]));
      before = page.next_before;
      more.hidden = !before;
    } catch (exc) { toast(describeError(exc), "error"); }
  }
  more.addEventListener("click", () => load(true));
  let timer = null;
  const onChange = () => { clearTimeout(timer); timer = setTimeout(() => load(false), 300); };
  conn.addEventListener("change", onChange);
  conn.addEventListener("state", onChange);
  root.append(el("section", { class: "card wide history" },
    el("header", { class: "card-head" }, el("h3", {}, "History")), list, more));
  load();
  return () => {
    alive = false;
    clearTimeout(timer);
    conn.removeEventListener("change", onChange);
    conn.removeEventListener("state", onChange);
  };
}
