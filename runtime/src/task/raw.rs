//! The task cell: header and future in one allocation.

use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::ptr;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::join_error::JoinError;
use super::state::{AfterPoll, State, JOIN_INTEREST, SCHEDULED};
use super::{schedule, schedule_by_ref, Header, Runnable, WakeAction};
use super::{TaskReport, WaitsOn};
use crate::executor::context;
use crate::executor::core::Core;
use crate::executor::shared::Shared;
use crate::trace::{Event, Outcome, PollResult, TaskId, WakeCause};

/// Where a task's future is in its life.
pub(crate) enum Stage<F: Future> {
    /// The future, pinned in place: it is never moved, only dropped in place.
    Running(F),
    /// The future is gone; this is its output, or why there is none, until the
    /// `JoinHandle` takes it.
    Finished(Result<F::Output, JoinError>),
    /// The output was taken or dropped. The task can only be freed now.
    Consumed,
}

/// A spawned future and everything the runtime needs to schedule it.
pub(crate) struct Task<F: Future> {
    pub(super) header: Header,
    /// The future or its output. Touched only on the runtime's thread, and never while a
    /// reference into it is alive (see the `Sync` impl below).
    stage: UnsafeCell<Stage<F>>,
    /// The waker of whoever awaits the `JoinHandle`; woken when the task finishes. Touched
    /// only on the runtime's thread. A separate cell from `stage`, because a task may poll
    /// its own `JoinHandle` while its future is borrowed for polling.
    join_waker: UnsafeCell<Option<Waker>>,
    /// Where `spawn` was called (for reports).
    location: &'static Location<'static>,
    /// The task's slot in the runtime's task list; fixed for the task's life. (Fields are
    /// kept narrow: a million sleeping tasks are a million of these.)
    key: u32,
    /// How many times the future was polled, saturating at `u16::MAX`. Runtime thread only.
    polls: Cell<u16>,
    /// What the last poll registered the task's waker with. Runtime thread only.
    waits_on: Cell<WaitsOn>,
}

// SAFETY: a `Task` is shared across threads only through wakers (`Waker` must be `Send +
// Sync`). A waker on another thread touches only `header.state` (atomic), `header.shared`
// (`Arc<Shared>`, which is `Send + Sync`), the reference count, and `location`
// (immutable, `Send + Sync`). `stage`, `join_waker`, `polls` and `waits_on` are read and
// written only on the
// runtime's thread: by `run`/`shutdown`, which only the runtime's loop calls, and by the
// `JoinHandle`, which is `!Send` and created on that thread. When the last reference is
// dropped on another thread, `stage` holds neither `F` nor `F::Output`: the future is
// dropped on the runtime's thread when the task finishes or the runtime is dropped, and the
// output is dropped on that thread by the `JoinHandle` (or at completion when there is no
// handle); while the runtime or a handle is alive, they hold a reference themselves. What
// is left (`JoinError`, `Option<Waker>`) is `Send`.
unsafe impl<F: Future> Send for Task<F> {}
// SAFETY: see the `Send` impl: every field reachable from another thread is `Sync` or atomic.
unsafe impl<F: Future> Sync for Task<F> {}

