// The one live link to the mixer: WebSocket /api/v1/ws.
//
// On connect the server sends hello (role, meter points), the whole state and the signal-flow problems; then
// change events in seq order, binary meter frames (up to 25 Hz, meterframe.js), the problems again whenever they change (diagnostics),
// and a ping every 5 s. When the link drops (Wi-Fi gone, server restart) the connection reconnects by itself
// with backoff and takes the fresh state as the truth: whatever changed meanwhile shows up, whoever changed it.
//
// What changes rarely is pushed, never polled: `undo` (what undo/redo would do), `scenes` (the scene list and
// the safes) and `health` right after the state and whenever they change, and `history` (each recorded step,
// undo and redo) while a view follows it (followHistory). Each is kept here (this.undo, this.scenes,
// this.health) and announced as an event of the same name.
//
// `values` always holds what the server last said. Controls show their own value only while a finger is
// on them; a refused write makes them fall back to `values` (see Binder in bind.js).
//
// Every change the app makes goes through `write` (values) and `step` (undo, redo): over the socket, stamped
// with the newest ping, and only while it is online (a change never waits in a dead link to be replayed late).
// Who the token is (the hello) and the state's layout go to the store.
//
// The RTA of one meter point is sent only while a view asks for it (`rta(point)`; `rta(null)` stops it): its
// `rta` messages (centres, levels, peaks; up to 12 a second) are announced as an event of that name. A new socket
// asks again by itself for the point still wanted.

import { API_BASE, ApiError, getToken } from "./api.js";
import { decodeMeters } from "./meterframe.js";
import { store } from "./store.js";

// No frame at all for this long: the link is dead. The server pings every 5 s, so this is two missed pings, and
// the watchdog looking twice a second says so within 10 s of the last frame (a silent Wi-Fi drop).
const DEAD_AFTER_MS = 9500;
const WATCHDOG_MS = 500;
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];
// A change is given up on after this long. The server refuses one that arrives two pings after the newest ping
// it was stamped with (over 5 s late, at most 10 s): it never applies a change the app has already given up on.
const ACK_TIMEOUT_MS = 10000;
const OWN_RANGES_KEPT = 2000; // the page's own acked changes remembered (older events cannot arrive any more)

/** What a change made while the link is down is rejected with (nothing was sent). */
function offline() {
  return new ApiError(0, { code: "offline", message: "not connected to the mixer: nothing was changed" });
}

let gestures = 0;

/** A new id for one touch or drag: every change sent with it is one undo step (`write(…, { gesture })`). */
export function newGesture() {
  gestures += 1;
  return `g${gestures}`;
}

/** This browser's own id (kept): with access control off the server takes it as who a change is, so this
 *  browser's undo takes back its own changes (signed in, the session or the link is who). */
export function clientId() {
  const key = "mixerd.client";
  let id = null;
  try { id = localStorage.getItem(key); } catch { /* storage off: a new id per page */ }
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    id = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    try { localStorage.setItem(key, id); } catch { /* kept for this page only */ }
  }
  return id;
}

export function wsUrl(token) {
  const url = new URL("ws", API_BASE);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  if (token) url.searchParams.set("token", token);
  url.searchParams.set("client", clientId());
  // The state (the one big message) comes gzip-compressed in a binary frame: a tenth of its size on a phone's Wi-Fi.
  if (typeof DecompressionStream !== "undefined") url.searchParams.set("compress", "gzip");
  return url.href;
}

/** A gzip member (1f 8b), not a meter frame (which begins with its format, 1). */
const isGzip = (data) => data.byteLength > 2 && new Uint8Array(data, 0, 2).every((b, i) => b === [0x1f, 0x8b][i]);

/** A gzip-compressed message's text. */
function inflate(data) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

export class Connection extends EventTarget {
  constructor() {
    super();
    this.values = {};
    this.seq = 0;
    this.meterPoints = [];      // [{name, width, offset}]
    this.meterIndex = new Map(); // name → {offset, width}
    this.diagnostics = null;    // the newest {version, problems, raised, cleared}
    this.undo = null;           // {seq, can_undo, can_redo, undo_step, undo_seq, redo_step}: this page's own
    this.actor = null;          // who this page is to the server (its undo takes back this actor's changes)
    this.scenes = null;         // {revision, scenes: [{id, name, created, updated, size}], safes, safe_addresses, current}
    this.health = null;         // {status, running, xruns, sample_rate, period, interface?}
    this.status = "connecting"; // connecting | online | offline | denied
    this.everOnline = false;
    this._ws = null;
    this._attempt = 0;
    this._timer = null;
    this._lastFrame = 0;
    this._nextId = 1;
    this._lastPing = 0;         // the newest ping of this socket (its number): stamped on every change
    this._pending = new Map();
    this._own = [];             // [first seq, last seq] of each acked change of this page's (newest last)
    this._writing = new Set();  // {addresses, settled} of the changes waiting for their ack
    this._watchers = new Map(); // address → Set(fn)
    this._stopped = true;
    this._watchdog = null;
    this._rta = null;           // {point, per_octave, owner}: the RTA a view wants now (null: none)
  }

