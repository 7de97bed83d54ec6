// ---------------------------------------------------------------------------------------
// 1. The data: {version, title, clock, strings, events}. Each event is [code, t_ns, ...].
// ---------------------------------------------------------------------------------------
const PARSE_START = performance.now();
const DATA = readData();
const PARSE_MS = performance.now() - PARSE_START;
const EVENTS = DATA.events;
const STRINGS = DATA.strings || [];
const N = EVENTS.length;

function readData() {
  const text = document.getElementById("tinyloop-trace").textContent.trim();
  if (!text || text.startsWith("/*")) return { title: "no data", strings: [], events: [] };
  return JSON.parse(text);
}

/** An interned string, or null for -1. */
function str(i) { return i >= 0 ? STRINGS[i] : null; }

/** Event time in nanoseconds. */
const TIME = new Float64Array(N);
for (let k = 0; k < N; k++) TIME[k] = EVENTS[k][1];

// ---------------------------------------------------------------------------------------
// 2. Names. A task is `main` (id 0) or `t3`, with its name quoted: `t3 "fetch"`.
//    A combinator child is (group, index), shown after its task: `main › hero 4`,
//    and nested children show the whole path: `main › hero 4 › child 0`.
// ---------------------------------------------------------------------------------------
const taskNames = new Map();   // task -> name
const groups = new Map();      // group -> {task, parent: childKey|null, combinator, count}
const childLabels = new Map(); // childKey -> label

function childKey(group, index) { return group + "." + index; }

for (const e of EVENTS) {
  if (e[0] === "sp" && e[3] >= 0) taskNames.set(e[2], str(e[3]));
  else if (e[0] === "ch") {
    groups.set(e[3], { task: e[2], parent: e[4] >= 0 ? childKey(e[4], e[5]) : null,
                       combinator: str(e[6]), count: e[7] });
  } else if (e[0] === "cl") childLabels.set(childKey(e[3], e[4]), str(e[5]));
}

/** `main`, `t3`, or `t3 "name"` (quoted as the terminal timeline does). */
function taskLabel(task) {
  if (task === null || task === undefined || task < 0) return "runtime";
  const id = task === 0 ? "main" : "t" + task;
  const name = taskNames.get(task);
  return name ? id + " " + JSON.stringify(name) : id;
}

/** `main › hero 4`: the task, then each enclosing child, outermost first. */
function childLabel(task, key) {
  const path = [];
  for (let at = key, guard = 0; at && guard < 64; guard++) {
    path.unshift(childLabels.get(at) || "child " + at.split(".")[1]);
    const g = groups.get(Number(at.split(".")[0]));
    at = g ? g.parent : null;
  }
  return taskLabel(task) + " › " + path.join(" › ");
}

/** The label of a task, or of one of its children when `key` is given (remembered:
 *  the panels ask for the same few labels at every step). */
const ownerLabels = new Map();
function ownerLabel(task, key) {
  const id = task + "/" + key;
  if (!ownerLabels.has(id)) ownerLabels.set(id, key ? childLabel(task, key) : taskLabel(task));
  return ownerLabels.get(id);
}

/** A token is `slot | generation << 32`; a reused slot shows as `slot.generation`. */
function tokenText(token) {
  const gen = Math.floor(token / 4294967296), slot = token % 4294967296;
  return gen ? slot + "." + gen : String(slot);
}

/** Nanoseconds as `12.345 ms` (truncated to the microsecond, like the terminal). */
function ms(ns) {
  const us = Math.floor(ns / 1000);
  return Math.floor(us / 1000) + "." + String(us % 1000).padStart(3, "0") + " ms";
}

// ---------------------------------------------------------------------------------------
