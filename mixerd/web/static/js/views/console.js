// Console (engineer, tablet): the strip bank — channels, buses, main — and the editor of the selected strip;
// scenes, history, the groups (DCAs, mute groups), the signal generators and the talkback setup in their own tabs;
// undo/redo, the scene the mix is at (with "Update scene") and the talk buttons (views/talk.js) always at hand.
// Read-only for a viewer link (the mixer only, no talk buttons). A tapped
// strip's editor comes up under the top bar; the main strip stays at the right end of the bank while the channels
// scroll under it.

import { describeError } from "../api.js";
import { Binder } from "../bind.js";
import { el, icon, numbered } from "../dom.js";
import { healthBadge } from "../health.js";
import { ICONS } from "../icons.js";
import { toast } from "../toast.js";
import { describeStep } from "../undo.js";
import { mountEditor } from "./editor.js";
import { mountHistory } from "./history.js";
import { mountGenerators } from "./panels/generators.js";
import { mountGroups } from "./panels/groups.js";
import { mountTalkback } from "./panels/talkback.js";
import { currentScene, mountScenes } from "./scenes.js";
import { busStrip, channelStrip, mainStrip } from "./strips.js";
import { useTalkButtons } from "./talk.js";

const TABS = [["mixer", "Mixer"], ["scenes", "Scenes"], ["history", "History"], ["groups", "Groups"],
  ["generators", "Generators"], ["talkback", "Talkback"]];

export function mount(root, ctx, { tab = "mixer", select = "ch/1", focus = null, readOnly = false }) {
  const { conn } = ctx;
  const base = readOnly ? "#/view" : "#/console";
  const binder = new Binder(conn, { readOnly });
  const cleanups = [() => binder.release()];

  const toolbar = el("div", { class: "console-toolbar" });
  const tabs = el("nav", { class: "tabs", "aria-label": "Console sections" },
    TABS.filter(([id]) => !readOnly || id === "mixer").map(([id, text]) =>
      el("a", { href: id === "mixer" ? base : `${base}/${id}`, class: "tab", "aria-current": id === tab ? "page" : undefined }, text)));
  const health = healthBadge(conn);
  cleanups.push(health.stop);
  toolbar.append(tabs, health.root);
  if (readOnly) toolbar.append(el("span", { class: "badge view-only" }, icon(ICONS.eye), "View only"));
  else {
    const scene = currentScene(ctx);
    cleanups.push(scene.stop);
    toolbar.append(scene.root, soloLight(ctx, cleanups), undoRedo(ctx, cleanups));
    cleanups.push(useTalkButtons(ctx));
  }
  const body = el("div", { class: "console-body" });
  root.append(el("div", { class: "console" }, toolbar, body));

  if (tab === "scenes" && !readOnly) cleanups.push(mountScenes(body, ctx));
  else if (tab === "history" && !readOnly) cleanups.push(mountHistory(body, ctx));
  else if (tab === "groups" && !readOnly) mountGroups(body, ctx, binder);
  else if (tab === "generators" && !readOnly) mountGenerators(body, ctx, binder);
  else if (tab === "talkback" && !readOnly) mountTalkback(body, ctx, binder);
  else cleanups.push(mountMixer(body, ctx, binder, { select, focus, base }));
  return () => { for (const fn of cleanups) fn(); };
}

