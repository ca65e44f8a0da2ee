// Fleet: every mixerd announced on this box's MQTT broker (GET /api/v1/fleet), this box first and marked: its name,
// online or offline, its health (ok, degraded, down; dropouts), when it was last heard, and a link that opens its
// web app. Read once, then kept up to date by the WebSocket's `fleet` messages (it changes rarely: never polled).
// The engineer copies a scene or a channel's settings from this box onto another online one (POST
// /fleet/{node}/scenes|channels); the card is built once, so a fleet message does not undo a half-made choice.

import { api, describeError } from "../api.js";
import { ask } from "../ask.js";
import { el, formatWhen, icon, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { store } from "../store.js";
import { toast } from "../toast.js";

const HEALTH = { ok: "Healthy", degraded: "Degraded", down: "Audio down" };

export function mount(root, ctx) {
  const lead = el("p", { class: "lead" }, "Looking for the mixers on the broker…");
  const list = el("ul", { class: "fleet-list", "aria-label": "Mixers on the broker" });
  const copy = store.role === "admin" ? copyCard(ctx) : null;
  root.append(el("div", { class: "fleet-page" },
    el("header", { class: "page-head" }, el("h1", {}, "Fleet"), lead), list, ...(copy ? [copy.root] : [])));
  let alive = true;
  let shown = 0; // newer than what was read: an event that came while the first read was on its way wins
  const show = (fleet, at) => {
    if (!alive || at < shown) return;
    shown = at;
    lead.textContent = summary(fleet);
    list.replaceChildren(...fleet.nodes.map(nodeItem));
    if (copy) copy.targets(fleet.mqtt === "on" ? fleet.nodes.filter((n) => !n.this && n.online && n.broker) : []);
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
    if (copy) copy.stop();
  };
}

/** "Copy to another mixer": a scene of this box, or a channel's settings onto a channel there. `targets(nodes)`
 *  follows the online boxes (keeping the one chosen while it stays); `stop()` lets go of the scene list. */
function copyCard(ctx) {
  const { conn } = ctx;
  let nodes = [];
  const to = el("select", { id: "copy-to", "aria-label": "Copy to which mixer" });
  const scene = el("select", { "aria-label": "Scene to copy" });
  const channel = el("select", { "aria-label": "Channel to copy" });
  const onto = el("select", { "aria-label": "Onto which channel of the other mixer" });
  const routing = el("input", { type: "checkbox" });
  const copyScene = el("button", { type: "button", class: "btn primary" }, icon(ICONS.copy), "Copy scene");
  const copyChannel = el("button", { type: "button", class: "btn primary" }, icon(ICONS.copy), "Copy channel");
  const none = el("p", { class: "fleet-facts copy-none" }, "No other mixer is online on the MQTT broker to copy to.");
  const form = el("div", { class: "copy-form" },
    el("label", { class: "copy-row", for: "copy-to" }, el("span", {}, "To"), to),
    el("div", { class: "copy-row", role: "group", "aria-label": "Copy a scene" }, el("span", {}, "Scene"), scene, copyScene),
    el("div", { class: "copy-row", role: "group", "aria-label": "Copy a channel's settings" }, el("span", {}, "Channel"),
      channel, el("span", {}, "onto"), onto,
      el("label", { class: "check copy-check" }, routing, el("span", {}, "with its sends, DCAs and mute groups")),
      copyChannel));
  const root = el("section", { class: "card copy-card", "aria-labelledby": "copy-title" },
    el("h2", { id: "copy-title", class: "card-title" }, "Copy to another mixer"),
    el("p", { class: "fleet-facts" }, "A scene is stored there to be recalled when you choose; a channel's settings "
      + "(name, trim, HPF, EQ, dynamics, fader, pan, mute) apply there at once, one step its Undo takes back."),
    none, form);

  const target = () => nodes.find((n) => n.node_id === to.value);
  const fill = (select, items, keep) => {
    select.replaceChildren(...items.map(([value, text]) => el("option", { value: String(value) }, text)));
    if (items.some(([value]) => String(value) === keep)) select.value = keep;
  };
  const showScenes = () => {
    const list = (conn.scenes && conn.scenes.scenes) || [];
    fill(scene, list.length ? list.map((s) => [s.id, s.name]) : [["", "No scenes saved yet"]], scene.value);
    copyScene.disabled = !list.length || !target();
  };
  const showChannels = () => {
    fill(channel, numbered(conn.values, "ch").map((n) => [n, `${n} · ${conn.values[`ch/${n}/name`] || `Ch ${n}`}`]),
      channel.value);
    const there = target();
    const count = there && there.channels ? there.channels : numbered(conn.values, "ch").length;
    const keep = onto.dataset.chosen ? onto.value : channel.value;
    fill(onto, Array.from({ length: count }, (_, i) => [i + 1, `channel ${i + 1}`]), keep);
    copyChannel.disabled = !there;
  };
  const show = () => { showScenes(); showChannels(); };

  channel.addEventListener("change", () => { if (!onto.dataset.chosen) onto.value = channel.value; });
  onto.addEventListener("change", () => { onto.dataset.chosen = "1"; });
  to.addEventListener("change", show);

  async function send(what, body, done) {
    const there = target();
    if (!there) return;
    const who = `${there.name} (${there.node_id})`;
    try {
      const answer = await api("POST", `fleet/${encodeURIComponent(there.node_id)}/${what}`, body);
      const left = answer.skipped_count ? `; ${answer.skipped_count} left out (that mixer has no place for them)` : "";
      toast(`${done(answer)} on ${who}${left}`, "ok");
    } catch (exc) {
      if (exc.code === "name_taken" && what === "scenes" && !body.replace) {
        const name = scene.selectedOptions[0] ? scene.selectedOptions[0].textContent : "this scene";
        if (await ask(`Replace “${name}” on ${there.name}?`, `${who} already has a scene called “${name}”. `
          + "Replacing it gives it this box's values; its old values are gone there.", [ICONS.copy, "Replace"])) {
          await send(what, { ...body, replace: true }, done);
        }
        return;
      }
      toast(describeError(exc), "error");
    }
  }
  copyScene.addEventListener("click", () => send("scenes", { scene: Number(scene.value) },
    (a) => `Copied “${a.scene.name}”: ${a.imported} values, ready to recall`));
  copyChannel.addEventListener("click", () => send("channels",
    { channel: Number(channel.value), to: Number(onto.value), routing: routing.checked },
    (a) => `Copied channel ${channel.value} onto channel ${a.channel}: ${a.applied} settings`));

  conn.addEventListener("scenes", showScenes);
  return {
    root,
    targets(online) {
      nodes = online;
      fill(to, online.map((n) => [n.node_id, `${n.name} (${n.node_id})`]), to.value);
      none.hidden = online.length > 0;
      form.hidden = online.length === 0;
      show();
    },
    stop: () => conn.removeEventListener("scenes", showScenes),
  };
}

function summary(fleet) {
  if (fleet.mqtt === "off" && fleet.mdns !== "on") {
    return "MQTT and mDNS are off on this mixer ([mqtt] and [mdns] enabled = false), so it knows of no other.";
  }
  const online = fleet.nodes.filter((n) => n.online).length;
  const where = fleet.mqtt === "off" ? "on the local network" : fleet.mdns === "on" ? "on the broker and the local network" : "on the broker";
  const counted = `${fleet.nodes.length} mixer${fleet.nodes.length === 1 ? "" : "s"} ${where}, ${online} online.`;
  if (fleet.mqtt === "off") return `${counted} Copying between mixers needs an MQTT broker both are on.`;
  return fleet.connected ? counted : `Not connected to the broker; what was last heard: ${counted}`;
}

function nodeItem(node) {
  const state = node.online === true ? "online" : node.online === false ? "offline" : "unknown";
  const health = node.health;
  const healthText = !health ? "Health not reported"
    : `${HEALTH[health.status] || health.status}${health.xruns ? ` · ${health.xruns} dropout${health.xruns === 1 ? "" : "s"}` : ""}`;
  const facts = [node.node_id, node.channels != null ? `${node.channels} channels` : null,
    node.mixes != null ? `${node.mixes} mixes` : null, node.version ? `mixerd ${node.version}` : null,
    node.lan ? "on the local network" : null].filter(Boolean);
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
