//! Which tracks the trace has, what they are called, and in what order: worked out from
//! every record before anything is written, so a child's track can carry a label its
//! first poll records, and a span can be put on a track where it nests.
//!
//! The order (Perfetto's `thread_sort_index`) is: `runtime`, `reactor`, `timers`, then
//! each task, followed by its phases, then its combinators' children, each followed by its
//! own phases and by the children of combinators it runs:
//!
//! ```text
//! main              polls of the task
//! main · phases     spans started in main itself (outside any child)
//! hero 1            polls of the child labelled `hero 1`
//! hero 1 · phases   its spans: connect, tls handshake, ...
//! main › child 3    a child without a label
//! ```
//!
//! Spans on one track must nest or follow each other. Most do, but two spans of one owner
//! polled side by side (a `select` of two spanned futures) overlap, and a span dropped
//! early records its end before the end of a span inside it. Such a span goes to the next
//! track down (`hero 1 · phases 2`), so that no viewer drops it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use super::json::{self, json_str};
use super::{REACTOR_TID, RUNTIME_TID, TASK_TID_BASE, TIMERS_TID};
use crate::trace::{ChildId, Event, Record, TaskId, WakeCause};

/// Whose polls a track shows: a task's, or one combinator child's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Owner {
    /// A task: its polls by the runtime.
    Task(TaskId),
    /// A combinator child: its polls by the combinator, inside its task's polls.
    Child(ChildId),
}

/// Every track of the trace, found from the records.
#[derive(Debug, Default)]
pub(super) struct Layout {
    /// The track of each task's and child's polls.
    polls: HashMap<Owner, u64>,
    /// The name of each task and child: `main`, `t3 "sleeper"`, `hero 4`, `main › child 3`.
    names: HashMap<Owner, String>,
    /// The full name of each child: `main › hero 4`.
    paths: HashMap<ChildId, String>,
    /// The track of each span, by span number.
    spans: HashMap<u64, u64>,
    /// Every track that may be drawn on, in order: its `tid` and name.
    tracks: Vec<(u64, String)>,
}

impl Layout {
    /// Finds the tracks `records` need.
    pub(super) fn new(records: &[Record]) -> Layout {
        let mut seen = Seen::default();
        for (i, record) in records.iter().enumerate() {
            seen.record(i, &record.event);
        }
        seen.layout()
    }

    /// The track of `owner`'s polls.
    pub(super) fn polls(&self, owner: Owner) -> u64 {
        // Every owner in an event was seen by the first pass; `RUNTIME_TID` is a fallback
        // that a well-formed stream never uses.
        self.polls.get(&owner).copied().unwrap_or(RUNTIME_TID)
    }

    /// The track of span `span`.
    pub(super) fn span(&self, span: u64) -> u64 {
        self.spans.get(&span).copied().unwrap_or(RUNTIME_TID)
    }

    /// The name of a task or child.
    pub(super) fn name(&self, owner: Owner) -> &str {
        self.names.get(&owner).map_or("?", String::as_str)
    }

    /// The full name of a child, from its task down: `main › hero 4`.
    pub(super) fn path(&self, child: ChildId) -> &str {
        self.paths.get(&child).map_or("?", String::as_str)
    }

