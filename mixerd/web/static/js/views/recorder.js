// Recorder (admin): record every input and any mix to one file each — a big Record button, what is recorded, the
// time, the room left, markers; the takes below, to play back through the channels (virtual soundcheck: from the
// start or a marker, looped to the next marker), rename, take home (one zip, or a file each) or delete.

import { API_BASE, api, describeError } from "../api.js";
import { ask } from "../ask.js";
import { el, formatWhen, icon, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { toast } from "../toast.js";

const POLL_MS = 1000; // while a take runs: its length, the audio lost, the room left

export function mount(root, ctx) {
  const { conn } = ctx;
  let alive = true;
  const player = playerBar();
  const takes = takeList(() => alive, player);
  const deck = recordDeck(conn.values, takes.load);
  root.append(el("div", { class: "recorder-page" },
    el("header", { class: "page-head" }, el("h1", {}, "Recorder"),
      el("p", { class: "lead" }, "Record every input and any mix, one file each. Play a take back through the "
        + "channels to set the mixes without the band, or take it home.")),
    el("section", { class: "card", "aria-label": "Record" }, deck.root),
    player.root,
    el("section", { class: "card" }, el("header", { class: "card-head" }, el("h3", {}, "Takes")), takes.root)));
  const follow = (e) => { deck.show(e.detail); takes.load(); };
  const followPlayer = (e) => player.show(e.detail);
  conn.addEventListener("recorder", follow);
  conn.addEventListener("player", followPlayer);
  deck.refresh();
  player.refresh();
  takes.load();
  return () => {
    alive = false;
    deck.stop();
    player.stop();
    conn.removeEventListener("recorder", follow);
    conn.removeEventListener("player", followPlayer);
  };
}

/** The Record / Stop button, the take's name and sources before it starts, its time, room and markers while it
 *  runs. `show(status)` with the server's recorder status; `refresh()` asks for it. */
function recordDeck(values, changed) {
  let status = null;
  let timer = null;
  const button = el("button", { type: "button", class: "rec-button", "aria-pressed": "false" },
    el("span", { class: "rec-dot", "aria-hidden": "true" }), el("span", { class: "rec-label" }, "Record"));
  const clock = el("output", { class: "rec-clock", "aria-live": "off" }, "0:00");
  const facts = el("p", { class: "rec-facts", "aria-live": "polite" });
  const name = el("input", { type: "text", maxlength: "64", placeholder: "Take name (e.g. Rehearsal)", "aria-label": "Take name",
    enterkeyhint: "done" });
  const sources = sourcePicker(values);
  const setup = el("div", { class: "rec-setup" }, el("label", { class: "field" },
    el("span", { class: "field-label" }, "Name"), name), sources.root);
  const markerName = el("input", { type: "text", maxlength: "64", placeholder: "verse 2", "aria-label": "Marker name" });
  const mark = el("button", { type: "submit", class: "btn" }, icon(ICONS.plus), "Marker");
  const markers = el("form", { class: "inline-form rec-markers", hidden: true }, markerName, mark);
  const root = el("div", { class: "rec-deck" }, el("div", { class: "rec-head" }, button, clock), facts, setup, markers);

  const show = (next) => {
    status = next;
    const on = Boolean(status && status.recording);
    button.setAttribute("aria-pressed", String(on));
    button.classList.toggle("recording", on);
    button.querySelector(".rec-label").textContent = on ? "Stop" : "Record";
    button.setAttribute("aria-label", on ? `Stop recording ${status.name}` : "Record");
    setup.hidden = on;
    markers.hidden = !on;
    clock.textContent = duration(on ? status.seconds : 0);
    facts.replaceChildren(...describe(status));
    clearInterval(timer);
    timer = on ? setInterval(refresh, POLL_MS) : null;
  };
  const refresh = async () => {
    try { show(await api("GET", "recorder")); } catch (exc) { facts.textContent = describeError(exc); }
  };
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (status && status.recording) {
        const take = await api("POST", "recorder/stop");
        toast(`Recorded “${take.name}”: ${duration(take.seconds)}`, "ok");
      } else {
        const body = { sources: sources.picked(), tap: sources.tap() };
        if (name.value.trim()) body.name = name.value.trim();
        show(await api("POST", "recorder/start", body));
        name.value = "";
      }
      changed();
    } catch (exc) {
      toast(describeError(exc), "error");
      refresh();
    } finally {
      button.disabled = false;
    }
  });
  markers.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = markerName.value.trim() || `Marker at ${clock.textContent}`;
    try {
      await api("POST", "recorder/marker", { name: text });
      markerName.value = "";
      toast(`Marker “${text}” at ${clock.textContent}`, "ok");
    } catch (exc) { toast(describeError(exc), "error"); }
  });
  return { root, show, refresh, stop: () => clearInterval(timer) };
}

