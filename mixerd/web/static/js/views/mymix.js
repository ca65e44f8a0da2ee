// My mix: one aux mix on a phone. A row per channel with its send fader, the level feeding that send,
// the "me" mark, send on/off and (stereo mixes) the send pan; on top the mix itself: its level, mute,
// "more me", balance, output meter and limiter lamp. Below the head: a notice when someone else changes this mix
// (with "Keep mine", othershand.js); after the channels, the FX returns into this mix (reverb in my ears), then
// the channels that do not reach it, why and the fixes this link may make (missing.js).
//
// A musician's first visit starts with "★ This is me": which channels are theirs (the `ch/N/send/B/me` marks,
// kept by the mixer like any value), skippable and shown once on this device. "More me" with nobody marked says
// how to mark yourself instead of moving a level that raises nothing. Every message here names channels and
// mixes (names.js), never addresses; a mix link only ever opens its own mix (app.js guards the routes).
//
// "Talk to the engineer" (issue 21) puts the musician's own channels (the "me" marks) on the engineer's phones
// (`ch/N/talk`): held, it talks until the finger lifts; a short tap latches until the next tap — the gesture of the
// engineer's talk buttons (TalkGesture, views/talk.js). With nobody marked a tap opens "★ This is me".

import { describeError } from "../api.js";
import { Binder } from "../bind.js";
import { el, formatMoreMe, icon, listen, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { Toggle, isFineLatched, onFineChange, setFineLatched } from "../fader.js";
import { paramSlider, paramToggle } from "../controls.js";
import { channelName, describeFailure, plainText } from "../names.js";
import { store } from "../store.js";
import { wordToasts } from "../toast.js";
import { describeStep } from "../undo.js";
import { followMissing, missingList } from "./missing.js";
import { othersChanges } from "./othershand.js";
import { TalkGesture } from "./talk.js";

export function mount(root, ctx, { bus, readOnly = false }) {
  const { conn } = ctx;
  const values = conn.values;
  const auxBuses = numbered(values, "bus").filter((b) => values[`bus/${b}/moreme`] !== undefined);
  if (!auxBuses.includes(bus)) {
    root.append(el("section", { class: "empty-state" },
      el("h1", {}, "No such mix"),
      el("p", {}, `This mixer has no monitor mix ${bus}.`),
      auxBuses.length ? el("p", {}, "Mixes: ", auxBuses.map((b) => el("a", { href: `#/mix/${b}`, class: "chip" },
        values[`bus/${b}/name`]))) : null));
    return () => {};
  }
  const binder = new Binder(conn, { readOnly });
  // Refusals and failures shown while My mix is up name channels and mixes, not addresses.
  const offs = [wordToasts((message, kind) => (kind === "error" ? describeFailure(message, conn.values)
    : plainText(message, conn.values)))];
  const channels = numbered(values, "ch").filter((n) => values[`ch/${n}/send/${bus}/level`] !== undefined);
  const list = el("section", { class: "sends", "aria-label": "Channels in my mix" });
  for (const n of channels) list.append(sendRow(ctx, binder, bus, n));
  const returns = fxReturns(ctx, binder, bus);
  const missing = missingList(ctx);
  offs.push(followMissing(ctx, `bus/${bus}`, missing.show));
  const page = el("div", { class: "mymix" });
  let notice = null;
  if (!readOnly) {
    // A musician takes back what they have a control for here; the engineer, anything.
    const keepable = store.role !== "mix" ? () => true : (address) => Boolean(page.querySelector(
      `[role="slider"][data-address="${CSS.escape(address)}"], button.toggle[data-address="${CSS.escape(address)}"]`));
    const others = othersChanges(ctx, bus, { keepable });
    offs.push(others.stop);
    notice = others.root;
  }
  const step = readOnly ? null : meStep(ctx, binder, bus, channels);
  const talk = readOnly ? null : talkToEngineer(ctx, bus, channels, step, offs);
  // The channels not reaching the mix come after the mix itself: setting the mix is what the page is for, and a
  // band with many silent inputs would otherwise push every fader off a phone's screen.
  page.append(...[step && step.root, mixHead(ctx, binder, bus, readOnly, auxBuses, { channels, step }), talk, notice,
    tools(ctx, readOnly, offs), list, returns, missing.root].filter(Boolean));
  root.append(page);
  if (step && store.role === "mix" && !step.asked()) step.open(); // a musician's first visit
  return () => {
    binder.release();
    for (const off of offs) off();
  };
}

/** The mix itself: its name (and, for the engineer, a way to another mix), meters and limiter lamp, mute,
 *  level, "more me" (with how to mark yourself when nobody is marked), balance. */
function mixHead(ctx, binder, bus, readOnly, auxBuses, { channels, step }) {
  const { conn, meters } = ctx;
  const B = `bus/${bus}`;
  const stereo = conn.has(`ch/1/send/${bus}/pan`) || conn.has(`${B}/balance`);
  const head = el("section", { class: "mix-head", "aria-label": "My mix" });
  binder.watch(`${B}/color`, (color) => head.style.setProperty("--strip-color", color));
  binder.watch(`${B}/mute`, (muted) => head.classList.toggle("muted", Boolean(muted)));

  const outMeters = el("div", { class: "mix-meters" });
  const width = stereo ? 2 : 1;
  for (let lane = 0; lane < width; lane++) {
    outMeters.append(meters.meter(B, { lane, orientation: "horizontal",
      label: `mix output${width === 2 ? (lane ? " right" : " left") : ""} level` }).root);
  }
  const limiter = meters.gr(B, "limiter_gr", { label: "Limiter", range: 12 });
  limiter.root.classList.add("limiter-lamp");
  binder.watch(`${B}/limiter/on`, (on) => limiter.root.classList.toggle("off", !on));

  const mute = paramToggle(ctx, binder, `${B}/mute`, { label: "mute", text: "Mute", className: "mute big" });
  mute.root.prepend(icon(ICONS.mute));
  const master = paramSlider(ctx, binder, `${B}/fader`, { label: "Mix level", className: "big" });
  const moreMe = paramSlider(ctx, binder, `${B}/moreme`, { label: "More me", format: formatMoreMe });
  moreMe.classList.add("moreme");
  const rows = [master, moreMe];
  if (!readOnly) rows.push(moreMeHint(ctx, binder, bus, moreMe, channels, step));
  if (conn.has(`${B}/balance`)) rows.push(paramSlider(ctx, binder, `${B}/balance`, { label: "Balance" }));
  head.append(mixTitle(ctx, binder, bus, readOnly, auxBuses),
    el("div", { class: "mix-out" }, el("div", { class: "mix-meter-block" }, outMeters, limiter.root), mute.root),
    ...rows);
  return head;
}

/** "More me" raises the channels marked as me; with none marked a touch (or a key) on it changes nothing and
 *  says how to mark yourself instead. Returns the hint (hidden until then, and again once a channel is marked). */
function moreMeHint(ctx, binder, bus, field, channels, step) {
  const { conn } = ctx;
  const marked = () => channels.some((n) => conn.get(`ch/${n}/send/${bus}/me`));
  const choose = el("button", { type: "button", class: "btn moreme-choose" }, icon(ICONS.star),
    store.role === "mix" ? "Choose my channels" : "Choose the channels");
  choose.addEventListener("click", () => step.open({ focus: true }));
  const hint = el("div", { class: "moreme-hint", role: "status", hidden: true },
    el("p", {}, store.role === "mix"
      ? "More me raises your own channels, and none is marked as you yet. Tap ★ Me on your channels below, or:"
      : "More me raises the musician's own channels, and none is marked in this mix yet. Tap ★ Me on them below, "
        + "or:"),
    choose);
  const refuse = (e) => {
    if (marked()) return;
    if (e.type === "keydown" && !["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown", "Home",
      "End"].includes(e.key)) return;
    e.preventDefault();
    e.stopPropagation(); // the slider never sees it: a level that raises nothing is not moved
    hint.hidden = false;
  };
  field.addEventListener("pointerdown", refuse, true);
  field.addEventListener("keydown", refuse, true);
  for (const n of channels) binder.watch(`ch/${n}/send/${bus}/me`, () => { if (marked()) hint.hidden = true; });
  return hint;
}

/** "★ This is me": the channels that are the musician, as one tap each (the same marks as ★ Me on the rows),
 *  "Done" and "Skip". Shown once on this device per mix (`asked`), and again on request (`open`). */
function meStep(ctx, binder, bus, channels) {
  const key = `mixerd_me_asked_${bus}`;
  const picks = channels.map((n) => {
    const pick = paramToggle(ctx, binder, `ch/${n}/send/${bus}/me`, { label: "is me", text: "", className: "me-pick" });
    const name = el("span", { class: "me-pick-name" });
    binder.watch(`ch/${n}/name`, (v) => {
      name.textContent = v;
      pick.root.setAttribute("aria-label", `${v} is me`);
      pick.root.title = `${v} is me`;
    });
    pick.root.append(icon(ICONS.star), name);
    return pick.root;
  });
  const done = el("button", { type: "button", class: "btn primary me-done" }, "Done");
  const skip = el("button", { type: "button", class: "btn me-skip" }, "Skip");
  const musician = store.role === "mix";
  const root = el("section", { class: "me-step", "aria-labelledby": `me-step-title-${bus}`, hidden: true },
    el("h2", { class: "me-step-title", id: `me-step-title-${bus}` },
      musician ? "★ This is me" : "★ The musician's channels"),
    el("p", { class: "me-step-text" }, musician
      ? "Which channels are you — your voice, your instrument? Tap them. “More me” then raises them in your mix."
      : "Which channels are this mix's musician? Tap them. “More me” then raises them in this mix."),
    el("div", { class: "me-picks", role: "group", "aria-label": musician ? "My channels" : "The musician's channels" },
      picks),
    el("div", { class: "me-step-actions" }, done, skip));
  const close = () => {
    root.hidden = true;
    try { localStorage.setItem(key, "1"); } catch { /* private mode: asked again next time */ }
  };
  done.addEventListener("click", () => {
    close();
    const { values } = ctx.conn;
    const mine = channels.filter((n) => values[`ch/${n}/send/${bus}/me`]).map((n) => channelName(values, n));
    if (mine.length) ctx.toast(`Marked as ${musician ? "you" : "the musician"}: ${mine.join(", ")}`, "ok");
  });
  skip.addEventListener("click", close);
  return {
    root,
    asked: () => { try { return Boolean(localStorage.getItem(key)); } catch { return false; } },
    open: ({ focus = false } = {}) => {
      root.hidden = false;
      if (!focus) return;
      root.scrollIntoView({ block: "nearest" });
      (root.querySelector(".me-pick") || done).focus({ preventScroll: true });
    },
  };
}

/** The musician's own channels heard on the engineer's phones: "Talk to the engineer" (`ch/N/talk` of each channel
 *  marked as me), with gesture and safety of the engineer's talk buttons. */
class TalkButton extends TalkGesture {
  constructor(ctx, bus, channels, step) {
    const line = el("span", { class: "talk-line", id: `mymix-talk-line-${bus}`, "aria-hidden": "true" });
    super(ctx.conn, el("button", { type: "button", class: "talk-button mymix-talk", "aria-pressed": "false",
      "aria-describedby": line.id, title: "Hold to talk · a short tap latches" },
    icon(ICONS.mic), el("span", { class: "talk-text" }, el("span", { class: "talk-name" }, "Talk to the engineer"),
      line)));
    Object.assign(this, { ctx, bus, channels, step, line });
    this.status = el("p", { class: "talk-status mymix-talk-status", role: "status" });
    this.wasOn = false;
  }

  /** The channels marked as me in this mix. */
  mine() { return this.channels.filter((n) => this.conn.get(`ch/${n}/send/${this.bus}/me`) === true); }
  isOn() { return this.mine().some((n) => this.conn.get(`ch/${n}/talk`) === true); }
  why() { return this.mine().length ? null : "no-me"; }
  pressTargets() { return this.mine().map((n) => `ch/${n}/talk`); }
  stopTargets() { return this.pressTargets().filter((a) => this.conn.get(a) === true); }
  label() { return "your talk button"; }

  onHint() {
    if (!this.online) {
      this.ctx.toast("Not connected to the mixer: talking works again when the connection is back", "error");
      return;
    }
    this.ctx.toast(store.role === "mix" ? "Mark your own channels first: they are what the engineer hears"
      : "Mark the musician's channels first: they are what you hear", "info", 5000);
    this.step.open({ focus: true });
  }

  render() {
    this.online = this.conn.status === "online";
    const on = this.isOn();
    if (this.wasOn && !on) this.latched = false; // stopped, here or elsewhere
    this.wasOn = on;
    const why = this.why();
    this.root.setAttribute("aria-pressed", String(on));
    this.root.classList.toggle("talking", on);
    this.root.classList.toggle("held", Boolean(this.hold && !this.hold.hint));
    if (this.latched) this.root.dataset.latched = "true";
    else delete this.root.dataset.latched;
    this.root.setAttribute("aria-disabled", String(!on && (!this.online || Boolean(why))));
    this.root.dataset.why = !on && !this.online ? "offline" : on ? "" : why || "";
    this.line.textContent = on ? (this.hold ? "Talking" : "Tap to stop")
      : !this.online ? "Offline"
        : why ? (store.role === "mix" ? "Mark your channels first (★ This is me)" : "No channel marked as the musician")
          : "Hold to talk · a short tap latches";
    this.status.replaceChildren(...(on ? [icon(ICONS.mic), el("span", {}, "Talking to the engineer")] : []));
  }
}

/** The talk button and its status line, kept in step with the mixer (`offs` gets the unsubscribes). */
function talkToEngineer(ctx, bus, channels, step, offs) {
  const { conn } = ctx;
  if (!channels.some((n) => conn.has(`ch/${n}/talk`))) return null; // a mixer without the talk switches
  const button = new TalkButton(ctx, bus, channels, step);
  const watched = new RegExp(`^ch/\\d+/(?:talk|send/${bus}/me)$`);
  const onChange = (e) => { const a = e.detail && e.detail.address; if (!a || watched.test(a)) button.render(); };
  const onState = () => { button.render(); button.settle(); };
  const onStatus = () => { if (conn.status !== "online") button.cancel(); button.render(); };
  const onHidden = () => { if (document.visibilityState === "hidden") button.cancel(); };
  const onPageHide = () => button.cancel();
  offs.push(() => button.cancel(), // a finger still on it: the talk ends with the page
    listen(conn, "change", onChange), listen(conn, "state", onState), listen(conn, "status", onStatus),
    listen(document, "visibilitychange", onHidden), listen(window, "pagehide", onPageHide));
  button.render();
  return el("section", { class: "mymix-talk-box", "aria-label": "Talk to the engineer" }, button.root, button.status);
}

/** "My mix" (or "Mix · view only") and the mix's name; the engineer can pick another mix here. */
function mixTitle(ctx, binder, bus, readOnly, auxBuses) {
  const title = el("h1", { class: "mix-name" });
  binder.watch(`bus/${bus}/name`, (name) => { title.textContent = name; document.title = `${name} · mixerd`; });
  const kicker = el("div", { class: "mix-kicker" }, readOnly ? "Mix · view only" : "My mix");
  const row = el("div", { class: "mix-title" }, el("div", {}, kicker, title));
  if (store.role === "admin" && auxBuses.length > 1) {
    const pick = el("select", { class: "mix-pick", "aria-label": "Show another mix" },
      auxBuses.map((b) => el("option", { value: String(b), selected: b === bus }, ctx.conn.get(`bus/${b}/name`))));
    pick.addEventListener("change", () => ctx.navigate(`#/${readOnly ? "view/" : ""}mix/${pick.value}`));
    row.append(pick);
  }
  return row;
}

/** The hint, Undo and the page-wide Fine toggle (kept in step with it; `offs` gets the unsubscribes). */
function tools(ctx, readOnly, offs) {
  const fine = new Toggle({ label: "Fine control: moves a fifth as fast", text: "Fine", value: isFineLatched(),
    className: "fine-toggle", onChange: (on) => setFineLatched(on) });
  fine.root.prepend(icon(ICONS.fine));
  offs.push(onFineChange((on) => fine.setValue(on)));
  return el("div", { class: "mix-tools" },
    el("span", { class: "hint" }, "Drag to change · hold still or add a second finger for fine"),
    readOnly ? null : el("div", { class: "mix-tools-buttons" }, undoMine(ctx, offs), fine.root));
}

/** Undo of this phone's own last change (the engineer's changes are not a musician's to undo), enabled as the
 *  server's `undo` message says. */
function undoMine(ctx, offs) {
  const { conn } = ctx;
  const button = el("button", { type: "button", class: "btn mix-undo" }, icon(ICONS.undo), el("span", {}, "Undo"));
  const show = () => { button.disabled = !(conn.undo && conn.undo.can_undo); };
  button.addEventListener("click", async () => {
    try {
      const ack = await conn.step("undo");
      ctx.toast(describeStep("undo", ack, { self: conn.actor, values: conn.values }), "ok");
    } catch (exc) {
      ctx.toast(describeError(exc), "error");
    }
  });
  conn.addEventListener("undo", show);
  offs.push(() => conn.removeEventListener("undo", show));
  show();
  return button;
}

/** Channel `n` in the mix: name and colour, muted badge, the send's value, "me" and on, its fader with the
 *  level that feeds it, and the send pan on a stereo mix. */
function sendRow(ctx, binder, bus, n) {
  const S = `ch/${n}/send/${bus}`;
  const row = el("div", { class: "send-row", dataset: { ch: String(n), address: S } });
  const name = el("span", { class: "send-name" });
  binder.watch(`ch/${n}/name`, (v) => { name.textContent = v; });
  binder.watch(`ch/${n}/color`, (c) => row.style.setProperty("--strip-color", c));

  const me = paramToggle(ctx, binder, `${S}/me`, { label: "is me (more me raises it)", text: "Me", className: "me" });
  me.root.prepend(icon(ICONS.star));
  const on = paramToggle(ctx, binder, `${S}/on`, { label: "in my mix", text: "On", className: "send-on" });
  const badge = el("span", { class: "badge muted-badge", hidden: true }, "muted");
  binder.watch(`ch/${n}/mute`, (m) => { badge.hidden = !m; row.classList.toggle("ch-muted", Boolean(m)); });
  binder.watch(`${S}/on`, (v) => row.classList.toggle("send-off", !v));
  binder.watch(`${S}/me`, (v) => row.classList.toggle("is-me", Boolean(v)));

  const fader = paramSlider(ctx, binder, `${S}/level`, { label: "level in my mix", bare: true, className: "send-fader" });
  fader.track.append(sendMeter(ctx, binder, S, n).root);
  // The value sits on the name line, so the fader gets the whole width of the phone.
  fader.readout.classList.add("send-value");
  row.append(el("div", { class: "send-head" }, name, badge, fader.readout, me.root, on.root), fader.root);
  if (ctx.conn.has(`${S}/pan`)) row.append(paramSlider(ctx, binder, `${S}/pan`, { label: "Pan", className: "send-pan" }));
  return row;
}

/** The FX returns into this mix (`bus/F/return/B/level` of each FX bus F) as faders; null when there are none. */
function fxReturns(ctx, binder, bus) {
  const { conn } = ctx;
  const faders = numbered(conn.values, "bus").filter((f) => conn.has(`bus/${f}/return/${bus}/level`))
    .map((f) => {
      const field = paramSlider(ctx, binder, `bus/${f}/return/${bus}/level`,
        { label: `${conn.get(`bus/${f}/name`)} in my mix`, className: "return-fader" });
      field.dataset.address = `bus/${f}/return/${bus}/level`;
      return field;
    });
  return faders.length ? el("section", { class: "fx-returns", "aria-label": "Effects in my mix" },
    el("h2", { class: "fx-returns-title" }, "Effects in my mix"), faders) : null;
}

/** The meter of what feeds the send: after the inserts for a pre-fader send, after the fader otherwise. */
function sendMeter(ctx, binder, S, n) {
  const meter = ctx.meters.meter(`ch/${n}/inserts`, { orientation: "horizontal", label: "channel level", className: "send-meter" });
  binder.watch(`${S}/pre`, (pre) => {
    meter.point = `ch/${n}/${pre ? "inserts" : "post"}`;
    meter.root.dataset.point = meter.point;
    meter.root.title = pre ? "channel level (pre-fader)" : "channel level (post-fader)";
  });
  return meter;
}