impl<F: Future + 'static> Task<F> {
    pub(crate) fn new(
        future: F,
        id: TaskId,
        shared: Arc<Shared>,
        location: &'static Location<'static>,
        key: u32,
    ) -> Task<F> {
        Task {
            header: Header {
                state: State::new(SCHEDULED | JOIN_INTEREST),
                id,
                shared,
            },
            stage: UnsafeCell::new(Stage::Running(future)),
            join_waker: UnsafeCell::new(None),
            location,
            key,
            polls: Cell::new(0),
            waits_on: Cell::new(WaitsOn::UNKNOWN),
        }
    }

    /// Wakes the task (from a waker); see [`schedule`].
    pub(super) fn wake(self: Arc<Self>) {
        let action = self.header.state.wake();
        schedule(self, action);
    }

    /// Wakes the task without consuming a reference.
    pub(super) fn wake_by_ref(self: &Arc<Self>) {
        let action = self.header.state.wake();
        schedule_by_ref(self, action);
    }

    /// Requests cancellation; the runtime drops the future the next time it takes the task
    /// from the queue (or right after the current poll).
    pub(super) fn abort(self: &Arc<Self>) {
        let action = self.header.state.cancel();
        if action == WakeAction::Finished {
            return;
        }
        if let Some(core) = context::current() {
            if Arc::ptr_eq(&core.shared, &self.header.shared) {
                let (task, by) = (self.header.id, core.cause());
                core.emit(|| Event::AbortRequested { task, by });
            }
        }
        if action == WakeAction::Queue {
            super::enqueue(self.clone());
        }
    }

    /// Runs `f` on the join waker slot.
    ///
    /// Runtime thread only; `f` must not call back into this task.
    pub(super) fn with_join_waker<R>(&self, f: impl FnOnce(&mut Option<Waker>) -> R) -> R {
        // SAFETY: only the runtime's thread gets here (see the `Sync` impl), and no other
        // reference into `join_waker` exists: every access is a call like this one, and
        // none of them calls back into this task.
        f(unsafe { &mut *self.join_waker.get() })
    }

    /// Takes the output if the task is complete.
    ///
    /// Runtime thread only, and only after `COMPLETE` was observed: from then on nothing
    /// else touches `stage`.
    pub(super) fn take_output(&self) -> Option<Result<F::Output, JoinError>> {
        // SAFETY: runtime thread only; `COMPLETE` is set, so the future is gone and no poll
        // holds a reference into `stage`.
        let stage = unsafe { &mut *self.stage.get() };
        match std::mem::replace(stage, Stage::Consumed) {
            Stage::Finished(output) => Some(output),
            other => {
                *stage = other;
                None
            }
        }
    }

    /// Drops the future in place and stores `output` instead.
    fn store_output(&self, output: Result<F::Output, JoinError>) {
        let stage = self.stage.get();
        // SAFETY: runtime thread only; the poll that borrowed the future has returned, so
        // nothing references `stage`. `drop_in_place` keeps the pinning promise (the
        // future is dropped where it lies). If a destructor panics, the value counts as
        // dropped all the same, so it is overwritten with `write`, never dropped twice.
        let _ = catch_unwind(AssertUnwindSafe(|| unsafe { ptr::drop_in_place(stage) }));
        // SAFETY: as above; the old value is dropped, so writing over it leaks nothing.
        unsafe { ptr::write(stage, Stage::Finished(output)) };
    }

    /// Ends the task: stores its output, marks it complete, wakes its `JoinHandle`.
    fn finish(&self, core: &Core, output: Result<F::Output, JoinError>, outcome: Outcome) {
        self.store_output(output);
        let previous = self.header.state.finish();
        if previous & JOIN_INTEREST == 0 {
            // Nobody will read the output: drop it here, on the runtime's thread.
            let _ = catch_unwind(AssertUnwindSafe(|| self.take_output()));
        }
        let id = self.header.id;
        core.emit(|| Event::Finished { task: id, outcome });
        if let Some(waker) = self.with_join_waker(Option::take) {
            core.with_cause(WakeCause::Task(id), || waker.wake());
        }
        core.remove_task(self.key as usize, id);
    }

    fn poll_future(self: &Arc<Self>, core: &Core) -> std::thread::Result<Poll<F::Output>> {
        let waker = super::waker::waker_ref(self);
        let mut cx = Context::from_waker(&waker);
        core.with_cause(WakeCause::Task(self.header.id), || {
            catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: runtime thread only, and this is the only reference into `stage`
                // while it lives (a `JoinHandle` polled from inside the future touches
                // `join_waker`, never `stage`, until `COMPLETE`).
                let stage = unsafe { &mut *self.stage.get() };
                match stage {
                    // SAFETY: the future sits in an `Arc` allocation that never moves, and
                    // it is only ever dropped in place, so pinning it is sound.
                    Stage::Running(future) => unsafe { Pin::new_unchecked(future) }.poll(&mut cx),
                    _ => unreachable!("a task was polled after it finished"),
                }
            }))
        })
    }
}

