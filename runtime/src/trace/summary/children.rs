//! What each combinator child did, and what it is called: the summary's rows under a task,
//! and the timeline's `main › hero 4`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::Duration;

use super::{Summary, WakesByCause};
use crate::trace::{ChildId, Event, Outcome, PollResult, TaskId};

/// What one combinator child did, accumulated from its events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChildStats {
    /// Its [`label`](crate::instrument::label), if it gave one.
    pub label: Option<Arc<str>>,
    /// How many times its combinator polled it.
    pub polls: u32,
    /// Wakes that queued it for its combinator's next round (a wake that found it queued
    /// already is not counted).
    pub wakes: WakesByCause,
    /// Total time spent inside its polls.
    pub busy: Duration,
    /// When it was first polled.
    pub started: Option<Duration>,
    /// When and how it ended, if it has.
    pub ended: Option<(Duration, Outcome)>,
    /// When the poll in progress started; `None` between polls.
    poll_started: Option<Duration>,
}

/// One combinator: where it runs.
#[derive(Clone, Debug)]
struct Group {
    task: TaskId,
    parent: Option<ChildId>,
}

/// Every child seen, by id, and the combinators they belong to.
#[derive(Clone, Debug, Default)]
pub(super) struct Children {
    groups: HashMap<u32, Group>,
    children: BTreeMap<ChildId, ChildStats>,
    /// The child polls in progress, innermost last, with their task.
    polling: Vec<(TaskId, ChildId)>,
}

impl Children {
    /// Adds one child-level event; others are ignored.
    pub(super) fn record(&mut self, at: Duration, event: &Event) {
        match event {
            Event::Children {
                task,
                group,
                parent,
                ..
            } => {
                let group_info = Group {
                    task: *task,
                    parent: *parent,
                };
                self.groups.insert(*group, group_info);
            }
            Event::ChildPoll { task, child } => {
                self.polling.push((*task, *child));
                let stats = self.children.entry(*child).or_default();
                stats.polls = stats.polls.saturating_add(1);
                stats.poll_started = Some(at);
                stats.started.get_or_insert(at);
            }
            Event::ChildPollEnd { child, result, .. } => {
                if let Some(at) = self.polling.iter().rposition(|(_, c)| c == child) {
                    self.polling.truncate(at);
                }
                let stats = self.children.entry(*child).or_default();
                if let Some(started) = stats.poll_started.take() {
                    stats.busy += at.saturating_sub(started);
                }
                if *result == PollResult::Ready && stats.ended.is_none() {
                    stats.ended = Some((at, Outcome::Completed));
                }
            }
            Event::ChildWoken {
                child,
                cause,
                already_queued: false,
                ..
            } => self.children.entry(*child).or_default().wakes.count(*cause),
            Event::ChildLabel { child, label, .. } => {
                self.children.entry(*child).or_default().label = Some(label.clone());
            }
            Event::ChildFinished { child, outcome, .. } => {
                self.children.entry(*child).or_default().ended = Some((at, *outcome));
            }
            _ => {}
        }
    }

    /// The innermost child of `task` being polled now, if any.
    pub(super) fn polling(&self, task: TaskId) -> Option<ChildId> {
        match self.polling.last() {
            Some((t, child)) if *t == task => Some(*child),
            _ => None,
        }
    }

    pub(super) fn get(&self, child: ChildId) -> Option<&ChildStats> {
        self.children.get(&child)
    }

    /// Every child of `task`'s combinators, in the order their combinators were first
    /// polled, then by input position.
    pub(super) fn of_task(&self, task: TaskId) -> impl Iterator<Item = (ChildId, &ChildStats)> {
        self.children
            .iter()
            .filter(move |(id, _)| self.task_of(**id) == Some(task))
            .map(|(id, stats)| (*id, stats))
    }

    fn task_of(&self, child: ChildId) -> Option<TaskId> {
        self.groups.get(&child.group).map(|group| group.task)
    }

    /// Writes `child`'s own name: its label, or `child N` (its input position).
    fn write_name(&self, out: &mut String, child: ChildId) {
        match self.children.get(&child).and_then(|c| c.label.as_ref()) {
            Some(label) => out.push_str(label),
            None => {
                let _ = write!(out, "child {}", child.index);
            }
        }
    }

    /// Writes the names of `child` and the children it runs inside, outermost first,
    /// each after ` › `.
    pub(super) fn write_path(&self, out: &mut String, child: ChildId) {
        let mut chain = vec![child];
        let mut at = child;
        // Guarded against a cycle, which a well-formed stream cannot contain.
        while let Some(parent) = self.groups.get(&at.group).and_then(|g| g.parent) {
            if chain.len() > 64 || chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            at = parent;
        }
        for id in chain.iter().rev() {
            out.push_str(" › ");
            self.write_name(out, *id);
        }
    }
}

/// `main › hero 4`: a child's task and the names down to it; see [`Summary::child_label`].
pub(crate) struct ChildLabel<'a> {
    pub(super) summary: &'a Summary,
    pub(super) child: ChildId,
}

impl fmt::Display for ChildLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let children = &self.summary.children;
        let mut out = String::new();
        match children.task_of(self.child) {
            Some(task) => {
                let _ = write!(out, "{}", self.summary.label(task));
            }
            None => out.push('?'),
        }
        children.write_path(&mut out, self.child);
        f.write_str(&out)
    }
}
