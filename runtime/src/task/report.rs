//! What the runtime can say about the tasks that are not finished: where each is parked,
//! what could wake it, and, when nothing can, why.
//!
//! `executor/wait_graph.rs` builds these from the wait-for graph; this file only says them.

use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use super::{AwaitPoint, TaskId, WaitsOn};

/// What a task is doing when the report is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// Being polled right now (the task that asked for the report).
    Running,
    /// In the run queue: it will be polled.
    Queued,
    /// Waiting for a wake.
    Parked,
}

/// One place where a waker of a task (or of one of its combinator children) sits, in a
/// primitive of the runtime: a semaphore, a channel, another task's join slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    /// The combinator child that parked it (`child 2 of its gather`), or `None` for the
    /// task itself.
    pub child: Option<String>,
    /// The labels ([`label`](crate::instrument::label)) and open spans
    /// ([`span`](crate::instrument::span)) it parked inside, outermost first.
    pub stack: Vec<String>,
    /// The leaf future that parked, and the line that created it.
    pub point: AwaitPoint,
    /// The resource: `semaphore created at src/x.rs:12`.
    pub resource: String,
    /// Who could release it, as far as the runtime knows: `held by t2`, `whose sender
    /// (created at src/x.rs:10 by main) is still alive`. Empty when the wait names it
    /// already (a join of t2).
    pub release: String,
    /// The tasks that could release it: the holders of a semaphore's permits, the tasks
    /// that made a channel's senders (a sender may have moved since), the awaited task.
    pub waits_for: Vec<TaskId>,
}

/// One unfinished task in a [`Stuck`] report or a [`Report`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskReport {
    /// The task (`main` is the `block_on` future).
    pub id: TaskId,
    /// Its name, if it was given one.
    pub name: Option<Arc<str>>,
    /// Whether it runs, is queued, or waits.
    pub state: TaskState,
    /// How many times it was polled.
    pub polls: u32,
    /// What its last poll registered its waker with.
    pub waits_on: WaitsOn,
    /// How many wakers for it (and its combinator children) are alive.
    pub live_wakers: usize,
    /// Where its wakers sit in the runtime's own primitives, each with its await point.
    pub parked: Vec<Wait>,
    /// How many of its wakers are held where the runtime cannot see: by a timer, a socket,
    /// a blocking job, another thread, or the program's own code.
    pub outside_wakers: usize,
    /// Where it was spawned (`None` for `main`).
    pub spawned_at: Option<&'static Location<'static>>,
    /// The type of its future, shortened: `async code in deadlock::main`.
    pub future: String,
}

impl TaskReport {
    /// `t3 "name"`, or `t3` for an unnamed task.
    pub(crate) fn id_and_name(&self) -> String {
        match &self.name {
            Some(name) => format!("{} \"{name}\"", self.id),
            None => self.id.to_string(),
        }
    }

    /// The sentence of the "why" lines: what this task waits on, and who could release it.
    pub(crate) fn sentence(&self) -> String {
        let who = self.id_and_name();
        if !self.parked.is_empty() {
            let waits: Vec<String> = self.parked.iter().map(Wait::clause).collect();
            return format!("{who} {}", waits.join(" and "));
        }
        match (self.outside_wakers, self.live_wakers) {
            (0, 0) => format!("{who} is parked with no waker alive: nothing can wake it"),
            (0, _) => format!("{who} is parked"),
            (1, _) => format!("{who} is parked, its waker held outside the runtime"),
            (n, _) => format!("{who} is parked, its {n} wakers held outside the runtime"),
        }
    }
}

impl Wait {
    /// Where in the task it parked: `child 3 of its gather › hero 4 › request`.
    fn place(&self) -> Option<String> {
        let parts: Vec<&str> = self
            .child
            .iter()
            .chain(&self.stack)
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" › "))
    }

    /// `waits on semaphore acquire (src/x.rs:24), held by t2`.
    fn clause(&self) -> String {
        let who = self.place().map(|c| format!("({c}) ")).unwrap_or_default();
        let release = match self.release.is_empty() {
            true => String::new(),
            false => format!(", {}", self.release),
        };
        format!("{who}waits on {}{release}", self.point)
    }
}

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(place) = self.place() {
            write!(f, "{place}: ")?;
        }
        write!(f, "waits on {}: {}", self.point, self.resource)?;
        if !self.release.is_empty() {
            write!(f, ", {}", self.release)?;
        }
        Ok(())
    }
}

impl fmt::Display for TaskReport {
    /// The task's line, then one indented line per place it waits:
    ///
    /// ```text
    /// t1 "left": parked, 2 polls, spawned at examples/deadlock.rs:20 (async code in deadlock::worker)
    ///     waits on semaphore acquire (examples/deadlock.rs:24): semaphore created at …, held by t2
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            TaskState::Running => "running",
            TaskState::Queued => "queued",
            TaskState::Parked => "parked",
        };
        let polls = match self.polls {
            1 => "1 poll".to_owned(),
            n => format!("{n} polls"),
        };
        write!(f, "{}: {state}, {polls}", self.id_and_name())?;
        if let Some(at) = self.spawned_at {
            write!(f, ", spawned at {}", file_line(at))?;
        }
        write!(f, " ({})", self.future)?;
        if self.state != TaskState::Parked {
            return Ok(());
        }
        for wait in &self.parked {
            write!(f, "\n    {wait}")?;
        }
        match self.outside_wakers {
            0 if self.live_wakers == 0 => {
                f.write_str("\n    no waker for it is alive: nothing can wake it")?;
            }
            0 => {}
            n => {
                let s = if n == 1 { "" } else { "s" };
                write!(
                    f,
                    "\n    {n} waker{s} held outside the runtime's primitives "
                )?;
                match self.waits_on {
                    // Given to a future the runtime does not know: code of the program's.
                    WaitsOn::UNKNOWN => f.write_str("(by the program's own code)")?,
                    kinds => write!(f, "(waits on {kinds})")?,
                }
            }
        }
        Ok(())
    }
}

