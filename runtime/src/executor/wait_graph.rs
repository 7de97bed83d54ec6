//! The wait-for graph: who waits on what, who could release it, and whether anything
//! outside the runtime's own primitives can still wake a task.
//!
//! Every waker of a task is one of its reference counts (`cell.rs`), so the runtime knows
//! how many are alive. It also knows where some of them sit:
//!
//! - in the parking lot (`task/parking.rs`): parked by a semaphore, a oneshot or an mpsc
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
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;

use super::cell::{MainTask, TaskRef, Wakeable};
use super::core::Core;
use super::wake::{COMPLETE, RUNNING, SCHEDULED};
use crate::task::parking;
use crate::task::report::{short_type, why};
use crate::task::{Await, AwaitPoint, Report, Stuck, TaskId, TaskReport, TaskState, Verdict};
use release::{describe, ResourceInfo};

mod release;

/// Who a waker wakes: an entry (`main` or a task), or a combinator's child.
#[derive(Clone, Copy)]
enum Owner {
    Entry(usize),
    Child { group: usize, index: usize },
}

/// A waker's target and its counts.
struct Target {
    owner: Owner,
    /// Wakers alive.
    live: usize,
    /// Of those, the ones sitting in the runtime's primitives.
    inside: usize,
}

impl Target {
    fn new(owner: Owner, live: usize) -> Target {
        Target {
            owner,
            live,
            inside: 0,
        }
    }
}

/// A combinator as the graph sees it.
struct Group {
    name: &'static str,
    /// The data pointer of the parent's waker.
    parent: Option<*const ()>,
    /// Its children's waker pointers.
    children: Vec<*const ()>,
    /// Whether a child's waker is outside, which puts the parent's copy outside too.
    open: bool,
}

/// One waker in a primitive: whose, and on what.
struct Edge {
    target: *const (),
    point: AwaitPoint,
    /// The labels and spans it parked inside, outermost first.
    frames: Vec<String>,
    on: On,
}

enum On {
    /// A resource in the lot, by key.
    Resource(u32),
    /// The join slot of entry `usize`.
    Join(usize),
}

/// The graph, built when the runtime is idle (or asked for a dump).
pub(crate) struct Graph {
    reports: Vec<TaskReport>,
}

