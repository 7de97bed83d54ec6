// 7. The panels: what the loop holds after the current event.
// ---------------------------------------------------------------------------------------
const $ = (id) => document.getElementById(id);

/** Makes list `id` one div per text. A step changes one or two entries, so only the
 *  middle part between the unchanged start and end is rewritten: long lists stay cheap.
 *  An empty list shows its data-none text from CSS, so the list has exactly one child
 *  element per entry. */
const shownTexts = new Map();  // list id -> the texts it shows
function fillList(id, texts) {
  const el = $(id), old = shownTexts.get(id) || [];
  let a = 0, b = 0;
  while (a < old.length && a < texts.length && old[a] === texts[a]) a++;
  while (b < old.length - a && b < texts.length - a && old[old.length - 1 - b] === texts[texts.length - 1 - b]) b++;
  const oldMid = old.length - a - b, newMid = texts.length - a - b;
  // Walk the divs from the first changed one (indexing el.children after each removal
  // would cost a walk from the start every time).
  let node = el.children[a] || null;
  for (let i = 0; i < Math.min(oldMid, newMid); i++) { node.textContent = texts[a + i]; node = node.nextElementSibling; }
  for (let i = newMid; i < oldMid; i++) { const next = node.nextElementSibling; node.remove(); node = next; }
  for (let i = oldMid; i < newMid; i++) {
    const div = document.createElement("div"); div.textContent = texts[a + i]; el.insertBefore(div, node);
  }
  shownTexts.set(id, texts);
}

function showPanels() {
  if (!N) return;
  const s = liveStateAt(current);
  $("step").textContent = String(current);
  $("line").textContent = lineText(current);
  $("line-before").textContent = current > 0 ? lineText(current - 1) : " ";
  $("line-after").textContent = current < N - 1 ? lineText(current + 1) : " ";
  const p = s.polling;
  $("polling").textContent = p ? ownerLabel(p.task, childNow(s, p.task)) : "";
  $("polling-detail").textContent = !p ? "" : (p.stack.length ? "a child, inside " : "") +
    taskLabel(p.task) + "'s poll #" + POLL_NO[p.since] + ", since " + ms(TIME[p.since]);
  fillList("run-queue", s.queue.map((t) => taskLabel(t)));
  // An entry's text is kept on the entry (entries are never changed, only replaced).
  fillList("interests", sortedInterests(s).map((i) => i.text || (i.text =
    "token " + tokenText(i.token) + " " + i.dir + " → " + (i.task === null ? "nobody" : ownerLabel(i.task, i.child)))));
  fillList("timers", sortedTimers(s).map((t) => t.text || (t.text =
    "timer#" + t.timer + " at " + ms(t.deadline) + " → " + (t.task === null ? "nobody" : ownerLabel(t.task, t.child)))));
  fillList("blocking", s.blocking.map((b) => ownerLabel(b.task, b.child) + ": " + b.wait));
  markRows(EVENT_ROW[current], s.queue);
}

/** Row labels: the current event's row in bold, a mark after each queued task. Only the
 *  rows whose marks change are touched. */
let markedRow = -1, markedQueue = new Set();
function markRows(row, queue) {
  const labels = labelsInner.children;
  if (row !== markedRow) {
    if (labels[markedRow]) labels[markedRow].classList.remove("cur");
    if (labels[row]) labels[row].classList.add("cur");
    markedRow = row;
  }
  const queued = new Set(queue.map((t) => taskRow.get(t)));
  for (const r of markedQueue) if (!queued.has(r) && labels[r]) labels[r].classList.remove("queued");
  for (const r of queued) if (!markedQueue.has(r) && labels[r]) labels[r].classList.add("queued");
  markedQueue = queued;
}

