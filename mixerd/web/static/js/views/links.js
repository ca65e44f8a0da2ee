// Links (admin): hand a musician their own mix — a link and QR code that opens My mix for one aux mix and may
// change only that mix — or a read-only viewer link; see every link handed out, revoke any at once.

import { api, describeError } from "../api.js";
import { SVG_NS, el, formatWhen, icon, numbered } from "../dom.js";
import { ICONS } from "../icons.js";
import { toast } from "../toast.js";

export function mount(root, ctx) {
  const values = ctx.conn.values;
  let alive = true;
  const list = linkList(values, () => alive);
  const create = createCard(values, () => list.load());
  root.append(el("div", { class: "links-page" },
    el("header", { class: "page-head" }, el("h1", {}, "Links"),
      el("p", { class: "lead" }, "Give each musician a link to their own mix. Revoke it when the gig is over."),
      // The other boxes: on a phone the top bar has no room for the Fleet, so it is here too.
      el("a", { class: "btn fleet-link", href: "#/fleet" }, icon(ICONS.wifi), "Other mixers (Fleet)")),
    el("div", { class: "links-grid" },
      el("section", { class: "card" }, el("header", { class: "card-head" }, el("h3", {}, "New link")), create.form, create.result),
      el("section", { class: "card" }, el("header", { class: "card-head" }, el("h3", {}, "Handed out")), list.root))));
  list.load();
  return () => {
    alive = false;
    create.stop();
  };
}

/** The form for a new link (a musician's mix or view only, a label) and, once made, its QR code and address;
 *  `created()` after each. */
function createCard(values, created) {
  const aux = numbered(values, "bus").filter((b) => values[`bus/${b}/moreme`] !== undefined);
  let role = "mix";
  const roleGroup = el("div", { class: "segmented", role: "radiogroup", "aria-label": "Link for" });
  const busSelect = el("select", { id: "link-bus", "aria-label": "Mix" },
    aux.map((b) => el("option", { value: String(b) }, values[`bus/${b}/name`])));
  const label = el("input", { id: "link-label", type: "text", maxlength: "64", placeholder: "Label (e.g. the musician's name)",
    "aria-label": "Label" });
  const busField = el("label", { class: "field select" }, el("span", { class: "field-label" }, "Mix"), busSelect);
  for (const [value, text] of [["mix", "A musician's mix"], ["viewer", "View only"]]) {
    const b = el("button", { type: "button", role: "radio", dataset: { role: value } }, text);
    b.addEventListener("click", () => { role = value; showRole(); });
    roleGroup.append(b);
  }
  const showRole = () => {
    for (const b of roleGroup.children) b.setAttribute("aria-checked", String(b.dataset.role === role));
    busField.hidden = role !== "mix";
  };
  showRole();
  const create = el("button", { type: "submit", class: "btn primary" }, icon(ICONS.plus), "Create link");
  const form = el("form", { class: "link-form" }, roleGroup, busField,
    el("label", { class: "field" }, el("span", { class: "field-label" }, "Label"), label), create);
  const result = linkResult(values);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { role };
    if (role === "mix") body.bus = Number(busSelect.value);
    if (label.value.trim()) body.label = label.value.trim();
    create.disabled = true;
    try {
      result.show(await api("POST", "auth/links", body));
      label.value = "";
      created();
    } catch (exc) {
      toast(describeError(exc), "error");
    } finally {
      create.disabled = false;
    }
  });
  return { form, result: result.root, stop: result.stop };
}

