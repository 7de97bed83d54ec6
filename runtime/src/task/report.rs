//! What the runtime can say about a task that is not finished.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use super::{TaskId, WaitsOn};

/// One unfinished task in a [`Stuck`] report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskReport {
    /// The task (`main` is the `block_on` future).
    pub id: TaskId,
    /// Its name, if it was given one.
    pub name: Option<Arc<str>>,
    /// How many times it was polled.
    pub polls: u32,
    /// What its last poll registered its waker with.
    pub waits_on: WaitsOn,
    /// How many wakers for it are alive. In a [`Stuck`] report each of them sits in the
    /// join slot of a task that is stuck itself (awaiting that task's `JoinHandle`), since
    /// a waker held anywhere else could still fire; 0 means none exists at all.
    pub live_wakers: usize,
    /// Where it was spawned (`None` for `main`).
    pub spawned_at: Option<&'static Location<'static>>,
}

impl TaskReport {
    /// `t3 "name"`, or `t3` for an unnamed task.
    pub(crate) fn id_and_name(&self) -> String {
        match &self.name {
            Some(name) => format!("{} \"{name}\"", self.id),
            None => self.id.to_string(),
        }
    }
}

impl fmt::Display for TaskReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} polls, waits on {}",
            self.id_and_name(),
            self.polls,
            self.waits_on
        )?;
        match self.live_wakers {
            0 => f.write_str(" (no waker alive: nothing can wake it)")?,
            1 => f.write_str(" (its one waker is held by a stuck task)")?,
            n => write!(f, " (its {n} wakers are held by stuck tasks)")?,
        }
        if let Some(at) = self.spawned_at {
            write!(f, ", spawned at {at}")?;
        }
        Ok(())
    }
}

/// `block_on`'s future is pending and nothing can ever wake anything: no task is runnable,
/// no timer is pending, no socket has a waiting task, no blocking job is running, and no
/// waker is alive outside the join slots of tasks that are themselves stuck.
///
/// [`Runtime::try_block_on`](crate::Runtime::try_block_on) returns it;
/// [`Runtime::block_on`](crate::Runtime::block_on) panics with it. The check is
/// conservative: it never fires for a program that could still progress, but a cycle
/// through a channel (two tasks each holding the other's waker) keeps it silent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stuck {
    /// Every unfinished task, `main` first.
    pub tasks: Vec<TaskReport>,
}

impl fmt::Display for Stuck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "block_on is stuck: its future is pending and nothing can wake any task"
        )?;
        for task in &self.tasks {
            writeln!(f, "  {task}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Stuck {}
