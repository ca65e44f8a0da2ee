// The talk buttons (issue 21): one per talk button talkback/T of the mixer, always at hand on the engineer's
// console — in the top bar on a wide screen, docked at the bottom of a phone's or an upright tablet's screen —
// named as the button is and saying what it talks to.
//
// A press talks at once. A tap shorter than LATCH_MS latches (the talk stays on until the next tap); a longer
// hold is momentary: off when the finger lifts, the touch is cancelled, the page is hidden, the console is left
// or the link to the mixer drops (then the off is sent as soon as the link is back). A press on a button that
// is talking (latched here, or turned on elsewhere) stops it. The durations are the events' own times, never a
// timer's. A button that cannot talk — no talkback mic, or no mix to talk to — says why, and a tap on it opens
// the Talkback setup where that is chosen.
//
// Every change is a write of talkback/T/on through the one connection (one press: one undo step); what shows
// is the mixer's value, so a button turned on elsewhere (REST, MQTT, another device) shows talking here too.

import { describeError } from "../api.js";
import { newGesture } from "../connection.js";
import { el, icon, listen, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { toast } from "../toast.js";

/** A press shorter than this (ms) latches; a longer one is momentary. */
export const LATCH_MS = 300;
/** Where the buttons go in the top bar; narrower screens have them docked at the bottom. */
const WIDE = "(min-width: 1000px)";

/** The mixer's talk buttons (their numbers T). */
export function talkButtons(values) {
  return numbered(values, "talkback", "on");
}

/** What talk button `t` can talk to: every aux mix by its name, then the main ({address, name}). */
export function talkDestinations(values, t) {
  const mixes = numbered(values, "bus").filter((b) => `talkback/${t}/to/${b}` in values)
    .map((b) => ({ address: `talkback/${t}/to/${b}`, name: values[`bus/${b}/name`] || `Bus ${b}` }));
  const main = `talkback/${t}/to/main` in values ? [{ address: `talkback/${t}/to/main`, name: "Main" }] : [];
  return [...mixes, ...main];
}

/** Talk button `t` as the mixer has it: its name, whether it talks now, the names of the mixes it talks to,
 *  and why it cannot talk ("no-mic", "no-mix"; null when it can). */
export function talkState(values, t) {
  const targets = talkDestinations(values, t).filter((d) => values[d.address] === true).map((d) => d.name);
  const source = values["talkback/source"];
  const why = !source || source === "none" ? "no-mic" : targets.length ? null : "no-mix";
  const name = values[`talkback/${t}/name`] || `Talk ${t}`;
  return { t, name, on: values[`talkback/${t}/on`] === true, targets, why };
}

/** "Talking to Drummer, Bass IEM" for the buttons that talk now (their mixes together); "" when none does. */
export function talkingText(values) {
  const talking = talkButtons(values).map((t) => talkState(values, t)).filter((s) => s.on);
  if (!talking.length) return "";
  return talkingTo([...new Set(talking.flatMap((s) => s.targets))]);
}

function talkingTo(targets) {
  return targets.length ? `Talking to ${targets.join(", ")}` : "Talking to no mix";
}

// -- the gesture --------------------------------------------------------------------------------------------

/** The press of a talk button, whatever it switches on: the engineer's talk buttons (talkback/T/on) and a
 *  musician's "Talk to the engineer" (ch/N/talk of their own channels, views/mymix.js). A press talks at once
 *  (held: `hold: true`, so the server lets go if this page's link goes); a tap shorter than LATCH_MS latches;
 *  a longer hold is momentary; a press on a button that talks stops it. A subclass says what is switched:
 *  `isOn()`, `why()` (why it cannot talk: a press is then a hint, `onHint()`), `pressTargets()` (the addresses
 *  a press turns on), `stopTargets()` (those a press on a talking button turns off), `label()` (for a toast)
 *  and `render()`. Every change is one `set` per address, all of one press one undo step. */
export class TalkGesture {
  constructor(conn, root) {
    this.conn = conn;
    this.root = root;
    this.hold = null;     // the press going on: {id, at, wasOn, gesture, hint, targets}
    this.latched = false; // a tap here turned it on (it stays on until the next tap)
    this.owed = [];       // addresses whose off could not be sent (the link was down): sent when it is back
    this.online = conn.status === "online";
    root.addEventListener("pointerdown", (e) => this._down(e));
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      root.addEventListener(type, (e) => this._up(e));
    }
    root.addEventListener("keydown", (e) => this._key(e, true));
    root.addEventListener("keyup", (e) => this._key(e, false));
    root.addEventListener("click", (e) => this._click(e));
    root.addEventListener("contextmenu", (e) => e.preventDefault()); // a long press is a talk, not a menu
  }

  _down(e) {
    if (e.pointerType === "mouse" && e.button !== 0) return;
    if (this.hold) return; // a second finger on the same button
    e.preventDefault();
    try { this.root.setPointerCapture(e.pointerId); } catch { /* a synthetic pointer */ }
    this._press(e.pointerId, e.timeStamp);
  }

  _up(e) {
    if (this.hold && this.hold.id === e.pointerId) this._release(e.timeStamp, e.type !== "pointerup");
  }

  _key(e, down) {
    if (e.key !== " " && e.key !== "Enter") return;
    e.preventDefault(); // the press is handled here: no click follows
    if (down && !e.repeat && !this.hold) this._press("key", e.timeStamp);
    else if (!down && this.hold && this.hold.id === "key") this._release(e.timeStamp, false);
  }

  /** A click with no press before it (a screen reader's activation): a tap. */
  _click(e) {
    if (e.detail !== 0 || this.hold) return; // a finger's or the mouse's: handled as a press
    this._press("click", e.timeStamp);
    this._release(e.timeStamp, false);
  }

  _press(id, at) {
    const on = this.isOn();
    const hint = !on && (!this.online || Boolean(this.why()));
    const targets = hint ? [] : on ? this.stopTargets() : this.pressTargets();
    this.hold = { id, at, wasOn: on, gesture: newGesture(), hint, targets };
    if (!hint && !on) this._write(targets, true, this.hold.gesture, true); // held: off if this page's link goes
    this.render();
  }

  /** The press ends at `at`: lifted, or `cancelled` (the touch was taken away, the page hidden, the link lost). */
  _release(at, cancelled) {
    const hold = this.hold;
    if (!hold) return;
    this.hold = null;
    if (hold.hint) {
      if (!cancelled) this.onHint();
    } else if (hold.wasOn) {
      if (!cancelled) this._write(hold.targets, false, hold.gesture); // a tap on a button that talks: it stops
    } else if (!cancelled && at - hold.at < LATCH_MS) {
      this.latched = true; // a tap: it stays on, no longer held (the server keeps it on if this page goes)
      this._write(hold.targets, true, hold.gesture);
    } else {
      this._write(hold.targets, false, hold.gesture); // the end of a momentary talk
    }
    this.render();
  }

  /** Ends a press going on as a cancelled one (the page hidden, the link lost, the view left). */
  cancel() {
    this._release(0, true);
  }

  /** The link is back: an off that could not be sent goes now (where the mixer still has it talking). */
  settle() {
    const owed = this.owed.filter((a) => this.conn.get(a) === true);
    this.owed = [];
    if (owed.length) this._write(owed, false, newGesture());
  }

  _write(addresses, value, gesture, hold = false) {
    for (const address of addresses) {
      this.conn.write({ [address]: value }, { gesture, hold }).catch((exc) => this._failed(address, value, exc));
    }
  }

  _failed(address, value, exc) {
    if (!value && !exc.status) {
      // Not sent, or lost on the way: sent again when the link is back (one toast for the press).
      if (!this.owed.length) {
        toast(`The link to the mixer dropped while ${this.label()} was talking: it stops as soon as the link is `
          + "back", "error");
      }
      if (!this.owed.includes(address)) this.owed.push(address);
    } else {
      if (value) this.latched = false;
      toast(describeError(exc), "error");
    }
    this.render();
  }
}

