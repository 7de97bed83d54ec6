//! Arrows from a cause to the poll it led to: every spawn and every wake that queued a
//! task or a combinator child.
//!
//! A flow is two events with one `id`: `s` where it starts and `f` where it ends. Chromium
//! DevTools attaches each to the first slice in the file with exactly its `ts`, `pid`,
//! `tid` and `cat`, and draws nothing for a flow that lands anywhere else (inside a slice
//! is not enough). Perfetto's importer, as its source reads (this trace was not seen in
//! Perfetto), attaches `s` to the slice open on its track at `ts`, and `f` with `bp: "e"`
//! likewise, a slice starting at a flow event's `ts` being taken before it. So the writer
//! puts both exactly at the start of a slice and writes that slice before them:
//!
//! - `s` at the start of a small `wake …` or `spawn …` slice at the cause: on the reactor
//!   track for I/O readiness, on `timers` for a timer, on the polling task's or child's
//!   track for a wake from code inside a poll, on `runtime` for another thread or the
//!   runtime itself;
//! - `f` at the start of the target's next poll slice, on its task's or child's track.
//!
//! Both carry the same `name` (`wake`, `spawn`) and `cat` (`sched`, the category of poll
//! slices and of the slices flows start from): Perfetto matches `s` to `f` by `id`, `cat`
//! and `name`, DevTools by `id` alone, so every id is used once. A flow whose target is
//! never polled again is left out: no `s` without its `f`.
//!
//! A wake that found the child or task queued already changes nothing and draws no arrow;
//! the next poll lists it in `args.also_woken_by`.

use std::collections::HashMap;

use super::json;
use super::tracks::Owner;

/// The category of poll slices, of the slices flows start from, and of the flows.
pub(super) const SCHED: &str = "sched";

/// The flows and notes waiting for each task's or child's next poll.
#[derive(Debug)]
pub(super) struct Flows {
    waiting: HashMap<Owner, Waiting>,
    next_id: u64,
}

/// What a task's or child's next poll will show it was woken by.
#[derive(Debug, Default)]
pub(super) struct Waiting {
    /// The `s` event of each flow that ends on the poll, with its id and name.
    starts: Vec<(u64, &'static str, String)>,
    /// The wakes (and the spawn) that queued it, as text.
    woken_by: Vec<String>,
    /// The wakes that found it queued already.
    also_woken_by: Vec<String>,
}

impl Flows {
    pub(super) fn new() -> Flows {
        Flows {
            waiting: HashMap::new(),
            next_id: 1,
        }
    }

    /// Starts a flow called `name` at `(tid, at)`, the start of the slice of its cause
    /// (`cause`, for the poll's args); it ends on `target`'s next poll.
    pub(super) fn start(
        &mut self,
        target: Owner,
        name: &'static str,
        (tid, at): (u64, u64),
        cause: String,
    ) {
        let id = self.next_id;
        self.next_id += 1;
        let start = json::flow("s", SCHED, name, id, tid, at);
        let waiting = self.waiting.entry(target).or_default();
        waiting.starts.push((id, name, start));
        waiting.woken_by.push(cause);
    }

    /// Notes a wake of `target` that found it queued already.
    pub(super) fn already_queued(&mut self, target: Owner, cause: String) {
        let waiting = self.waiting.entry(target).or_default();
        waiting.also_woken_by.push(cause);
    }

    /// Everything waiting for `target`'s poll that starts now.
    pub(super) fn take(&mut self, target: Owner) -> Waiting {
        self.waiting.remove(&target).unwrap_or_default()
    }
}

impl Waiting {
    /// The poll slice's `args` about its wakes.
    pub(super) fn args(&self) -> Vec<(&'static str, String)> {
        let mut args = Vec::new();
        if !self.woken_by.is_empty() {
            args.push(("woken_by", json::json_list(&self.woken_by)));
        }
        if !self.also_woken_by.is_empty() {
            args.push(("also_woken_by", json::json_list(&self.also_woken_by)));
        }
        args
    }

    /// Writes each flow's `s` and its `f` at `(tid, at)`, the start of the poll slice,
    /// which must be in `out` already.
    pub(super) fn write(self, out: &mut Vec<String>, (tid, at): (u64, u64)) {
        for (id, name, start) in self.starts {
            out.push(start);
            out.push(json::flow("f", SCHED, name, id, tid, at));
        }
    }
}
