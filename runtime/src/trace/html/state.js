// 4. The stepper's state, replayed from the events (the rules of the trace format):
//    - run queue: spawn, wake and requeue push a task at the back (once), except a wake
//      of the task being polled: that one goes back after its poll (requeue); a poll
//      start takes it out; a finish removes it.
//    - polling: between a task's poll start and end; the child between its poll start
//      and end (a stack: combinators nest).
//    - interests: "ir" stores a waker for (token, r|w) owned by the task/child polled;
//      the reactor's wake for that readiness takes it; "ix" drops the token's.
//    - timers: "ta" arms, "tf" (fired) and "tc" (cancelled) disarm.
//    - blocking jobs: a poll pending on "blocking job ..." starts one; a wake of its task
//      (or child), or the task's next poll, ends it.
//    Step k is the state after events 0..=k. Every CHECKPOINT steps a copy is kept, so
//    jumping anywhere replays at most CHECKPOINT events.
// ---------------------------------------------------------------------------------------
const CHECKPOINT = 512;

function emptyState() {
  return { polling: null, queue: [], interests: new Map(), timers: new Map(), blocking: [] };
}

function copyState(s) {
  return {
    polling: s.polling && { task: s.polling.task, since: s.polling.since, stack: s.polling.stack.slice() },
    queue: s.queue.slice(),
    interests: new Map(s.interests),
    timers: new Map(s.timers),
    blocking: s.blocking.slice(),
  };
}

/** The child being polled in `task` now, as "group.index", or null. */
function childNow(s, task) {
  if (!s.polling || s.polling.task !== task) return null;
  const st = s.polling.stack;
  return st.length ? st[st.length - 1] : null;
}

function enqueue(s, task) { if (!s.queue.includes(task)) s.queue.push(task); }
function dequeue(s, task) { const i = s.queue.indexOf(task); if (i >= 0) s.queue.splice(i, 1); }

/** The readiness flags that satisfy a waiting reader (r) or writer (w), as the reactor's
 *  Direction::ready_mask: an error or a closed half wakes it too. */
const READY_FOR = { r: ["readable", "read-closed", "error"], w: ["writable", "write-closed", "error"] };

/** A wake by the reactor for socket readiness took the woken task's waker(s). */
function takeInterest(s, cause, task) {
  if (cause[0] !== "io") return;
  const flags = String(cause[2]).split("|");
  for (const dir of ["r", "w"]) {
    const key = cause[1] + " " + dir, it = s.interests.get(key);
    if (it && READY_FOR[dir].some((f) => flags.includes(f)) && (it.task === task || it.task === null)) {
      s.interests.delete(key);
    }
  }
}

/** A wake of the task (key null) or of its child (key "group.index"), whatever its cause,
 *  ends the wait on a blocking job it was parked on: the job's thread woke it, or the task
 *  it awaited the job through finished. (A next poll that is still pending starts it again.) */
function endBlocking(s, task, key) {
  s.blocking = s.blocking.filter((b) => !(b.task === task && b.child === key));
}

function startBlocking(s, task, key, wait, k) {
  if (!wait || !wait.startsWith("blocking job")) return;
  const since = s.polling ? s.polling.since : k;
  // A task's Pending passes on the wait of the child it just polled: one job, not two.
  if (key === null && s.blocking.some((b) => b.task === task && b.wait === wait && b.k >= since)) return;
  s.blocking.push({ task, child: key, wait, k });
}

