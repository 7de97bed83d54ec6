//! What Chromium DevTools and Perfetto need of a Chrome trace, checked on the JSON text:
//! shared by the runtime's own tests of its writer and by the workspace's test of the
//! `gather` example's `--trace-json` (each includes this file with `#[path]`).
//!
//! The rules come from what DevTools was seen to draw (Chromium 148): it ignores
//! lowercase `i` events, cannot show a slice without a `cat`, leaves a slice at `ts` 0
//! outside its view, drops a slice that starts inside another and ends after it, and
//! attaches a flow's `s` or `f` only to the first non-flow event in the file with exactly
//! its `ts`, `pid`, `tid` and `cat`, grouping flows by `id` alone.

// Each includer uses a different part.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

/// One trace event; times in ns.
#[derive(Clone, Debug)]
pub struct Ev {
    /// Its position in `traceEvents`.
    pub index: usize,
    pub ph: String,
    pub cat: String,
    pub name: String,
    pub pid: u64,
    pub tid: u64,
    /// `ts` as written, for exact comparisons (as a viewer compares them).
    pub ts_raw: f64,
    pub ts: i64,
    pub dur: i64,
    pub id: Option<u64>,
    pub args: Value,
}

impl Ev {
    pub fn end(&self) -> i64 {
        self.ts + self.dur
    }

    /// Whether `other` lies within this slice in time (ends included).
    pub fn contains(&self, other: &Ev) -> bool {
        self.ts <= other.ts && other.end() <= self.end()
    }
}

/// A parsed trace that passed [`check`].
#[derive(Debug)]
pub struct Trace {
    pub events: Vec<Ev>,
    /// Each track's name, by `tid`.
    pub names: BTreeMap<u64, String>,
}

impl Trace {
    /// The `tid` of the one track called `name`.
    pub fn track(&self, name: &str) -> u64 {
        let tids: Vec<u64> = (self.names.iter())
            .filter(|(_, n)| n.as_str() == name)
            .map(|(tid, _)| *tid)
            .collect();
        assert_eq!(tids.len(), 1, "tracks called {name:?}: {:?}", self.names);
        tids[0]
    }

    /// The slices on track `tid`, in file order.
    pub fn slices_on(&self, tid: u64) -> Vec<&Ev> {
        let slices = self.events.iter().filter(|e| e.ph == "X");
        slices.filter(|e| e.tid == tid).collect()
    }

    /// The poll slices on track `tid`.
    pub fn polls_on(&self, tid: u64) -> Vec<&Ev> {
        let slices = self.slices_on(tid).into_iter();
        slices.filter(|e| is_poll(e)).collect()
    }

    /// Every flow: its `s`, the slice it starts at, its `f`, the slice it ends at.
    pub fn flows(&self) -> Vec<[&Ev; 4]> {
        let ends: HashMap<u64, &Ev> = (self.events.iter())
            .filter(|e| e.ph == "f")
            .map(|e| (e.id.unwrap(), e))
            .collect();
        let starts = self.events.iter().filter(|e| e.ph == "s");
        starts
            .map(|s| {
                let f = ends[&s.id.unwrap()];
                [s, self.host(s), f, self.host(f)]
            })
            .collect()
    }

    /// The event a flow event attaches to in DevTools: the first non-flow event in the
    /// file with the same `ts`, `pid`, `tid` and `cat`.
    pub fn host(&self, flow: &Ev) -> &Ev {
        self.events
            .iter()
            .find(|e| {
                !["s", "t", "f"].contains(&e.ph.as_str())
                    && e.ts_raw == flow.ts_raw
                    && (e.pid, e.tid, &e.cat) == (flow.pid, flow.tid, &flow.cat)
            })
            .unwrap_or_else(|| panic!("nothing for the flow event {flow:?} to attach to"))
    }
}

/// A task's or child's poll slice.
pub fn is_poll(e: &Ev) -> bool {
    e.ph == "X" && e.name.starts_with("poll #")
}

fn ns(value: &Value) -> i64 {
    (value.as_f64().expect("a number") * 1000.0).round() as i64
}

