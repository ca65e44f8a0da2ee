// DOM helpers and value formatting shared by every view.
// User text (channel names, labels, error messages) only ever reaches the page as text nodes or
// textContent: nothing here parses HTML.

export const SVG_NS = "http://www.w3.org/2000/svg";

function apply(node, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style" && typeof value === "object") {
      for (const [prop, v] of Object.entries(value)) node.style.setProperty(prop, v);
    } else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** `el("button", {class: "btn", onclick: fn, "aria-label": "Mute"}, "Mute")`. */
/** `target.addEventListener(type, fn)`; returns the function that removes it again. */
export function listen(target, type, fn) {
  target.addEventListener(type, fn);
  return () => target.removeEventListener(type, fn);
}

export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  apply(node, props);
  append(node, children);
  return node;
}

/** The same for SVG elements. */
export function svg(tag, props, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, props);
  append(node, children);
  return node;
}

/** A 24×24 line icon from path data (see icons.js). */
export function icon(paths, label) {
  const props = { class: "icon", viewBox: "0 0 24 24", "aria-hidden": label ? undefined : "true" };
  if (label) Object.assign(props, { role: "img", "aria-label": label });
  return svg("svg", props, ...[].concat(paths).map((d) => svg("path", { d })));
}

export const FLOOR_DB = -90; // a fader or send at -90 dB is fully closed

/** "-12.5", "+3.0", "0.0", "−∞" for closed faders and silence. */
export function formatDb(db, { floor = FLOOR_DB, plus = true, digits = 1 } = {}) {
  if (!Number.isFinite(db) || db <= floor) return "−∞";
  const text = Math.abs(db) < 0.05 ? (0).toFixed(digits) : db.toFixed(digits);
  return plus && db >= 0.05 ? `+${text}` : text.replace("-", "−");
}

/** "C", "L40", "R100" for a pan or balance in percent. */
export function formatPan(pan) {
  if (!pan || Math.abs(pan) < 0.5) return "C";
  return `${pan < 0 ? "L" : "R"}${Math.round(Math.abs(pan))}`;
}

/** "off", "+3.0 dB": how much "more me" raises a mix's own channels. */
export function formatMoreMe(db) {
  return db < 0.05 ? "off" : `+${db.toFixed(1)} dB`;
}

/** "80 Hz", "1.25 kHz", "12 kHz". */
export function formatHz(hz) {
  if (hz >= 1000) {
    const k = hz / 1000;
    return `${k >= 10 ? k.toFixed(1).replace(/\.0$/, "") : k.toFixed(2).replace(/0$/, "").replace(/\.$/, "")} kHz`;
  }
  return `${Math.round(hz)} Hz`;
}

export function formatMs(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 2).replace(/\.?0+$/, "")} s`;
  return `${ms < 10 ? ms.toFixed(ms < 1 ? 2 : 1).replace(/\.?0+$/, "") : Math.round(ms)} ms`;
}

/** Relative time for lists ("just now", "5 min ago", a date). */
export function formatWhen(iso) {
  const date = new Date(iso);
  const seconds = (Date.now() - date.getTime()) / 1000;
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400 && date.getDate() === new Date().getDate()) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  return date.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** The numbers n with `${family}/${n}/${leaf}` in values, sorted. */
export function numbered(values, family, leaf = "name") {
  const out = [];
  const pattern = new RegExp(`^${family}/(\\d+)/${leaf}$`);
  for (const key of Object.keys(values)) {
    const match = key.match(pattern);
    if (match) out.push(Number(match[1]));
  }
  return out.sort((a, b) => a - b);
}

/** Readable text colour (dark or light) on a background colour #rrggbb. */
export function contrastOn(color) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color || "");
  if (!m) return "#fff";
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.55 ? "#0b0d10" : "#fff";
}
