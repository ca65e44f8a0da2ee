// mixerd web app: who is using it (admin, a musician's mix link, a viewer link: kept in the store), which view
// the address asks for, and the one live connection every view reads from and writes through.
//
// Routes (hash):  #/mix/B  My mix · #/console[/scenes|/history|/groups|/generators|/talkback|/ch/N|/bus/B|/main][?focus=address]  Console (admin)
//                 #/flow[/ch/N|/bus/B|/main]  Signal flow · #/problems  Problems · #/links  Links (admin) · #/login
//                 #/fleet  every mixerd on the MQTT broker (admin, viewer)
//                 #/rta[/<meter point>]  the RTA full screen (ch/N/input, bus/B, main…)
//                 #/view[/ch/N|/bus/B|/main][?focus=address] · #/view/mix/B  read-only
// ?focus= brings one control into view and focus (a signal-flow fix links there).
// A mix link reaches only #/mix/<its bus>: every other route leads back there, and its header links nowhere else.

import { adoptTokenFromUrl, api, authStatus, getToken, getTokenKind, setToken } from "./api.js";
import { Connection } from "./connection.js";
import { el, icon, numbered } from "./dom.js";
import { ICONS } from "./icons.js";
import { MeterRouter } from "./meters.js";
import { plainText } from "./names.js";
import { store } from "./store.js";
import { toast } from "./toast.js";

/** The views, each loaded when first shown: a musician's phone opening a mix link loads My mix, not the console. */
const VIEWS = {
  console: () => import("./views/console.js"),
  fleet: () => import("./views/fleet.js"),
  flow: () => import("./views/flow.js"),
  links: () => import("./views/links.js"),
  login: () => import("./views/login.js"),
  mix: () => import("./views/mymix.js"),
  problems: () => import("./views/problems.js"),
  recorder: () => import("./views/recorder.js"),
  rta: () => import("./views/rta.js"),
};

const conn = new Connection();
const meters = new MeterRouter(conn);
/** What every view is given: the connection (values, writes), the meters, toasts, and the way to another view.
 *  Who is using the app and the mixer's facts are the store's (store.js). */
const ctx = { conn, meters, toast, navigate, signedIn };
window.mixerd = { ...ctx, store }; // for the console of a curious engineer (and the tests)

const view = document.getElementById("view");
const nav = document.getElementById("nav");
const indicator = document.getElementById("conn");
const problemsBadge = el("a", { id: "problems", class: "problems", hidden: true });
indicator.before(problemsBadge);
let unmount = null;
let mounted = null; // key of the mounted view
let shown = 0; // how many times a view was shown: a view module that loads after the next was shown is not mounted

// -- routes ----------------------------------------------------------------------------------------