function mountMixer(body, ctx, binder, { select, focus, base }) {
  const { conn } = ctx;
  const values = conn.values;
  const bank = el("div", { class: "bank", role: "group", "aria-label": "Strips" });
  let editorBinder = null;
  let selected = values[`${select}/name`] !== undefined || select === "main" ? select : "ch/1";
  const editorHost = el("div", { class: "editor-host" });

  const onSelect = (prefix, section, initial = false) => {
    selected = prefix;
    for (const s of bank.querySelectorAll(".strip")) s.classList.toggle("selected", s.dataset.address === prefix);
    // A tap on a strip brings its editor up (on a tablet the bank fills the screen: it opens below the fold).
    showEditor(section, !initial);
    // Keep the address shareable without re-mounting the view.
    const hash = `${base}/${prefix}`;
    if (!initial && location.hash !== hash) history.replaceState(null, "", hash);
  };
  const showEditor = (section, reveal) => {
    editorBinder?.release();
    editorBinder = binder.child();
    editorHost.replaceChildren();
    mountEditor(editorHost, ctx, editorBinder, selected, section, { reveal });
  };

  const channels = el("div", { class: "bank-group", "aria-label": "Channels" });
  for (const n of numbered(values, "ch")) channels.append(channelStrip(ctx, binder, n, onSelect));
  const buses = el("div", { class: "bank-group buses", "aria-label": "Buses" });
  for (const b of numbered(values, "bus")) buses.append(busStrip(ctx, binder, b, onSelect));
  bank.append(channels, buses, el("div", { class: "bank-group mains" }, mainStrip(ctx, binder, onSelect)));
  body.append(el("div", { class: "bank-scroll" }, bank), editorHost);
  onSelect(selected, focus, true);
  const strip = bank.querySelector(`.strip[data-address="${selected}"]`);
  if (strip && selected !== "ch/1") requestAnimationFrame(() => strip.scrollIntoView({ block: "nearest", inline: "center" }));
  return () => editorBinder?.release();
}

/** Every soloed channel and mix (addresses ending in /solo that are on). */
export function soloed(values) {
  return Object.keys(values).filter((k) => /^(ch|bus)\/\d+\/solo$/.test(k) && values[k] === true);
}

// The console's solo light: lit while anything is soloed (the phones no longer carry the main), with
// how many; a tap clears every solo in one change. What it shows is its name ("Solo 2 · clear").
function soloLight(ctx, cleanups) {
  const { conn } = ctx;
  const count = el("span", {});
  const button = el("button", { type: "button", class: "btn solo-light" }, el("b", {}, "Solo"), count);
  const show = () => {
    const n = soloed(conn.values).length;
    button.classList.toggle("on", n > 0);
    button.disabled = n === 0;
    count.textContent = n ? ` ${n} · clear` : " off";
    button.title = n ? "Soloed: " + soloed(conn.values).join(", ") : "Nothing soloed: the phones carry the main mix";
  };
  button.addEventListener("click", async () => {
    const changes = Object.fromEntries(soloed(conn.values).map((k) => [k, false]));
    if (!Object.keys(changes).length) return;
    try {
      await conn.write(changes, { drag: false });
    } catch (exc) {
      toast(describeError(exc), "error");
    }
  });
  const onChange = (e) => { if (!e.detail || !e.detail.address || e.detail.address.endsWith("/solo")) show(); };
  conn.addEventListener("change", onChange);
  conn.addEventListener("state", show);
  cleanups.push(() => {
    conn.removeEventListener("change", onChange);
    conn.removeEventListener("state", show);
  });
  show();
  return button;
}

// Undo and redo of this device's own changes (a musician's change in their mix is theirs: History takes back
// anyone's), enabled as the server says they can be: its `undo` message comes with the state and whenever this
// device's own changes move it (nothing is asked after a change).
function undoRedo(ctx, cleanups) {
  const undo = el("button", { type: "button", class: "btn", "aria-label": "Undo" }, icon(ICONS.undo), el("span", {}, "Undo"));
  const redo = el("button", { type: "button", class: "btn", "aria-label": "Redo" }, icon(ICONS.redo), el("span", {}, "Redo"));
  const show = () => {
    const status = ctx.conn.undo;
    undo.disabled = !(status && status.can_undo);
    redo.disabled = !(status && status.can_redo);
  };
  const run = async (what) => {
    try {
      const step = await ctx.conn.step(what); // this device's own last change: someone else's stays
      toast(describeStep(what, step, { self: ctx.conn.actor, values: ctx.conn.values }), "ok");
    } catch (exc) {
      toast(describeError(exc), "error");
    }
  };
  undo.addEventListener("click", () => run("undo"));
  redo.addEventListener("click", () => run("redo"));
  ctx.conn.addEventListener("undo", show);
  cleanups.push(() => ctx.conn.removeEventListener("undo", show));
  show();
  return el("div", { class: "undo-redo" }, undo, redo);
}
