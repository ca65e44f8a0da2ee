// Recorder (admin): record every input and any mix to one file each — a big Record button, what is recorded, the
// time, the room left, markers; the takes below, to play back through the channels (virtual soundcheck: from the
// start or a marker, looped to the next marker; each channel from the take or live, the drums from the take and the
// singer live), rename, take home (one zip, or a file each) or delete. Markers go into the take being recorded or,
// when none is, into the take playing back, where it is heard.

import { API_BASE, api, describeError } from "../api.js";
import { ask } from "../ask.js";
import { el, formatWhen, icon, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { toast } from "../toast.js";

const POLL_MS = 1000; // while a take runs or plays: its length or position, the audio lost, the room left

export function mount(root, ctx) {
  const { conn } = ctx;
  let alive = true;
  const choices = sourceChoices();
  const marker = markerForm();
  const player = playerBar(conn, choices, marker);
  const takes = takeList(() => alive, player, choices, conn);
  const deck = recordDeck(conn.values, takes.load, marker);
  root.append(el("div", { class: "recorder-page" },
    el("header", { class: "page-head" }, el("h1", {}, "Recorder"),
      el("p", { class: "lead" }, "Record every input and any mix, one file each. Play a take back through the "
        + "channels to set the mixes without the band, or take it home.")),
    el("section", { class: "card", "aria-label": "Record" }, deck.root),
    player.root,
    el("section", { class: "card" }, el("header", { class: "card-head" }, el("h3", {}, "Takes")), takes.root)));
  // A notice says a take started or stopped, a channel was switched or a marker set: the list shows it at once.
  const follow = (e) => { deck.show(e.detail); takes.load(); };
  const followPlayer = (e) => { player.show(e.detail); takes.load(); };
  const followTakes = () => takes.load(); // renamed or deleted, here or on another device
  conn.addEventListener("recorder", follow);
  conn.addEventListener("player", followPlayer);
  conn.addEventListener("takes", followTakes);
  deck.refresh();
  player.refresh();
  takes.load();
  return () => {
    alive = false;
    deck.stop();
    player.stop();
    conn.removeEventListener("recorder", follow);
    conn.removeEventListener("player", followPlayer);
    conn.removeEventListener("takes", followTakes);
  };
}

/** The Record / Stop button, the take's name and sources before it starts, its time, room and markers while it
 *  runs. `show(status)` with the server's recorder status; `refresh()` asks for it. */
function recordDeck(values, changed, marker) {
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
  const root = el("div", { class: "rec-deck" }, el("div", { class: "rec-head" }, button, clock), facts, setup,
    marker.slots.recording);

  const show = (next) => {
    status = next;
    const on = Boolean(status && status.recording);
    button.setAttribute("aria-pressed", String(on));
    button.classList.toggle("recording", on);
    button.querySelector(".rec-label").textContent = on ? "Stop" : "Record";
    button.setAttribute("aria-label", on ? `Stop recording ${status.name}` : "Record");
    setup.hidden = on;
    marker.recording(status);
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
  return { root, show, refresh, stop: () => clearInterval(timer) };
}

/** The Marker form: a marker ("verse 2") in the take being recorded or, when none is, in the take playing back, at
 *  the moment heard (the server decides which). It sits in the Record card while a take records, in the player bar
 *  while one only plays back, and is hidden otherwise. `recording(status)` and `playing(status)` tell it. */
function markerForm() {
  let rec = null;
  let play = null;
  const name = el("input", { type: "text", maxlength: "64", placeholder: "verse 2", "aria-label": "Marker name" });
  const form = el("form", { class: "inline-form rec-markers" }, name,
    el("button", { type: "submit", class: "btn" }, icon(ICONS.plus), "Marker"));
  const slots = { recording: el("div", { class: "marker-slot", hidden: true }),
    playing: el("div", { class: "marker-slot", hidden: true }) };
  const now = () => duration(rec && rec.recording ? rec.seconds : play && play.playing ? play.position : 0);
  const place = () => {
    const recording = Boolean(rec && rec.recording);
    const playing = Boolean(play && play.playing);
    slots.recording.hidden = !recording;
    slots.playing.hidden = recording || !playing;
    const slot = recording ? slots.recording : slots.playing;
    if (form.parentNode !== slot) slot.append(form);
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const at = now();
    const text = name.value.trim() || `Marker at ${at}`;
    try {
      await api("POST", "recorder/marker", { name: text });
      name.value = "";
      toast(`Marker “${text}” at ${at}`, "ok");
    } catch (exc) { toast(describeError(exc), "error"); }
  });
  return {
    slots,
    recording: (status) => { rec = status; place(); },
    playing: (status) => { play = status; place(); },
  };
}

/** What the recorder says under the button: recording what, the room left, a loss or a take the disk ended. */
function describe(status) {
  if (!status) return [];
  const out = [];
  const left = status.space.seconds_left;
  if (status.recording) {
    out.push(el("span", {}, `${status.sources.length} source${status.sources.length === 1 ? "" : "s"} · `));
  }
  if (status.space.unavailable) {
    out.push(el("span", { class: "warn", role: "alert" }, `Cannot record: ${status.space.unavailable}`));
  } else {
    out.push(el("span", { class: left !== null && left < 600 ? "warn" : "" },
      left === null ? "" : `room for ${longDuration(left)} (${size(status.space.usable)} free above the reserve)`));
  }
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

/** Which of a take's channels hear the band instead of the take: chosen in the take's row before it plays; while it
 *  plays, what the player says (switched in the player bar or the row). Kept while the view is open, whatever the
 *  list redraws; `follow(fn)` hears of every change (fn(take id)). */
function sourceChoices() {
  const live = new Map(); // take id → Set of "ch/N" hearing the band
  const target = new EventTarget();
  return {
    live: (id) => live.get(id) || new Set(),
    set(id, channels) {
      const was = live.get(id) || new Set();
      if (was.size === channels.size && [...channels].every((c) => was.has(c))) return;
      live.set(id, channels);
      target.dispatchEvent(new CustomEvent("change", { detail: id }));
    },
    follow: (fn) => target.addEventListener("change", (e) => fn(e.detail)),
  };
}

/** A Live / Take switch for each of `channels` ("ch/N"), named as the mixer (`conn`) names the channel: `hears(address)`
 *  says "live" or "take", `pick(address, source)` runs on a tap; `update()` shows `hears` again. */
function sourceSwitches(channels, conn, hears, pick) {
  const rows = channels.map((address) => {
    const name = conn.get(`${address}/name`) || address;
    const group = el("div", { class: "segmented", role: "radiogroup", "aria-label": name });
    for (const [source, text] of [["live", "Live"], ["take", "Take"]]) {
      const b = el("button", { type: "button", role: "radio", dataset: { source } }, text);
      b.addEventListener("click", () => pick(address, source));
      group.append(b);
    }
    return { address, group, node: el("li", { class: "source-row" }, el("span", { class: "source-name" }, name), group) };
  });
  const update = () => {
    for (const { address, group } of rows) {
      const source = hears(address);
      for (const b of group.children) b.setAttribute("aria-checked", String(b.dataset.source === source));
    }
  };
  update();
  return { root: el("ul", { class: "source-list" }, ...rows.map((r) => r.node)), update };
}

/** Virtual soundcheck: what plays back into which channels, where it is, each channel's Live / Take switch, the
 *  Marker form, Stop; hidden while nothing plays. `play(take, channels, start, loop)` starts one (a play from
 *  elsewhere is a locate); `pick(takeId, address, source)` switches a channel of the take playing, or notes the
 *  choice for the next play of another. */
function playerBar(conn, choices, marker) {
  let timer = null;
  let current = null; // the player's status
  let switches = null;
  let switchesFor = "";
  const what = el("span", { class: "play-what" });
  const where = el("output", { class: "play-where", "aria-live": "off" });
  const stopButton = el("button", { type: "button", class: "btn primary" }, "Stop playback");
  const channels = el("div", { class: "play-channels" });
  const root = el("section", { class: "card player-bar", "aria-label": "Playing back", hidden: true },
    el("div", { class: "play-text" }, what, where), stopButton, channels, marker.slots.playing);
  let shown = 0; // how many statuses were shown: a poll answered after a newer status is dropped
  const show = (status) => {
    shown += 1;
    current = status;
    const on = Boolean(status && status.playing);
    root.hidden = !on;
    marker.playing(status);
    clearInterval(timer);
    timer = on ? setInterval(refresh, POLL_MS) : null;
    if (!on) return;
    const heard = status.channels.length;
    const all = status.available.length;
    what.textContent = `Playing “${status.name}” into ${heard}${heard < all ? ` of ${all}` : ""} channel${all === 1 ? "" : "s"}`
      + (heard < all ? " (the others hear the band)" : "")
      + (status.loop ? `, looping ${duration(status.loop[0])}–${duration(status.loop[1])}` : "");
    where.textContent = `${duration(status.position)} / ${duration(status.seconds)}`;
    choices.set(status.take, new Set(status.available.filter((a) => !status.channels.includes(a))));
    const key = `${status.take} ${status.available.join(" ")}`;
    if (key !== switchesFor) { // drawn once per take: the poll only moves the switches
      switchesFor = key;
      switches = sourceSwitches(status.available, conn,
        (address) => (current.channels.includes(address) ? "take" : "live"),
        (address, source) => pick(current.take, address, source));
      channels.replaceChildren(el("p", { class: "play-channels-head" }, "What each channel hears"), switches.root);
    }
    switches.update();
  };
  const refresh = async () => {
    const before = shown;
    try {
      const status = await api("GET", "player");
      if (shown === before) show(status);
    } catch { /* offline: the next message or poll says */ }
  };
  const play = async (take, chosen, start, loop) => {
    try {
      show(await api("POST", "player/play", { take: take.id, start, ...(loop ? { loop } : {}),
        ...(chosen ? { channels: chosen } : {}) }));
      toast(`The channels hear “${take.name}” instead of the band`, "ok");
    } catch (exc) { toast(describeError(exc), "error"); }
  };
  const pick = async (takeId, address, source) => {
    if (current && current.playing && current.take === takeId) { // heard at once, crossfaded
      try { show(await api("POST", "player/source", { channel: address, source })); } catch (exc) {
        toast(describeError(exc), "error");
        refresh();
      }
      return;
    }
    const live = new Set(choices.live(takeId));
    if (source === "live") live.add(address); else live.delete(address);
    choices.set(takeId, live);
  };
  stopButton.addEventListener("click", async () => {
    try { show(await api("POST", "player/stop")); } catch (exc) { toast(describeError(exc), "error"); refresh(); }
  });
  return { root, show, refresh, play, pick, stop: () => clearInterval(timer) };
}

/** The takes, newest first: name, when, length, size; play back (from the start or a marker, looped to the next
 *  marker; each channel from the take or live), rename, download (a zip, or a file each) and delete. A row is
 *  drawn again only when its take changed, so a notice about another take leaves a row being used alone. */
function takeList(isAlive, player, choices, conn) {
  const root = el("ul", { class: "take-list", "aria-live": "polite" });
  let rows = new Map(); // take id → { key, node, update }
  const looping = new Set(); // the takes whose "Loop to the next marker" is ticked, across redraws
  const opened = new Set(); // the takes whose Channels list is open, across redraws
  let asked = 0; // loads asked for: only the newest one's answer is shown (two notices, two loads at once)
  choices.follow((id) => { const row = rows.get(id); if (row) row.update(); });
  const load = async () => {
    const mine = ++asked;
    let takes;
    try { takes = (await api("GET", "takes")).takes; } catch (exc) {
      if (isAlive() && mine === asked) root.replaceChildren(el("li", { class: "empty" }, describeError(exc)));
      return;
    }
    if (!isAlive() || mine !== asked) return;
    const next = new Map();
    for (const take of takes.reverse()) {
      const key = JSON.stringify(take);
      const kept = rows.get(take.id);
      next.set(take.id, kept && kept.key === key ? kept
        : { key, ...takeRow(take, { changed: load, player, choices, conn, looping, opened }) });
    }
    rows = next;
    const nodes = [...next.values()].map((r) => r.node);
    if (!nodes.length) {
      root.replaceChildren(el("li", { class: "empty" }, "No takes yet: press Record."));
      return;
    }
    for (const child of [...root.children]) if (!nodes.includes(child)) child.remove();
    nodes.forEach((node, i) => { if (root.children[i] !== node) root.insertBefore(node, root.children[i] || null); });
  };
  return { root, load };
}

function takeRow(take, { changed, player, choices, conn, looping, opened }) {
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
  // The channels it can play into: those it recorded that this mixer has.
  const channels = take.sources.map((s) => s.address).filter((a) => a.startsWith("ch/") && conn.has(`${a}/name`));
  const playable = take.complete && channels.length > 0;
  const loop = el("input", { type: "checkbox", checked: looping.has(take.id) });
  loop.addEventListener("change", () => { if (loop.checked) looping.add(take.id); else looping.delete(take.id); });
  const playing = el("div", { class: "take-play", hidden: !playable },
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
    const live = choices.live(take.id);
    player.play(take, live.size ? channels.filter((a) => !live.has(a)) : null, start,
      loop.checked ? [start, next !== undefined ? next : take.seconds] : null);
  });
  const switches = sourceSwitches(channels, conn, (a) => (choices.live(take.id).has(a) ? "live" : "take"),
    (a, source) => player.pick(take.id, a, source));
  const summary = el("summary", {});
  const sources = el("details", { class: "take-channels", hidden: !playable, open: opened.has(take.id) }, summary,
    switches.root);
  sources.addEventListener("toggle", () => { if (sources.open) opened.add(take.id); else opened.delete(take.id); });
  const update = () => {
    switches.update();
    const live = channels.filter((a) => choices.live(take.id).has(a)).length;
    summary.textContent = live ? `Channels: ${channels.length - live} of ${channels.length} from the take, ${live} live`
      : "Channels: all from the take";
  };
  update();
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
  const node = el("li", { class: "take" }, el("div", { class: "take-text" }, title, meta),
    el("div", { class: "take-actions" }, rename, zip, remove), playing, sources, files);
  return { node, update };
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
