// The app's own state, kept once: who is using it (access control's answer: on or off, password set, role,
// bus, label), the facts about the mixer read once (every parameter's spec, the sample rate), the layout of
// the state (channels, buses) and why a link was refused. The mixer's values live in the connection
// (connection.js); everything else the modules need is read here, and a module that must follow a change
// subscribes with `on` instead of keeping a copy.

/** What `on` can follow: "auth" (role, bus, label…), "facts" (specs, sample rate), "layout", "denied". */
class Store extends EventTarget {
  constructor() {
    super();
    this.auth = { enabled: false, password_set: false, role: null, bus: null, label: null };
    this.specs = new Map(); // address → its spec (GET /params: kind, unit, min, max, note, choices…)
    this.fs = 48000;        // the engine's sample rate (for the EQ curves)
    this.factsLoaded = false;
    this.layout = null;     // the state's layout: {inputs, buses: [{width…}], …}
    this.denied = null;     // why the stored link was refused (shown instead of the views), or null
  }

  /** "admin", "mix", "viewer", or null (not signed in). With access control off everyone is admin. */
  get role() { return this.auth.role; }

  /** The aux mix a mix link may change (null for other roles). */
  get bus() { return this.auth.bus; }

  /** The spec of `address` (undefined before the facts are loaded or for an unknown address). */
  spec(address) { return this.specs.get(address); }

  /** [min, max] of a number's spec (undefined when the spec is unknown or has no range). */
  range(address) {
    const spec = this.specs.get(address);
    return spec && spec.min !== undefined && spec.max !== undefined ? [spec.min, spec.max] : undefined;
  }

  /** Access control's status (GET /auth/status). */
  setAuth(status) {
    this._set("auth", { ...status, role: status.enabled ? status.role : "admin", bus: status.bus ?? null,
      label: status.label ?? null });
  }

  /** Who the WebSocket's hello says the token is; a hello without a role changes nothing. */
  setWho({ role, bus = null, label = null }) {
    if (role && (role !== this.role || bus !== this.bus)) this._set("auth", { ...this.auth, role, bus, label });
  }

  /** The parameter specs (a list, as GET /params gives them) and the sample rate. */
  setFacts(params, fs) {
    this.specs = new Map(params.map((p) => [p.address, p]));
    this.fs = fs;
    this._set("factsLoaded", true, "facts");
  }

  /** The layout of a state message; announced when it differs from the one held. */
  setLayout(layout) {
    const changed = JSON.stringify(layout || null) !== JSON.stringify(this.layout);
    this.layout = layout || this.layout;
    if (changed) this.dispatchEvent(new CustomEvent("layout", { detail: this.layout }));
    return changed;
  }

  /** Why the stored link was refused (null: it was not). */
  setDenied(reason) { this._set("denied", reason); }

  /** fn(detail) on every change of `what`; returns the unsubscribe. */
  on(what, fn) {
    const listener = (e) => fn(e.detail);
    this.addEventListener(what, listener);
    return () => this.removeEventListener(what, listener);
  }

  _set(key, value, event = key) {
    this[key] = value;
    this.dispatchEvent(new CustomEvent(event, { detail: value }));
  }
}

/** The one store of the page. */
export const store = new Store();