// -- one button --------------------------------------------------------------------------------------------

let buttonIds = 0;

class TalkButton extends TalkGesture {
  constructor(ctx, t, { onHint }) {
    const lineId = `talk-line-${++buttonIds}`;
    const address = `talkback/${t}/on`;
    const nameText = el("span", { class: "talk-name" });
    const line = el("span", { class: "talk-line", id: lineId, "aria-hidden": "true" });
    super(ctx.conn, el("button", { type: "button", class: "talk-button", "aria-pressed": "false",
      "aria-describedby": lineId, title: "Hold to talk · a short tap latches", dataset: { address } },
    icon(ICONS.mic), el("span", { class: "talk-text" }, nameText, line)));
    this.t = t;
    this.address = address;
    this.hintTo = onHint;
    this.nameText = nameText;
    this.line = line;
    this.state = talkState(this.conn.values, t);
  }

  isOn() { return this.state.on; }
  why() { return this.state.why; }
  pressTargets() { return [this.address]; }
  stopTargets() { return [this.address]; }
  label() { return this.state.name; }
  onHint() { this.hintTo(this.state, this.online); }

  /** Shows the mixer's value and what the button would do (`online`: the link is up; `inBar`: in the top bar,
   *  where a talking button says to whom itself). */
  render(values = this.conn.values, online = this.online, inBar = this.inBar) {
    this.inBar = inBar;
    const was = this.state;
    const s = (this.state = talkState(values, this.t));
    if (was.on && !s.on) this.latched = false; // stopped, here or elsewhere (not: not on yet)
    this.nameText.textContent = s.name;
    this.root.setAttribute("aria-pressed", String(s.on));
    this.root.classList.toggle("talking", s.on);
    this.root.classList.toggle("held", Boolean(this.hold && !this.hold.hint));
    if (this.latched) this.root.dataset.latched = "true";
    else delete this.root.dataset.latched;
    const unusable = !s.on && (!online || Boolean(s.why));
    this.root.setAttribute("aria-disabled", String(unusable));
    this.root.dataset.why = !online ? "offline" : s.why || "";
    this.line.textContent = s.on && inBar ? talkingTo(s.targets)
      : s.on ? (this.hold ? "Talking" : "Tap to stop")
        : !online ? "Offline"
          : s.why === "no-mic" ? "No mic set"
            : s.why === "no-mix" ? "No mix set"
              : s.targets.join(" · ");
    this.online = online;
  }
}

