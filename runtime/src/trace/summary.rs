//! Per-task statistics accumulated from the event stream: what [`Timeline`] prints when the
//! runtime is dropped.
//!
//! [`Timeline`]: super::Timeline

mod children;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{ChildId, Event, Outcome, PollResult, TaskId, WakeCause};
pub(crate) use children::ChildLabel;
pub use children::ChildStats;
use children::Children;

/// How many wakes queued a task, by who called the waker (see [`WakeCause`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WakesByCause {
    /// By code running in a task's poll (itself, a channel sender, a finished task it joins).
    pub task: u32,
    /// By the reactor, for socket readiness.
    pub io: u32,
    /// By an expired timer.
    pub timer: u32,
    /// By another thread (a `spawn_blocking` job, a std thread).
    pub thread: u32,
    /// By the runtime itself (`abort`, a spawn from outside `block_on`).
    pub runtime: u32,
}

impl WakesByCause {
    /// All wakes, whatever their cause.
    pub fn total(&self) -> u32 {
        self.task + self.io + self.timer + self.thread + self.runtime
    }

    pub(crate) fn count(&mut self, cause: WakeCause) {
        let counter = match cause {
            WakeCause::Task(_) => &mut self.task,
            WakeCause::Io { .. } => &mut self.io,
            WakeCause::Timer(_) => &mut self.timer,
            WakeCause::Thread => &mut self.thread,
            WakeCause::Runtime => &mut self.runtime,
        };
        *counter = counter.saturating_add(1);
    }
}

impl fmt::Display for WakesByCause {
    /// The non-zero counts, e.g. `timer 2, task 1`; `-` when there were none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = [
            ("task", self.task),
            ("io", self.io),
            ("timer", self.timer),
            ("thread", self.thread),
            ("runtime", self.runtime),
        ];
        let mut first = true;
        for (cause, n) in counts.into_iter().filter(|&(_, n)| n > 0) {
            if !first {
                f.write_str(", ")?;
            }
            write!(f, "{cause} {n}")?;
            first = false;
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
    }
}

/// What one task did, accumulated from its events.
///
/// Under the virtual clock time stands still while tasks run, so `busy` and the latencies
/// are zero there: they measure real work only under the real clock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskStats {
    /// The name it was spawned with.
    pub name: Option<Arc<str>>,
    /// How many times it was polled.
    pub polls: u32,
    /// Wakes that queued it (wakes that did nothing are not counted).
    pub wakes: WakesByCause,
    /// Total time spent inside its polls.
    pub busy: Duration,
    /// How many wake→poll latencies were measured: one per poll that followed a wake.
    pub latencies: u32,
    /// The sum of those latencies, from the first wake after a poll to the next poll.
    pub latency_total: Duration,
    /// The longest of them.
    pub latency_max: Duration,
    /// How it ended, if it has (`block_on`'s future never gets a `Finished` event; its
    /// end is its `Ready` poll).
    pub outcome: Option<Outcome>,
    /// What its latest poll returned.
    pub last_result: Option<PollResult>,
    /// When the poll in progress started; `None` between polls.
    poll_started: Option<Duration>,
    /// When its first poll started.
    first_poll: Option<Duration>,
    /// When it ended: its `Finished` event, or (for `main`) its `Ready` poll.
    ended_at: Option<Duration>,
    /// When the first wake since its last poll started queued it; `None` when not queued
    /// by a wake (a fresh spawn, or already polled since).
    woken_at: Option<Duration>,
}

impl TaskStats {
    /// The mean wake→poll latency, if any was measured.
    pub fn mean_latency(&self) -> Option<Duration> {
        (self.latencies > 0).then(|| self.latency_total / self.latencies)
    }

    /// `completed`, `aborted`, `panicked`, or `pending` for a task still unfinished.
    fn end(&self) -> &'static str {
        match (self.outcome, self.last_result) {
            (Some(Outcome::Completed), _) | (None, Some(PollResult::Ready)) => "completed",
            (Some(Outcome::Aborted), _) => "aborted",
            (Some(Outcome::Panicked), _) | (None, Some(PollResult::Panicked)) => "panicked",
            (None, _) => "pending",
        }
    }
}