/** What the recorder says under the button: recording what, the room left, a loss or a take the disk ended. */
function describe(status) {
  if (!status) return [];
  const out = [];
  const left = status.space.seconds_left;
  if (status.recording) {
    out.push(el("span", {}, `${status.sources.length} source${status.sources.length === 1 ? "" : "s"} · `));
  }
  out.push(el("span", { class: left !== null && left < 600 ? "warn" : "" },
    left === null ? "" : `room for ${longDuration(left)} (${size(status.space.usable)} free above the reserve)`));
  if (status.lost_seconds > 0) {
    out.push(el("span", { class: "warn" }, ` · ${status.lost_seconds.toFixed(1)} s lost: the disk is too slow`));
  }
  if (!status.recording && status.problem) {
    out.push(el("span", { class: "warn", role: "alert" }, ` · the last take stopped early: ${status.problem.message}`));
  }
  return out;
}

/** Which sources a take records: every channel and the main by default, any mix; channels after the trim or raw. */
function sourcePicker(values) {
  const channels = numbered(values, "ch");
  const buses = numbered(values, "bus");
  const boxes = [];
  const box = (address, label, checked) => {
    const input = el("input", { type: "checkbox", value: address, checked });
    boxes.push(input);
    return el("label", { class: "check" }, input, el("span", {}, label));
  };
  let tap = "trim";
  const taps = el("div", { class: "segmented", role: "radiogroup", "aria-label": "Channels taken" });
  for (const [value, text] of [["trim", "After the trim"], ["raw", "Raw input"]]) {
    const b = el("button", { type: "button", role: "radio", dataset: { tap: value } }, text);
    b.addEventListener("click", () => { tap = value; showTap(); });
    taps.append(b);
  }
  const showTap = () => { for (const b of taps.children) b.setAttribute("aria-checked", String(b.dataset.tap === tap)); };
  showTap();
  const root = el("fieldset", { class: "rec-sources" }, el("legend", {}, "Record"),
    el("div", { class: "check-grid" }, ...channels.map((n) => box(`ch/${n}`, values[`ch/${n}/name`], true))),
    taps,
    el("div", { class: "check-grid" }, ...buses.map((b) => box(`bus/${b}`, values[`bus/${b}/name`], false)),
      box("main", "Main", true)));
  return { root, picked: () => boxes.filter((b) => b.checked).map((b) => b.value), tap: () => tap };
}

/** Virtual soundcheck: what plays back into which channels, where it is, Stop; hidden while nothing plays.
 *  `play(take, start, loop)` starts one (a play from elsewhere is a locate). */
function playerBar() {
  let timer = null;
  const what = el("span", { class: "play-what" });
  const where = el("output", { class: "play-where", "aria-live": "off" });
  const stopButton = el("button", { type: "button", class: "btn primary" }, "Stop playback");
  const root = el("section", { class: "card player-bar", "aria-label": "Playing back", hidden: true },
    el("div", { class: "play-text" }, what, where), stopButton);
  const show = (status) => {
    const on = Boolean(status && status.playing);
    root.hidden = !on;
    clearInterval(timer);
    timer = on ? setInterval(refresh, POLL_MS) : null;
    if (!on) return;
    what.textContent = `Playing “${status.name}” into ${status.channels.length} channel${status.channels.length === 1 ? "" : "s"}`
      + (status.loop ? `, looping ${duration(status.loop[0])}–${duration(status.loop[1])}` : "");
    where.textContent = `${duration(status.position)} / ${duration(status.seconds)}`;
  };
  const refresh = async () => {
    try { show(await api("GET", "player")); } catch { /* offline: the next message or poll says */ }
  };
  const play = async (take, start, loop) => {
    try {
      show(await api("POST", "player/play", { take: take.id, start, ...(loop ? { loop } : {}) }));
      toast(`The channels hear “${take.name}” instead of the band`, "ok");
    } catch (exc) { toast(describeError(exc), "error"); }
  };
  stopButton.addEventListener("click", async () => {
    try { show(await api("POST", "player/stop")); } catch (exc) { toast(describeError(exc), "error"); refresh(); }
  });
  return { root, show, refresh, play, stop: () => clearInterval(timer) };
}

/** The takes, newest first: name, when, length, size; play back (from the start or a marker, looped to the next
 *  marker), rename, download (a zip, or a file each) and delete. */
