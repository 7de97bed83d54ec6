// 3. The waterfall, computed once: rows, poll slices, waiting/queued segments, phase
//    spans, reactor parks and wake arrows. Drawing only reads these arrays.
// ---------------------------------------------------------------------------------------
const ROWS = [];              // {label, kind: "loop"|"task"|"child", task, key, slices, segs, spans}
const taskRow = new Map();    // task -> row index
const childRow = new Map();   // childKey -> row index

function newRow(kind, label, task, key) {
  ROWS.push({ kind, label, task, key, slices: [], segs: [], spans: [], depth: 0 });
  return ROWS.length - 1;
}

/** Rows: the reactor, then each task in id order followed by its children (nested ones
 *  after the child they run in). */
function buildRows() {
  newRow("loop", "reactor", -1, null);
  const tasks = new Set([0]);
  for (const e of EVENTS) {
    if (e[0] === "sp" || e[0] === "ps") tasks.add(e[2]);
  }
  const childrenOf = new Map(); // parent ("t<task>" or childKey) -> [group...]
  for (const [group, g] of groups) {
    const parent = g.parent || "t" + g.task;
    if (!childrenOf.has(parent)) childrenOf.set(parent, []);
    childrenOf.get(parent).push(group);
  }
  const addChildren = (task, parent) => {
    for (const group of (childrenOf.get(parent) || []).sort((a, b) => a - b)) {
      for (let i = 0; i < groups.get(group).count; i++) {
        const key = childKey(group, i);
        childRow.set(key, newRow("child", childLabel(task, key), task, key));
        addChildren(task, key);
      }
    }
  };
  for (const task of [...tasks].sort((a, b) => a - b)) {
    taskRow.set(task, newRow("task", taskLabel(task), task, null));
    addChildren(task, "t" + task);
  }
}

/** The row of a task, or of its child (group >= 0). Unknown children get a row late. */
function rowOf(task, group, index) {
  if (group >= 0) {
    const key = childKey(group, index);
    if (!childRow.has(key)) childRow.set(key, newRow("child", childLabel(task, key), task, key));
    return childRow.get(key);
  }
  if (!taskRow.has(task)) taskRow.set(task, newRow("task", taskLabel(task), task, null));
  return taskRow.get(task);
}

// Per event: the row it belongs to (for the highlight), and a poll's number.
const EVENT_ROW = new Int32Array(N);
const POLL_NO = new Int32Array(N);
// Per event whose cause is a task: the row that called the waker (the task, or the
// child it was polling then): the terminal says `by main › hero 2`.
const CAUSE_ROW = new Map();
const ARROWS = [];   // {t0, r0, t1, r1, kind, k}: a wake at t0 from row r0 to the poll at t1
const PARKS = [];    // {s, e, k}: the reactor parked from s to e

