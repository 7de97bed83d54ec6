//! The task cell: a spawned future and everything the runtime keeps about it, in one
//! allocation.
//!
//! A task is an `Arc<TaskCell<F>>`. The run queue and the runtime's task list hold it as
//! a type-erased [`TaskRef`]; its wakers are the same pointer with a vtable
//! (`executor/wake.rs`); its [`JoinHandle`](crate::JoinHandle) reads the output.
//!
//! The future sits in the cell's *stage*, which goes `Running(future)` → `Finished(output)`
//! → `Consumed`. Who may touch the stage is decided by the state word alone:
//!
//! - until `COMPLETE` is set, only the runtime, and only while it has `RUNNING` set: to
//!   poll the future, or to drop it in place and write the output;
//! - once `COMPLETE` is set, only the `JoinHandle`, to take the output.
//!
//! `COMPLETE` is set only after the future has been dropped and the output written. So a
//! `JoinHandle` dropped or polled while futures are being dropped (by a destructor during
//! runtime drop, or by the task's own future holding its own handle) never reaches into a
//! future that is alive or half dropped. Every access below is an `unsafe fn` whose
//! `# Safety` states this rule for its caller.

use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicU16, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::core::{Core, Polled};
use super::shared::Shared;
use super::wake::{State, COMPLETE, JOIN_INTEREST, SCHEDULED};
use crate::task::parking::{self, WakerId};
use crate::task::{contain, JoinError, TaskId, WaitsOn};
use crate::trace::Outcome;

/// A task as the run queue and task list see it, its future's type erased.
pub(crate) type TaskRef = Arc<dyn Task>;

/// The part of every run-queue entry that a waker may read, from any thread.
pub(crate) struct Header {
    pub(crate) state: State,
    /// The task's number in traces; [`TaskId::MAIN`] for `block_on`'s future.
    pub(crate) id: TaskId,
    /// The runtime the task belongs to: a waker compares it with the current thread's
    /// runtime to pick the local run queue or the injection queue.
    pub(crate) shared: Arc<Shared>,
}

/// An entry of the run queue.
pub(crate) enum Runnable {
    /// `block_on`'s future. It lives on `block_on`'s stack (it need not be `'static`), so
    /// the entry is only its header; the loop polls the future when the entry comes up.
    Main(Arc<MainTask>),
    /// A spawned task.
    Task(TaskRef),
}

impl Runnable {
    pub(crate) fn header(&self) -> &Header {
        match self {
            Runnable::Main(main) => main.header(),
            Runnable::Task(task) => task.header(),
        }
    }
}

/// What wakers, and the loop's bookkeeping of a poll, need to know of an entry: a
/// spawned task ([`TaskCell`]) or `block_on`'s future ([`MainTask`], polled by the loop in
/// `executor/core.rs`).
pub(crate) trait Wakeable: Send + Sync + 'static {
    fn header(&self) -> &Header;
    /// The entry's place in the run queue.
    fn into_runnable(self: Arc<Self>) -> Runnable;
    /// How often it was polled, and what its last poll waited on.
    fn stats(&self) -> &PollStats;
    /// How many of `strong_count` references to it are wakers, when the runtime holds the
    /// entry it is polling.
    fn live_wakers(&self, strong_count: usize) -> usize;
    /// Where it was spawned (`None` for `block_on`'s future).
    fn spawned_at(&self) -> Option<&'static Location<'static>>;
}

/// Counters the loop keeps per entry.
#[derive(Default)]
pub(crate) struct PollStats {
    /// Polls so far, saturating.
    pub(crate) polls: AtomicU16,
    /// What the last poll gave its waker to (a [`WaitsOn`] set).
    pub(crate) waits_on: AtomicU8,
}

impl PollStats {
    pub(crate) fn polls(&self) -> u32 {
        self.polls.load(Ordering::Relaxed).into()
    }

    pub(crate) fn waits_on(&self) -> WaitsOn {
        WaitsOn(self.waits_on.load(Ordering::Relaxed))
    }
}

/// `block_on`'s entry in the run queue: its future lives on `block_on`'s stack.
pub(crate) struct MainTask {
    pub(crate) header: Header,
    pub(crate) stats: PollStats,
}

impl Wakeable for MainTask {
    fn header(&self) -> &Header {
        &self.header
    }

    fn into_runnable(self: Arc<Self>) -> Runnable {
        Runnable::Main(self)
    }

    fn stats(&self) -> &PollStats {
        &self.stats
    }

    /// The references that are not wakers: `run_until`'s own and the polled entry's.
    fn live_wakers(&self, strong_count: usize) -> usize {
        strong_count.saturating_sub(2)
    }

