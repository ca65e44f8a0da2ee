// The ring-out section of a mix (bus/B) or the main: the big Ring out switch ({owner}/ringout), the live RTA of
// the mix as it leaves (bars with peak-hold ticks on a canvas), the howls the feedback finder names on this mix
// (its `feedback` problems: frequency, level) each with a one-tap Notch that writes the finder's `details.notch`
// as one batch (one undo step), and the mixer-wide switches: auto notch (feedback/auto) and watch every mix
// (feedback/watch).
//
// The RTA is asked for (conn.rta) only while the card is on screen, the page is shown and ring-out or the RTA
// switch is on; otherwise it is stopped, so the mixer analyses nothing nobody looks at.

import { describeError } from "../../api.js";
import { el, formatHz } from "../../dom.js";
import { paramToggle } from "../../controls.js";
import { Toggle } from "../../fader.js";
import { busName } from "../../names.js";
import { toast } from "../../toast.js";
import { card } from "./card.js";

const FLOOR = -80; // the RTA's bottom (dBFS)
const TOP = 0;
/** The ISO nominal third-octave centres: an RTA band (exactly 10^(n/10) Hz) is named by the nearest. */
const NOMINAL = [20, 25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600,
  2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000, 20000];
const bandName = (hz) => {
  const near = NOMINAL.find((f) => Math.abs(hz / f - 1) < 0.03);
  return formatHz(near || hz);
};
const dbfs = (db) => `${Math.round(db)} dBFS`.replace("-", "−");

/** The ring-out card of `prefix` (bus/B or main). */
export function ringoutCard(ctx, binder, prefix) {
  const { conn } = ctx;
  const section = card("Ring out", "ringout");
  section.classList.add("wide", "ringout-card");
  const mixName = () => (prefix === "main" ? "the main" : busName(conn.values, Number(prefix.split("/")[1]), { mine: null }));

  const ring = paramToggle(ctx, binder, `${prefix}/ringout`, { label: "Ring out", text: "Ring out",
    className: "big ringout-switch" });
  const rtaSwitch = new Toggle({ label: "RTA: show the spectrum of this mix", text: "RTA", className: "rta-switch" });
  const status = el("p", { class: "ringout-status", role: "status" });
  const rta = rtaView(prefix);
  const howls = el("ul", { class: "howls", "aria-label": "Feedback found on this mix" });
  const auto = paramToggle(ctx, binder, "feedback/auto", { label: "Auto notch", text: "Auto notch" });
  const watch = paramToggle(ctx, binder, "feedback/watch", { label: "Watch every mix", text: "Watch every mix" });
  section.querySelector(".card-head").append(el("div", { class: "row ringout-switches" }, ring.root, rtaSwitch.root));
  section.append(status, rta.root, el("div", { class: "subhead" }, "Feedback found"), howls,
    el("div", { class: "ringout-auto" }, auto.root,
      el("p", { class: "ringout-note" }, "Auto notch: the mixer cuts each howl it finds by itself, at most one notch "
        + "a second per mix, each an undo step of its own (History shows them).")),
    el("div", { class: "ringout-auto" }, watch.root,
      el("p", { class: "ringout-note" }, "Watch every mix: listen to every monitor mix and the main all the time; "
        + "there only a peak that stays and grows counts as feedback.")));

  // -- the RTA: asked for only while it is looked at ----------------------------------------------------
  const owner = {};
  let visible = false;
  let asked = false;
  const update = () => {
    const wanted = visible && document.visibilityState === "visible" && (conn.get(`${prefix}/ringout`) || rtaSwitch.value);
    rta.root.hidden = !wanted;
    if (wanted && !asked) {
      asked = true;
      conn.rta(prefix, 3, owner).catch((exc) => toast(describeError(exc), "error"));
    } else if (!wanted && asked) {
      asked = false;
      rta.clear();
      conn.rta(null, 3, owner).catch(() => {});
    }
  };
  const observer = new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    update();
  });
  observer.observe(section);
  rtaSwitch.onChange = update;
  const onFrame = (e) => { if (asked && e.detail.point === prefix) rta.draw(e.detail); };
  conn.addEventListener("rta", onFrame);
  document.addEventListener("visibilitychange", update);
  binder.onRelease(() => {
    observer.disconnect();
    conn.removeEventListener("rta", onFrame);
    document.removeEventListener("visibilitychange", update);
    if (asked) conn.rta(null, 3, owner).catch(() => {});
    asked = false;
  });

  // -- the howls: this mix's feedback problems, each with its notch --------------------------------------
  const showHowls = () => {
    const problems = (conn.diagnostics ? conn.diagnostics.problems : [])
      .filter((p) => p.code === "feedback" && p.address === prefix);
    const on = Boolean(conn.get(`${prefix}/ringout`));
    status.textContent = on
      ? `Ringing out ${mixName()}: raise its level until the wedge rings; each howl is listed below with its notch.`
      : "Switch Ring out on, then raise the mix until it rings: every howl is named with the notch that stops it.";
    status.classList.toggle("on", on);
    howls.replaceChildren(...(problems.length ? problems.map((p) => howlLine(ctx, p))
      : [el("li", { class: "howl none" }, on ? "No feedback found yet." : "None.")]));
  };
  conn.addEventListener("diagnostics", showHowls);
  binder.onRelease(() => conn.removeEventListener("diagnostics", showHowls));
  binder.watch(`${prefix}/ringout`, () => { showHowls(); update(); });
  return section;
}

