// Scenes: save the whole mix under a name, recall one (with a crossfade; asked first unless the engineer turned
// that off — a setting of this device, kept in localStorage), delete (confirmed), and the safes — address patterns
// a recall never touches (e.g. a drummer's in-ear mix stays as it is). The list and the safes are the server's
// `scenes` message (with the state, and again whenever anyone changes them): nothing is fetched, and a scene saved
// on another device, over REST or MQTT shows up at once. The same message says which scene the mix is at (the one
// last recalled, saved or updated, and whether a value it holds was changed since): the console's toolbar shows
// it (currentScene) with "Update scene", which saves the mix into that scene once confirmed.

import { api, describeError } from "../api.js";
import { el, formatWhen, icon, numbered } from "../dom.js";
import { ask } from "../ask.js";
import { ICONS } from "../icons.js";
import { toast } from "../toast.js";

const FADES = [[0, "Cut"], [1000, "1 s"], [2000, "2 s"], [5000, "5 s"]];
const ASK_KEY = "mixerd_ask_before_recall"; // "0": recall at once; anything else (or nothing): ask first

/** Whether a recall is confirmed first on this device (the default: yes). */
function askBeforeRecall() {
  try { return localStorage.getItem(ASK_KEY) !== "0"; } catch { return true; }
}

function setAskBeforeRecall(on) {
  try { localStorage.setItem(ASK_KEY, on ? "1" : "0"); } catch { /* private mode: for this page only */ }
}

export function mountScenes(root, ctx) {
  const scenes = scenesCard(ctx);
  const safes = safesCard(ctx);
  root.append(el("div", { class: "editor-grid scenes-grid" }, scenes.root, safes.root));
  const show = () => { scenes.show(); safes.show(); };
  ctx.conn.addEventListener("scenes", show);
  show();
  return () => ctx.conn.removeEventListener("scenes", show);
}

/** Saving the mix as a scene, the recall fade, and the list of scenes to recall or delete. */
function scenesCard(ctx) {
  const { conn } = ctx;
  const fade = fadeChoice();
  const list = el("ul", { class: "scene-list", "aria-label": "Scenes" });
  const root = el("section", { class: "card wide" },
    el("header", { class: "card-head" }, el("h3", {}, "Scenes"), el("div", { class: "fade-choice" }, el("span", {}, "Fade"), fade.root)),
    saveForm(), list, askSetting());

  async function recall(scene) {
    if (askBeforeRecall() && !(await confirmRecall(scene, fade.ms()))) return;
    try {
      const answer = await api("POST", `scenes/${scene.id}/recall`, { fade_ms: fade.ms() });
      const changed = Object.keys(answer.changed || {}).length;
      const safe = (answer.safe || []).length;
      toast(`Recalled “${scene.name}”: ${changed} change${changed === 1 ? "" : "s"}${safe ? `, ${safe} kept safe` : ""}`, "ok");
    } catch (exc) { toast(describeError(exc), "error"); }
  }

  async function remove(scene, button) {
    if (button.dataset.confirm !== "yes") {
      button.dataset.confirm = "yes";
      button.textContent = "Delete?";
      setTimeout(() => { if (button.isConnected) { button.dataset.confirm = ""; button.replaceChildren(icon(ICONS.trash)); } }, 3000);
      return;
    }
    try {
      await api("DELETE", `scenes/${scene.id}?confirm=true`);
      toast(`Deleted “${scene.name}”`, "ok");
    } catch (exc) { toast(describeError(exc), "error"); }
  }

  const row = (scene, current) => {
    const recallBtn = el("button", { type: "button", class: "btn primary", "aria-label": `Recall ${scene.name}` },
      icon(ICONS.play), "Recall");
    recallBtn.addEventListener("click", () => recall(scene));
    const del = el("button", { type: "button", class: "btn ghost danger", "aria-label": `Delete ${scene.name}` }, icon(ICONS.trash));
    del.addEventListener("click", () => remove(scene, del));
    const at = current && current.id === scene.id;
    const where = at ? (current.modified ? "current, changed · " : "current · ") : "";
    return el("li", { class: at ? "scene current" : "scene", dataset: { id: String(scene.id) },
      "aria-current": at ? "true" : undefined },
      el("div", { class: "scene-text" }, el("span", { class: "scene-name" }, scene.name),
        el("span", { class: "scene-meta" }, `${where}saved ${formatWhen(scene.updated)} · ${scene.size} values`)),
      recallBtn, del);
  };
  const show = () => {
    if (!conn.scenes) return;
    const { scenes, current } = conn.scenes;
    list.replaceChildren(...(scenes.length ? scenes.slice().reverse().map((scene) => row(scene, current))
      : [el("li", { class: "empty" }, "No scenes yet. Save the current mix to start.")]));
  };
  return { root, show };
}