    fn spawned_at(&self) -> Option<&'static Location<'static>> {
        None
    }
}

/// Where a task's future is in its life.
enum Stage<F: Future> {
    /// The future, pinned: never moved, only dropped in place.
    Running(F),
    /// The future is gone; this is its output, or why there is none, until the
    /// `JoinHandle` takes it.
    Finished(Result<F::Output, JoinError>),
    /// The output was taken or dropped.
    Consumed,
}

/// A spawned future and everything the runtime needs to schedule it.
pub(crate) struct TaskCell<F: Future> {
    header: Header,
    /// The future or its output; see the module docs for who may touch it, and when.
    stage: UnsafeCell<Stage<F>>,
    /// The waker of whoever awaits the `JoinHandle`, woken when the task completes. Apart
    /// from `stage` so that a task can await or drop its own handle while it is polled.
    join_waker: Cell<Option<Waker>>,
    /// Where `spawn` was called.
    location: &'static Location<'static>,
    /// The task's slot in the runtime's task list; fixed for the task's life. (Fields are
    /// narrow: a million sleeping tasks are a million of these.)
    slot: u32,
    /// How often the future was polled (saturating) and what its last poll waited on.
    stats: PollStats,
}

// SAFETY: a `TaskCell` crosses threads only through wakers (which must be `Send + Sync`).
// A waker touches only `header.state` (atomic), `header.shared` (`Send + Sync`) and the
// reference count. Every other field is touched only on the runtime's thread: by the
// runtime's loop, and by the `JoinHandle`, which is `!Send` and created there. When the
// last reference is dropped on another thread, the stage holds neither `F` nor its output:
// the future is dropped on the runtime's thread before `COMPLETE` is set, and the output is
// dropped there too, by the `JoinHandle` or at completion when there is none (the runtime's
// task list, or the handle, holds a reference until then). `join_waker` holds a `Waker`,
// which is `Send`.
unsafe impl<F: Future> Send for TaskCell<F> {}
// SAFETY: see `Send`: what other threads reach is atomic or `Sync`.
unsafe impl<F: Future> Sync for TaskCell<F> {}

impl<F: Future + 'static> TaskCell<F> {
    /// A task queued for its first poll, with a `JoinHandle` to come.
    pub(crate) fn new(
        id: TaskId,
        shared: Arc<Shared>,
        future: F,
        location: &'static Location<'static>,
        slot: u32,
    ) -> TaskCell<F> {
        TaskCell {
            header: Header {
                state: State::new(SCHEDULED | JOIN_INTEREST),
                id,
                shared,
            },
            stage: UnsafeCell::new(Stage::Running(future)),
            join_waker: Cell::new(None),
            location,
            slot,
            stats: PollStats::default(),
        }
    }

    /// Polls the future once.
    ///
    /// # Safety
    /// On the runtime's thread, by the runtime, with `RUNNING` set by this caller and
    /// `COMPLETE` not set: no other reference into the stage exists, and none is made until
    /// this returns (a `JoinHandle` waits for `COMPLETE`).
    unsafe fn poll_future(&self, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: exclusive access to the stage for this call (see above).
        match unsafe { &mut *self.stage.get() } {
            // SAFETY: the future lives in an `Arc` allocation that never moves, and it is
            // only ever dropped in place, so it stays pinned.
            Stage::Running(future) => unsafe { Pin::new_unchecked(future) }.poll(cx),
            _ => unreachable!("a task is never polled after its future is gone"),
        }
    }

    /// Drops the future in place, stores `output` for the `JoinHandle` (or drops it, when
    /// there is none) and sets `COMPLETE`. Returns the join waker to wake.
    ///
    /// # Safety
    /// As for `poll_future`: runtime thread, `RUNNING` set by this caller, `COMPLETE` not
    /// set, no reference into the stage alive.
    unsafe fn complete(&self, output: Result<F::Output, JoinError>) -> Option<Waker> {
        let stage = self.stage.get();
        // SAFETY: exclusive access (see above), and no reference into the stage is alive
        // while the destructor runs: code it calls that reaches this task (a `JoinHandle`)
        // sees `COMPLETE` unset and stays out. `drop_in_place` keeps the pinning promise.
        // If a destructor panics, the value counts as dropped all the same.
        contain(|| unsafe { ptr::drop_in_place(stage) });
        // A handle can only be dropped, never made, so without one now there is none later.
        if self.header.state.load() & JOIN_INTEREST != 0 {
            // SAFETY: the old value is dropped, so overwriting it leaks nothing and drops
            // nothing twice; still exclusive.
            unsafe { ptr::write(stage, Stage::Finished(output)) };
            self.header.state.complete();
        } else {
            // SAFETY: as above.
            unsafe { ptr::write(stage, Stage::Consumed) };
            self.header.state.complete();
            // Nobody will read the output: drop it here, on the runtime's thread.
            contain(|| drop(output));
        }
        self.join_waker.take()
    }

    /// Takes the output, if it is still there.
    ///
    /// # Safety
    /// On the runtime's thread, after `COMPLETE` was observed, and not from inside
    /// `take_output` itself (no other reference into the stage is alive).
    pub(super) unsafe fn take_output(&self) -> Option<Result<F::Output, JoinError>> {
        // SAFETY: after `COMPLETE` only the caller touches the stage (module docs), and the
        // future is gone: replacing the stage moves an output, never a pinned future.
        match std::mem::replace(unsafe { &mut *self.stage.get() }, Stage::Consumed) {
            Stage::Finished(output) => Some(output),
            _ => None,
        }
    }

    /// Stores the waker of whoever awaits the handle (keeping the one stored if it wakes the
    /// same task).
    pub(super) fn set_join_waker(&self, waker: &Waker) {
        let stored = self.join_waker.take();
        let keep = stored.filter(|stored| stored.will_wake(waker));
        self.join_waker
            .set(Some(keep.unwrap_or_else(|| waker.clone())));
    }

    /// Takes the join waker out, for the caller to drop.
    pub(super) fn take_join_waker(&self) -> Option<Waker> {
        self.join_waker.take()
    }

    /// Ends the task with `output`: drops the future, stores the output, and lets the
    /// runtime record it and wake the handle's owner.
    fn finish(&self, core: &Core, output: Result<F::Output, JoinError>, outcome: Outcome) {
        // SAFETY: called by the runtime on its thread, right after a poll or a start of the
        // cancellation, with `RUNNING` set by it and `COMPLETE` unset; no borrow remains.
        let join_waker = unsafe { self.complete(output) };
        core.task_finished(self.header.id, self.slot, outcome, join_waker);
    }
}

