//! The runtime's state at each event, rebuilt from the events alone: what the HTML replay's
//! side panels show, as a state machine tests can drive.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::chrome::json::json_str;
use super::{Event, WakeCause};
use crate::task::{Await, AwaitPoint, ChildId, TaskId};

/// Rebuilds, event by event, what the runtime holds: the task (and child) being polled,
/// the run queue in order, the sockets waited on, the timers armed, the blocking jobs in
/// flight. The HTML replay ([`HtmlTrace`](super::HtmlTrace)) applies the same rules in
/// the page.
///
/// ```
/// use runtime::trace::{Recorder, Stepper};
///
/// let recorder = Recorder::all();
/// let rt = runtime::Runtime::builder().on_event(recorder.clone()).build()?;
/// rt.block_on(async {
///     let a = runtime::spawn(async {});
///     let b = runtime::spawn(async {});
///     let _ = (a.await, b.await);
/// });
/// let mut stepper = Stepper::new();
/// for event in recorder.events().iter().take(4) {
///     stepper.apply(event); // poll main, spawn t1, spawn t2, pending main
/// }
/// let queue: Vec<u64> = stepper.run_queue().iter().map(|t| t.0).collect();
/// assert_eq!(queue, [1, 2]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Stepper {
    polling: Option<TaskId>,
    /// The children being polled, innermost last, per task.
    children: HashMap<TaskId, Vec<ChildId>>,
    queue: Vec<TaskId>,
    interests: Vec<SocketWait>,
    timers: Vec<ArmedTimer>,
    blocking: Vec<BlockingWait>,
}

/// A wait on a blocking job ([`spawn_blocking`](crate::spawn_blocking)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockingWait {
    /// The task waiting.
    pub task: TaskId,
    /// The combinator child waiting, if any.
    pub child: Option<ChildId>,
    /// The await point: `blocking job (src/x.rs:12)`.
    pub wait: String,
    /// Started during the task's current (or last) poll: its `Pending` passes the same
    /// wait on, which is not a second job.
    fresh: bool,
}

/// A socket waited on: its token, the direction, and who waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketWait {
    /// The socket's mio token.
    pub token: usize,
    /// Waiting to write (or connect) rather than to read (or accept).
    pub writable: bool,
    /// The task whose poll stored the waker, if it was known.
    pub task: Option<TaskId>,
    /// The combinator child being polled then, if any.
    pub child: Option<ChildId>,
}

/// A timer armed and not yet fired or cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArmedTimer {
    /// The timer's id (`timer#N`).
    pub timer: u64,
    /// When it fires, as time since the runtime was built.
    pub deadline: Duration,
    /// The task that armed it, if known.
    pub task: Option<TaskId>,
    /// The combinator child being polled then, if any.
    pub child: Option<ChildId>,
}

impl Stepper {
    /// The state before any event.
    pub fn new() -> Stepper {
        Stepper::default()
    }

