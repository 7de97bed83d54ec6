//! The wait-for graph: who waits on what, who could release it, and whether anything
//! outside the runtime's own primitives can still wake a task.
//!
//! Every waker of a task is one of its reference counts (`cell.rs`), so the runtime knows
//! how many are alive. It also knows where some of them sit:
//!
//! - in a waiting room (`task/parking.rs`): a waiter of a semaphore, a oneshot or an mpsc
//!   channel of this thread;
//! - in another task's join slot: the task awaits that task's end;
//! - in a combinator's wake stack: the one copy of the parent's waker that its children's
//!   wakers lead to. Each child's waker is counted on its own, and the parent's copy counts
//!   as outside as soon as one child's waker is outside.
//!
//! A waker anywhere else (a timer, a socket, a blocking job, another thread, the program's
//! own code) is *outside*. If no task is runnable, no timer, socket or blocking job is
//! pending, and no task has a waker outside, then every waker sits in a primitive that only
//! a task of this thread could release, and no task will ever run: the runtime is stuck,
//! and the graph says why.

use std::collections::HashMap;
use std::rc::Weak as RcWeak;
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;

use super::cell::{MainTask, TaskRef, Wakeable};
use super::core::Core;
use super::wake::{COMPLETE, RUNNING, SCHEDULED};
use crate::task::parking::{self, Releaser, ResourceKind, Role, Room};
use crate::task::report::{short_type, why};
use crate::task::{Await, AwaitPoint, Report, Stuck, TaskId, TaskReport, TaskState, Verdict};
use counts::{owner_of, Counts, Found, Group, Target};
use release::{describe, ResourceInfo};

mod counts;
mod release;

/// One waker in a primitive: whose, and on what.
struct Edge {
    target: Target,
    point: AwaitPoint,
    /// The labels and spans it parked inside, outermost first.
    frames: Vec<String>,
    on: On,
}

enum On {
    /// A resource, by its key in the graph's resources.
    Resource(u32),
    /// The join slot of entry `usize`.
    Join(usize),
}

impl Core {
    /// The report of every unfinished task, with where its wakers sit, read off the
    /// wait-for graph. `main` is `block_on`'s entry, with that many references to it that
    /// are not wakers.
    fn wait_graph(&self, main: Option<(&Arc<MainTask>, usize)>) -> Vec<TaskReport> {
        let tasks: Vec<TaskRef> = self.tasks();
        let polling = parking::current_task();
        let mut reports = Vec::new();
        let mut found = Found {
            entries: Vec::new(),
            entry_of: HashMap::new(),
            groups: Vec::new(),
            group_of: HashMap::new(),
        };
        let mut add_entry = |report: TaskReport, ptr: *const (), live: usize| {
            found.entry_of.insert(ptr, reports.len());
            found.entries.push(Counts { live, inside: 0 });
            reports.push(report);
        };
        if let Some((main, refs)) = main {
            let live = Arc::strong_count(main).saturating_sub(refs);
            let report = self.task_report(&**main, "block_on's future", live, polling);
            add_entry(report, address(main), live);
        }
        for task in &tasks {
            let live = task.live_wakers(Arc::strong_count(task));
            let report = self.task_report(&**task, task.future_type(), live, polling);
            add_entry(report, address(task), live);
        }

        // What the lot holds: combinators, oneshot receivers, rooms.
        let mut resources: HashMap<u32, ResourceInfo> = HashMap::new();
        let mut waits = Vec::new();
        let mut rooms: Vec<RcWeak<dyn Room>> = Vec::new();
        let mut stacks = Vec::new();
        parking::inspect(|lot| {
            for (_, group) in lot.groups.iter() {
                stacks.push((group.name, group.stack.clone()));
            }
            for (_, parked) in lot.parked.iter() {
                let key = resources.len() as u32;
                let info = ResourceInfo {
                    kind: ResourceKind::Oneshot,
                    created_at: parked.created_at,
                    releasers: vec![Releaser {
                        role: Role::Sender,
                        by: parked.sender_by,
                        at: parked.created_at,
                    }],
                };
                resources.insert(key, info);
                let waiter = &parked.waiter;
                let id = parking::identify(&waiter.waker);
                waits.push((id, waiter.point, waiter.frames.to_vec(), key));
            }
            rooms.extend(lot.rooms.iter().map(|(_, room)| room.clone()));
        });
        // The combinators first, so that their children's wakers are recognised.
        let mut parents = Vec::new();
        for (name, stack) in stacks {
            let Some(live) = stack.upgrade() else {
                continue;
            };
            found
                .group_of
                .insert(stack.as_ptr().cast(), found.groups.len());
            parents.push(live.parent_waker());
            let counts = Counts {
                live: live.clones(),
                inside: 0,
            };
            found.groups.push(Group {
                name,
                parent: None,
                counts,
                open: false,
            });
        }
        // The rooms, read outside the lot's borrow.
        for room in rooms.iter().filter_map(RcWeak::upgrade) {
            let Some(view) = room.view() else { continue };
            let key = resources.len() as u32;
            for (id, point, frames) in view.waiters {
                waits.push((id, point, frames, key));
            }
            let info = ResourceInfo {
                kind: view.kind,
                created_at: view.created_at,
                releasers: view.releasers,
            };
            resources.insert(key, info);
        }
        let mut edges: Vec<Edge> = Vec::new();
        for (id, point, frames, key) in waits {
            if let Some(target) = found.inside(id) {
                let frames = frames.iter().map(|f| f.to_string()).collect();
                let on = On::Resource(key);
                edges.push(Edge {
                    target,
                    point,
                    frames,
                    on,
                });
            }
        }
        // Join slots: a waker there fires when that task ends.
        for task in &tasks {
            let Some(target) = task.join_waker().and_then(|id| found.inside(id)) else {
                continue;
            };
            let joined = found.entry_of[&address(task)];
            let point = AwaitPoint {
                what: Await::Join(task.header().id),
                at: task.spawned_at().expect("a spawned task knows where"),
            };
            let (frames, on) = (Vec::new(), On::Join(joined));
            edges.push(Edge {
                target,
                point,
                frames,
                on,
            });
        }
        // The parents' copies: inside until one child's waker is outside.
        for (g, parent) in parents.into_iter().enumerate() {
            found.groups[g].parent = parent.and_then(|id| found.inside(id));
        }
        found.open_groups();
        // Each entry's counts and waits.
        for (report, counts) in reports.iter_mut().zip(&found.entries) {
            report.outside_wakers = counts.live.saturating_sub(counts.inside);
        }
        for edge in &edges {
            let Some((entry, child)) = owner_of(&found.groups, edge.target) else {
                continue;
            };
            let wait = describe(edge, child, &resources, &reports);
            reports[entry].parked.push(wait);
        }
        reports
    }

