// Binding controls to addresses: the control shows the server's value, a move is sent as it happens
// (at most every 50 ms, the last value always), and a refused or failed write is shown to the user and
// puts the control back to the server's value. Every write is the connection's `write`.

import { describeError } from "./api.js";
import { newGesture } from "./connection.js";
import { toast } from "./toast.js";

/** A control being moved is written at most this often (its last value always). */
export const SEND_EVERY_MS = 50;

export class Binder {
  constructor(conn, { readOnly = false } = {}) {
    this.conn = conn;
    this.readOnly = readOnly;
    this.offs = [];
    this.writes = new Map(); // address → {timer, latest, sentAt, refused}
    this.children = new Set();
  }

  /** A Binder released with this one (or on its own, e.g. when an EQ band tab changes). */
  child() {
    const sub = new Binder(this.conn, { readOnly: this.readOnly });
    this.children.add(sub);
    const release = sub.release.bind(sub);
    sub.release = () => { this.children.delete(sub); release(); };
    return sub;
  }

  /** fn(value) now and on every change of `address`. */
  watch(address, fn) {
    this.offs.push(this.conn.watch(address, fn));
  }

  /** fn() when this binder is released (a view's own cleanup: an RTA it asked for, an observer). */
  onRelease(fn) {
    this.offs.push(fn);
  }

  /** Bind a Slider to `address`. */
  slider(address, slider) {
    if (this.readOnly) slider.setReadOnly(true);
    this.watch(address, (value) => slider.setValue(value));
    slider.onInput = (value) => this._moving(address, value);
    slider.onCommit = (value) => this._commit(address, value, () => slider.setValue(this.conn.get(address), true));
    slider.address = address;
    slider.root.dataset.address = address;
    return slider;
  }

  /** Bind a Toggle to `address` (a bool). */
  toggle(address, toggle) {
    if (this.readOnly) toggle.setReadOnly(true);
    this.watch(address, (value) => toggle.setValue(value));
    toggle.onChange = (value) => this._commit(address, value, () => toggle.setValue(this.conn.get(address)));
    toggle.root.dataset.address = address;
    return toggle;
  }

  /** Bind a <select> to `address` (a string choice or a number with choices). */
  select(address, select, parse = (v) => v) {
    if (this.readOnly) select.disabled = true;
    this.watch(address, (value) => { select.value = String(value); });
    select.dataset.address = address;
    select.addEventListener("change", () => this._commit(address, parse(select.value),
      () => { select.value = String(this.conn.get(address)); }));
    return select;
  }

  /** Write once (a button); resolves true when accepted. With `step` (a typed value, a reset to the default)
   *  the change is an undo step of its own, never part of a drag of the same control just before. */
  async write(address, value, { step = false } = {}) {
    try {
      await this.conn.write({ [address]: value }, step ? { gesture: newGesture() } : {});
      return true;
    } catch (exc) {
      this.refused(address, exc);
      return false;
    }
  }

  /** Shows a refused or failed write and puts the controls of `address` back to the server's value. */
  refused(address, exc) {
    toast(describeError(exc), "error");
    this.conn.refresh(address);
  }

  _moving(address, value) {
    let w = this.writes.get(address);
    if (!w) {
      // A drag is one gesture: all its writes, and the last one on release, are one undo step.
      w = { timer: null, latest: value, sentAt: 0, refused: null, sent: undefined, inflight: new Set(),
        gesture: newGesture() };
      this.writes.set(address, w);
    }
    w.latest = value;
    if (w.refused || w.timer) return;
    const wait = SEND_EVERY_MS - (performance.now() - w.sentAt);
    if (wait <= 0) this._send(address, w);
    else w.timer = setTimeout(() => { w.timer = null; this._send(address, w); }, wait);
  }

  _send(address, w) {
    if (w.refused || w.sent === w.latest) return;
    w.sentAt = performance.now();
    w.sent = w.latest;
    const request = this.conn.write({ [address]: w.latest }, { gesture: w.gesture });
    w.inflight.add(request);
    request.catch((exc) => { w.refused = w.refused || exc; }).finally(() => w.inflight.delete(request));
  }

  async _commit(address, value, snapBack) {
    const w = this.writes.get(address);
    this.writes.delete(address);
    if (w) clearTimeout(w.timer);
    const waits = w ? [...w.inflight] : [];
    if (!(w && w.refused) && (!w || w.sent !== value)) {
      waits.push(this.conn.write({ [address]: value }, w ? { gesture: w.gesture } : {}));
    }
    let error = w ? w.refused : null;
    for (const request of waits) {
      try { await request; } catch (exc) { error = error || exc; }
    }
    if (error) {
      toast(describeError(error), "error");
      snapBack();
    }
  }

  release() {
    for (const sub of [...this.children]) sub.release();
    for (const off of this.offs) off();
    this.offs = [];
    for (const w of this.writes.values()) clearTimeout(w.timer);
    this.writes.clear();
  }
}