    /// The metadata events: the process's name, then the name and place of each track in
    /// `drawn`, in display order. A track with nothing drawn on it is left out.
    pub(super) fn metadata(&self, drawn: &HashSet<u64>) -> Vec<String> {
        let process = format!(r#"{{"name":{}}}"#, json_str("tinyloop"));
        let mut metadata = vec![json::metadata("process_name", 0, &process)];
        let tracks = self.tracks.iter().filter(|(tid, _)| drawn.contains(tid));
        for (sort_index, (tid, name)) in tracks.enumerate() {
            let name = format!(r#"{{"name":{}}}"#, json_str(name));
            metadata.push(json::metadata("thread_name", *tid, &name));
            let index = format!(r#"{{"sort_index":{sort_index}}}"#);
            metadata.push(json::metadata("thread_sort_index", *tid, &index));
        }
        metadata
    }
}

/// A span as the first pass sees it: whose it is, and when (record indices) it starts
/// and ends.
#[derive(Debug)]
struct SpanSeen {
    id: u64,
    owner: Owner,
    start: usize,
    end: Option<usize>,
}

/// What the first pass collects.
#[derive(Debug, Default)]
struct Seen {
    tasks: BTreeSet<TaskId>,
    task_names: HashMap<TaskId, Arc<str>>,
    /// Each combinator's task and, when nested, the child that runs it.
    groups: HashMap<u32, (TaskId, Option<ChildId>)>,
    /// Each child and its task.
    children: BTreeMap<ChildId, TaskId>,
    labels: HashMap<ChildId, Arc<str>>,
    spans: Vec<SpanSeen>,
    open_spans: HashMap<u64, usize>,
}

impl Seen {
    fn record(&mut self, i: usize, event: &Event) {
        match event {
            Event::Spawned { task, name, parent } => {
                self.tasks.extend([*task].into_iter().chain(*parent));
                if let Some(name) = name {
                    self.task_names.insert(*task, name.clone());
                }
            }
            Event::Woken { task, cause }
            | Event::WakeIgnored { task, cause, .. }
            | Event::AbortRequested { task, by: cause } => {
                self.tasks.insert(*task);
                if let WakeCause::Task(waker) = cause {
                    self.tasks.insert(*waker);
                }
            }
            Event::PollStart { task }
            | Event::PollEnd { task, .. }
            | Event::Requeued { task }
            | Event::LostWaker { task, .. }
            | Event::Finished { task, .. } => {
                self.tasks.insert(*task);
            }
            Event::Children {
                task,
                group,
                parent,
                ..
            } => {
                self.tasks.insert(*task);
                self.groups.insert(*group, (*task, *parent));
            }
            Event::ChildPoll { task, child }
            | Event::ChildPollEnd { task, child, .. }
            | Event::ChildWoken { task, child, .. }
            | Event::ChildFinished { task, child, .. } => self.child(*task, *child),
            Event::ChildLabel { task, child, label } => {
                self.child(*task, *child);
                self.labels.insert(*child, label.clone());
            }
            Event::SpanStart {
                task, child, span, ..
            } => {
                self.tasks.insert(*task);
                let owner = match child {
                    Some(child) => {
                        self.child(*task, *child);
                        Owner::Child(*child)
                    }
                    None => Owner::Task(*task),
                };
                self.open_spans.insert(*span, self.spans.len());
                self.spans.push(SpanSeen {
                    id: *span,
                    owner,
                    start: i,
                    end: None,
                });
            }
            Event::SpanEnd { span, .. } => {
                if let Some(at) = self.open_spans.remove(span) {
                    self.spans[at].end = Some(i);
                }
            }
            _ => {}
        }
    }

    fn child(&mut self, task: TaskId, child: ChildId) {
        self.tasks.insert(task);
        self.children.entry(child).or_insert(task);
    }

    /// The combinator child that runs `child`'s combinator, if it is a known child.
    fn parent(&self, child: ChildId) -> Option<ChildId> {
        let (_, parent) = self.groups.get(&child.group)?;
        parent.filter(|parent| self.children.contains_key(parent))
    }

    /// The children directly under `owner`, in order.
    fn kids(&self, owner: Owner) -> Vec<ChildId> {
        let under = |child: ChildId, task: TaskId| match (owner, self.parent(child)) {
            (Owner::Task(t), None) => t == task,
            (Owner::Child(p), Some(parent)) => p == parent,
            _ => false,
        };
        let children = self.children.iter();
        children
            .filter(|(child, task)| under(**child, **task))
            .map(|(child, _)| *child)
            .collect()
    }

    fn name(&self, owner: Owner) -> String {
        match owner {
            Owner::Task(task) => match self.task_names.get(&task) {
                Some(name) => format!("{task} {name:?}"),
                None => task.to_string(),
            },
            Owner::Child(child) => match self.labels.get(&child) {
                Some(label) => label.to_string(),
                None => self.path(child),
            },
        }
    }

    /// `main › hero 4 › child 0`: the task, then each child down to `child`, by label or
    /// by position.
    fn path(&self, child: ChildId) -> String {
        let mut chain = vec![child];
        while let Some(parent) = self.parent(chain[chain.len() - 1]) {
            // Guarded against a cycle, which a well-formed stream cannot contain.
            if chain.len() > 64 || chain.contains(&parent) {
                break;
            }
            chain.push(parent);
        }
        let task = self.children.get(&child).copied().unwrap_or(TaskId::MAIN);
        let mut path = self.name(Owner::Task(task));
        for id in chain.iter().rev() {
            match self.labels.get(id) {
                Some(label) => {
                    let _ = write!(path, " › {label}");
                }
                None => {
                    let _ = write!(path, " › child {}", id.index);
                }
            }
        }
        path
    }

    /// Puts every span of every owner on a lane where it nests: lane 0 is the owner's
    /// phases track. Returns the number of lanes of each owner and each span's lane.
    fn lanes(&self) -> (HashMap<Owner, usize>, HashMap<u64, usize>) {
        // A span's end as an order: its end's index, or, for a span that never ends,
        // beyond every index, earlier for a later start (it closes first, inside).
        let end_key = |span: &SpanSeen| match span.end {
            Some(end) => end as u64,
            None => u64::MAX - span.start as u64,
        };
        // Per owner, per lane, the ends of the spans open on it, innermost last.
        let mut open: HashMap<Owner, Vec<Vec<u64>>> = HashMap::new();
        let mut lane_of = HashMap::new();
        for span in &self.spans {
            let (start, end) = (span.start as u64, end_key(span));
            let lanes = open.entry(span.owner).or_default();
            let mut lane = None;
            for (k, stack) in lanes.iter_mut().enumerate() {
                while stack.last().is_some_and(|&top| top < start) {
                    stack.pop();
                }
                if stack.last().is_none_or(|&top| top > end) {
                    stack.push(end);
                    lane = Some(k);
                    break;
                }
            }
            let lane = lane.unwrap_or_else(|| {
                lanes.push(vec![end]);
                lanes.len() - 1
            });
            lane_of.insert(span.id, lane);
        }
        let counts = open
            .into_iter()
            .map(|(o, lanes)| (o, lanes.len()))
            .collect();
        (counts, lane_of)
    }

    fn layout(self) -> Layout {
        let mut layout = Layout {
            tracks: vec![
                (RUNTIME_TID, "runtime".to_string()),
                (REACTOR_TID, "reactor".to_string()),
                (TIMERS_TID, "timers".to_string()),
            ],
            ..Layout::default()
        };
        let (lane_counts, lane_of) = self.lanes();
        let mut phases: HashMap<Owner, Vec<u64>> = HashMap::new();
        let mut next_tid = TASK_TID_BASE;
        let mut visited = HashSet::new();
        let mut stack: Vec<Owner> = self.tasks.iter().rev().map(|&t| Owner::Task(t)).collect();
        while let Some(owner) = stack.pop() {
            if !visited.insert(owner) {
                continue;
            }
            let name = self.name(owner);
            layout.polls.insert(owner, next_tid);
            layout.tracks.push((next_tid, name.clone()));
            next_tid += 1;
            for lane in 0..lane_counts.get(&owner).copied().unwrap_or(0) {
                let track = match lane {
                    0 => format!("{name} · phases"),
                    k => format!("{name} · phases {}", k + 1),
                };
                layout.tracks.push((next_tid, track));
                phases.entry(owner).or_default().push(next_tid);
                next_tid += 1;
            }
            layout.names.insert(owner, name);
            if let Owner::Child(child) = owner {
                layout.paths.insert(child, self.path(child));
            }
            stack.extend(self.kids(owner).into_iter().rev().map(Owner::Child));
        }
        for span in &self.spans {
            let tid = phases.get(&span.owner).zip(lane_of.get(&span.id));
            if let Some(tid) = tid.and_then(|(tids, &lane)| tids.get(lane)) {
                layout.spans.insert(span.id, *tid);
            }
        }
        layout
    }
}