export function parseRoute(hash) {
  const path = hash.replace(/^#\/?/, "").split("?")[0];
  const query = new URLSearchParams(hash.includes("?") ? hash.slice(hash.indexOf("?") + 1) : "");
  const parts = path.split("/").filter(Boolean);
  const [head, ...rest] = parts;
  const strip = (p) => (p[0] === "main" ? "main" : p.length >= 2 && /^\d+$/.test(p[1]) ? `${p[0]}/${p[1]}` : null);
  switch (head) {
    case "mix": return { name: "mix", bus: Number(rest[0]) || null };
    case "console":
      if (["scenes", "history", "groups", "generators", "talkback"].includes(rest[0])) {
        return { name: "console", tab: rest[0], focus: query.get("focus") };
      }
      return { name: "console", tab: "mixer", select: strip(rest), focus: query.get("focus") };
    case "view":
      if (rest[0] === "mix") return { name: "view-mix", bus: Number(rest[1]) || null };
      return { name: "view", select: strip(rest), focus: query.get("focus") };
    case "flow": return { name: "flow", owner: strip(rest) || "ch/1" };
    case "links": return { name: "links" };
    case "fleet": return { name: "fleet" };
    case "recorder": return { name: "recorder" };
    case "rta": return { name: "rta", point: rest.join("/") || null };
    case "problems": return { name: "problems" };
    case "login": return { name: "login", next: query.get("next") };
    default: return { name: "home" };
  }
}

function defaultRoute() {
  if (store.role === "mix") return `#/mix/${store.bus}`;
  if (store.role === "viewer") return "#/view";
  if (store.role === "admin") return "#/console";
  return "#/login";
}

function navigate(hash, { replace = false } = {}) {
  if (location.hash === hash) { render(); return; }
  if (replace) {
    history.replaceState(null, "", hash);
    render();
  } else location.hash = hash;
}

/** Where `route` may go for the current role: itself, or a redirect. */
function guard(route) {
  const role = store.role;
  if (route.name === "login") return store.auth.enabled && role !== "admin" ? null : "#/console";
  if (!role) return `#/login?next=${encodeURIComponent(location.hash || "#/console")}`;
  if (route.name === "home") return defaultRoute();
  if (role === "admin") return null;
  if (role === "mix") {
    // A mix link reaches its own mix and nothing else: another mix, a view or the console lead back to it.
    if (route.name === "mix" && route.bus === store.bus) return null;
    toast(["console", "links", "recorder"].includes(route.name) ? "The console needs the admin password"
      : "This link opens only your own mix", "info");
    return defaultRoute();
  }
  const allowed = ["view", "view-mix", "flow", "problems", "rta", "fleet"];
  if (!allowed.includes(route.name)) {
    if (["console", "links", "recorder"].includes(route.name)) toast("The console needs the admin password", "info");
    return defaultRoute();
  }
  if (route.name === "mix" && !route.bus) return defaultRoute();
  return null;
}

// -- rendering -------------------------------------------------------------------------------------

function render() {
  const route = parseRoute(location.hash);
  const needsData = route.name !== "login";
  if (store.denied && needsData) {
    renderNav(route);
    show("denied", () => mountDenied());
    return;
  }
  const redirect = guard(route);
  if (redirect) { navigate(redirect, { replace: true }); return; }
  renderNav(route);
  const key = JSON.stringify(route);
  if (needsData && !(conn.everOnline && store.factsLoaded)) { show("loading", () => mountLoading()); return; }
  show(key, () => {
    switch (route.name) {
      case "login": return lazy("login", (v) => v.mount(view, ctx, { next: route.next || "#/console" }));
      case "mix": return lazy("mix", (v) => v.mount(view, ctx, { bus: route.bus }));
      case "view-mix": return lazy("mix", (v) => v.mount(view, ctx, { bus: route.bus, readOnly: true }));
      case "console":
        return lazy("console", (v) => focused(v.mount(view, ctx, { tab: route.tab, select: route.select || "ch/1" }),
          route.focus));
      case "view":
        return lazy("console", (v) => focused(v.mount(view, ctx, { tab: "mixer", select: route.select || "ch/1",
          readOnly: true }), route.focus));
      case "flow": return lazy("flow", (v) => v.mount(view, ctx, { owner: route.owner }));
      case "links": return lazy("links", (v) => v.mount(view, ctx));
      case "fleet": return lazy("fleet", (v) => v.mount(view, ctx));
      case "recorder": return lazy("recorder", (v) => v.mount(view, ctx));
      case "problems": return lazy("problems", (v) => v.mount(view, ctx));
      case "rta": return lazy("rta", (v) => v.mount(view, ctx, { point: route.point }));
      default: return () => {};
    }
  });
}

/** Mounts view module `name` with `mount` once it is loaded — unless another view was shown meanwhile. Resolves
 *  to the view's unmount function (or null when it was not mounted). */
function lazy(name, mount) {
  const mine = shown;
  return VIEWS[name]().then((module) => (mine === shown ? mount(module) : null));
}

function show(key, mountFn) {
  if (mounted === key && unmount) return;
  if (unmount) unmount();
  meters.clear();
  view.replaceChildren();
  view.dataset.view = key.startsWith("{") ? JSON.parse(key).name : key;
  mounted = key;
  const mine = ++shown;
  const result = mountFn();
  if (result && typeof result.then === "function") {
    unmount = () => {}; // until the view's module has loaded and mounted it
    result.then((fn) => { if (mine === shown) unmount = fn || (() => {}); },
      (error) => { if (mine === shown) toast(`The view could not be loaded: ${error.message || error}`, "error"); });
  } else {
    unmount = result || (() => {});
  }
  window.scrollTo(0, 0);
}

/** Brings the control of `address` into view and gives it the focus (with a short flash): the exact control
 *  when it is on the page (the editor's first, then the strip's), else the editor section that holds it. */
function focused(unmountFn, address) {
  if (!address) return unmountFn;
  requestAnimationFrame(() => {
    const at = (scope) => view.querySelector(`${scope}[data-address="${CSS.escape(address)}"]`);
    const section = SECTIONS.find(([pattern]) => pattern.test(address));
    const target = at(".editor ") || at("") || (section && view.querySelector(`.editor [data-section="${section[1]}"]`));
    if (!target) return;
    target.scrollIntoView({ block: "center", inline: "center" });
    target.focus({ preventScroll: true });
    target.classList.add("focus-flash");
    setTimeout(() => target.classList.remove("focus-flash"), 2500);
  });
  return unmountFn;
}

/** The editor section for addresses whose control is not always on the page (an EQ band not selected). */
const SECTIONS = [[/\/(trim|polarity|main|order|hpf\/\w+)$/, "input"], [/\/eq\//, "eq"], [/\/geq\//, "geq"],
  [/\/ringout$/, "ringout"], [/\/(gate|dyn)\//, "dynamics"],
  [/\/send\//, "sends"], [/\/limiter\//, "limiter"], [/\/(fx|return)\//, "fx"], [/^(bus\/\d+|main)\/(fader|mute|delay)$/, "output"]];

function remount() {
  mounted = null;
  render();
}

function renderNav(route) {
  const { role } = store;
  nav.replaceChildren();
  showProblems();
  const logout = document.getElementById("logout");
  logout.hidden = !(store.auth.enabled && role);
  logout.setAttribute("aria-label", role === "admin" ? "Log out" : "Forget this link");
  logout.title = logout.getAttribute("aria-label");
  // The logo leads home: for a mix link, that is its mix.
  document.querySelector(".brand").setAttribute("href", role === "mix" && store.bus ? `#/mix/${store.bus}` : "#/");
  if (role !== "admin") {
    if (role === "mix" || role === "viewer") {
      nav.append(el("span", { class: "nav-who" }, role === "mix" ? "My mix" : "View only"));
    }
    return;
  }
  const aux = conn.everOnline ? numbered(conn.values, "bus").filter((b) => conn.values[`bus/${b}/moreme`] !== undefined) : [];
  const mixBus = route.name === "mix" ? route.bus : aux[0] || 1;
  const items = [
    ["mix", `#/mix/${mixBus}`, "My mix", ICONS.user],
    ["console", "#/console", "Console", ICONS.sliders],
    ["flow", route.name === "flow" ? `#/flow/${route.owner}` : "#/flow/ch/1", "Flow", ICONS.flow],
    ["recorder", "#/recorder", "Recorder", ICONS.record],
    ["links", "#/links", "Links", ICONS.link],
  ];
  for (const [name, href, text, paths] of items) {
    nav.append(el("a", { href, class: "nav-item", "aria-current": route.name === name ? "page" : undefined, title: text },
      icon(paths), el("span", { class: "nav-label" }, text)));
  }
  // The fleet (every mixerd on the broker): an icon only, the bar has no room for a sixth label.
  nav.append(el("a", { href: "#/fleet", class: "nav-item nav-fleet", "aria-current": route.name === "fleet" ? "page" : undefined,
    title: "Fleet", "aria-label": "Fleet" }, icon(ICONS.wifi)));
}

// -- signal-flow problems (the header badge) -------------------------------------------------------

/** How many problems the mixer finds now (the audio's own, such as dropouts, too), coloured by the worst; a tap
 *  opens the list of them all (#/problems). Hidden when there are none, while offline, and for a mix link (it has
 *  no flow view). Its label names the first in plain words. */
function showProblems() {
  // Errors and warnings: notes (a silent input nobody set up) are shown on the flow view, not counted here.
  const problems = (conn.diagnostics ? conn.diagnostics.problems : []).filter((p) => p.severity !== "info");
  problemsBadge.hidden = !problems.length || conn.status !== "online" || !["admin", "viewer"].includes(store.role);
  if (problemsBadge.hidden) return;
  const [first] = problems;
  const text = `${problems.length} problem${problems.length === 1 ? "" : "s"}; first: ${plainText(first.message, conn.values)}`;
  problemsBadge.href = "#/problems";
  problemsBadge.dataset.severity = first.severity;
  problemsBadge.setAttribute("aria-label", text);
  problemsBadge.title = text;
  problemsBadge.replaceChildren(icon(ICONS.alert), el("span", { class: "problems-count" }, String(problems.length)));
}

conn.addEventListener("diagnostics", showProblems);
// Who uses the app changed (the hello of a new token): the header follows.
store.on("auth", () => renderNav(parseRoute(location.hash)));

function mountLoading() {
  view.append(el("div", { class: "loading", role: "status" }, el("div", { class: "spinner", "aria-hidden": "true" }),
    el("p", {}, "Connecting to the mixer…")));
}

function mountDenied() {
  const signIn = el("a", { class: "btn", href: "#/login" }, icon(ICONS.lock), "Sign in as admin");
  view.append(el("section", { class: "empty-state" }, el("h1", {}, "This link is not valid any more"),
    el("p", {}, store.denied), el("p", {}, "Ask the engineer for a new link or QR code."), signIn));
}

// -- connection status -----------------------------------------------------------------------------

function showStatus(status) {
  showProblems();
  const text = { connecting: "connecting…", online: "online", offline: "offline — reconnecting…", denied: "link not valid" }[status];
  indicator.dataset.status = status;
  indicator.replaceChildren(icon(status === "online" ? ICONS.wifi : ICONS.wifiOff), el("span", { class: "conn-text" }, text));
  indicator.setAttribute("aria-label", `Connection: ${text}`);
  document.body.classList.toggle("is-offline", status === "offline" || status === "denied");
}

conn.addEventListener("status", async (e) => {
  const { status, was, code } = e.detail;
  showStatus(status);
  if (status === "denied") {
    // The token was refused: a revoked link, a logged-out session, or a wrong token.
    const status2 = await authStatus().catch(() => null);
    if (status2) store.setAuth(status2);
    if (store.role === null && store.auth.enabled && getTokenKind() !== "link") {
      setToken("");
      navigate(`#/login`, { replace: true });
      return;
    }
    store.setDenied(code === 4403 ? "This link may not open the live view." : "It was revoked, or it is incomplete.");
    remount();
  } else if (status === "online") {
    if (was === "offline") toast("Back online — in sync with the mixer", "ok");
  }
});

// The connection has told the store who the token is (a hello is only sent to a token it accepts).
conn.addEventListener("hello", () => store.setDenied(null));

conn.addEventListener("state", () => { if (!mounted || mounted === "loading" || mounted === "denied") render(); });
store.on("layout", () => { if (mounted && mounted !== "loading") remount(); });

async function loadFacts() {
  // Parameter specs (ranges, units, choices) and the sample rate (for the EQ curves); read-only for everyone.
  for (let attempt = 0; ; attempt++) {
    try {
      const [{ params }, system] = await Promise.all([api("GET", "params"), api("GET", "system")]);
      store.setFacts(params, system.sample_rate || system.audio?.sample_rate || store.fs);
      render();
      return;
    } catch (exc) {
      if (exc.status === 401) return; // the connection reports it and sends to the login
      await new Promise((r) => setTimeout(r, Math.min(8000, 500 * 2 ** attempt)));
    }
  }
}

let live = false;
function startLive() {
  if (live) return;
  live = true;
  document.body.classList.add("live");
  conn.start();
  loadFacts();
}

/** After a login or setup: who am I now, then the view asked for. */
async function signedIn(next) {
  store.setAuth(await authStatus());
  store.setDenied(null);
  if (live) { conn.stop(); conn.everOnline = false; conn.start(); } else startLive();
  navigate(next && !next.startsWith("#/login") ? next : "#/console");
}

async function logout() {
  try { await api("POST", "auth/logout"); } catch { /* ended anyway */ }
  setToken("");
  location.replace(`${location.pathname}#/login`);
  location.reload();
}

async function boot() {
  adoptTokenFromUrl();
  document.getElementById("logout").addEventListener("click", logout);
  showStatus("connecting");
  for (let attempt = 0; ; attempt++) {
    try {
      store.setAuth(await authStatus());
      break;
    } catch {
      document.body.classList.add("live"); // show that the mixer cannot be reached
      showStatus("offline");
      await new Promise((r) => setTimeout(r, Math.min(8000, 500 * 2 ** attempt)));
    }
  }
  document.body.classList.remove("live");
  showStatus("connecting");
  if (store.auth.enabled && store.role === null && getToken()) {
    // A stored token the mixer does not know (revoked link, ended session).
    const wasLink = getTokenKind() === "link";
    setToken("");
    if (wasLink) store.setDenied("It was revoked, or it is incomplete.");
  }
  window.addEventListener("hashchange", render);
  if (store.role) startLive();
  render();
}

boot();