  start() {
    if (!this._stopped) return;
    this._stopped = false;
    this._open();
    this._watchdog = setInterval(() => this._checkAlive(), WATCHDOG_MS);
    this._onOnline = () => this.reconnectNow();
    this._onVisible = () => { if (document.visibilityState === "visible") this._checkAlive(true); };
    window.addEventListener("online", this._onOnline);
    document.addEventListener("visibilitychange", this._onVisible);
  }

  stop() {
    this._stopped = true;
    clearTimeout(this._timer);
    clearInterval(this._watchdog);
    window.removeEventListener("online", this._onOnline);
    document.removeEventListener("visibilitychange", this._onVisible);
    this._drop();
  }

  /** Try again at once (the network came back, or the user asked). */
  reconnectNow() {
    if (this._stopped || this.status === "online") return;
    clearTimeout(this._timer);
    this._drop();
    this._open();
  }

  // -- reading -------------------------------------------------------------------------------------

  /** Calls fn(value, address) now (if the address exists) and on every change of it. Returns unwatch. */
  watch(address, fn) {
    let set = this._watchers.get(address);
    if (!set) this._watchers.set(address, (set = new Set()));
    set.add(fn);
    if (address in this.values) fn(this.values[address], address);
    return () => set.delete(fn);
  }

  /** Calls every watcher of `address` with the server's value (a refused write falls back to it). */
  refresh(address) {
    const set = this._watchers.get(address);
    if (set && address in this.values) for (const fn of [...set]) fn(this.values[address], address);
  }

  has(address) { return address in this.values; }
  get(address) { return this.values[address]; }

  // -- writing -------------------------------------------------------------------------------------

  /** The one way the app changes values: `changes` is {address: value}. One address goes as a `set`,
   *  several as one atomic `set_many`, over the WebSocket and only while it is online: offline, nothing is
   *  sent (rejected at once), so no change waits in a dead link to be replayed late when it comes back.
   *  Writes of the same addresses in quick succession (a drag) extend one undo step; a one-off batch says
   *  `{ drag: false }` and is a step of its own. Resolves with the answer (its `seq`: the last change),
   *  rejects with an ApiError (e.g. status 403: not this token's). */
  write(changes, { drag = true, gesture = null, hold = false } = {}) {
    const addresses = Object.keys(changes);
    if (!addresses.length) return Promise.resolve({ seq: this.seq });
    if (!this._isOpen()) return Promise.reject(offline());
    // hold: a switch held on by a finger (one address, true): the server puts it back to false if this socket goes
    const named = { ...(gesture ? { gesture } : {}), ...(hold ? { hold: true } : {}) };
    const [address] = addresses;
    const request = addresses.length === 1
      ? this._request({ type: "set", address, value: changes[address], ...named })
      : this._request({ type: "set_many", changes, coalesce: drag, ...named });
    return this._mine(request, addresses.length, addresses);
  }

  /** Undo or redo (`which`) this page's own newest step (its session's, link's or browser's), or with `step`
   *  exactly that step of anyone's (the admin's History), over the WebSocket like a change (offline: rejected
   *  at once); resolves with {step, changed, kept, seq} — `kept`: the step's values someone changed since,
   *  left as they are ({address, value, by}). */
  step(which, { step = null } = {}) {
    if (which !== "undo" && which !== "redo") return Promise.reject(new Error(`no such step: ${which}`));
    if (!this._isOpen()) return Promise.reject(offline());
    const request = this._request(step === null ? { type: which } : { type: which, step });
    request.then((ack) => this._noteOwn(ack.seq, ack.changed), () => {});
    return request;
  }

  /** Whether a change event is this page's own doing (a write or an undo/redo of this connection, or a change of
   *  the same actor: the same link on another device, its REST calls); waits for
   *  the answers of this page's writes of that address still on their way (an event may come before its ack). */
  async isOwn({ seq, address, actor }) {
    if (actor && actor === this.actor) return true; // this session's, link's or browser's, from any of its pages
    const waiting = [...this._writing].filter((w) => w.addresses.includes(address)).map((w) => w.settled);
    if (waiting.length) await Promise.all(waiting);
    return this._own.some(([first, last]) => seq >= first && seq <= last);
  }