    /// What the report says of an entry, before the graph adds where its wakers sit.
    fn task_report<W: Wakeable + ?Sized>(
        &self,
        entry: &W,
        future: &str,
        live: usize,
        polling: Option<TaskId>,
    ) -> TaskReport {
        let id = entry.header().id;
        let flags = entry.header().state.load();
        let state = if polling == Some(id) || flags & RUNNING != 0 {
            TaskState::Running
        } else if flags & SCHEDULED != 0 {
            TaskState::Queued
        } else {
            TaskState::Parked
        };
        TaskReport {
            id,
            name: self.task_name(id),
            state,
            polls: entry.stats().polls(),
            waits_on: entry.stats().waits_on(),
            live_wakers: live,
            parked: Vec::new(),
            outside_wakers: 0,
            spawned_at: entry.spawned_at(),
            future: short_type(future),
        }
    }

    /// Whether something outside the runtime's primitives can still wake a task: a
    /// runnable entry, a pending timer, a socket with a waiter, a running blocking job.
    pub(crate) fn can_wake_from_outside(&self) -> bool {
        self.has_runnable()
            || self.time().pending() > 0
            || self.reactor().has_waiters()
            || self.blocking().in_flight() > 0
    }

    /// The report, if the runtime is stuck. Checked only when no entry is runnable, so
    /// building the graph is off the hot path.
    pub(crate) fn stuck(&self, main: &Arc<MainTask>) -> Option<Stuck> {
        if self.can_wake_from_outside() {
            return None;
        }
        // `run_until` holds one reference to `main` besides its wakers.
        let reports = self.wait_graph(Some((main, 1)));
        if reports.iter().any(|r| r.outside_wakers > 0) {
            return None;
        }
        // A thread may have woken a task between the first check and the counts: a wake
        // queues the task, then releases the waker's reference. If the counts saw that
        // release, this fence orders the queueing before the second look (the release
        // synchronizes with it), so the task is found runnable, not stuck.
        fence(Ordering::Acquire);
        if self.has_runnable() {
            return None;
        }
        let why = why(&reports);
        Some(Stuck {
            tasks: reports,
            why,
        })
    }

    /// [`Core::dump`] now: with `block_on`'s entry if it runs (held by `run_until` and,
    /// for this call, here).
    pub(crate) fn dump_now(&self) -> Report {
        let main = self.main.borrow().upgrade();
        // A `block_on` that returned left its entry complete (a waker may still hold it).
        let main = main.filter(|main| main.header.state.load() & COMPLETE == 0);
        self.dump(main.as_ref().map(|main| (main, 2)))
    }

    /// Every unfinished task, where it waits, and whether anything can still wake one.
    /// `main`: `block_on`'s entry while it runs, with its references that are not wakers.
    pub(crate) fn dump(&self, main: Option<(&Arc<MainTask>, usize)>) -> Report {
        let outside_now = self.can_wake_from_outside();
        let reports = self.wait_graph(main);
        let running = reports.iter().any(|r| r.state != TaskState::Parked);
        let held: Vec<String> = reports
            .iter()
            .filter(|r| r.outside_wakers > 0)
            .map(TaskReport::id_and_name)
            .collect();
        let verdict = if outside_now || running {
            Verdict::Running
        } else if !held.is_empty() {
            Verdict::PossiblyStuck(format!(
                "no timer, socket or blocking job is pending, and the only wakers alive \
                 outside the runtime's primitives ({}'s) are held where the runtime cannot \
                 see: the program's own code or another thread",
                held.join(", ")
            ))
        } else {
            Verdict::Stuck
        };
        let why = match verdict {
            Verdict::Running => Vec::new(),
            _ => why(&reports),
        };
        Report {
            verdict,
            tasks: reports,
            why,
        }
    }
}

/// An entry's address, the same as its wakers' data pointer.
fn address<T: ?Sized>(entry: &Arc<T>) -> *const () {
    Arc::as_ptr(entry).cast::<()>()
}