    /// The state after `event`.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Spawned { task, .. } | Event::Requeued { task } => self.enqueue(*task),
            Event::Woken { task, cause } => {
                // A task woken during its own poll is queued after the poll (`Requeued`).
                if self.polling != Some(*task) {
                    self.enqueue(*task);
                }
                self.woken(*task, None, cause);
            }
            Event::WakeIgnored { task, cause, .. } => self.woken(*task, None, cause),
            Event::ChildWoken {
                task, child, cause, ..
            } => self.woken(*task, Some(*child), cause),
            Event::PollStart { task } => {
                self.queue.retain(|t| t != task);
                self.blocking
                    .retain(|b| b.task != *task || b.child.is_some());
                for wait in self.blocking.iter_mut() {
                    wait.fresh &= wait.task != *task;
                }
                self.polling = Some(*task);
            }
            Event::PollEnd { task, waits_on, .. } => {
                self.start_blocking(*task, None, waits_on.as_ref());
                self.polling = None;
                self.children.remove(task);
            }
            Event::ChildPoll { task, child } => {
                self.children.entry(*task).or_default().push(*child);
            }
            Event::ChildPollEnd {
                task,
                child,
                waits_on,
                ..
            } => {
                self.start_blocking(*task, Some(*child), waits_on.as_ref());
                self.children.get_mut(task).and_then(Vec::pop);
            }
            Event::Finished { task, .. } => self.queue.retain(|t| t != task),
            Event::TimerArmed {
                timer,
                deadline,
                task,
            } => {
                let child = self.child_of(*task);
                let (timer, deadline, task) = (*timer, *deadline, *task);
                self.timers.retain(|t| t.timer != timer);
                self.timers.push(ArmedTimer {
                    timer,
                    deadline,
                    task,
                    child,
                });
                self.timers.sort_by_key(|t| (t.deadline, t.timer));
            }
            Event::TimerFired { timer } | Event::TimerCancelled { timer } => {
                self.timers.retain(|t| t.timer != *timer);
            }
            Event::Interest {
                token,
                writable,
                task,
            } => {
                let child = self.child_of(*task);
                let (token, writable, task) = (*token, *writable, *task);
                self.interests
                    .retain(|i| i.token != token || i.writable != writable);
                self.interests.push(SocketWait {
                    token,
                    writable,
                    task,
                    child,
                });
                self.interests.sort_by_key(|i| (i.token, i.writable));
            }
            Event::Deregistered { token } => self.interests.retain(|i| i.token != *token),
            _ => {}
        }
    }

    /// `task` (or its `child`) was woken by `cause`: the reactor took the waker it stored
    /// for the readiness `cause` reports (an error or a closed half satisfies a wait too),
    /// and a wait on a blocking job is over (the job's thread woke it, or the task it
    /// awaited the job through finished).
    fn woken(&mut self, task: TaskId, child: Option<ChildId>, cause: &WakeCause) {
        self.blocking.retain(|b| b.task != task || b.child != child);
        let WakeCause::Io { token, readiness } = cause else {
            return;
        };
        let flags = readiness.to_string();
        let has = |names: [&str; 3]| names.iter().any(|n| flags.split('|').any(|f| f == *n));
        let read = has(["readable", "read-closed", "error"]);
        let write = has(["writable", "write-closed", "error"]);
        self.interests.retain(|i| {
            let satisfied = if i.writable { write } else { read };
            let owner = i.task.is_none() || i.task == Some(task);
            !(i.token == *token && satisfied && owner)
        });
    }

    /// A poll of `task` (or its `child`) returned `Pending` at `wait`: if that is a
    /// blocking job, a wait on it starts (unless a child already passed the same wait up
    /// in this poll).
    fn start_blocking(&mut self, task: TaskId, child: Option<ChildId>, wait: Option<&AwaitPoint>) {
        let Some(wait) = wait.filter(|w| w.what == Await::Blocking) else {
            return;
        };
        let wait = wait.to_string();
        let passed_on = child.is_none()
            && self
                .blocking
                .iter()
                .any(|b| b.task == task && b.fresh && b.wait == wait);
        if !passed_on {
            self.blocking.push(BlockingWait {
                task,
                child,
                wait,
                fresh: true,
            });
        }
    }

    /// The child of `task` being polled now, if any.
    fn child_of(&self, task: Option<TaskId>) -> Option<ChildId> {
        self.children.get(&task?)?.last().copied()
    }

    /// Queues `task` at the back, unless it is queued already.
    fn enqueue(&mut self, task: TaskId) {
        if !self.queue.contains(&task) {
            self.queue.push(task);
        }
    }

    /// The task being polled, and the child (innermost) being polled in it.
    pub fn polling(&self) -> Option<(TaskId, Option<ChildId>)> {
        let task = self.polling?;
        Some((task, self.child_of(Some(task))))
    }

    /// The run queue, front first.
    pub fn run_queue(&self) -> &[TaskId] {
        &self.queue
    }

    /// The sockets waited on, by token (reading before writing).
    pub fn interests(&self) -> &[SocketWait] {
        &self.interests
    }

    /// The timers armed, earliest deadline first.
    pub fn timers(&self) -> &[ArmedTimer] {
        &self.timers
    }

    /// The waits on blocking jobs in flight, in the order they began.
    pub fn blocking(&self) -> &[BlockingWait] {
        &self.blocking
    }

    /// This state as the HTML replay's `window.tinyloop.state(k)` returns it, for a test to
    /// compare the page with: `{"polling":…,"queue":[…],"interests":[[token,"r",task,child]…],
    /// "timers":[[timer,deadline_ns,task,child]…],"blocking":[[task,child,wait]…]}`, where a
    /// child is `[group,index]` and an unknown task or child `null`.
    pub fn to_json(&self) -> String {
        let task = |t: Option<TaskId>| t.map_or("null".to_owned(), |t| t.0.to_string());
        let child = |c: Option<ChildId>| {
            c.map_or("null".to_owned(), |c| format!("[{},{}]", c.group, c.index))
        };
        let mut out = String::from("{\"polling\":");
        match self.polling() {
            Some((t, c)) => {
                let _ = write!(out, "[{},{}]", t.0, child(c));
            }
            None => out.push_str("null"),
        }
        let queue: Vec<String> = self.queue.iter().map(|t| t.0.to_string()).collect();
        let _ = write!(out, ",\"queue\":[{}]", queue.join(","));
        let interests: Vec<String> = (self.interests.iter())
            .map(|i| {
                let dir = if i.writable { "w" } else { "r" };
                format!(
                    "[{},\"{dir}\",{},{}]",
                    i.token,
                    task(i.task),
                    child(i.child)
                )
            })
            .collect();
        let _ = write!(out, ",\"interests\":[{}]", interests.join(","));
        let timers: Vec<String> = (self.timers.iter())
            .map(|t| {
                format!(
                    "[{},{},{},{}]",
                    t.timer,
                    t.deadline.as_nanos(),
                    task(t.task),
                    child(t.child)
                )
            })
            .collect();
        let _ = write!(out, ",\"timers\":[{}]", timers.join(","));
        let blocking: Vec<String> = (self.blocking.iter())
            .map(|b| format!("[{},{},{}]", b.task.0, child(b.child), json_str(&b.wait)))
            .collect();
        let _ = write!(out, ",\"blocking\":[{}]}}", blocking.join(","));
        out
    }
}

#[cfg(test)]
mod tests;