impl<F: Future + 'static> Wakeable for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn into_runnable(self: Arc<Self>) -> Runnable {
        Runnable::Task(self)
    }

    fn stats(&self) -> &PollStats {
        &self.stats
    }

    /// The references that are not wakers: the task list's, the polling runtime's, and
    /// the `JoinHandle`'s while it lives.
    fn live_wakers(&self, strong_count: usize) -> usize {
        let handle = usize::from(self.header.state.load() & JOIN_INTEREST != 0);
        strong_count.saturating_sub(2 + handle)
    }

    fn spawned_at(&self) -> Option<&'static Location<'static>> {
        Some(self.location)
    }
}

/// What the runtime does with a task whose future's type it does not know.
pub(crate) trait Task: Wakeable {
    /// Polls the task once, or drops its future if it was aborted. Runtime thread only.
    fn run(self: Arc<Self>, core: &Core);
    /// Drops the future without polling it, the output being `Cancelled` (the runtime is
    /// being dropped). Does nothing if the task has completed. Runtime thread only.
    fn cancel_now(&self, core: &Core);
    /// Whose the waker in the join slot is (that of whoever awaits the task).
    fn join_waker(&self) -> Option<WakerId>;
    /// The type of the task's future, for reports.
    fn future_type(&self) -> &'static str;
}

impl<F: Future + 'static> Task for TaskCell<F> {
    fn run(self: Arc<Self>, core: &Core) {
        // SAFETY: `poll_entry` calls the closure only after its `start_poll` set `RUNNING`
        // on a task that has not completed, on the runtime's thread.
        let polled = core.poll_entry(&self, |cx| unsafe { self.poll_future(cx) });
        match polled {
            Polled::Pending => {}
            Polled::Requeue => core.requeue(self.header.id, self.into_runnable()),
            Polled::Ready(output) => self.finish(core, Ok(output), Outcome::Completed),
            Polled::Cancelled => self.finish(core, Err(JoinError::Cancelled), Outcome::Aborted),
            Polled::Panicked(payload) => {
                let error = JoinError::from_panic(*payload);
                core.note_panic(self.header.id, &error);
                self.finish(core, Err(error), Outcome::Panicked);
            }
        }
    }

    fn cancel_now(&self, core: &Core) {
        if self.header.state.start_poll() & COMPLETE == 0 {
            self.finish(core, Err(JoinError::Cancelled), Outcome::Aborted);
        }
    }

    fn future_type(&self) -> &'static str {
        std::any::type_name::<F>()
    }

    fn join_waker(&self) -> Option<WakerId> {
        let waker = self.join_waker.take();
        let id = waker.as_ref().map(parking::identify);
        self.join_waker.set(waker);
        id
    }
}
