//! What the runtime can say about a task that is not finished.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use crate::trace::TaskId;

/// What a task registered its waker with during its last poll, as a set of flags.
///
/// Timers, sockets, channels and `JoinHandle`s record themselves here when they store a
/// waker, so a report can say what each task waits on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitsOn(pub(crate) u8);

impl WaitsOn {
    /// Nothing recorded: a future the runtime does not know stored the waker (or none did).
    pub const UNKNOWN: WaitsOn = WaitsOn(0);
    /// A timer (`sleep`, `timeout`, `interval`).
    pub const TIMER: WaitsOn = WaitsOn(1);
    /// A socket's readiness.
    pub const SOCKET: WaitsOn = WaitsOn(2);
    /// A channel, queue or semaphore of [`crate::sync`].
    pub const CHANNEL: WaitsOn = WaitsOn(4);
    /// Another task's [`JoinHandle`](crate::JoinHandle).
    pub const TASK: WaitsOn = WaitsOn(8);

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: WaitsOn) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) fn with(self, other: WaitsOn) -> WaitsOn {
        WaitsOn(self.0 | other.0)
    }
}

impl fmt::Display for WaitsOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (WaitsOn::TIMER, "timer"),
            (WaitsOn::SOCKET, "socket"),
            (WaitsOn::CHANNEL, "channel"),
            (WaitsOn::TASK, "task"),
        ];
        let mut first = true;
        for (flag, name) in names {
            if self.contains(flag) && flag.0 != 0 {
                f.write_str(if first { "" } else { "|" })?;
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("unknown")?;
        }
        Ok(())
    }
}

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
    /// How many wakers for it are alive (held by anything but another task's join slot).
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
        if self.live_wakers == 0 {
            f.write_str(" (no waker alive: nothing can wake it)")?;
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