  _mine(request, count, addresses) {
    const entry = { addresses, settled: request.then((ack) => this._noteOwn(ack.seq, count), () => {}) };
    this._writing.add(entry);
    entry.settled.finally(() => this._writing.delete(entry));
    return request;
  }

  _noteOwn(last, count) {
    if (!Number.isInteger(last)) return;
    this._own.push([last - Math.max(1, count || 1) + 1, last]); // a change's seqs run up to its ack's
    if (this._own.length > OWN_RANGES_KEPT) this._own.shift();
  }

  /** Ask for (or stop) the `history` messages on this socket; resolves once the server follows (a
   *  GET /history made after that plus the messages with a higher seq is the whole history), false
   *  while offline. A new socket (after a resync) follows nothing until asked again. */
  followHistory(on = true) {
    if (!this._isOpen()) return Promise.resolve(false);
    return this._request({ type: "follow", history: on }).then(() => true);
  }

  /** Ask for the RTA of meter `point` ("bus/2", "main", "ch/3/inserts") at `perOctave` bands an octave, for
   *  `owner` (any object: the view that looks); `rta(null, …, owner)` stops it — unless another owner asked
   *  since. Resolves true once the server follows (false offline: it is asked again once online). */
  rta(point, perOctave = 3, owner = null) {
    if (point === null) {
      if (!this._rta || (owner && this._rta.owner !== owner)) return Promise.resolve(false);
      this._rta = null;
    } else {
      if (this._rta && this._rta.point === point && this._rta.per_octave === perOctave) {
        this._rta.owner = owner;
        return Promise.resolve(true);
      }
      this._rta = { point, per_octave: perOctave, owner };
    }
    if (!this._isOpen()) return Promise.resolve(false);
    return this._request({ type: "rta", point, per_octave: perOctave }).then(() => true, (error) => {
      if (point !== null && this._rta && this._rta.point === point) this._rta = null;
      throw error;
    });
  }