function buildWaterfall() {
  const openPoll = new Map();      // row -> index of the slice being polled
  const pendingSince = new Map();  // row -> time its last poll returned Pending
  const wokenAt = new Map();       // row -> time it was woken (queued)
  const arrowTo = new Map();       // row -> arrows waiting for the row's next poll
  const openSpans = new Map();     // span id -> span
  const polls = new Map();         // row -> polls so far
  const innerChild = new Map();    // task -> stack of child rows being polled
  let parkedAt = -1, parkK = -1;

  const startPoll = (row, k) => {
    const t = TIME[k], r = ROWS[row];
    if (wokenAt.has(row)) {
      if (pendingSince.has(row)) r.segs.push({ s: pendingSince.get(row), e: wokenAt.get(row), q: false });
      r.segs.push({ s: wokenAt.get(row), e: t, q: true });
    } else if (pendingSince.has(row)) r.segs.push({ s: pendingSince.get(row), e: t, q: false });
    pendingSince.delete(row); wokenAt.delete(row);
    for (const a of arrowTo.get(row) || []) a.t1 = t;
    arrowTo.delete(row);
    polls.set(row, (polls.get(row) || 0) + 1);
    POLL_NO[k] = polls.get(row);
    openPoll.set(row, r.slices.length);
    r.slices.push({ s: t, e: t, k, ke: k, result: -1, wait: null, no: POLL_NO[k] });
  };
  const endPoll = (row, k, result, wait) => {
    const i = openPoll.get(row);
    if (i === undefined) return;
    const sl = ROWS[row].slices[i];
    sl.e = TIME[k]; sl.ke = k; sl.result = result; sl.wait = wait;
    openPoll.delete(row);
    if (result === 1) pendingSince.set(row, TIME[k]);
  };
  /** A wake of `row` by `cause`: an arrow from the cause to the row's next poll. */
  const wake = (row, cause, k) => {
    const t = TIME[k];
    if (!wokenAt.has(row)) wokenAt.set(row, t);
    let kind = "thread", from = 0;
    if (cause[0] === "t") {
      const stack = innerChild.get(cause[1]);
      from = stack && stack.length ? stack[stack.length - 1] : rowOf(cause[1], -1);
      kind = "task";
      CAUSE_ROW.set(k, from);
    } else if (cause[0] === "io") kind = "io";
    else if (cause[0] === "tm") kind = "timer";
    const a = { t0: t, r0: from, t1: -1, r1: row, kind, k };
    ARROWS.push(a);
    if (!arrowTo.has(row)) arrowTo.set(row, []);
    arrowTo.get(row).push(a);
  };

  for (let k = 0; k < N; k++) {
    const e = EVENTS[k], code = e[0];
    let row = 0;
    switch (code) {
      case "sp": row = rowOf(e[2], -1); wokenAt.set(row, TIME[k]); break;
      case "ps": row = rowOf(e[2], -1); startPoll(row, k); innerChild.set(e[2], []); break;
      case "pe": row = rowOf(e[2], -1); endPoll(row, k, e[3], str(e[4])); break;
      case "cp": row = rowOf(e[2], e[3], e[4]); startPoll(row, k);
        (innerChild.get(e[2]) || []).push(row); break;
      case "ce": row = rowOf(e[2], e[3], e[4]); endPoll(row, k, e[5], str(e[6]));
        (innerChild.get(e[2]) || []).pop(); break;
      case "wk": {
        row = rowOf(e[2], -1);
        if (e[3][0] === "t") CAUSE_ROW.set(k, causeRowNow(e[3][1], innerChild));
        // A task's wake that only passes on its child's wake has the child's arrow.
        const prev = EVENTS[k - 1];
        if (!(prev && prev[0] === "cw" && prev[2] === e[2])) wake(row, e[3], k);
        else if (!wokenAt.has(row)) wokenAt.set(row, TIME[k]);
        break;
      }
      case "cw": row = rowOf(e[2], e[3], e[4]); wake(row, e[5], k); break;
      case "wi": case "ab": row = rowOf(e[2], -1);
        if (e[3][0] === "t") CAUSE_ROW.set(k, causeRowNow(e[3][1], innerChild)); break;
      case "rq": row = rowOf(e[2], -1); wokenAt.set(row, TIME[k]); break;
      case "fi": case "lw": row = rowOf(e[2], -1); pendingSince.delete(row); break;
      case "ch": row = e[4] >= 0 ? rowOf(e[2], e[4], e[5]) : rowOf(e[2], -1); break;
      case "cl": row = rowOf(e[2], e[3], e[4]); break;
      case "cf": row = rowOf(e[2], e[3], e[4]); pendingSince.delete(row); break;
      case "ss": {
        row = rowOf(e[2], e[3], e[4]);
        const r = ROWS[row];
        const depth = r.spans.filter((s) => s.e < 0).length;
        const span = { s: TIME[k], e: -1, name: str(e[6]), depth, k, cancelled: false };
        r.spans.push(span); r.depth = Math.max(r.depth, depth + 1);
        openSpans.set(e[5], span); break;
      }
      case "se": {
        row = rowOf(e[2], e[3], e[4]);
        const span = openSpans.get(e[5]);
        if (span) { span.e = TIME[k]; span.cancelled = e[6] === 1; openSpans.delete(e[5]); }
        break;
      }
      case "pk": parkedAt = TIME[k]; parkK = k; break;
      case "up": if (parkedAt >= 0) PARKS.push({ s: parkedAt, e: TIME[k], k: parkK }); parkedAt = -1; break;
      case "ta": row = e[4] >= 0 ? currentRow(e[4], innerChild) : 0; break;
      case "ir": row = e[4] >= 0 ? currentRow(e[4], innerChild) : 0; break;
      default: row = 0; // the reactor's own events: tf, cj, tc, ix, ...
    }
    EVENT_ROW[k] = row;
  }
  // Whatever is still open at the end lasts until the last event.
  const end = N ? TIME[N - 1] : 0;
  for (const r of ROWS) for (const s of r.spans) if (s.e < 0) s.e = end;
  if (parkedAt >= 0) PARKS.push({ s: parkedAt, e: end, k: parkK });
}

/** The row a task's code runs in now: its innermost child being polled, or the task. */
function currentRow(task, innerChild) {
  const stack = innerChild.get(task);
  return stack && stack.length ? stack[stack.length - 1] : rowOf(task, -1);
}
const causeRowNow = currentRow;

// ---------------------------------------------------------------------------------------