// ---------------------------------------------------------------------------------------
// 8. Controls: stepping, playing, jumping to a time, zoom, pan, hover.
// ---------------------------------------------------------------------------------------
/** Shows step k: panels now, the canvas on the next frame; keeps the step in view. */
function goTo(k) {
  if (!N) return;
  current = Math.max(0, Math.min(N - 1, k));
  showPanels();
  const x = xOf(TIME[current]);
  if (x < 0 || x > view.width) view.t0 = TIME[current] - view.width / 2 / view.scale;
  const y = yOf(EVENT_ROW[current]);
  if (y < AXIS_H || y > view.height - ROW_H) scrollTo(EVENT_ROW[current] * ROW_H - view.height / 3);
  requestDraw();
}

function scrollTo(y) {
  view.y = Math.max(0, Math.min(y, ROWS.length * ROW_H + AXIS_H - view.height));
  labelsInner.style.transform = "translateY(" + (AXIS_H - view.y) + "px)";
  requestDraw();
}

let timer = null;
function setPlaying(on) {
  clearInterval(timer); timer = null;
  if (on) {
    if (current >= N - 1 && N > 0) goTo(0); // at the end, play starts again from the start
    const speed = Number($("speed").value);
    // Above 60 steps a second, take several steps per tick.
    const per = Math.max(1, Math.round(speed / 60)), every = 1000 / (speed / per);
    timer = setInterval(() => { if (current >= N - 1) setPlaying(false); else goTo(current + per); }, every);
  }
  $("play").textContent = on ? "❚❚ pause" : "▶ play";
}

/** The last event at or before `ms` milliseconds. */
function stepAtTime(msValue) {
  const t = msValue * 1e6;
  let lo = 0, hi = N;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (TIME[mid] <= t) lo = mid + 1; else hi = mid; }
  return Math.max(0, lo - 1);
}

function zoomAt(x, factor) {
  const t = tOf(x);
  view.scale = Math.min(Math.max(view.scale * factor, 1e-9), 50);
  view.t0 = t - x / view.scale;
  requestDraw();
}

function setupControls() {
  $("next").onclick = () => goTo(current + 1);
  $("prev").onclick = () => goTo(current - 1);
  $("play").onclick = () => setPlaying(timer === null);
  $("speed").onchange = () => { if (timer !== null) setPlaying(true); };
  const jump = () => { const v = parseFloat($("time-in").value); if (!isNaN(v)) goTo(stepAtTime(v)); };
  $("go").onclick = jump;
  $("time-in").onkeydown = (ev) => { if (ev.key === "Enter") jump(); };
  $("zoom-in").onclick = () => zoomAt(view.width / 2, 2);
  $("zoom-out").onclick = () => zoomAt(view.width / 2, 0.5);
  $("fit").onclick = fit;
  document.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "INPUT" || ev.target.tagName === "SELECT") return;
    if (ev.key === "ArrowRight") { goTo(current + 1); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft") { goTo(current - 1); ev.preventDefault(); }
    else if (ev.key === "Home") goTo(0);
    else if (ev.key === "End") goTo(N - 1);
    else if (ev.key === " ") { setPlaying(timer === null); ev.preventDefault(); }
  });
  // The wheel zooms around the pointer; over the labels it scrolls the rows.
  plot.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    if (ev.shiftKey) scrollTo(view.y + ev.deltaY);
    else zoomAt(ev.offsetX, Math.exp(-ev.deltaY * 0.002));
  }, { passive: false });
  $("labels").addEventListener("wheel", (ev) => { ev.preventDefault(); scrollTo(view.y + ev.deltaY); }, { passive: false });
  // Drag pans; a click without a drag steps to the event under the pointer.
  let drag = null;
  plot.addEventListener("mousedown", (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, t0: view.t0, vy: view.y, moved: false };
    plot.classList.add("dragging");
  });
  window.addEventListener("mousemove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.t0 = drag.t0 - dx / view.scale;
    scrollTo(drag.vy - dy);
  });
  window.addEventListener("mouseup", (ev) => {
    if (drag && !drag.moved) {
      const hit = hitTest(ev.offsetX, ev.offsetY);
      if (hit) goTo(hit.k);
    }
    drag = null; plot.classList.remove("dragging");
  });
  plot.addEventListener("mousemove", (ev) => { if (!drag) showTip(ev.offsetX, ev.offsetY); });
  plot.addEventListener("mouseleave", () => { $("tip").style.display = "none"; });
  window.addEventListener("resize", resize);
}

