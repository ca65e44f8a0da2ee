// The RTA full screen (#/rta, #/rta/<meter point>), for the engineer and a viewer alike: the spectrum of any meter
// point filling the screen, the point picked by name (every point of the hello, with the strips' names), 1/3 or 1/6
// octave, peak hold with Reset peaks (asked again, the mixer starts its hold afresh), the loudest band in words.
// A pick changes the address in place (#/rta/bus/2: the view stays, the picker keeps the focus) and is kept in this
// browser for the next #/rta; the RTA stops as the view goes.

import { el } from "../dom.js";
import { capital, channelName } from "../names.js";
import { pointName, rtaPanel } from "../rta.js";

const POINT_KEY = "mixerd.rta.point";
const STAGES = ["input", "insert1", "inserts", "post"]; // a channel's points in signal order

export function mount(root, ctx, { point: asked }) {
  const { conn } = ctx;
  const points = conn.meterPoints.map((p) => p.name);
  let stored = null;
  try { stored = localStorage.getItem(POINT_KEY); } catch { /* storage off */ }
  let point = [asked, stored, "main", points[0]].find((p) => p && points.includes(p));
  if (!point) {
    root.append(el("p", { class: "empty" }, "This mixer has no meter points to analyse."));
    return () => {};
  }
  const label = () => `RTA of ${pointName(point, conn.values)}`;
  if (asked && asked !== point) {
    ctx.toast(`The mixer has no meter point ${asked}: showing ${pointName(point, conn.values)}`, "info");
  }

  const picker = pointPicker(points, conn.values);
  picker.value = point;
  const rta = rtaPanel(conn, point, { link: false, label: label() });
  const reset = el("button", { type: "button", class: "btn rta-reset", title: "Start the peak hold afresh" },
    "Reset peaks");
  let resets = 0;
  reset.addEventListener("click", () => rta.look.restart().then((done) => {
    if (done) rta.canvas.dataset.resets = String(++resets);
  }));

  const pick = (next) => {
    point = next;
    picker.value = next;
    rta.canvas.setAttribute("aria-label", label());
    rta.look.setPoint(next);
    try { localStorage.setItem(POINT_KEY, next); } catch { /* for this page only */ }
  };
  picker.addEventListener("change", () => {
    pick(picker.value);
    history.replaceState(null, "", `#/rta/${point}`);
  });
  // Another #/rta/<point> while shown (typed, or back to where a pick replaced it): the app keeps this view.
  const follow = () => {
    const match = /^#\/rta\/([^?]+)/.exec(location.hash);
    if (match && match[1] !== point && points.includes(match[1])) pick(match[1]);
  };
  window.addEventListener("hashchange", follow);

  const view = el("section", { class: "rta-view", "aria-label": "RTA" },
    el("header", { class: "rta-head" }, el("h1", {}, "RTA"), picker, rta.choice, reset), rta.canvas, rta.readout);
  root.append(view);
  rta.look.observe(view);
  rta.look.want(true);
  return () => {
    window.removeEventListener("hashchange", follow);
    rta.release();
  };
}

/** The meter points by name: the main and the solo bus, the mixes and buses, then each channel's in signal order. */
function pointPicker(points, values) {
  const groups = new Map([["main", ["Main and solo", []]], ["bus", ["Mixes and buses", []]]]);
  for (const p of points) {
    const ch = /^ch\/(\d+)\//.exec(p);
    const key = ch ? ch[0] : p.startsWith("bus/") ? "bus" : "main";
    if (!groups.has(key)) groups.set(key, [channelName(values, Number(ch[1])), []]);
    groups.get(key)[1].push(p);
  }
  const stage = (p) => STAGES.indexOf(p.slice(p.lastIndexOf("/") + 1));
  return el("select", { class: "rta-picker", "aria-label": "Meter point" }, ...[...groups.values()]
    .filter(([, members]) => members.length)
    .map(([label, members]) => el("optgroup", { label }, ...members.sort((a, b) => stage(a) - stage(b))
      .map((p) => el("option", { value: p }, capital(pointName(p, values)))))));
}
