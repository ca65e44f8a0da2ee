// The editor's head: what the strip is, its name and colour (the main has neither), and its signal flow.

import { el } from "../../dom.js";

/** The head of the editor `editor` for `prefix`; the strip's colour is set on `editor`. */
export function identity(ctx, binder, prefix, editor) {
  const head = el("div", { class: "editor-head" });
  if (ctx.conn.has(`${prefix}/name`)) {
    const [kind, number] = prefix.split("/");
    head.append(el("span", { class: "editor-kicker" }, `${kind === "ch" ? "Channel" : "Bus"} ${number}`),
      nameInput(ctx, binder, prefix), colorInput(binder, prefix, editor));
  } else {
    head.append(el("span", { class: "editor-kicker" }, "Output"), el("h2", {}, "Main"));
  }
  head.append(el("a", { class: "btn ghost", href: `#/flow/${prefix}` }, "Signal flow"));
  return head;
}

/** The name, written when the field is left; an empty or refused name puts the mixer's back. */
function nameInput(ctx, binder, prefix) {
  const address = `${prefix}/name`;
  const name = el("input", { class: "name-input", "aria-label": "Name", maxlength: "32", enterkeyhint: "done",
    readonly: binder.readOnly });
  // Not while typing: a change from elsewhere would overwrite what is being typed.
  binder.watch(address, (v) => { if (document.activeElement !== name) name.value = v; });
  name.addEventListener("change", async () => {
    const value = name.value.trim();
    if (!value || !(await binder.write(address, value))) name.value = ctx.conn.get(address);
  });
  name.addEventListener("keydown", (e) => { if (e.key === "Enter") name.blur(); });
  return name;
}

function colorInput(binder, prefix, editor) {
  const color = el("input", { type: "color", class: "color-input", "aria-label": "Colour", disabled: binder.readOnly });
  binder.watch(`${prefix}/color`, (v) => { color.value = v; editor.style.setProperty("--strip-color", v); });
  color.addEventListener("change", () => binder.write(`${prefix}/color`, color.value));
  return color;
}
