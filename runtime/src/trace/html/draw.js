// 6. Drawing. The view maps time to x: x = (t - view.t0) * view.scale (pixels per ns);
//    rows scroll vertically by view.y pixels. Only what is on screen is drawn, and slices
//    narrower than a pixel are merged, so a frame costs about one rectangle per pixel.
// ---------------------------------------------------------------------------------------
const ROW_H = 22, AXIS_H = 20;
const COLORS = { task: "#8e44ad", io: "#16a085", timer: "#d35400", thread: "#7f8c8d" };
const view = { t0: 0, scale: 1, y: 0, width: 1, height: 1 };
const canvas = document.getElementById("cv");
const ctx = canvas.getContext("2d");
const plot = document.getElementById("plot");
const labelsInner = document.getElementById("labels-inner");
let current = 0;           // the step shown
let drawQueued = false;

function fit() {
  const start = N ? TIME[0] : 0, end = N ? TIME[N - 1] : 1;
  const span = Math.max(end - start, 1000);
  view.scale = (view.width - 20) / span;
  view.t0 = start - 10 / view.scale;
  requestDraw();
}

function resize() {
  const dpr = window.devicePixelRatio || 1;
  view.width = plot.clientWidth; view.height = plot.clientHeight;
  canvas.width = view.width * dpr; canvas.height = view.height * dpr;
  canvas.style.width = view.width + "px"; canvas.style.height = view.height + "px";
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  requestDraw();
}

function requestDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => { drawQueued = false; draw(); });
}

const xOf = (t) => (t - view.t0) * view.scale;
const tOf = (x) => view.t0 + x / view.scale;
const yOf = (row) => AXIS_H + row * ROW_H - view.y;

/** First index in `list` (sorted, non-overlapping) whose end is at or after t. */
function firstEndingAfter(list, t) {
  let lo = 0, hi = list.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid].e < t) lo = mid + 1; else hi = mid; }
  return lo;
}

function draw() {
  const W = view.width, H = view.height;
  ctx.clearRect(0, 0, W, H);
  const tStart = tOf(0), tEnd = tOf(W);
  const first = Math.max(0, Math.floor(view.y / ROW_H)), last = Math.min(ROWS.length - 1, Math.ceil((view.y + H) / ROW_H));
  const curRow = N ? EVENT_ROW[current] : -1;
  for (let r = first; r <= last; r++) {
    const y = yOf(r);
    ctx.fillStyle = r === curRow ? "#fdebd0" : r % 2 ? "#f4f5f7" : "#fff";
    ctx.fillRect(0, y, W, ROW_H);
    if (r === 0) drawParks(y, tStart, tEnd); else drawRow(ROWS[r], y, tStart, tEnd);
  }
  drawArrows(tStart, tEnd);
  drawAxis(tStart, tEnd);
  drawCurrent();
}

function drawParks(y, tStart, tEnd) {
  ctx.fillStyle = "#ddd";
  let lastX = -1;
  for (let i = firstEndingAfter(PARKS, tStart); i < PARKS.length && PARKS[i].s <= tEnd; i++) {
    const x0 = Math.max(xOf(PARKS[i].s), -1), x1 = Math.min(xOf(PARKS[i].e), view.width + 1);
    if (x1 <= lastX) continue;
    ctx.fillRect(Math.max(x0, lastX), y + 4, Math.max(x1 - Math.max(x0, lastX), 1), ROW_H - 8);
    lastX = x1;
  }
}

function drawRow(row, y, tStart, tEnd) {
  const mid = y + ROW_H / 2;
  // Waiting (dashed) and queued (orange) between polls: one path for all the dashes.
  ctx.lineWidth = 1; ctx.fillStyle = "#e09a22"; ctx.beginPath();
  for (let i = firstEndingAfter(row.segs, tStart); i < row.segs.length && row.segs[i].s <= tEnd; i++) {
    const g = row.segs[i];
    const x0 = Math.max(xOf(g.s), -2), x1 = Math.min(xOf(g.e), view.width + 2);
    if (x1 - x0 < 1) continue;
    if (g.q) ctx.fillRect(x0, mid - 1.5, x1 - x0, 3);
    else { ctx.moveTo(x0, mid + 0.5); ctx.lineTo(x1, mid + 0.5); }
  }
  ctx.strokeStyle = "#aaa"; ctx.setLineDash([3, 3]); ctx.stroke(); ctx.setLineDash([]);
  // Phase spans: bands below the middle, nested ones lower. Their names are drawn after
  // the poll slices (below), so that no slice hides them.
  const names = [];
  for (const sp of row.spans) {
    if (sp.s > tEnd) break;
    if (sp.e < tStart) continue;
    const x0 = Math.max(xOf(sp.s), -2), x1 = Math.min(xOf(sp.e), view.width + 2);
    const by = y + ROW_H - 7 - sp.depth * 3;
    ctx.fillStyle = spanColor(sp.name);
    ctx.fillRect(x0, by, Math.max(x1 - x0, 1), 6);
    if (x1 - x0 > 60) names.push([sp.name, Math.max(x0, 0) + 3, x1 - Math.max(x0, 0) - 6]);
  }
  // Poll slices, merged when narrower than a pixel.
  const slices = row.slices;
  ctx.fillStyle = row.kind === "child" ? "#6d9fdc" : "#3d6fb6";
  let runX0 = 0, runX1 = -Infinity;
  const flush = () => { if (runX1 > -Infinity) ctx.fillRect(runX0, y + 3, Math.max(runX1 - runX0, 1.5), ROW_H - 12); };
  for (let i = firstEndingAfter(slices, tStart); i < slices.length && slices[i].s <= tEnd; i++) {
    const sl = slices[i];
    const x0 = xOf(sl.s), x1 = xOf(sl.e);
    if (x0 <= runX1 + 1) { runX1 = Math.max(runX1, x1); continue; }
    flush(); runX0 = x0; runX1 = x1;
    if (sl.result === 2) { ctx.fillStyle = "#c0392b"; ctx.fillRect(x0, y + 3, Math.max(x1 - x0, 2), ROW_H - 12);
      ctx.fillStyle = row.kind === "child" ? "#6d9fdc" : "#3d6fb6"; }
  }
  flush();
  // The phases' names, each where no earlier name on this row is still written.
  ctx.fillStyle = "#4a5a40"; ctx.font = "10px system-ui, sans-serif";
  let freeFrom = -Infinity;
  for (const [name, x, width] of names) {
    if (x < freeFrom) continue; // a nested phase under its parent's name: the band shows it
    ctx.fillText(name, x, y + 9, width);
    freeFrom = x + Math.min(width, ctx.measureText(name).width) + 6;
  }
}