/// Per-task statistics of one runtime, accumulated event by event.
///
/// [`Timeline`](super::Timeline) keeps one and prints it when the runtime is dropped; any
/// other event source works too:
///
/// ```
/// use runtime::trace::{Recorder, Summary, TaskId};
///
/// let recorder = Recorder::new();
/// let rt = runtime::Runtime::builder().on_event(recorder.clone()).build()?;
/// rt.block_on(async { runtime::spawn(runtime::yield_now()).await.unwrap() });
///
/// let mut summary = Summary::new();
/// for record in recorder.records() {
///     summary.record(record.at, &record.event);
/// }
/// let t1 = summary.task(TaskId(1)).unwrap();
/// assert_eq!((t1.polls, t1.wakes.task), (2, 1)); // yield_now wakes its own task once
/// println!("{summary}");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Every task seen in an event, indexed by id: ids count up from 0 (`main`), so this
    /// is dense, and `main` comes first, then spawn order.
    tasks: Vec<Option<TaskStats>>,
    /// Every combinator child seen, and the combinators they belong to.
    children: Children,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Summary {
        Summary::default()
    }

    /// Adds one event that happened `at` (time since the runtime was built).
    pub fn record(&mut self, at: Duration, event: &Event) {
        match event {
            Event::Spawned { task, name, .. } => self.entry(*task).name = name.clone(),
            Event::PollStart { task } => {
                let stats = self.entry(*task);
                stats.polls = stats.polls.saturating_add(1);
                stats.poll_started = Some(at);
                stats.first_poll.get_or_insert(at);
                if let Some(woken_at) = stats.woken_at.take() {
                    let latency = at.saturating_sub(woken_at);
                    stats.latencies = stats.latencies.saturating_add(1);
                    stats.latency_total += latency;
                    stats.latency_max = stats.latency_max.max(latency);
                }
            }
            Event::PollEnd { task, result, .. } => {
                let stats = self.entry(*task);
                if let Some(started) = stats.poll_started.take() {
                    stats.busy += at.saturating_sub(started);
                }
                stats.last_result = Some(*result);
                if *result != PollResult::Pending {
                    stats.ended_at.get_or_insert(at);
                }
            }
            Event::Woken { task, cause } => {
                let stats = self.entry(*task);
                stats.wakes.count(*cause);
                stats.woken_at.get_or_insert(at);
            }
            Event::Finished { task, outcome } => {
                let stats = self.entry(*task);
                stats.outcome = Some(*outcome);
                stats.woken_at = None;
                stats.ended_at.get_or_insert(at);
            }
            other => self.children.record(at, other),
        }
    }

    /// The statistics of one combinator child, if it appeared in any event.
    pub fn child(&self, id: ChildId) -> Option<&ChildStats> {
        self.children.get(id)
    }

    /// Every child of `task`'s combinators, by combinator (in the order they were first
    /// polled), then by input position.
    pub fn children_of(&self, task: TaskId) -> impl Iterator<Item = (ChildId, &ChildStats)> {
        self.children.of_task(task)
    }

    /// The innermost combinator child of `task` whose poll is in progress, if any.
    pub(crate) fn polling_child(&self, task: TaskId) -> Option<ChildId> {
        self.children.polling(task)
    }

    /// `main › hero 4`: the child's task, then each enclosing child's name and its own (a
    /// label, or `child N`).
    pub(crate) fn child_label(&self, child: ChildId) -> ChildLabel<'_> {
        ChildLabel {
            summary: self,
            child,
        }
    }

    /// The statistics of one task, if it appeared in any event.
    pub fn task(&self, id: TaskId) -> Option<&TaskStats> {
        self.tasks.get(index(id)).and_then(Option::as_ref)
    }

    /// Every task seen so far, `main` first, then in spawn order.
    pub fn tasks(&self) -> impl Iterator<Item = (TaskId, &TaskStats)> + '_ {
        self.tasks
            .iter()
            .enumerate()
            .filter_map(|(i, stats)| Some((TaskId(i as u64), stats.as_ref()?)))
    }

    /// The name a task was spawned with.
    pub(crate) fn name(&self, id: TaskId) -> Option<&Arc<str>> {
        self.task(id).and_then(|stats| stats.name.as_ref())
    }

    /// `t3 "name"` (the name quoted and escaped as in Rust source), `t3`, or `main`.
    pub(crate) fn label(&self, id: TaskId) -> Label<'_> {
        Label {
            id,
            name: self.name(id),
        }
    }

    fn entry(&mut self, id: TaskId) -> &mut TaskStats {
        let i = index(id);
        if i >= self.tasks.len() {
            self.tasks.resize_with(i + 1, || None);
        }
        self.tasks[i].get_or_insert_with(TaskStats::default)
    }
}