impl Core {
    /// The wait-for graph of every unfinished task. `main` is `block_on`'s entry, with
    /// `main_refs` references to it that are not wakers.
    fn wait_graph(&self, main: Option<(&Arc<MainTask>, usize)>) -> Graph {
        let tasks: Vec<TaskRef> = self.tasks();
        let polling = parking::current_task();
        let mut reports = Vec::new();
        let mut targets: HashMap<*const (), Target> = HashMap::new();
        let mut add_entry = |report: TaskReport, ptr: *const (), live: usize| {
            let owner = Owner::Entry(reports.len());
            targets.insert(ptr, Target::new(owner, live));
            reports.push(report);
        };
        if let Some((main, refs)) = main {
            let live = Arc::strong_count(main).saturating_sub(refs);
            add_entry(
                self.task_report(&**main, "block_on's future", live, polling),
                address(main),
                live,
            );
        }
        for task in &tasks {
            let live = task.live_wakers(Arc::strong_count(task));
            let report = self.task_report(&**task, task.future_type(), live, polling);
            add_entry(report, address(task), live);
        }
        let index_of: HashMap<TaskId, usize> =
            reports.iter().enumerate().map(|(i, r)| (r.id, i)).collect();

        // What the lot holds: combinators, parked wakers, resources.
        let mut groups: Vec<Group> = Vec::new();
        let mut edges: Vec<Edge> = Vec::new();
        let mut resources: HashMap<u32, ResourceInfo> = HashMap::new();
        parking::inspect(|lot| {
            for (_, group) in lot.groups.iter() {
                if group.parent.strong_count() == 0 {
                    continue;
                }
                let g = groups.len();
                let mut children = Vec::new();
                for (index, child) in group.children.iter().enumerate() {
                    let ptr = child.as_ptr().cast::<()>();
                    let live = child.strong_count().saturating_sub(1);
                    let owner = Owner::Child { group: g, index };
                    targets.insert(ptr, Target::new(owner, live));
                    children.push(ptr);
                }
                let parent = group.parent.upgrade().and_then(|p| p.parent_data());
                groups.push(Group {
                    name: group.name,
                    parent,
                    children,
                    open: false,
                });
            }
            for (_, parked) in lot.parked.iter() {
                let ptr = parked.waker.data();
                if let Some(target) = targets.get_mut(&ptr) {
                    target.inside += 1;
                    let on = On::Resource(parked.resource);
                    edges.push(Edge {
                        target: ptr,
                        point: parked.point,
                        frames: parked.frames.iter().map(|f| f.to_string()).collect(),
                        on,
                    });
                }
            }
            for (key, resource) in lot.resources.iter() {
                let info = ResourceInfo {
                    kind: resource.kind,
                    created_at: resource.created_at,
                    releasers: Vec::new(),
                };
                resources.insert(key as u32, info);
            }
            for (_, releaser) in lot.releasers.iter() {
                if let Some(info) = resources.get_mut(&releaser.resource) {
                    info.releasers
                        .push((releaser.role, releaser.by, releaser.at));
                }
            }
        });
        // Join slots: a waker there fires when that task ends.
        for task in &tasks {
            let Some(ptr) = task.join_waker_data() else {
                continue;
            };
            if let Some(target) = targets.get_mut(&ptr) {
                target.inside += 1;
                let joined = index_of[&task.header().id];
                let point = AwaitPoint {
                    what: Await::Join(task.header().id),
                    at: task.spawned_at().expect("a spawned task knows where"),
                };
                edges.push(Edge {
                    target: ptr,
                    point,
                    frames: Vec::new(),
                    on: On::Join(joined),
                });
            }
        }
        // The parents' copies: inside until one child's waker is outside.
        for group in &groups {
            if let Some(target) = group.parent.and_then(|p| targets.get_mut(&p)) {
                target.inside += 1;
            }
        }
        let outside = |t: &Target| t.live.saturating_sub(t.inside);
        loop {
            let mut changed = false;
            for group in groups.iter_mut() {
                if group.open || !group.children.iter().any(|c| outside(&targets[c]) > 0) {
                    continue;
                }
                group.open = true;
                changed = true;
                if let Some(target) = group.parent.and_then(|p| targets.get_mut(&p)) {
                    target.inside -= 1;
                }
            }
            if !changed {
                break;
            }
        }
        // Each entry's counts and waits.
        for target in targets.values() {
            if let Owner::Entry(i) = target.owner {
                reports[i].outside_wakers = outside(target);
            }
        }
        for edge in &edges {
            let Some((entry, child)) = owner_of(&targets, &groups, edge.target) else {
                continue;
            };
            let wait = describe(edge, child, &resources, &reports);
            reports[entry].parked.push(wait);
        }
        Graph { reports }
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
        let graph = self.wait_graph(Some((main, 1)));
        if graph.reports.iter().any(|r| r.outside_wakers > 0) {
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
        let why = why(&graph.reports);
        Some(Stuck {
            tasks: graph.reports,
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
        let graph = self.wait_graph(main);
        let running = graph.reports.iter().any(|r| r.state != TaskState::Parked);
        let held: Vec<String> = graph
            .reports
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
            _ => why(&graph.reports),
        };
        Report {
            verdict,
            tasks: graph.reports,
            why,
        }
    }
}

/// An entry's address, the same as its wakers' data pointer.
fn address<T: ?Sized>(entry: &Arc<T>) -> *const () {
    Arc::as_ptr(entry).cast::<()>()
}

/// The entry a waker leads to, and the path of combinator children on the way:
/// `child 2 of its gather`.
fn owner_of(
    targets: &HashMap<*const (), Target>,
    groups: &[Group],
    mut ptr: *const (),
) -> Option<(usize, Option<String>)> {
    let mut path: Vec<String> = Vec::new();
    // Combinators nest only as deep as the futures do; a cycle cannot form, but bound it.
    for _ in 0..64 {
        match targets.get(&ptr)?.owner {
            Owner::Entry(i) => {
                path.reverse();
                let child = (!path.is_empty()).then(|| path.join(" › "));
                return Some((i, child));
            }
            Owner::Child { group, index } => {
                path.push(format!("child {index} of its {}", groups[group].name));
                ptr = groups[group].parent?;
            }
        }
    }
    None
}