/// Parses `json` and checks every rule the viewers depend on; returns the events.
pub fn check(json: &str) -> Trace {
    let document: Value = serde_json::from_str(json).expect("valid JSON");
    let raw = document["traceEvents"].as_array().expect("traceEvents");
    let mut events = Vec::new();
    for (index, e) in raw.iter().enumerate() {
        let text = |key: &str| {
            let value = e[key].as_str();
            value
                .unwrap_or_else(|| panic!("no {key} in {e}"))
                .to_string()
        };
        let ph = text("ph");
        assert!(["M", "X", "s", "f"].contains(&ph.as_str()), "ph {ph}: {e}");
        let cat = text("cat");
        assert!(!cat.is_empty(), "an empty cat: {e}");
        let ts_raw = e.get("ts").map_or(0.0, |ts| ts.as_f64().expect("ts"));
        if ph != "M" {
            assert!(ts_raw > 0.0, "at ts 0 or before: {e}");
        }
        let dur = e.get("dur").map_or(0, ns);
        if ph == "X" {
            assert!(dur > 0, "a slice without width: {e}");
        }
        events.push(Ev {
            index,
            ph,
            cat,
            name: text("name"),
            pid: e["pid"].as_u64().expect("pid"),
            tid: e["tid"].as_u64().expect("tid"),
            ts_raw,
            ts: (ts_raw * 1000.0).round() as i64,
            dur,
            id: e.get("id").map(|id| id.as_u64().expect("a numeric id")),
            args: e.get("args").cloned().unwrap_or(Value::Null),
        });
    }
    let names: BTreeMap<u64, String> = (events.iter())
        .filter(|e| e.ph == "M" && e.name == "thread_name")
        .map(|e| (e.tid, e.args["name"].as_str().unwrap().to_string()))
        .collect();
    let trace = Trace { events, names };

    // Every track in use is named, and every named track has a slice.
    let drawn: BTreeSet<u64> = (trace.events.iter())
        .filter(|e| e.ph == "X")
        .map(|e| e.tid)
        .collect();
    for e in trace.events.iter().filter(|e| e.ph != "M") {
        assert!(trace.names.contains_key(&e.tid), "track {} unnamed", e.tid);
    }
    for (tid, name) in &trace.names {
        assert!(
            drawn.contains(tid),
            "track {name:?} ({tid}) has only metadata"
        );
    }

    // On each track, slices nest or follow each other: none starts inside another and
    // ends after it.
    for &tid in &drawn {
        let mut slices = trace.slices_on(tid);
        slices.sort_by_key(|s| (s.ts, -s.dur));
        let mut open: Vec<&Ev> = Vec::new();
        for slice in slices {
            while open.last().is_some_and(|top| top.end() <= slice.ts) {
                open.pop();
            }
            if let Some(top) = open.last() {
                assert!(top.contains(slice), "{slice:?} straddles {top:?}");
            }
            open.push(slice);
        }
    }

    // Flows: each id once as `s` and once as `f`, with one name and cat; both ends on a
    // slice at exactly their ts, the end on a poll after the start.
    let ids = |ph: &str| -> Vec<u64> {
        let flows = trace.events.iter().filter(|e| e.ph == ph);
        flows.map(|e| e.id.expect("a flow id")).collect()
    };
    let (starts, ends) = (ids("s"), ids("f"));
    let unique: BTreeSet<u64> = starts.iter().copied().collect();
    assert_eq!(unique.len(), starts.len(), "a flow id is used twice");
    assert_eq!(unique, ends.iter().copied().collect(), "unmatched flow ids");
    for [s, start, f, end] in trace.flows() {
        assert_eq!((&s.name, &s.cat), (&f.name, &f.cat), "{s:?} {f:?}");
        assert_eq!(start.ph, "X", "{s:?} starts on {start:?}");
        assert!(start.name.starts_with(&s.name), "{s:?} starts on {start:?}");
        assert!(is_poll(end), "{f:?} ends on {end:?}, not a poll");
        assert!(start.ts < end.ts, "{s:?} is not before {f:?}");
    }
    trace
}

/// Every child's poll slice (one with `args.task`) lies in time within a poll slice of
/// its task; returns how many there are.
pub fn check_child_polls_inside_task_polls(trace: &Trace) -> usize {
    let child_polls = (trace.events.iter()).filter(|e| is_poll(e) && e.args["task"].is_string());
    let mut count = 0;
    for poll in child_polls {
        let task = trace.track(poll.args["task"].as_str().unwrap());
        assert!(
            trace.polls_on(task).iter().any(|p| p.contains(poll)),
            "{poll:?} is outside every poll of its task"
        );
        count += 1;
    }
    count
}