/// `block_on`'s future is pending and nothing can ever wake anything: no task is runnable,
/// no timer is pending, no socket has a waiting task, no blocking job is running, and every
/// waker of every task sits in the runtime's own primitives (semaphores, channels, join
/// slots, combinators), which only a task of this thread could release.
///
/// [`Runtime::try_block_on`](crate::Runtime::try_block_on) returns it;
/// [`Runtime::block_on`](crate::Runtime::block_on) panics with it. The verdict is exact:
/// it never fires while a timer, a socket, a blocking job, another thread or a waker kept
/// by the program's own code could still wake a task. (For those, see the stall watchdog,
/// [`Builder::stall_watchdog`](crate::Builder::stall_watchdog).)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stuck {
    /// Every unfinished task, `main` first.
    pub tasks: Vec<TaskReport>,
    /// Why nothing can go on: each chain of waits from `main` (and every cycle), in words.
    pub why: Vec<String>,
}

impl fmt::Display for Stuck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "block_on is stuck: its future is pending and nothing can wake any task"
        )?;
        write_body(f, &self.tasks, &self.why)
    }
}

impl std::error::Error for Stuck {}

/// What [`Runtime::dump`](crate::Runtime::dump) says, and the stall watchdog prints: every
/// unfinished task, where it waits, and a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Whether something can still wake a task.
    pub verdict: Verdict,
    /// Every unfinished task, `main` first when `block_on` runs.
    pub tasks: Vec<TaskReport>,
    /// The chains of waits from `main` (and every cycle), in words.
    pub why: Vec<String>,
}

/// The verdict of a [`Report`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// A task is runnable, or a timer, socket, blocking job or another thread can wake one.
    Running,
    /// Nothing the runtime can see will wake a task, but a waker is held where it cannot
    /// see (the program's own code): nothing is proven. The reason says where.
    PossiblyStuck(String),
    /// Nothing can wake any task: see [`Stuck`].
    Stuck,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.verdict {
            Verdict::Running => writeln!(f, "tinyloop: {} unfinished", tasks(self.tasks.len()))?,
            Verdict::PossiblyStuck(reason) => writeln!(f, "tinyloop: possibly stuck: {reason}")?,
            Verdict::Stuck => writeln!(f, "tinyloop: stuck: nothing can wake any task")?,
        }
        write_body(f, &self.tasks, &self.why)
    }
}

/// `src/x.rs:12`: a line, as await points show it (no column).
pub(crate) fn file_line(at: &Location<'_>) -> String {
    format!("{}:{}", at.file(), at.line())
}

fn tasks(n: usize) -> String {
    match n {
        1 => "1 task".to_owned(),
        n => format!("{n} tasks"),
    }
}

/// The task lines, then the why lines.
fn write_body(f: &mut fmt::Formatter<'_>, tasks: &[TaskReport], why: &[String]) -> fmt::Result {
    for task in tasks {
        writeln!(f, "  {task}")?;
    }
    for line in why {
        writeln!(f, "why: {line}")?;
    }
    Ok(())
}

/// The chains of waits, from `main` first: each task's sentence, following who could
/// release it, ending where nothing can, or where the chain comes back (a cycle).
pub(crate) fn why(reports: &[TaskReport]) -> Vec<String> {
    let index_of: HashMap<TaskId, usize> =
        reports.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut visited = vec![false; reports.len()];
    let mut lines = Vec::new();
    for start in 0..reports.len() {
        if visited[start] || reports[start].state != TaskState::Parked {
            continue;
        }
        let mut path = vec![start];
        visited[start] = true;
        let mut ending = String::new();
        loop {
            let current = &reports[*path.last().expect("not empty")];
            let next = current
                .parked
                .iter()
                .flat_map(|w| w.waits_for.iter())
                .filter_map(|t| index_of.get(t).copied())
                .find(|&i| i != *path.last().expect("not empty"));
            match next {
                Some(i) if path.contains(&i) => {
                    ending = format!(
                        ": a cycle back to {}, so none of them can go on",
                        reports[i].id_and_name()
                    );
                    break;
                }
                Some(i) if !visited[i] => {
                    visited[i] = true;
                    path.push(i);
                }
                _ => break,
            }
        }
        let sentences: Vec<String> = path.iter().map(|&i| reports[i].sentence()).collect();
        lines.push(format!("{}{ending}", sentences.join("; ")));
    }
    lines
}

/// A future's type as a report shows it: `async code in deadlock::main` for the state
/// machine of an `async` block or fn, else the type without its generic arguments.
pub(crate) fn short_type(name: &str) -> String {
    let base = name.split('<').next().unwrap_or(name);
    match base.strip_suffix("::{{closure}}") {
        Some(mut path) => {
            while let Some(outer) = path.strip_suffix("::{{closure}}") {
                path = outer;
            }
            format!("async code in {path}")
        }
        None => base.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::short_type;

    #[test]
    fn a_future_type_is_named_without_generics_and_closures() {
        assert_eq!(
            short_type("deadlock::main::{{closure}}::{{closure}}"),
            "async code in deadlock::main"
        );
        assert_eq!(
            short_type("core::future::pending::Pending<()>"),
            "core::future::pending::Pending"
        );
    }
}