impl fmt::Display for Summary {
    /// A table, one row per task and, under it, one per combinator child: polls, wakes and
    /// their causes, busy time, mean and longest wake→poll latency (tasks only), time from
    /// first poll to end, and how it ended. Ends with a newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rows: Vec<[String; 9]> = Vec::new();
        let (mut tasks, mut children) = (0, 0);
        for (id, stats) in self.tasks() {
            tasks += 1;
            rows.push([
                self.label(id).to_string(),
                stats.polls.to_string(),
                stats.wakes.total().to_string(),
                stats.wakes.to_string(),
                micros(stats.busy),
                stats.mean_latency().map_or_else(|| "-".into(), micros),
                match stats.latencies {
                    0 => "-".into(),
                    _ => micros(stats.latency_max),
                },
                span(stats.first_poll, stats.ended_at),
                stats.end().to_string(),
            ]);
            for (child, c) in self.children_of(id) {
                children += 1;
                rows.push([
                    self.child_label(child).to_string(),
                    c.polls.to_string(),
                    c.wakes.total().to_string(),
                    c.wakes.to_string(),
                    micros(c.busy),
                    "-".into(),
                    "-".into(),
                    span(c.started, c.ended.map(|(at, _)| at)),
                    match c.ended {
                        Some((_, Outcome::Completed)) => "completed",
                        Some((_, Outcome::Aborted)) => "dropped",
                        Some((_, Outcome::Panicked)) => "panicked",
                        None => "pending",
                    }
                    .to_string(),
                ]);
            }
        }
        let header = [
            "task",
            "polls",
            "wakes",
            "by cause",
            "busy",
            "wake→poll avg",
            "max",
            "first poll→end",
            "end",
        ];
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let plural = |n: usize, one: &'static str, many: &'static str| match n {
            1 => one,
            _ => many,
        };
        write!(
            f,
            "per-task summary ({tasks} {}",
            plural(tasks, "task", "tasks")
        )?;
        if children > 0 {
            write!(f, ", {children} {}", plural(children, "child", "children"))?;
        }
        writeln!(f, "):")?;
        write_row(f, &header, &widths)?;
        for row in &rows {
            write_row(f, row, &widths)?;
        }
        Ok(())
    }
}

/// The time from `start` to `end`, or `-` when either is unknown.
fn span(start: Option<Duration>, end: Option<Duration>) -> String {
    match (start, end) {
        (Some(start), Some(end)) => micros(end.saturating_sub(start)),
        _ => "-".into(),
    }
}

/// Where a task's statistics are kept in [`Summary::tasks`].
fn index(id: TaskId) -> usize {
    usize::try_from(id.0).expect("task ids fit in memory")
}

/// A task's id and, if it has one, its name; see [`Summary::label`].
pub(crate) struct Label<'a> {
    id: TaskId,
    name: Option<&'a Arc<str>>,
}

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => write!(f, "{} {name:?}", self.id),
            None => write!(f, "{}", self.id),
        }
    }
}

/// One table row: text columns (task, causes, end) left-aligned, numbers right-aligned.
fn write_row(
    f: &mut fmt::Formatter<'_>,
    cells: &[impl AsRef<str>],
    widths: &[usize],
) -> fmt::Result {
    let mut line = String::new();
    for (i, (cell, &width)) in cells.iter().zip(widths).enumerate() {
        let cell = cell.as_ref();
        let pad = width - cell.chars().count();
        line.push_str("  ");
        if matches!(i, 0 | 3 | 8) {
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', pad));
        } else {
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(cell);
        }
    }
    writeln!(f, "{}", line.trim_end())
}

/// A duration in milliseconds to the microsecond: `0.012 ms`, `476.174 ms`.
pub(crate) fn micros(d: Duration) -> String {
    super::timeline::Ms(d).to_string()
}
