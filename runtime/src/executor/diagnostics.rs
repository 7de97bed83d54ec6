//! Diagnostics: an entry that nothing can wake (the lost-waker lint), and a runtime in
//! which nothing can wake anything (the stuck report).

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use super::cell::{MainTask, TaskRef, Wakeable};
use super::core::Core;
use crate::task::{Stuck, TaskReport};
use crate::trace::Event;

impl Core {
    /// The exact lost-waker lint: after a `Pending` poll that queued nothing, if no
    /// reference to the entry is a waker, nothing can ever wake it. The event is always
    /// emitted; with `print`, a warning also goes to stderr.
    pub(crate) fn check_lost_waker<W: Wakeable>(&self, entry: &Arc<W>, print: bool) {
        if entry.live_wakers(Arc::strong_count(entry)) > 0 {
            return;
        }
        let (task, poll) = (entry.header().id, entry.stats().polls());
        self.trace().emit(|| Event::LostWaker { task, poll });
        if print {
            let report = self.report(&**entry, 0);
            let at = report.spawned_at.map(|at| format!(" (spawned at {at})"));
            let _ = writeln!(
                io::stderr(),
                "tinyloop: lost waker: {} returned Pending on poll {poll} and no waker for it \
                 is alive, so nothing can wake it again{}",
                report.id_and_name(),
                at.unwrap_or_default()
            );
        }
    }

    /// The report, if the runtime is stuck. Checked only when no entry is runnable, so the
    /// `O(tasks)` count is off the hot path.
    ///
    /// Every reference to a task is the task list's, its `JoinHandle`'s, or a waker. A
    /// waker may sit in the join slot of another task T, where it fires only when T
    /// finishes: it counts only if T can be woken itself. Nothing is stuck if some entry
    /// still has a waker that counts.
    pub(crate) fn stuck(&self, main: &Arc<MainTask>) -> Option<Stuck> {
        if self.has_runnable()
            || self.time().pending() > 0
            || self.reactor().has_waiters()
            || self.blocking().in_flight() > 0
        {
            return None;
        }
        let tasks: Vec<TaskRef> = self.tasks();
        // Wakers alive per entry, keyed by its address (a waker's data pointer). `main` is
        // referenced by `run_until` besides its wakers; each task by the task list and
        // `tasks` (the snapshot), besides its handle and its wakers.
        let mut live: HashMap<*const (), usize> = HashMap::new();
        live.insert(address(main), Arc::strong_count(main) - 1);
        for task in &tasks {
            let wakers = task.live_wakers(Arc::strong_count(task));
            live.insert(address(task), wakers);
        }
        let total = live.clone();
        // A waker in T's join slot counts only if T can be woken: subtract it, then give it
        // back for every T found wakeable.
        let mut held_by: Vec<(*const (), *const ())> = Vec::new();
        for task in &tasks {
            let Some(owner) = task.join_waker_data() else {
                continue;
            };
            if let Some(count) = live.get_mut(&owner) {
                *count -= 1;
                held_by.push((address(task), owner));
            }
        }
        let mut wakeable: Vec<*const ()> = live
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(p, _)| *p)
            .collect();
        while let Some(ready) = wakeable.pop() {
            for (holder, owner) in &held_by {
                if *holder == ready {
                    let count = live.get_mut(owner).expect("owner counted");
                    *count += 1;
                    if *count == 1 {
                        wakeable.push(*owner);
                    }
                }
            }
        }
        if live.values().any(|n| *n > 0) {
            return None;
        }
        let mut reports = vec![self.report(&**main, total[&address(main)])];
        for task in &tasks {
            reports.push(self.report(&**task, total[&address(task)]));
        }
        Some(Stuck { tasks: reports })
    }
}

impl Core {
    /// What a report says about an entry.
    fn report<W: Wakeable + ?Sized>(&self, entry: &W, live_wakers: usize) -> TaskReport {
        let id = entry.header().id;
        TaskReport {
            id,
            name: self.task_name(id),
            polls: entry.stats().polls(),
            waits_on: entry.stats().waits_on(),
            live_wakers,
            spawned_at: entry.spawned_at(),
        }
    }
}

/// An entry's address, the same as its wakers' data pointer.
fn address<T: ?Sized>(entry: &Arc<T>) -> *const () {
    Arc::as_ptr(entry).cast::<()>()
}