/** Applies event k to state s. */
function apply(s, k) {
  const e = EVENTS[k];
  switch (e[0]) {
    case "sp": enqueue(s, e[2]); break;
    case "ps": dequeue(s, e[2]); endBlocking(s, e[2], null);
      s.polling = { task: e[2], since: k, stack: [] }; break;
    case "pe": startBlocking(s, e[2], null, str(e[4]), k); s.polling = null; break;
    case "cp": if (s.polling && s.polling.task === e[2]) s.polling.stack.push(childKey(e[3], e[4])); break;
    case "ce": startBlocking(s, e[2], childKey(e[3], e[4]), str(e[6]), k);
      if (s.polling && s.polling.task === e[2]) s.polling.stack.pop(); break;
    case "wk": // a task woken during its own poll is queued after the poll ("rq")
      if (!(s.polling && s.polling.task === e[2])) enqueue(s, e[2]);
      takeInterest(s, e[3], e[2]); endBlocking(s, e[2], null); break;
    case "wi": takeInterest(s, e[3], e[2]); endBlocking(s, e[2], null); break;
    case "cw": takeInterest(s, e[5], e[2]); endBlocking(s, e[2], childKey(e[3], e[4])); break;
    case "rq": enqueue(s, e[2]); break;
    case "fi": dequeue(s, e[2]); break;
    case "ta": {
      const task = e[4] >= 0 ? e[4] : null;
      s.timers.set(e[2], { timer: e[2], deadline: e[3], task, child: task === null ? null : childNow(s, task) });
      break;
    }
    case "tf": case "tc": s.timers.delete(e[2]); break;
    case "ir": {
      const task = e[4] >= 0 ? e[4] : null;
      s.interests.set(e[2] + " " + e[3],
        { token: e[2], dir: e[3], task, child: task === null ? null : childNow(s, task) });
      break;
    }
    case "ix": s.interests.delete(e[2] + " r"); s.interests.delete(e[2] + " w"); break;
  }
}

const CHECKPOINTS = [];   // CHECKPOINTS[i] = state after events 0..i*CHECKPOINT-1

function buildCheckpoints() {
  let s = emptyState();
  for (let k = 0; k < N; k++) {
    if (k % CHECKPOINT === 0) CHECKPOINTS.push(copyState(s));
    apply(s, k);
  }
}

/** The state the panels show, kept up to date one event at a time while stepping
 *  forward; any other move starts again from a checkpoint. */
let live = null, liveK = -2;
function liveStateAt(k) {
  if (live && k >= liveK && k - liveK < CHECKPOINT) {
    for (let j = liveK + 1; j <= k; j++) apply(live, j);
  } else live = stateAt(k);
  liveK = k;
  return live;
}

/** The state after events 0..=k (k = -1: before any). */
function stateAt(k) {
  k = Math.min(k, N - 1); // past the last event: the state after it
  if (k < 0) return emptyState();
  const i = Math.floor(k / CHECKPOINT);
  const s = copyState(CHECKPOINTS[i]);
  for (let j = i * CHECKPOINT; j <= k; j++) apply(s, j);
  return s;
}

/** "group.index" as [group, index], for the plain-JSON view. */
function childPair(key) { return key === null ? null : key.split(".").map(Number); }

function sortedTimers(s) {
  return [...s.timers.values()].sort((a, b) => a.deadline - b.deadline || a.timer - b.timer);
}
function sortedInterests(s) {
  return [...s.interests.values()].sort((a, b) => a.token - b.token || (a.dir < b.dir ? -1 : 1));
}

/** The state as plain JSON, for tests: compare it with an oracle. */
function plainState(k) {
  const s = stateAt(k);
  return {
    polling: s.polling && [s.polling.task, childPair(childNow(s, s.polling.task))],
    queue: s.queue.slice(),
    interests: sortedInterests(s).map((i) => [i.token, i.dir, i.task, childPair(i.child)]),
    timers: sortedTimers(s).map((t) => [t.timer, t.deadline, t.task, childPair(t.child)]),
    blocking: s.blocking.map((b) => [b.task, childPair(b.child), b.wait]),
  };
}

// ---------------------------------------------------------------------------------------
// 5. The terminal timeline's line for an event: time, who, what, why.
// ---------------------------------------------------------------------------------------
const RESULTS = ["ready", "pending", "panicked"];
const OUTCOMES = ["completed", "aborted", "panicked"];
const UNPARK = { nonblocking: "non-blocking", io: "I/O ready", timer: "timer due",
                 notified: "notified by another thread", timeout: "timed out" };

function causeText(cause, k) {
  switch (cause[0]) {
    case "t": return CAUSE_ROW.has(k) ? ROWS[CAUSE_ROW.get(k)].label : taskLabel(cause[1]);
    case "io": return "io(token " + tokenText(cause[1]) + ", " + cause[2] + ")";
    case "tm": return "timer#" + cause[1];
    case "th": return "another thread";
    default: return "runtime";
  }
}

