//! Deciding that nothing can ever wake anything, and saying why.

use std::collections::HashMap;
use std::sync::Arc;

use super::core::Core;
use crate::task::{MainTask, Stuck, TaskRef, TaskReport};
use crate::trace::TaskId;

/// References to the `block_on` future's `MainTask` that are not wakers: `block_on`'s own
/// handle, the finish guard, and the waker `block_on` polls with.
const MAIN_BASELINE: usize = 3;

impl Core {
    /// The report, if the runtime is stuck; checked only when it is about to wait with no
    /// runnable task, so the `O(tasks)` scan is off the hot path.
    pub(crate) fn stuck(&self, main: &Arc<MainTask>, main_polls: u32) -> Option<Stuck> {
        if self.has_runnable()
            || self.timers.borrow().len() > 0
            || self.reactor.has_waiters()
            || self.blocking.in_flight() > 0
        {
            return None;
        }
        let tasks: Vec<TaskRef> = self.tasks_snapshot();
        // Wakers alive per task, and which task holds each join-slot waker.
        let main_ptr = Arc::as_ptr(main).cast::<()>();
        let mut live: HashMap<*const (), usize> = HashMap::new();
        live.insert(main_ptr, Arc::strong_count(main) - MAIN_BASELINE);
        for task in &tasks {
            // The task list and `tasks` each hold one reference.
            live.insert(
                task_ptr(task),
                task.live_wakers(Arc::strong_count(task) - 2),
            );
        }
        // A waker in the join slot of task T is only as good as T: subtract it, then give
        // it back if T turns out to be wakeable.
        let mut held_by: Vec<(*const (), *const ())> = Vec::new();
        for task in &tasks {
            if let Some(owner) = task.join_waker_data() {
                if let Some(count) = live.get_mut(&owner) {
                    *count -= 1;
                    held_by.push((task_ptr(task), owner));
                }
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
        let mut reports = vec![TaskReport {
            id: TaskId::MAIN,
            name: None,
            polls: main_polls,
            waits_on: main.waits_on(),
            live_wakers: 0,
            spawned_at: None,
        }];
        reports.extend(tasks.iter().map(|task| task.report(self, 0)));
        Some(Stuck { tasks: reports })
    }
}

/// A task's address, the same as its wakers' data pointer.
fn task_ptr(task: &TaskRef) -> *const () {
    Arc::as_ptr(task).cast::<()>()
}