/** The setting "Ask before recalling a scene" (a switch; on unless turned off on this device). */
function askSetting() {
  const state = el("span", { class: "setting-state" });
  const button = el("button", { type: "button", role: "switch", class: "btn ghost setting" },
    el("span", {}, "Ask before recalling a scene"), state);
  state.setAttribute("aria-hidden", "true"); // the switch's own state says it
  const show = () => {
    const on = askBeforeRecall();
    button.setAttribute("aria-checked", String(on));
    state.textContent = on ? "On" : "Off";
  };
  button.addEventListener("click", () => { setAskBeforeRecall(!askBeforeRecall()); show(); });
  show();
  return button;
}

/** Asks whether to recall `scene` (a modal dialog); resolves true for Recall, false for Cancel or Escape. */
function confirmRecall(scene, fadeMs) {
  const fade = FADES.find(([ms]) => ms === fadeMs);
  return ask(`Recall “${scene.name}”?`,
    `The mix changes to this scene${fadeMs ? ` over ${fade ? fade[1] : `${fadeMs} ms`}` : ""}; `
      + "what is safe stays as it is. Undo takes the recall back.",
    [ICONS.play, "Recall"]);
}

/** The form that saves the current mix under a name (the list follows the server's `scenes` message). */
function saveForm() {
  const nameInput = el("input", { type: "text", placeholder: "Scene name, e.g. Sunday service", maxlength: "64",
    "aria-label": "New scene name", enterkeyhint: "done" });
  const save = el("button", { type: "submit", class: "btn primary" }, icon(ICONS.save), "Save scene");
  const form = el("form", { class: "inline-form" }, nameInput, save);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = nameInput.value.trim();
    if (!name) { nameInput.focus(); return; }
    try {
      await api("POST", "scenes", { name });
      nameInput.value = "";
      toast(`Saved “${name}”`, "ok");
    } catch (exc) { toast(describeError(exc), "error"); }
  });
  return form;
}

/** The recall fade: cut or a crossfade; `ms()` is the one chosen. */
function fadeChoice() {
  let fade = 0;
  const root = el("div", { class: "segmented", role: "radiogroup", "aria-label": "Recall fade" });
  const show = () => {
    for (const b of root.children) b.setAttribute("aria-checked", String(Number(b.dataset.ms) === fade));
  };
  for (const [ms, text] of FADES) {
    const b = el("button", { type: "button", role: "radio", dataset: { ms: String(ms) } }, text);
    b.addEventListener("click", () => { fade = ms; show(); });
    root.append(b);
  }
  show();
  return { root, ms: () => fade };
}