/** One howl: its frequency and level, and the Notch that writes the finder's changes as one undo step. */
function howlLine(ctx, problem) {
  const { freq, level_db: level, notch } = problem.details || {};
  const what = `${formatHz(freq)} at ${dbfs(level)}`;
  const button = el("button", { type: "button", class: "btn primary notch", disabled: !notch,
    "aria-label": `Notch ${what}`, title: problem.fix || "" }, "Notch");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await ctx.conn.write(notch, { drag: false }); // one batch: one undo step
      toast(`Notched ${formatHz(freq)}: Undo takes it back`, "ok");
    } catch (exc) {
      toast(describeError(exc), "error");
      button.disabled = false;
    }
  });
  return el("li", { class: "howl", dataset: { freq: String(freq) } },
    el("span", { class: "howl-freq" }, formatHz(freq)), el("span", { class: "howl-level" }, dbfs(level)),
    el("span", { class: "howl-fix" }, notch ? problem.fix : "every EQ band is in use: pull the mix down"), button);
}

/** The RTA: bars of the bands' levels and a tick at each band's peak, on a canvas drawn at most once a frame;
 *  the loudest band in words beside it. `data-frames` counts the frames drawn. */
function rtaView(prefix) {
  const canvas = el("canvas", { class: "rta-canvas", role: "img", "aria-label": `RTA of ${prefix}`, width: 640, height: 180 });
  const loudest = el("p", { class: "rta-loudest" }, "Waiting for the spectrum…");
  const root = el("div", { class: "rta", hidden: true, dataset: { frames: "0" } }, canvas, loudest);
  let latest = null;
  let pending = false;
  let frames = 0;
  const paint = () => {
    pending = false;
    if (!latest || !canvas.isConnected) return;
    const { centres, levels, peaks } = latest;
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(200, canvas.clientWidth), h = Math.max(100, canvas.clientHeight);
    if (canvas.width !== Math.round(w * ratio)) { canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio); }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    const axis = 18; // the frequency labels under the bars
    const y = (db) => (h - axis) * (1 - (Math.min(TOP, Math.max(FLOOR, db)) - FLOOR) / (TOP - FLOOR));
    g.strokeStyle = "rgba(148, 163, 184, 0.25)";
    g.fillStyle = "rgba(148, 163, 184, 0.8)";
    g.font = "11px system-ui, sans-serif";
    for (const db of [-60, -40, -20]) {
      g.beginPath(); g.moveTo(0, y(db)); g.lineTo(w, y(db)); g.stroke();
      g.fillText(`${db}`, 2, y(db) - 2);
    }
    const n = centres.length;
    const bw = w / n;
    let top = 0;
    for (let i = 0; i < n; i++) {
      if (levels[i] > levels[top]) top = i;
      const x = i * bw;
      g.fillStyle = levels[i] > -10 ? "#ef4444" : levels[i] > -20 ? "#eab308" : "#22c55e";
      g.fillRect(x + 1, y(levels[i]), Math.max(1, bw - 2), h - axis - y(levels[i]));
      g.fillStyle = "#f8fafc";
      g.fillRect(x + 1, y(peaks[i]) - 1, Math.max(1, bw - 2), 2);
      if ([31.5, 63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000].some((f) => Math.abs(centres[i] / f - 1) < 0.03)) {
        g.fillStyle = "rgba(148, 163, 184, 0.9)";
        const label = bandName(centres[i]).replace(" kHz", "k").replace(" Hz", "");
        g.fillText(label, x, h - 4);
      }
    }
    loudest.textContent = levels[top] > FLOOR ? `Loudest: ${bandName(centres[top])} at ${dbfs(levels[top])}`
      : "Silent";
    frames += 1;
    root.dataset.frames = String(frames);
  };
  return {
    root,
    draw(frame) {
      latest = frame;
      if (!pending) { pending = true; requestAnimationFrame(paint); }
    },
    clear() {
      latest = null;
      loudest.textContent = "Waiting for the spectrum…";
      canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    },
  };
}
