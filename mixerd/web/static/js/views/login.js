// Login: the admin password unlocks the console. On the very first start (no password yet) the same page
// sets it (POST /auth/setup), then signs in.

import { api, describeError, setToken } from "../api.js";
import { el, icon } from "../dom.js";
import { ICONS } from "../icons.js";
import { store } from "../store.js";

export function mount(root, ctx, { next = "#/console" } = {}) {
  const setup = store.auth.enabled && !store.auth.password_set;
  const password = el("input", { type: "password", id: "password", name: "password", required: true,
    autocomplete: setup ? "new-password" : "current-password", minlength: setup ? "8" : undefined,
    "aria-describedby": "login-error" });
  const confirm = setup ? el("input", { type: "password", id: "password2", required: true, autocomplete: "new-password",
    minlength: "8" }) : null;
  const error = el("p", { id: "login-error", class: "form-error", role: "alert" });
  const submit = el("button", { type: "submit", class: "btn primary wide" }, icon(ICONS.lock),
    setup ? "Set password and sign in" : "Unlock console");
  const form = el("form", { class: "login-form", novalidate: true },
    el("label", { for: "password" }, setup ? "New admin password" : "Admin password"), password,
    confirm ? el("label", { for: "password2" }, "Repeat it") : null, confirm,
    error, submit);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    if (setup && password.value.length < 8) { error.textContent = "Use at least 8 characters."; return; }
    if (setup && password.value !== confirm.value) { error.textContent = "The two passwords differ."; return; }
    if (!password.value) { error.textContent = "Enter the admin password."; password.focus(); return; }
    submit.disabled = true;
    try {
      const answer = await api("POST", setup ? "auth/setup" : "auth/login", { password: password.value });
      setToken(answer.token, "session");
      await ctx.signedIn(next);
    } catch (exc) {
      password.value = "";
      if (confirm) confirm.value = "";
      error.textContent = exc.status === 401 ? "Wrong password."
        : exc.status === 429 ? `Too many attempts. Try again in ${exc.retryAfter || 60} s.`
          : describeError(exc);
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });

  const card = el("section", { class: "login-card" },
    el("div", { class: "login-logo", "aria-hidden": "true" }, icon(ICONS.sliders)),
    el("h1", {}, setup ? "Welcome to mixerd" : "Sign in"),
    el("p", { class: "lead" }, setup
      ? "This mixer has no admin password yet. Choose one: it unlocks the console, scenes and mix links."
      : "The admin password unlocks the console, scenes and mix links."),
    form,
    el("p", { class: "aside" }, "Musicians: open the link or scan the QR code your engineer gave you — no password needed."));
  root.append(el("div", { class: "login-page" }, card));
  requestAnimationFrame(() => password.focus());
  return () => {};
}