/** What is under the pointer: a poll slice, else a phase span, else a park. */
function hitTest(x, y) {
  const r = Math.floor((y - AXIS_H + view.y) / ROW_H);
  if (y < AXIS_H || r < 0 || r >= ROWS.length) return null;
  const t = tOf(x), slack = 3 / view.scale, row = ROWS[r];
  if (r === 0) {
    const i = firstEndingAfter(PARKS, t - slack), p = PARKS[i];
    return p && p.s <= t + slack ? { k: p.k, text: "reactor parked " + ms(p.e - p.s) + "\nfrom " + ms(p.s) + " to " + ms(p.e) } : null;
  }
  const sl = sliceAt(row, t, slack);
  if (sl) {
    const result = sl.result < 0 ? "still running" : RESULTS[sl.result];
    return { k: sl.k, text: row.label + "  poll #" + sl.no + "\n" + ms(sl.s) + " → " + ms(sl.e) +
      "  (" + ((sl.e - sl.s) / 1000).toFixed(1) + " µs)\n" + result + (sl.wait ? " on " + sl.wait : "") };
  }
  for (const sp of row.spans) {
    if (sp.s <= t + slack && sp.e >= t - slack) {
      return { k: sp.k, text: row.label + "  phase \"" + sp.name + "\"\n" + ms(sp.s) + " → " + ms(sp.e) +
        "  (" + ms(sp.e - sp.s) + ")" + (sp.cancelled ? "\ndropped before it finished" : "") };
    }
  }
  return null;
}

function showTip(x, y) {
  const tip = $("tip"), hit = hitTest(x, y);
  if (!hit) { tip.style.display = "none"; return; }
  tip.textContent = hit.text + "\nstep " + hit.k + " (click to go there)";
  tip.style.display = "block";
  tip.style.left = Math.min(x + 14, view.width - tip.offsetWidth - 4) + "px";
  tip.style.top = Math.min(y + 14, view.height - tip.offsetHeight - 4) + "px";
}

function buildLabels() {
  const frag = document.createDocumentFragment();
  for (const row of ROWS) {
    const div = document.createElement("div");
    div.className = "row " + row.kind;
    div.textContent = row.label;
    div.title = row.label;
    if (row.kind !== "loop") div.dataset.testid = "row";
    frag.append(div);
  }
  labelsInner.replaceChildren(frag);
  labelsInner.style.transform = "translateY(" + AXIS_H + "px)";
}

// ---------------------------------------------------------------------------------------
// Start: compute everything once, then show step 0.
// ---------------------------------------------------------------------------------------
// How long each part of the start took, in ms (window.tinyloop.timings).
const timings = { parse: PARSE_MS };
const timed = (name, fn) => { const t0 = performance.now(); fn(); timings[name] = performance.now() - t0; };
timed("rows", buildRows);
timed("waterfall", buildWaterfall);
timed("checkpoints", buildCheckpoints);
timed("labels", buildLabels);
document.title = "tinyloop: " + (DATA.title || "trace");
$("title").textContent = DATA.title || "tinyloop trace";
$("meta").textContent = N + " events, " + (DATA.clock === "virtual" ? "virtual clock" : "real clock") +
  (N ? ", " + ms(TIME[N - 1] - TIME[0]) : "");
$("of").textContent = " / " + Math.max(N - 1, 0);
setupControls();
resize();
fit();
timed("first step", () => goTo(0));
window.tinyloop = { steps: N, state: plainState, step: () => current, goTo, lineText, draw, timings, ready: 0 };
requestAnimationFrame(() => { window.tinyloop.ready = performance.now(); });