/** The safes: the patterns a recall leaves alone, a field to add one, and a quick way to keep a whole mix. */
function safesCard(ctx) {
  const { conn } = ctx;
  let patterns = [];
  const safeList = el("ul", { class: "safe-list", "aria-label": "Safe patterns" });
  const safeCount = el("span", { class: "scene-meta" });
  const patternInput = el("input", { type: "text", placeholder: "ch/*/send/3/*", "aria-label": "Safe pattern",
    autocapitalize: "off", spellcheck: "false" });
  const quick = el("select", { "aria-label": "Keep a whole mix safe" },
    el("option", { value: "" }, "Keep a mix safe…"),
    numbered(conn.values, "bus").filter((b) => conn.values[`bus/${b}/moreme`] !== undefined)
      .map((b) => el("option", { value: String(b) }, conn.values[`bus/${b}/name`])));
  const addForm = el("form", { class: "inline-form" }, patternInput, el("button", { type: "submit", class: "btn" }, icon(ICONS.plus), "Add"));

  async function storeSafes(next) {
    try {
      await api("PUT", "safes", { patterns: next }); // the scenes message that follows shows them
      return true;
    } catch (exc) {
      toast(describeError(exc), "error");
      return false;
    }
  }
  const show = () => {
    if (!conn.scenes) return;
    patterns = conn.scenes.safes;
    safeCount.textContent = patterns.length ? `${conn.scenes.safe_addresses} values are kept when a scene is recalled` : "Nothing is safe: a recall changes everything in the scene";
    safeList.replaceChildren(...patterns.map((p) => {
      const x = el("button", { type: "button", class: "btn ghost", "aria-label": `Remove ${p}` }, icon(ICONS.close));
      x.addEventListener("click", () => storeSafes(patterns.filter((q) => q !== p)));
      return el("li", { class: "safe" }, el("code", {}, p), x);
    }));
  };
  addForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const p = patternInput.value.trim();
    if (p && (await storeSafes([...patterns, p]))) patternInput.value = "";
  });
  quick.addEventListener("change", async () => {
    const b = quick.value;
    quick.value = "";
    if (b) await storeSafes([...new Set([...patterns, `ch/*/send/${b}/*`, `bus/${b}/**`])]);
  });
  const root = el("section", { class: "card" },
    el("header", { class: "card-head" }, el("h3", {}, "Safes")), safeCount, safeList, addForm, quick);
  return { root, show };
}

/** The scene the mix is at, for the console's toolbar: its name ("Soundcheck", or "Soundcheck · changed" once a
 *  value it holds was changed) and "Update scene", which saves the mix into it once confirmed. Nothing while the
 *  mix is at no scene. Follows the server's `scenes` message; `stop()` lets go of it. */
export function currentScene(ctx) {
  const { conn } = ctx;
  const name = el("span", { class: "scene-current-name" });
  const changed = el("span", { class: "scene-changed" });
  const readout = el("span", { class: "scene-current" }, name, changed);
  const update = el("button", { type: "button", class: "btn" }, icon(ICONS.save),
    el("span", { class: "btn-text" }, "Update scene"));
  const root = el("div", { class: "current-scene", role: "group", "aria-label": "Current scene" }, readout, update);
  let scene = null;
  const show = () => {
    scene = conn.scenes && conn.scenes.current;
    root.hidden = !scene;
    if (!scene) return;
    name.textContent = scene.name;
    changed.textContent = scene.modified ? " · changed" : "";
    readout.title = scene.modified ? `The mix was changed since “${scene.name}”` : `The mix is at “${scene.name}”`;
    update.setAttribute("aria-label", `Update scene ${scene.name}`); // a landscape tablet shows only its icon
    update.title = `Save the current mix into “${scene.name}”`;
  };
  update.addEventListener("click", async () => {
    const target = scene;
    if (!target) return;
    if (!(await ask(`Save the current mix into “${target.name}”?`,
      "The scene then holds the mix as it is now; its old values are gone (Undo does not bring them back).",
      [ICONS.save, "Update scene"]))) return;
    try {
      await api("PUT", `scenes/${target.id}`); // the scenes message that follows shows it unchanged
      toast(`Updated “${target.name}” with the current mix`, "ok");
    } catch (exc) { toast(describeError(exc), "error"); }
  });
  conn.addEventListener("scenes", show);
  show();
  return { root, stop: () => conn.removeEventListener("scenes", show) };
}