  _request(message) {
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new ApiError(0, { message: "the mixer did not answer in time" }));
      }, ACK_TIMEOUT_MS);
      this._pending.set(id, { resolve, reject, timer });
      // A change says which ping it followed, so one held up by a dead link is refused, not replayed late.
      const stamp = ["set", "set_many", "undo", "redo"].includes(message.type) ? { ping: this._lastPing } : {};
      this._ws.send(JSON.stringify({ ...message, ...stamp, id }));
    });
  }

  // -- link ----------------------------------------------------------------------------------------

  _isOpen() { return this._ws && this._ws.readyState === WebSocket.OPEN && this.status === "online"; }

  _open() {
    let ws;
    try {
      ws = new WebSocket(wsUrl(getToken()));
    } catch {
      this._scheduleReconnect();
      return;
    }
    this._ws = ws;
    this._lastPing = 0; // pings are counted per socket
    ws.binaryType = "arraybuffer"; // meter frames (meterframe.js)
    this._lastFrame = performance.now();
    // While a compressed message is inflated (asynchronously), the messages after it wait, so all stay in order.
    let waiting = null;
    const receive = (data) => {
      if (ws !== this._ws) return;
      if (waiting) { waiting.push(data); return; }
      if (data instanceof ArrayBuffer && isGzip(data)) {
        waiting = [];
        inflate(data).then((text) => receiveText(text), () => { /* a damaged frame: the next state mends it */ })
          .finally(() => {
            const after = waiting;
            waiting = null;
            for (const next of after) receive(next);
          });
        return;
      }
      if (data instanceof ArrayBuffer) {
        const frame = decodeMeters(data, this.meterPoints);
        if (frame) this.dispatchEvent(new CustomEvent("meters", { detail: frame }));
        return;
      }
      receiveText(data);
    };
    const receiveText = (text) => {
      if (ws !== this._ws) return;
      let message;
      try { message = JSON.parse(text); } catch { return; }
      this._handle(message);
    };
    ws.onmessage = (event) => {
      if (ws !== this._ws) return;
      this._lastFrame = performance.now();
      receive(event.data);
    };
    ws.onclose = (event) => {
      if (ws !== this._ws) return;
      this._ws = null;
      if (event.code === 4401 || event.code === 4403) {
        this._failPending();
        this._setStatus("denied", { code: event.code, reason: event.reason });
        // A revoked or wrong link stays refused; look again now and then (a new token may be stored).
        this._scheduleReconnect(30000);
        return;
      }
      this._lost();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  _drop() {
    const ws = this._ws;
    this._ws = null;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(); } catch { /* already closed */ }
    }
    this._failPending();
  }

  _lost() {
    this._failPending();
    this._setStatus("offline");
    this._scheduleReconnect();
  }

  _checkAlive(soon = false) {
    if (!this._ws || this._ws.readyState !== WebSocket.OPEN) return;
    const quiet = performance.now() - this._lastFrame;
    if (quiet > DEAD_AFTER_MS || (soon && quiet > 6000)) {
      this._drop();
      this._lost();
    }
  }

  _scheduleReconnect(fixed) {
    if (this._stopped) return;
    clearTimeout(this._timer);
    const base = fixed || BACKOFF_MS[Math.min(this._attempt, BACKOFF_MS.length - 1)];
    this._attempt += 1;
    const delay = fixed || base * (0.8 + Math.random() * 0.4);
    this._timer = setTimeout(() => { if (!this._ws) this._open(); }, delay);
  }

  _failPending() {
    for (const { reject, timer } of this._pending.values()) {
      clearTimeout(timer);
      reject(new ApiError(0, { message: "the connection to the mixer dropped" }));
    }
    this._pending.clear();
  }

  _setStatus(status, detail = {}) {
    if (this.status === status) return;
    const was = this.status;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: { status, was, ...detail } }));
  }

  _handle(message) {
    switch (message.type) {
      case "hello": {
        store.setWho(message);
        this.actor = message.actor || null;
        let offset = 0;
        this.meterPoints = (message.meter_points || []).map((p) => {
          const point = { name: p.name, width: p.width || 1, extras: p.extras || [], offset };
          offset += point.width;
          return point;
        });
        this.meterIndex = new Map(this.meterPoints.map((p) => [p.name, p]));
        this.dispatchEvent(new CustomEvent("hello", { detail: message }));
        break;
      }
      case "state": this._applyState(message); break;
      case "change":
        if (message.seq <= this.seq) break; // already part of the state we hold
        this.seq = message.seq;
        this._applyValue(message.address, message.value);
        this.dispatchEvent(new CustomEvent("change", { detail: message }));
        break;
      case "diagnostics":
        this.diagnostics = message;
        this.dispatchEvent(new CustomEvent("diagnostics", { detail: message }));
        break;
      case "ack": this._settle(message.id, null, message); break;
      case "error": this._settle(message.id, message.error || {}); break;
      case "ping":
        if (Number.isInteger(message.n)) this._lastPing = message.n;
        try { this._ws.send('{"type":"pong"}'); } catch { /* closing */ }
        break;
      case "undo":
        this.undo = message;
        this.dispatchEvent(new CustomEvent("undo", { detail: message }));
        break;
      case "scenes":
        this.scenes = message;
        this.dispatchEvent(new CustomEvent("scenes", { detail: message }));
        break;
      case "health":
        this.health = message;
        this.dispatchEvent(new CustomEvent("health", { detail: message }));
        break;
      case "recorder": // a take started or stopped (GET /recorder has the status any time)
      case "player": // a take started or stopped playing back (GET /player)
      case "takes": // a take renamed or deleted (GET /takes)
      case "fleet": // a mixer on the broker said something new (GET /fleet)
        this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
        break;
      case "history":
      case "rta": // a frame of the RTA asked for (rta())
        this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
        break;
      default: break;
    }
  }

  _applyState(message) {
    const old = this.values;
    this.values = { ...message.values };
    this.seq = message.seq || 0;
    this._attempt = 0;
    const resync = this.everOnline;
    this.everOnline = true;
    this._setStatus("online");
    store.setLayout(message.layout); // a new layout is announced (the views are made again) before the watchers
    // Tell every watcher whose value differs from what it was shown.
    for (const [address, set] of this._watchers) {
      if (!(address in this.values) || old[address] === this.values[address]) continue;
      for (const fn of [...set]) fn(this.values[address], address);
    }
    this.dispatchEvent(new CustomEvent("state", { detail: { resync, seq: this.seq } }));
    // A new socket sends no RTA until asked: ask again for the one still wanted.
    if (this._rta && this._isOpen()) {
      this._request({ type: "rta", point: this._rta.point, per_octave: this._rta.per_octave }).catch(() => {});
    }
  }

  _applyValue(address, value) {
    this.values[address] = value;
    const set = this._watchers.get(address);
    if (set) for (const fn of [...set]) fn(value, address);
  }

  _settle(id, error, ack) {
    const entry = this._pending.get(id);
    if (!entry) {
      if (error) this.dispatchEvent(new CustomEvent("error", { detail: error }));
      return;
    }
    this._pending.delete(id);
    clearTimeout(entry.timer);
    // The socket's errors carry the status REST would answer with (403 for a refusal…).
    if (error) entry.reject(new ApiError(error.status || 400, error));
    else entry.resolve(ack);
  }
}