function takeList(isAlive, player) {
  const root = el("ul", { class: "take-list", "aria-live": "polite" });
  const load = async () => {
    let takes;
    try { takes = (await api("GET", "takes")).takes; } catch (exc) {
      if (isAlive()) root.replaceChildren(el("li", { class: "empty" }, describeError(exc)));
      return;
    }
    if (!isAlive()) return;
    root.replaceChildren(...(takes.length ? takes.reverse().map((t) => takeRow(t, load, player))
      : [el("li", { class: "empty" }, "No takes yet: press Record.")]));
  };
  return { root, load };
}

function takeRow(take, changed, player) {
  const meta = el("span", { class: "take-meta" }, `${formatWhen(take.started)} · ${duration(take.seconds)} · `
    + `${take.sources.length} file${take.sources.length === 1 ? "" : "s"} · ${size(take.bytes)}`
    + (take.markers.length ? ` · ${take.markers.length} marker${take.markers.length === 1 ? "" : "s"}` : "")
    + (take.complete ? "" : " · recording") + (take.recovered ? " · mended after a power cut" : ""));
  const title = el("span", { class: "take-name" }, take.name);
  const rename = el("button", { type: "button", class: "btn", "aria-label": `Rename ${take.name}`,
    title: "Rename" }, icon(ICONS.save));
  const zip = el("a", { class: "btn", href: new URL(`takes/${take.id}/zip`, API_BASE).href, download: "",
    "aria-label": `Download ${take.name}` }, "Download");
  const remove = el("button", { type: "button", class: "btn danger", "aria-label": `Delete ${take.name}`,
    title: "Delete", disabled: !take.complete }, icon(ICONS.trash));
  const rate = take.rate;
  const marks = take.markers.map((m) => ({ name: m.name, at: m.position / rate }));
  const loop = el("input", { type: "checkbox" });
  const playing = el("div", { class: "take-play", hidden: !take.complete || !take.sources.some((s) => s.address.startsWith("ch/")) },
    el("button", { type: "button", class: "btn", "aria-label": `Play ${take.name} back from the start`,
      dataset: { at: "0" } }, icon(ICONS.play), "Play"),
    ...marks.map((m) => el("button", { type: "button", class: "btn", "aria-label": `Play ${take.name} from ${m.name}`,
      dataset: { at: String(m.at) } }, icon(ICONS.play), m.name)),
    el("label", { class: "check" }, loop, el("span", {}, "Loop to the next marker")));
  playing.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-at]");
    if (!button) return;
    const start = Number(button.dataset.at);
    const next = marks.map((m) => m.at).find((at) => at > start + 0.1);
    player.play(take, start, loop.checked ? [start, next !== undefined ? next : take.seconds] : null);
  });
  const files = el("details", { class: "take-files" }, el("summary", {}, "Files"),
    el("ul", {}, ...take.sources.map((s, i) => el("li", {}, el("a", {
      href: new URL(`takes/${take.id}/files/${i + 1}`, API_BASE).href, download: "" }, s.file)))));
  rename.addEventListener("click", () => {
    const input = el("input", { type: "text", maxlength: "64", value: take.name, "aria-label": "New name" });
    const form = el("form", { class: "inline-form" }, input, el("button", { type: "submit", class: "btn primary" }, "Rename"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await api("PATCH", `takes/${take.id}`, { name: input.value });
        changed();
      } catch (exc) { toast(describeError(exc), "error"); }
    });
    title.replaceWith(form);
    input.focus();
  });
  remove.addEventListener("click", async () => {
    if (!(await ask(`Delete “${take.name}”?`, `Its ${take.sources.length} files are gone for good: there is no undo.`,
      [ICONS.trash, "Delete"]))) return;
    try {
      await api("DELETE", `takes/${take.id}?confirm=true`);
      toast(`Deleted “${take.name}”`, "ok");
      changed();
    } catch (exc) { toast(describeError(exc), "error"); }
  });
  return el("li", { class: "take" }, el("div", { class: "take-text" }, title, meta),
    el("div", { class: "take-actions" }, rename, zip, remove), playing, files);
}

/** 75 → "1:15", 4000 → "1:06:40". */
function duration(seconds) {
  const s = Math.floor(seconds || 0);
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  return hms[0] ? `${hms[0]}:${String(hms[1]).padStart(2, "0")}:${String(hms[2]).padStart(2, "0")}`
    : `${hms[1]}:${String(hms[2]).padStart(2, "0")}`;
}

/** 7980 → "2 h 13 min", 300 → "5 min". */
function longDuration(seconds) {
  const minutes = Math.floor(seconds / 60);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

function size(bytes) {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) { n /= 1000; u += 1; }
  return `${n >= 100 || u === 0 ? Math.round(n) : n.toFixed(1)} ${units[u]}`;
}
