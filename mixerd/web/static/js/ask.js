// A question in a modal dialog, for what cannot be undone (recalling a scene, deleting a take).

import { el, icon } from "./dom.js";

/** A question in a modal dialog (`dialog.confirm`) with Cancel and the action [icon, text]; resolves true for the
 *  action, false for Cancel, Escape or leaving the page. */
export function ask(title, text, [actionIcon, actionText]) {
  const cancel = el("button", { type: "button", class: "btn", autofocus: true }, "Cancel");
  const go = el("button", { type: "button", class: "btn primary" }, icon(actionIcon), actionText);
  const dialog = el("dialog", { class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-text" },
    el("h2", { id: "confirm-title" }, title), el("p", { id: "confirm-text" }, text),
    el("div", { class: "confirm-actions" }, cancel, go));
  return new Promise((resolve) => {
    let answer = false;
    const leave = () => dialog.close(); // the page goes elsewhere (the back button): nothing is recalled
    cancel.addEventListener("click", () => dialog.close());
    go.addEventListener("click", () => { answer = true; dialog.close(); });
    dialog.addEventListener("close", () => {
      window.removeEventListener("hashchange", leave);
      dialog.remove();
      resolve(answer);
    });
    window.addEventListener("hashchange", leave);
    document.body.append(dialog);
    dialog.showModal();
  });
}
