//! The events every scheduling decision emits.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::reactor::{Readiness, UnparkReason};
use crate::task::{AwaitPoint, ChildId, TaskId};

/// Who or what called a waker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WakeCause {
    /// Code running inside this task's poll (a channel send, a `yield_now`, a completion
    /// waking a `JoinHandle`'s owner, ...).
    Task(TaskId),
    /// The reactor saw readiness on the source registered under this mio token.
    Io {
        /// The mio token of the source (its slot and generation).
        token: usize,
        /// What the operating system reported.
        readiness: Readiness,
    },
    /// The timer with this id expired.
    Timer(u64),
    /// A thread other than the runtime's (a `spawn_blocking` job, a std thread, ...). Such
    /// wakes travel through the injection queue and are recorded when the runtime drains it.
    Thread,
    /// The runtime itself, outside any task: `spawn` from outside `block_on`, `abort`, or
    /// `block_on` starting its future.
    Runtime,
}

impl fmt::Display for WakeCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeCause::Task(id) => write!(f, "{id}"),
            WakeCause::Io { token, readiness } => {
                // A token is `slot | generation << 32`; show a reused slot as `slot.generation`.
                let (slot, generation) = (token & 0xffff_ffff, token >> 32);
                if generation == 0 {
                    write!(f, "io(token {slot}, {readiness})")
                } else {
                    write!(f, "io(token {slot}.{generation}, {readiness})")
                }
            }
            WakeCause::Timer(id) => write!(f, "timer#{id}"),
            WakeCause::Thread => f.write_str("another thread"),
            WakeCause::Runtime => f.write_str("runtime"),
        }
    }
}

/// What a poll of a task's future returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollResult {
    /// `Poll::Ready`: the task is done.
    Ready,
    /// `Poll::Pending`: the task waits for a waker.
    Pending,
    /// The poll panicked; the panic is caught and stored for the `JoinHandle`.
    Panicked,
}

impl fmt::Display for PollResult {
    /// `ready`, `pending` or `panicked`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PollResult::Ready => "ready",
            PollResult::Pending => "pending",
            PollResult::Panicked => "panicked",
        })
    }
}

/// Why a wake did nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IgnoredBecause {
    /// The task was already in the run queue (or due to be re-queued after its poll).
    AlreadyQueued,
    /// The task has finished (completed, panicked or aborted).
    Finished,
}

impl fmt::Display for IgnoredBecause {
    /// `already queued` or `finished`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IgnoredBecause::AlreadyQueued => "already queued",
            IgnoredBecause::Finished => "finished",
        })
    }
}

/// How a task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Its future returned `Ready`.
    Completed,
    /// It was aborted (or the runtime was dropped) before completing.
    Aborted,
    /// Its future panicked.
    Panicked,
}