/** A new link: its QR code, what it opens, its address to copy (shown only now). */
function linkResult(values) {
  const root = el("div", { class: "link-result", hidden: true, "aria-live": "polite" });
  let qrUrl = null;
  const show = (link) => {
    if (qrUrl) URL.revokeObjectURL(qrUrl);
    // The QR code is the server's SVG, shown as an image (never parsed into the page).
    // As an image file the SVG needs its namespace (an inline <svg> may leave it out).
    const svgText = /^<svg\b[^>]*\bxmlns=/.test(link.qr_svg) ? link.qr_svg
      : link.qr_svg.replace(/^<svg\b/, `<svg xmlns="${SVG_NS}"`);
    qrUrl = URL.createObjectURL(new Blob([svgText], { type: "image/svg+xml" }));
    const url = el("input", { type: "text", readonly: true, value: link.url, class: "link-url", "aria-label": "Link address" });
    const copy = el("button", { type: "button", class: "btn" }, icon(ICONS.copy), "Copy");
    copy.addEventListener("click", async () => {
      url.select();
      try {
        await navigator.clipboard.writeText(link.url);
        toast("Link copied", "ok");
      } catch {
        toast(document.execCommand && document.execCommand("copy") ? "Link copied" : "Select the address and copy it", "info");
      }
    });
    const what = link.role === "mix" ? `${values[`bus/${link.bus}/name`]} mix` : "view only";
    root.replaceChildren(
      el("img", { class: "qr", src: qrUrl, alt: `QR code for the ${what} link`, width: "220", height: "220" }),
      el("div", { class: "link-result-text" },
        el("h3", {}, link.label),
        el("p", { class: "scene-meta" }, link.role === "mix"
          ? `Opens My mix for ${values[`bus/${link.bus}/name`]}; may change only that mix.`
          : "Opens the console read-only; changes nothing."),
        el("p", { class: "scene-meta" }, "Scan with the phone's camera, or send the address. It is shown only now."),
        el("div", { class: "inline-form" }, url, copy)));
    root.hidden = false;
  };
  return { root, show, stop: () => { if (qrUrl) URL.revokeObjectURL(qrUrl); } };
}

/** Every link handed out, newest first, each revocable (a second tap confirms); `load()` reads them again. */
function linkList(values, alive) {
  const root = el("ul", { class: "link-list", "aria-label": "Links handed out" });
  const row = (link) => {
    const revoked = Boolean(link.revoked);
    const what = link.role === "mix" ? `Mix · ${values[`bus/${link.bus}/name`] ?? `bus ${link.bus}`}` : "View only";
    const revoke = el("button", { type: "button", class: "btn ghost danger", disabled: revoked });
    // What it says, then whose link: the name holds the visible text ("Revoke now? Bass player").
    const say = (text) => { revoke.textContent = text; revoke.setAttribute("aria-label", `${text} ${link.label}`); };
    say(revoked ? "Revoked" : "Revoke");
    revoke.addEventListener("click", async () => {
      if (revoke.dataset.confirm !== "yes") {
        revoke.dataset.confirm = "yes";
        say("Revoke now?");
        setTimeout(() => { if (revoke.isConnected && !revoke.disabled) { revoke.dataset.confirm = ""; say("Revoke"); } }, 3000);
        return;
      }
      try {
        await api("DELETE", `auth/links/${link.id}`);
        toast(`Revoked “${link.label}”`, "ok");
        load();
      } catch (exc) { toast(describeError(exc), "error"); }
    });
    return el("li", { class: `link${revoked ? " revoked" : ""}`, dataset: { id: link.id } },
      el("span", { class: `role-badge ${link.role}` }, link.role === "mix" ? icon(ICONS.user) : icon(ICONS.eye)),
      el("div", { class: "scene-text" }, el("span", { class: "scene-name" }, link.label),
        el("span", { class: "scene-meta" }, `${what} · created ${formatWhen(link.created)}${revoked ? ` · revoked ${formatWhen(link.revoked)}` : ""}`)),
      revoke);
  };
  async function load() {
    try {
      const { links } = await api("GET", "auth/links");
      if (!alive()) return;
      const rows = links.slice().reverse().map(row);
      root.replaceChildren(...(rows.length ? rows : [el("li", { class: "empty" }, "No links yet.")]));
    } catch (exc) { toast(describeError(exc), "error"); }
  }
  return { root, load };
}