function outcomeText(o) { return typeof o === "number" ? OUTCOMES[o] || String(o) : String(o).toLowerCase(); }

/** [who, verb, detail] of event k. */
function describe(k) {
  const e = EVENTS[k], c = e[0];
  const child = (i) => childLabel(e[2], childKey(e[i], e[i + 1]));
  const owner = (task) => (task >= 0 ? ROWS[EVENT_ROW[k]].label : "nobody");
  const ended = (result, wait) => [RESULTS[result] || "?", wait ? "on " + wait : ""];
  switch (c) {
    case "sp": return [taskLabel(e[2]), "spawn", "by " + (e[4] >= 0 ? taskLabel(e[4]) : "runtime")];
    case "ps": return [taskLabel(e[2]), "poll", "#" + POLL_NO[k]];
    case "pe": return [taskLabel(e[2]), ...ended(e[3], str(e[4]))];
    case "wk": return [taskLabel(e[2]), "wake",
      e[3][0] === "t" && e[3][1] === e[2] ? "by itself" : "by " + causeText(e[3], k)];
    case "wi": return [taskLabel(e[2]), "wake", "by " + causeText(e[3], k) + ", ignored: " +
      (e[4] === "queued" ? "already queued" : e[4])];
    case "ab": return [taskLabel(e[2]), "abort", "by " + causeText(e[3], k)];
    case "rq": return [taskLabel(e[2]), "requeue", "woken during its own poll: back of the queue"];
    case "pk": return ["reactor", "park", e[2] < 0 ? "until I/O, a timer or another thread"
      : e[2] === 0 ? "non-blocking" : "for at most " + ms(e[2])];
    case "up": return ["reactor", "unpark", (UNPARK[e[2]] || e[2]) + ", " + e[3] +
      (e[3] === 1 ? " I/O event" : " I/O events")];
    case "tf": return ["timers", "fire", "timer#" + e[2]];
    case "cj": return ["clock", "jump", "to " + ms(e[2])];
    case "lw": return [taskLabel(e[2]), "lost-waker",
      "Pending on poll #" + e[3] + " and no waker is alive: nothing can wake it"];
    case "fi": return [taskLabel(e[2]), "finish", outcomeText(e[3])];
    case "ch": return [e[4] >= 0 ? child(4) : taskLabel(e[2]), "combine",
      str(e[6]) + " of " + e[7] + (e[7] === 1 ? " child" : " children")];
    case "cp": return [child(3), "poll", "#" + POLL_NO[k]];
    case "ce": return [child(3), ...ended(e[5], str(e[6]))];
    case "cw": return [child(3), "wake", "by " + causeText(e[5], k) + (e[6] ? ", ignored: already queued" : "")];
    case "cl": return [child(3), "label", JSON.stringify(str(e[5]))];
    case "cf": return [child(3), "finish", e[5] === 1 ? "dropped unfinished" : outcomeText(e[5])];
    case "ss": return [e[3] >= 0 ? child(3) : taskLabel(e[2]), "begin", str(e[6])];
    case "se": return [e[3] >= 0 ? child(3) : taskLabel(e[2]), "end", e[6] ? "(dropped before it finished)" : ""];
    case "ta": return ["timers", "arm", "timer#" + e[2] + " at " + ms(e[3]) + " for " + owner(e[4])];
    case "tc": return ["timers", "cancel", "timer#" + e[2]];
    case "ir": return ["reactor", "interest", "token " + tokenText(e[2]) + " " + e[3] + " for " + owner(e[4])];
    case "ix": return ["reactor", "deregister", "token " + tokenText(e[2])];
    default: return ["runtime", "event", JSON.stringify(e.slice(2))];
  }
}

/** The aligned line, as the terminal prints it. */
function lineText(k) {
  const [who, verb, detail] = describe(k);
  return ms(TIME[k]).padStart(12) + "  " + who.padEnd(24) + "  " + verb.padEnd(10) + "  " + detail;
}

// ---------------------------------------------------------------------------------------
