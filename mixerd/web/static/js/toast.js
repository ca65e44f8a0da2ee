// Short messages at the bottom of the screen: a refused change, a recalled scene, back online.
// Errors stay a little longer and are announced to screen readers at once (role=alert).
// A view may word the messages shown while it is up (`wordToasts`): My mix puts addresses in names
// (names.js), whoever made the message.

import { el } from "./dom.js";

let region = null;
const wordings = []; // fn(message, kind) → message, the newest last

/** While a view is up, `fn(message, kind)` words every toast (e.g. a refusal: names, not addresses); returns
 *  the function that ends it. */
export function wordToasts(fn) {
  wordings.push(fn);
  return () => {
    const at = wordings.indexOf(fn);
    if (at >= 0) wordings.splice(at, 1);
  };
}

function container() {
  if (!region || !region.isConnected) {
    region = el("div", { id: "toasts", class: "toasts", "aria-live": "polite" });
    document.body.append(region);
  }
  return region;
}

/** Show `message` ("error" | "info" | "ok") for a while; the same message again restarts its timer. */
export function toast(message, kind = "info", ms) {
  for (const word of wordings) message = word(message, kind) ?? message;
  const box = container();
  const duration = ms ?? (kind === "error" ? 5000 : 2500);
  for (const node of box.children) {
    if (node.textContent === message && node.dataset.kind === kind) {
      clearTimeout(node._timer);
      node._timer = setTimeout(() => dismiss(node), duration);
      return node;
    }
  }
  const node = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", dataset: { kind } },
    message);
  node.addEventListener("click", () => dismiss(node));
  box.append(node);
  while (box.children.length > 3) box.firstElementChild.remove();
  node._timer = setTimeout(() => dismiss(node), duration);
  return node;
}

function dismiss(node) {
  node.classList.add("leaving");
  setTimeout(() => node.remove(), 200);
}
