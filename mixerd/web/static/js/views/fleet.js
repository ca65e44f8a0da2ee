// Fleet: every mixerd announced on this box's MQTT broker (GET /api/v1/fleet), this box first and marked: its name,
// online or offline, its health (ok, degraded, down; dropouts), when it was last heard, and a link that opens its
// web app. Read once, then kept up to date by the WebSocket's `fleet` messages (it changes rarely: never polled).

import { api, describeError } from "../api.js";
import { el, formatWhen, icon } from "../dom.js";
import { ICONS } from "../icons.js";

const HEALTH = { ok: "Healthy", degraded: "Degraded", down: "Audio down" };

export function mount(root, ctx) {
  const lead = el("p", { class: "lead" }, "Looking for the mixers on the broker…");
  const list = el("ul", { class: "fleet-list", "aria-label": "Mixers on the broker" });
  root.append(el("div", { class: "fleet-page" },
    el("header", { class: "page-head" }, el("h1", {}, "Fleet"), lead), list));
  let alive = true;
  let shown = 0; // newer than what was read: an event that came while the first read was on its way wins
  const show = (fleet, at) => {
    if (!alive || at < shown) return;
    shown = at;
    lead.textContent = summary(fleet);
    list.replaceChildren(...fleet.nodes.map(nodeItem));
  };
  const onFleet = (e) => show(e.detail, performance.now());
  ctx.conn.addEventListener("fleet", onFleet); // every change, as it happens
  const asked = performance.now();
  api("GET", "fleet").then((fleet) => show(fleet, asked), (exc) => {
    if (alive && !shown) lead.textContent = `The list could not be read: ${describeError(exc)}`;
  });
  return () => {
    alive = false;
    ctx.conn.removeEventListener("fleet", onFleet);
  };
}

function summary(fleet) {
  if (fleet.mqtt === "off") return "MQTT is off on this mixer ([mqtt] enabled = false), so it knows of no other.";
  const online = fleet.nodes.filter((n) => n.online).length;
  const counted = `${fleet.nodes.length} mixer${fleet.nodes.length === 1 ? "" : "s"} on the broker, ${online} online.`;
  return fleet.connected ? counted : `Not connected to the broker; what was last heard: ${counted}`;
}

function nodeItem(node) {
  const state = node.online === true ? "online" : node.online === false ? "offline" : "unknown";
  const health = node.health;
  const healthText = !health ? "Health not reported"
    : `${HEALTH[health.status] || health.status}${health.xruns ? ` · ${health.xruns} dropout${health.xruns === 1 ? "" : "s"}` : ""}`;
  const facts = [node.node_id, node.channels != null ? `${node.channels} channels` : null,
    node.mixes != null ? `${node.mixes} mixes` : null, node.version ? `mixerd ${node.version}` : null].filter(Boolean);
  const title = el("div", { class: "fleet-title" }, el("h2", { class: "fleet-name" }, node.name));
  if (node.this) title.append(el("span", { class: "badge fleet-this" }, "This mixer"));
  const item = el("li", { class: "fleet-node card", dataset: { node: node.node_id, state, health: health ? health.status : "none" } },
    el("div", { class: "fleet-body" },
      title,
      el("p", { class: "fleet-facts" }, facts.join(" · ")),
      el("p", { class: "fleet-status" },
        el("span", { class: "fleet-state" }, state === "online" ? "Online" : state === "offline" ? "Offline" : "Not said"),
        el("span", { class: "fleet-health" }, state === "offline" && health ? `last said: ${healthText}` : healthText),
        el("span", { class: "fleet-heard" }, `heard ${formatWhen(node.last_heard * 1000)}`))));
  if (node.web_url && !node.this) {
    item.append(el("a", { class: "btn fleet-open", href: node.web_url, "aria-label": `Open ${node.name} (${node.node_id})` },
      "Open", icon(ICONS.chevronRight)));
  }
  return item;
}