// -- the dock -----------------------------------------------------------------------------------------------

let dock = null; // the page's one dock while a console is up: {users, stop}

/** The talk buttons while a console is up: call it when the console mounts, and the function it returns when
 *  it goes. Going from one console tab to another keeps the same buttons (a finger holding one keeps talking). */
export function useTalkButtons(ctx) {
  if (!dock) dock = makeDock(ctx);
  if (!dock) return () => {};
  const mine = dock;
  mine.users += 1;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    mine.users -= 1;
    // The next view mounts before this runs: a console tab taking over keeps the dock.
    queueMicrotask(() => {
      if (mine.users > 0 || dock !== mine) return;
      dock = null;
      mine.stop();
    });
  };
}

function makeDock(ctx) {
  const { conn } = ctx;
  const numbers = talkButtons(conn.values);
  if (!numbers.length) return null;
  const buttons = numbers.map((t) => new TalkButton(ctx, t, { onHint: (state, online) => hint(ctx, state, online) }));
  const status = el("p", { class: "talk-status", role: "status" });
  const root = el("div", { class: "talk-dock", role: "group", "aria-label": "Talkback" },
    el("div", { class: "talk-buttons" }, buttons.map((b) => b.root)), status);

  const online = () => conn.status === "online";
  const render = () => {
    for (const b of buttons) b.render(conn.values, online(), root.classList.contains("in-bar"));
    const text = talkingText(conn.values);
    status.replaceChildren(...(text ? [icon(ICONS.mic), el("span", {}, text)] : []));
    root.classList.toggle("talking", Boolean(text));
  };
  const onChange = (e) => {
    const address = e.detail && e.detail.address;
    if (!address || address.startsWith("talkback/") || /^bus\/\d+\/name$/.test(address)) render();
  };
  const onState = () => { render(); for (const b of buttons) b.settle(); };
  const onStatus = () => {
    if (!online()) for (const b of buttons) b.cancel(); // the finger's talk ends with the link
    render();
  };
  const onHidden = () => { if (document.visibilityState === "hidden") for (const b of buttons) b.cancel(); };
  const onPageHide = () => { for (const b of buttons) b.cancel(); };

  // One element, two places: in the top bar where there is room for it, else docked at the bottom.
  const wide = window.matchMedia(WIDE);
  const place = () => {
    const nav = document.querySelector(".topbar .nav");
    if (wide.matches && nav) nav.after(root);
    else document.body.append(root);
    root.classList.toggle("in-bar", wide.matches && Boolean(nav));
    root.classList.toggle("docked", !root.classList.contains("in-bar"));
    render();
  };
  place();
  const offs = [listen(wide, "change", place), listen(conn, "change", onChange), listen(conn, "state", onState),
    listen(conn, "status", onStatus), listen(document, "visibilitychange", onHidden),
    listen(window, "pagehide", onPageHide)];
  return {
    users: 0,
    stop() {
      for (const b of buttons) b.cancel(); // a finger still on a button: its talk ends with the console
      for (const off of offs) off();
      root.remove();
    },
  };
}

/** A tap on a button that cannot talk: why, and the Talkback setup with the control that fixes it. */
function hint(ctx, state, online) {
  if (!online) {
    toast("Not connected to the mixer: talkback works again when the connection is back", "error");
    return;
  }
  if (state.why === "no-mic") {
    toast(`${state.name} needs a talkback mic: choose the channel the mic is on`, "info", 5000);
    ctx.navigate("#/console/talkback?focus=talkback/source");
  } else if (state.why === "no-mix") {
    const [first] = talkDestinations(ctx.conn.values, state.t);
    toast(`${state.name} talks to no mix yet: choose the mixes it talks to`, "info", 5000);
    ctx.navigate(`#/console/talkback${first ? `?focus=${first.address}` : ""}`);
  }
}
