//! The task state word: what a task is doing, as flags in one atomic.
//!
//! Every task (and the `block_on` future) carries one [`State`]. Wakers may run on any
//! thread, so the word is atomic; everything else in a task is touched only by the runtime's
//! own thread.
//!
//! ```text
//!            spawn                 pop from run queue            poll returns Pending
//!   ──────► SCHEDULED ───────────► RUNNING ──────────────────────► idle (0)
//!              ▲                    │  │ wake while running:            │
//!              │                    │  └─► RUNNING|SCHEDULED ──► re-queued at the back
//!              └────────────────────┼──────── wake ◄───────────────────┘
//!                                   │ poll returns Ready / panics / aborted
//!                                   ▼
//!                                COMPLETE  (every later wake is ignored)
//! ```

use crate::loom::{AtomicUsize, Ordering};

/// The task is in a run queue (local or injection), or it was woken while `RUNNING` and will
/// be queued again, at the back, when the poll ends. A wake that finds it set does nothing.
pub(crate) const SCHEDULED: usize = 1 << 0;
/// The runtime is polling the task's future right now. Never set together with `COMPLETE`.
pub(crate) const RUNNING: usize = 1 << 1;
/// The future is gone: its output (or the reason it has none) is stored for the
/// `JoinHandle`. Final: no flag but `JOIN_INTEREST` changes after it is set.
pub(crate) const COMPLETE: usize = 1 << 2;
/// `abort` was called. The next time the runtime takes the task from the queue it drops the
/// future instead of polling it. Meaningless once `COMPLETE` is set.
pub(crate) const CANCELLED: usize = 1 << 3;
/// A `JoinHandle` for the task is alive. When it is clear at completion, the output is
/// dropped at once instead of being stored.
pub(crate) const JOIN_INTEREST: usize = 1 << 4;

/// What a wake did, as decided by [`State::wake`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WakeAction {
    /// The caller set `SCHEDULED` on an idle task and must now push it onto a run queue.
    Queue,
    /// The task is being polled; the runtime queues it again when the poll ends.
    DuringPoll,
    /// The task was already queued (or already due to be re-queued): nothing to do.
    AlreadyQueued,
    /// The task has completed or been aborted: nothing to do.
    Finished,
}

/// What the runtime must do after a poll that returned `Pending`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AfterPoll {
    /// Nobody woke the task during the poll: it waits for a waker.
    Idle,
    /// The task was woken during its own poll: push it to the back of the run queue.
    Requeue,
    /// The task was aborted during its own poll: drop its future now.
    Cancel,
}

/// The task state word; see the module docs for the diagram.
#[derive(Debug)]
pub(crate) struct State(AtomicUsize);

impl State {
    /// A new state with the given flags.
    pub(crate) fn new(flags: usize) -> State {
        State(AtomicUsize::new(flags))
    }

    /// A snapshot of the flags (for assertions and reports; may be stale at once).
    pub(crate) fn load(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    /// Applies a wake, from any thread. Only the `Queue` outcome obliges the caller to act.
    ///
    /// Always a read-modify-write with release ordering, even when the task is already
    /// queued: the waker's writes (the data it woke the task about) must happen-before
    /// the poll that `start_poll` begins, or that poll could miss them and the wakeup
    /// would be lost. (Setting `SCHEDULED` on a finished task is harmless: nothing reads it.)
    pub(crate) fn wake(&self) -> WakeAction {
        let previous = self.0.fetch_or(SCHEDULED, Ordering::AcqRel);
        if previous & COMPLETE != 0 {
            WakeAction::Finished
        } else if previous & SCHEDULED != 0 {
            WakeAction::AlreadyQueued
        } else if previous & RUNNING != 0 {
            WakeAction::DuringPoll
        } else {
            WakeAction::Queue
        }
    }

    /// Called by the runtime when it takes the task off a run queue: clears `SCHEDULED`,
    /// sets `RUNNING`, and returns the flags from before.
    pub(crate) fn start_poll(&self) -> usize {
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            let next = (cur & !SCHEDULED) | RUNNING;
            match self
                .0
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return cur,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Called by the runtime after a poll returned `Pending`: clears `RUNNING` and says
    /// whether the task must be queued again or cancelled. `SCHEDULED` stays set on
    /// `Requeue`, since the task goes straight back into the queue.
    pub(crate) fn end_poll(&self) -> AfterPoll {
        let prev = self.0.fetch_and(!RUNNING, Ordering::AcqRel);
        if prev & CANCELLED != 0 {
            AfterPoll::Cancel
        } else if prev & SCHEDULED != 0 {
            AfterPoll::Requeue
        } else {
            AfterPoll::Idle
        }
    }

    /// Clears `RUNNING` and `SCHEDULED` and sets `COMPLETE` in one step.
    pub(crate) fn finish(&self) -> usize {
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            let next = (cur & !(RUNNING | SCHEDULED)) | COMPLETE;
            match self
                .0
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return cur,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Requests cancellation. Returns the wake action for the caller to carry out, so an
    /// idle task gets queued (and then cancelled by the runtime), or `Finished` when there
    /// is nothing left to cancel.
    pub(crate) fn cancel(&self) -> WakeAction {
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            if cur & (COMPLETE | CANCELLED) != 0 {
                return WakeAction::Finished;
            }
            let next = cur | CANCELLED | SCHEDULED;
            match self
                .0
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if cur & RUNNING != 0 => return WakeAction::DuringPoll,
                Ok(_) if cur & SCHEDULED != 0 => return WakeAction::AlreadyQueued,
                Ok(_) => return WakeAction::Queue,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Clears `JOIN_INTEREST` (the `JoinHandle` was dropped). Returns the flags from before.
    pub(crate) fn drop_join_interest(&self) -> usize {
        self.0.fetch_and(!JOIN_INTEREST, Ordering::AcqRel)
    }
}

#[cfg(all(test, loom))]
#[path = "loom_models.rs"]
mod loom_models;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_on_idle_queues_once_then_dedups() {
        let s = State::new(0);
        assert_eq!(s.wake(), WakeAction::Queue);
        assert_eq!(s.wake(), WakeAction::AlreadyQueued);
    }

    #[test]
    fn wake_while_running_requeues_after_the_poll() {
        let s = State::new(SCHEDULED);
        s.start_poll();
        assert_eq!(s.wake(), WakeAction::DuringPoll);
        assert_eq!(s.wake(), WakeAction::AlreadyQueued);
        assert_eq!(s.end_poll(), AfterPoll::Requeue);
        assert_eq!(s.load() & SCHEDULED, SCHEDULED);
    }

    #[test]
    fn wake_after_complete_is_ignored() {
        let s = State::new(RUNNING);
        s.finish();
        assert_eq!(s.wake(), WakeAction::Finished);
        assert_eq!(s.cancel(), WakeAction::Finished);
    }

    #[test]
    fn cancel_of_idle_task_queues_it_and_cancel_wins_over_requeue() {
        let s = State::new(0);
        assert_eq!(s.cancel(), WakeAction::Queue);
        let s = State::new(SCHEDULED);
        s.start_poll();
        assert_eq!(s.cancel(), WakeAction::DuringPoll);
        assert_eq!(s.end_poll(), AfterPoll::Cancel);
    }
}
