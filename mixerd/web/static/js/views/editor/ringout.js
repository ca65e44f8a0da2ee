// The ring-out section of a mix (bus/B) or the main: the big Ring out switch ({owner}/ringout), the live RTA of
// the mix as it leaves (rta.js: bars with peak-hold ticks, the loudest band, 1/3 or 1/6 octave, Full screen), the
// howls the feedback finder names on this mix (its `feedback` problems: frequency, level) each with a one-tap Notch
// that writes the finder's `details.notch` as one batch (one undo step), and the mixer-wide switches: auto notch
// (feedback/auto) and watch every mix (feedback/watch).
//
// The RTA is asked for only while the card is on screen, the page is shown and ring-out or the RTA switch is on;
// otherwise it is stopped, so the mixer analyses nothing nobody looks at.

import { describeError } from "../../api.js";
import { el, formatHz } from "../../dom.js";
import { paramToggle } from "../../controls.js";
import { Toggle } from "../../fader.js";
import { dbfs, pointName, rtaPanel } from "../../rta.js";
import { toast } from "../../toast.js";
import { card } from "./card.js";

/** The ring-out card of `prefix` (bus/B or main). */
export function ringoutCard(ctx, binder, prefix) {
  const { conn } = ctx;
  const section = card("Ring out", "ringout");
  section.classList.add("wide", "ringout-card");
  const mixName = () => pointName(prefix, conn.values);

  const ring = paramToggle(ctx, binder, `${prefix}/ringout`, { label: "Ring out", text: "Ring out",
    className: "big ringout-switch" });
  const rtaSwitch = new Toggle({ label: "RTA: show the spectrum of this mix", text: "RTA", className: "rta-switch" });
  const status = el("p", { class: "ringout-status", role: "status" });
  const rta = rtaPanel(conn, prefix, { watch: section, label: `RTA of ${mixName()}` });
  const rtaBox = el("div", { class: "rta", hidden: true }, rta.canvas, rta.bar);
  const howls = el("ul", { class: "howls", "aria-label": "Feedback found on this mix" });
  const auto = paramToggle(ctx, binder, "feedback/auto", { label: "Auto notch", text: "Auto notch" });
  const watch = paramToggle(ctx, binder, "feedback/watch", { label: "Watch every mix", text: "Watch every mix" });
  section.querySelector(".card-head").append(el("div", { class: "row ringout-switches" }, ring.root, rtaSwitch.root));
  section.append(status, rtaBox, el("div", { class: "subhead" }, "Feedback found"), howls,
    el("div", { class: "ringout-auto" }, auto.root,
      el("p", { class: "ringout-note" }, "Auto notch: the mixer cuts each howl it finds by itself, at most one notch "
        + "a second per mix, each an undo step of its own (History shows them).")),
    el("div", { class: "ringout-auto" }, watch.root,
      el("p", { class: "ringout-note" }, "Watch every mix: listen to every monitor mix and the main all the time; "
        + "there only a peak that stays and grows counts as feedback.")));

  // -- the RTA: asked for only while it is looked at ----------------------------------------------------
  const update = () => {
    const wanted = Boolean(conn.get(`${prefix}/ringout`) || rtaSwitch.value);
    rtaBox.hidden = !wanted;
    rta.look.want(wanted);
  };
  rtaSwitch.onChange = update;
  binder.onRelease(rta.release);

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
