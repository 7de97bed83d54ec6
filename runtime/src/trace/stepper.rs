//! The runtime's state at each event, rebuilt from the events alone: what the HTML replay's
//! side panels show, as a state machine tests can drive.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::{Event, WakeCause};
use crate::task::{Await, ChildId, TaskId};

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
    blocking: Vec<(TaskId, Option<ChildId>)>,
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
            Event::Spawned { task, .. } | Event::Woken { task, .. } | Event::Requeued { task } => {
                self.enqueue(*task);
                // A wake ends a wait on a blocking job: the job's own thread wakes it, or
                // the task it awaits through finished.
                self.blocking.retain(|(t, _)| t != task);
                if let Event::Woken {
                    cause: WakeCause::Io { token, readiness },
                    ..
                } = event
                {
                    let text = readiness.to_string();
                    let (readable, writable) =
                        (text.contains("readable"), text.contains("writable"));
                    let both = !readable && !writable; // errors and hang-ups end both
                    self.interests.retain(|i| {
                        i.token != *token
                            || !(both || (i.writable && writable) || (!i.writable && readable))
                    });
                }
            }
            Event::PollStart { task } => {
                self.queue.retain(|t| t != task);
                self.blocking.retain(|(t, _)| t != task);
                self.polling = Some(*task);
            }
            Event::PollEnd { task, waits_on, .. } => {
                if waits_on.is_some_and(|p| p.what == Await::Blocking) {
                    self.blocking.push((*task, None));
                }
                self.polling = None;
                self.children.remove(task);
            }
            Event::ChildPoll { task, child } => {
                self.children.entry(*task).or_default().push(*child);
            }
            Event::ChildPollEnd { task, waits_on, .. } => {
                let child = self.children.get_mut(task).and_then(Vec::pop);
                if waits_on.is_some_and(|p| p.what == Await::Blocking) {
                    self.blocking.push((*task, child));
                }
            }
            Event::Finished { task, .. } => {
                self.queue.retain(|t| t != task);
                self.blocking.retain(|(t, _)| t != task);
            }
            Event::TimerArmed {
                timer,
                deadline,
                task,
            } => {
                let child = self.child_of(*task);
                let at = self.timers.partition_point(|t| t.deadline <= *deadline);
                let (timer, deadline, task) = (*timer, *deadline, *task);
                self.timers.insert(
                    at,
                    ArmedTimer {
                        timer,
                        deadline,
                        task,
                        child,
                    },
                );
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
            }
            Event::Deregistered { token } => self.interests.retain(|i| i.token != *token),
            _ => {}
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

    /// The sockets waited on, in the order the waits began.
    pub fn interests(&self) -> &[SocketWait] {
        &self.interests
    }

    /// The timers armed, earliest deadline first.
    pub fn timers(&self) -> &[ArmedTimer] {
        &self.timers
    }

    /// The blocking jobs in flight: the task (and child) awaiting each.
    pub fn blocking(&self) -> &[(TaskId, Option<ChildId>)] {
        &self.blocking
    }

    /// This state as the HTML replay's `window.tinyloop.state(k)` returns it, for a test to
    /// compare the page with: `{"polling":…,"queue":[…],"interests":[[token,"r",task,child]…],
    /// "timers":[[timer,deadline_ns,task,child]…],"blocking":[[task,child]…]}`, where a
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
            .map(|(t, c)| format!("[{},{}]", t.0, child(*c)))
            .collect();
        let _ = write!(out, ",\"blocking\":[{}]}}", blocking.join(","));
        out
    }
}

#[cfg(test)]
mod tests;