impl<F: Future + 'static> Task<F> {
    /// The exact lost-waker lint: after a `Pending` poll that queued nothing, every
    /// reference to the task is the runtime's list entry, the one `run` holds, the
    /// `JoinHandle`'s, or a waker. If no waker is left, nothing can ever wake the task.
    fn check_lost_waker(self: &Arc<Self>, core: &Core) {
        let other_refs = Arc::strong_count(self) - 2;
        if self.live_wakers(other_refs) == 0 {
            let (task, poll) = (self.header.id, u32::from(self.polls.get()));
            core.emit(|| Event::LostWaker { task, poll });
            if core.lost_waker_lint {
                eprintln!(
                    "tinyloop: lost waker: {} returned Pending on poll {poll} and no waker for \
                     it is alive, so nothing can wake it again (spawned at {})",
                    self.report(core, 0).id_and_name(),
                    self.location
                );
            }
        }
    }
}

impl<F: Future + 'static> Runnable for Task<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn run(self: Arc<Self>, core: &Core) {
        let id = self.header.id;
        let previous = self.header.state.start_poll();
        if previous & super::state::CANCELLED != 0 {
            return self.finish(core, Err(JoinError::Cancelled), Outcome::Aborted);
        }
        core.emit(|| Event::PollStart { task: id });
        self.polls.set(self.polls.get().saturating_add(1));
        core.start_recording_waits();
        let poll = self.poll_future(core);
        self.waits_on.set(core.recorded_waits());
        match poll {
            Ok(Poll::Ready(output)) => {
                core.emit(|| Event::PollEnd {
                    task: id,
                    result: PollResult::Ready,
                });
                self.finish(core, Ok(output), Outcome::Completed);
            }
            Ok(Poll::Pending) => {
                core.emit(|| Event::PollEnd {
                    task: id,
                    result: PollResult::Pending,
                });
                match self.header.state.end_poll() {
                    AfterPoll::Idle => self.check_lost_waker(core),
                    AfterPoll::Requeue => core.requeue(id, self),
                    AfterPoll::Cancel => {
                        self.finish(core, Err(JoinError::Cancelled), Outcome::Aborted)
                    }
                }
            }
            Err(payload) => {
                core.emit(|| Event::PollEnd {
                    task: id,
                    result: PollResult::Panicked,
                });
                let error = JoinError::from_panic(payload);
                self.finish(core, Err(error), Outcome::Panicked);
            }
        }
    }

    fn live_wakers(&self, other_refs: usize) -> usize {
        let handle = usize::from(self.header.state.load() & JOIN_INTEREST != 0);
        other_refs.saturating_sub(handle)
    }

    fn join_waker_data(&self) -> Option<*const ()> {
        self.with_join_waker(|slot| slot.as_ref().map(Waker::data))
    }

    fn report(&self, core: &Core, live_wakers: usize) -> TaskReport {
        TaskReport {
            id: self.header.id,
            name: core.task_name(self.header.id),
            polls: u32::from(self.polls.get()),
            waits_on: self.waits_on.get(),
            live_wakers,
            spawned_at: Some(self.location),
        }
    }

    fn shutdown(&self, core: &Core) {
        self.store_output(Err(JoinError::Cancelled));
        let id = self.header.id;
        core.emit(|| Event::Finished {
            task: id,
            outcome: Outcome::Aborted,
        });
        if let Some(waker) = self.with_join_waker(Option::take) {
            waker.wake();
        }
    }
}