/// One scheduling decision. Every event passes through the runtime's single hook; see
/// [`Hook`](crate::trace::Hook).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A task was created and queued for its first poll.
    Spawned {
        /// The new task.
        task: TaskId,
        /// Its name, if it was given one.
        name: Option<Arc<str>>,
        /// The task that spawned it (`None` when spawned from outside `block_on`).
        parent: Option<TaskId>,
    },
    /// The runtime is about to poll the task.
    PollStart {
        /// The task.
        task: TaskId,
    },
    /// The poll returned.
    PollEnd {
        /// The task.
        task: TaskId,
        /// What the poll returned.
        result: PollResult,
        /// On `Pending`: the leaf future of the runtime that parked last in this poll, and
        /// where it was created. `None` for a leaf the runtime does not know, or when the
        /// task waits only through a combinator's children (their own events say on what).
        waits_on: Option<AwaitPoint>,
    },
    /// A waker queued the task.
    Woken {
        /// The task now in the run queue.
        task: TaskId,
        /// Who called the waker.
        cause: WakeCause,
    },
    /// A waker was called but did nothing.
    WakeIgnored {
        /// The task the waker belongs to.
        task: TaskId,
        /// Who called the waker.
        cause: WakeCause,
        /// Why nothing happened.
        reason: IgnoredBecause,
    },
    /// `abort` was called on a task's handle (or its group). The runtime drops the future
    /// the next time it takes the task from the queue.
    AbortRequested {
        /// The task to cancel.
        task: TaskId,
        /// Who asked.
        by: WakeCause,
    },
    /// A task woken during its own poll went back to the end of the run queue.
    Requeued {
        /// The task.
        task: TaskId,
    },
    /// The reactor is about to wait for events (`timeout: None` waits until an event).
    Park {
        /// How long it will wait at most; zero for a non-blocking poll.
        timeout: Option<Duration>,
    },
    /// The reactor's wait returned.
    Unpark {
        /// Why it returned.
        reason: UnparkReason,
        /// How many I/O events it collected (not counting the runtime's own wakeups).
        events: usize,
    },
    /// A timer reached its deadline and its waker is about to be called.
    TimerFired {
        /// The timer's id (the same as in [`WakeCause::Timer`]).
        timer: u64,
    },
    /// The virtual clock jumped forward to the next deadline.
    ClockJump {
        /// The new time, counted from the runtime's start.
        to: Duration,
    },
    /// A task returned `Pending` and no waker for it is alive anywhere: nothing can ever
    /// wake it (it can still be aborted). Exact, from the task's reference count.
    LostWaker {
        /// The task.
        task: TaskId,
        /// Which poll (1 for the first) returned `Pending`.
        poll: u32,
    },
    /// A combinator polled for the first time with a hook attached: from now on its
    /// children have ids `ChildId { group, index }`.
    Children {
        /// The task whose poll runs the combinator.
        task: TaskId,
        /// The combinator's number ([`ChildId::group`]).
        group: u32,
        /// The child whose poll runs the combinator, when combinators nest (a `join`
        /// inside one of a `gather`'s children); `None` when the task runs it directly.
        parent: Option<ChildId>,
        /// Which combinator: `"gather"`, `"as_completed"`, `"join"`, ...
        combinator: &'static str,
        /// How many children it has.
        count: usize,
    },
    /// A combinator (`gather`, `as_completed`, a `TaskGroup`, ...) running inside `task`
    /// is about to poll one of its children.
    ChildPoll {
        /// The task whose poll polls the child.
        task: TaskId,
        /// The child.
        child: ChildId,
    },
    /// The child's poll returned.
    ChildPollEnd {
        /// The task whose poll polled the child.
        task: TaskId,
        /// The child.
        child: ChildId,
        /// What the poll returned (`Panicked` is never seen here: the task's poll panics).
        result: PollResult,
        /// On `Pending`: the leaf the child parked on, as for [`Event::PollEnd`].
        waits_on: Option<AwaitPoint>,
    },
    /// A child's waker was called: its combinator will poll it in its task's next poll.
    /// Every call is recorded, even when the task was already queued.
    ChildWoken {
        /// The task the combinator runs in.
        task: TaskId,
        /// The child.
        child: ChildId,
        /// Who called the waker; a wake from another thread is recorded when the
        /// combinator is next polled, as [`WakeCause::Thread`].
        cause: WakeCause,
        /// True when the child was already waiting for its next poll: the wake changed
        /// nothing.
        already_queued: bool,
    },
    /// A child named itself with [`label`](crate::instrument::label), in its first poll.
    ChildLabel {
        /// The task the combinator runs in.
        task: TaskId,
        /// The child.
        child: ChildId,
        /// Its name, e.g. `hero 4`.
        label: Arc<str>,
    },
    /// A child ended: its output is with the combinator (`Completed`), or the combinator
    /// dropped it unfinished (`Aborted`).
    ChildFinished {
        /// The task the combinator runs in.
        task: TaskId,
        /// The child.
        child: ChildId,
        /// `Completed` or `Aborted`.
        outcome: Outcome,
    },
    /// A [`span`](crate::instrument::span) began: the future it wraps was polled for the first
    /// time.
    SpanStart {
        /// The task whose poll polled it.
        task: TaskId,
        /// The combinator child whose poll polled it, if any.
        child: Option<ChildId>,
        /// The span's number, unique within the runtime, from 1.
        span: u64,
        /// Its name: `connect`, `tls handshake`, ...
        name: Arc<str>,
    },
    /// A span ended: its future returned `Ready`, or was dropped before.
    SpanEnd {
        /// The task whose poll ended it (or dropped it).
        task: TaskId,
        /// The combinator child whose poll ended it, if any.
        child: Option<ChildId>,
        /// The span's number.
        span: u64,
        /// True when the future was dropped before it finished.
        cancelled: bool,
    },
    /// A task ended; its future has been dropped.
    Finished {
        /// The task.
        task: TaskId,
        /// How it ended.
        outcome: Outcome,
    },
    /// A timer was armed (a `sleep`, a `timeout`'s deadline, an `interval`'s tick) while
    /// `task` was polled. Like the three events below, it is the drivers' bookkeeping that
    /// a step-by-step view shows (armed timers, sockets waited on); [`Recorder::lines`]
    /// and the terminal timeline leave these four out.
    ///
    /// [`Recorder::lines`]: crate::trace::Recorder::lines
    TimerArmed {
        /// The timer's id, as `TimerFired` and `timer#N` wakes name it.
        timer: u64,
        /// When it fires, as time since the runtime was built.
        deadline: Duration,
        /// The task being polled when it was armed.
        task: Option<TaskId>,
    },
    /// A timer was cancelled before it fired (its `Sleep` was dropped or reset).
    TimerCancelled {
        /// The timer's id.
        timer: u64,
    },
    /// A socket operation found the socket not ready: the waker of `task` (being polled)
    /// is stored with the reactor until the socket is readable, or writable.
    Interest {
        /// The socket's mio token, as `io(token N, ...)` wakes name it.
        token: usize,
        /// Whether it waits to write (or connect) rather than to read (or accept).
        writable: bool,
        /// The task being polled.
        task: Option<TaskId>,
    },
    /// A socket was deregistered from the reactor (dropped): its interests end.
    Deregistered {
        /// The socket's mio token.
        token: usize,
    },
}

mod display;
