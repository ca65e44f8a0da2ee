// The gain-staging assistant on a channel's flow: listen to the input, show what was heard and the trim that
// puts its peaks at the target, apply it (one undo step) and undo it right there.

import { api } from "../../api.js";
import { el, icon } from "../../dom.js";
import { ICONS } from "../../icons.js";
import { describeFailure, plainText } from "../../names.js";
import { db, dbfs } from "./format.js";

const LISTEN_S = 10;
const TARGET_DB = -18;

/** The gain-staging assistant for channel `n`: listen, show what it heard and proposes, apply it (one undo
 *  step, with an undo right there while nothing else has changed since). `cleanups` gets the abort of a
 *  listen under way. */
export function gainStaging(ctx, n, cleanups) {
  const intro = el("p", { class: "hint" }, `Listens to the input for ${LISTEN_S} s, then proposes the trim that puts `
    + `its peaks at ${TARGET_DB} dBFS.`);
  const listen = el("button", { type: "button", class: "btn primary" }, icon(ICONS.play), `Listen ${LISTEN_S} s`);
  const progress = el("div", { class: "gain-progress", hidden: true, style: { "--listen": `${LISTEN_S}s` } }, el("span", {}));
  const result = el("div", { class: "gain-result", "aria-live": "polite" });
  const card = el("section", { class: "card gain-staging", "aria-label": "Gain staging" },
    el("header", { class: "card-head" }, el("h3", {}, "Gain staging")), intro, el("div", { class: "row" }, listen),
    progress, result);
  let request = null;
  cleanups.push(() => request?.abort());

  listen.addEventListener("click", async () => {
    listen.disabled = true;
    listen.lastChild.textContent = "Listening…";
    progress.hidden = false;
    result.replaceChildren();
    request = new AbortController();
    try {
      const body = { channels: [n], listen_s: LISTEN_S, target_db: TARGET_DB, apply: false };
      const proposal = await api("POST", "gain-staging", body, { signal: request.signal });
      showProposal(ctx, proposal, result);
    } catch (exc) {
      if (exc.name === "AbortError") return;
      ctx.toast(describeFailure(exc, ctx.conn.values), "error");
    } finally {
      listen.disabled = false;
      listen.lastChild.textContent = `Listen again`;
      progress.hidden = true;
    }
  });
  return card;
}

/** What was heard and the proposed trim in `result`, with Apply when there is something to change. */
function showProposal(ctx, proposal, result) {
  const ch = proposal.channels[0];
  const facts = el("dl", { class: "gain-facts" },
    el("dt", {}, "Heard"), el("dd", {}, ch.input_peak_db === null ? "no signal"
      : `${dbfs(ch.input_peak_db)} peak before the trim`),
    el("dt", {}, "Trim"), el("dd", { class: "gain-trim" }, ch.proposed_trim_db === null ? `${db(ch.trim_db)} dB`
      : `${db(ch.trim_db)} → ${db(ch.proposed_trim_db)} dB`));
  const changes = proposal.changes;
  const apply = el("button", { type: "button", class: "btn primary" }, "Apply");
  apply.addEventListener("click", async () => {
    apply.disabled = true;
    try {
      const done = await ctx.conn.write(changes, { drag: false });
      result.replaceChildren(el("p", { class: "gain-message", dataset: { status: "applied" } },
        `Applied: trim ${db(changes[ch.address])} dB (one undo step).`), el("div", { class: "row" }, undoButton(ctx, done.seq, result)));
    } catch (exc) {
      apply.disabled = false;
      ctx.toast(describeFailure(exc, ctx.conn.values), "error");
    }
  });
  result.replaceChildren(facts, el("p", { class: "gain-message", dataset: { status: ch.status } },
    plainText(ch.message, ctx.conn.values)),
    Object.keys(changes).length ? el("div", { class: "row" }, apply) : null);
}

/** Undoes the applied trim (the change `seq`), unless other changes came after it. */
function undoButton(ctx, seq, result) {
  const undo = el("button", { type: "button", class: "btn" }, icon(ICONS.undo), "Undo");
  undo.addEventListener("click", async () => {
    undo.disabled = true;
    try {
      // The server's undo message says which of this device's changes its undo takes back: still this one?
      const status = ctx.conn.undo;
      if (!status || status.undo_seq !== seq || !status.can_undo) {
        ctx.toast("You changed something after it: undo from the console's history", "info");
        return;
      }
      await ctx.conn.step("undo");
      ctx.toast("Undone: the trim is back", "ok");
      result.replaceChildren();
    } catch (exc) {
      undo.disabled = false;
      ctx.toast(describeFailure(exc, ctx.conn.values), "error");
    }
  });
  return undo;
}