const spanColors = new Map();
/** A soft colour per phase name, stable within the page. */
function spanColor(name) {
  if (!spanColors.has(name)) {
    let h = 0;
    for (const ch of String(name)) h = (h * 31 + ch.charCodeAt(0)) % 360;
    spanColors.set(name, "hsla(" + ((h * 7) % 360) + ",45%,62%,0.55)");
  }
  return spanColors.get(name);
}

/** Wake arrows: from the waker (a task's row, or the reactor's for io, timers and other
 *  threads) to the woken row's next poll. Too many on screen and none are drawn. */
function drawArrows(tStart, tEnd) {
  const H = view.height;
  const visible = [];
  for (const a of ARROWS) {
    const t1 = a.t1 < 0 ? a.t0 : a.t1;
    if (t1 < tStart || a.t0 > tEnd) continue;
    const y0 = yOf(a.r0) + ROW_H / 2, y1 = yOf(a.r1) + ROW_H / 2;
    if ((y0 < 0 && y1 < 0) || (y0 > H && y1 > H)) continue;
    visible.push(a);
    if (visible.length > 1500) break;
  }
  if (visible.length > 1500) return;
  ctx.lineWidth = 1.2;
  for (const a of visible) {
    const x0 = xOf(a.t0), x1 = xOf(a.t1 < 0 ? a.t0 : a.t1);
    const y0 = yOf(a.r0) + ROW_H / 2, y1 = yOf(a.r1) + ROW_H / 2 + (a.r1 > a.r0 ? -5 : 5);
    ctx.strokeStyle = ctx.fillStyle = COLORS[a.kind];
    ctx.globalAlpha = a.k === current ? 1 : 0.6;
    ctx.beginPath(); ctx.arc(x0, y0, 2.2, 0, 7); ctx.fill();
    if (a.r0 === a.r1 && x1 - x0 < 3) continue;
    ctx.beginPath(); ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(x0 + Math.min(30, (x1 - x0) / 2 + 4), y0, x1 - 12, y1, x1, y1); ctx.stroke();
    const dir = y1 > y0 ? 1 : -1;  // arrowhead pointing at the poll
    ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x1 - 5, y1 - 4 * dir); ctx.lineTo(x1 + 1, y1 - 6 * dir); ctx.fill();
  }
  ctx.globalAlpha = 1;
}

/** A time ruler with "nice" steps: 1, 2 or 5 times a power of ten. */
function drawAxis(tStart, tEnd) {
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, view.width, AXIS_H);
  ctx.strokeStyle = "#ccc"; ctx.beginPath(); ctx.moveTo(0, AXIS_H - 0.5); ctx.lineTo(view.width, AXIS_H - 0.5); ctx.stroke();
  const want = (tEnd - tStart) / Math.max(view.width / 110, 1);
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(want, 1))));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= want);
  ctx.fillStyle = "#666"; ctx.font = "11px system-ui, sans-serif";
  for (let t = Math.ceil(tStart / step) * step; t <= tEnd; t += step) {
    const x = Math.round(xOf(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(x, AXIS_H - 5); ctx.lineTo(x, AXIS_H); ctx.stroke();
    const text = (t / 1e6).toFixed(Math.max(0, -Math.floor(Math.log10(step / 1e6)))) + " ms";
    ctx.fillText(text, x + 3, 13);
  }
}

/** The current step: a red line at its time, its slice outlined. */
function drawCurrent() {
  if (!N) return;
  const x = Math.round(xOf(TIME[current])) + 0.5;
  ctx.strokeStyle = "#c0392b"; ctx.lineWidth = 1.5;
  ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, view.height); ctx.stroke();
  const row = ROWS[EVENT_ROW[current]], sl = row && sliceAt(row, TIME[current]);
  if (sl) {
    const y = yOf(EVENT_ROW[current]);
    ctx.strokeRect(xOf(sl.s) - 1, y + 2, Math.max(xOf(sl.e) - xOf(sl.s), 1) + 2, ROW_H - 10);
  }
  ctx.lineWidth = 1;
}

/** The slice of `row` under time t (within `slack` ns), if any. */
function sliceAt(row, t, slack = 0) {
  const i = firstEndingAfter(row.slices, t - slack);
  const sl = row.slices[i];
  return sl && sl.s <= t + slack ? sl : null;
}

// ---------------------------------------------------------------------------------------
