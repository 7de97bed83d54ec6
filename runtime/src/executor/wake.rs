//! The wake path: everything between a waker being called and its task sitting in a run
//! queue, on any thread.
//!
//! ```text
//!   waker.wake()                    any thread; the waker is the task's own pointer
//!    └─ State::wake                 one atomic step decides: queue it, or it is already
//!        │                          queued, running (re-queued after its poll) or finished
//!        └─ schedule                only when it must be queued:
//!            ├─ this thread runs the task's runtime: the local run queue (no lock, no syscall)
//!            └─ any other thread: the injection queue, then interrupt the reactor's wait
//!   ...the loop pops the entry (executor/core.rs) and polls it
//!
//!   drop(waker)                     on the runtime's thread: releases its reference;
//!                                   elsewhere: releases it, then interrupts the reactor's
//!                                   wait, so the runtime checks whether it is stuck
//! ```
//!
//! A waker is the task's `Arc` pointer with a hand-written vtable, so waking never
//! allocates; the runtime polls with a [`WakerRef`] that borrows the task, so a poll that
//! does not keep its waker costs no atomic operation. Spawned tasks and `block_on`'s future
//! take the same path: both are [`Runnable`] entries of the run queue.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::cell::Wakeable;
use super::core::Core;
use super::shared::Shared;
use crate::loom::{AtomicUsize, Ordering};
use crate::task::TaskId;
use crate::trace::{Event, IgnoredBecause};

/// Set while the task is in a run queue (local or injection), or was woken while `RUNNING`
/// and goes back to the queue when its poll ends. A wake that finds it set does nothing,
/// so a task is queued at most once.
pub(crate) const SCHEDULED: usize = 1 << 0;
/// Set while the runtime polls the task's future, or drops it. Never with `COMPLETE`.
pub(crate) const RUNNING: usize = 1 << 1;
/// Set once the future is gone and its output (or why there is none) is stored. Final:
/// afterwards every wake is ignored (it may still set `SCHEDULED`, which nothing reads
/// then), and only `JOIN_INTEREST` changes meaningfully. Until it is set,
/// only the runtime touches the task's stage; from then on only the `JoinHandle` does.
pub(crate) const COMPLETE: usize = 1 << 2;
/// Set by `abort`: the runtime drops the future instead of polling it again. Meaningless
/// once `COMPLETE` is set.
pub(crate) const CANCELLED: usize = 1 << 3;
/// Set while a `JoinHandle` for the task is alive. Clear at completion: nobody will read
/// the output, so the runtime drops it at once.
pub(crate) const JOIN_INTEREST: usize = 1 << 4;

/// What a wake (or an abort) must do, as decided by [`State::wake`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WakeAction {
    /// The task was idle: the caller set `SCHEDULED` and must push it onto a run queue.
    Queue,
    /// The task is being polled; it goes back to the queue when the poll ends.
    DuringPoll,
    /// The task was already queued (or due to be re-queued): nothing to do.
    AlreadyQueued,
    /// The task has finished: nothing to do.
    Finished,
}

/// What the runtime must do after a poll that returned `Pending`, from [`State::end_poll`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AfterPoll {
    /// Nobody woke the task during the poll: it waits for a waker.
    Idle,
    /// It was woken during its own poll: push it to the back of the run queue.
    Requeue,
    /// It was aborted during its own poll: drop its future now.
    Cancel,
}

/// The task state word: the flags above in one atomic, since wakers run on any thread.
///
/// ```text
///   spawn ─► SCHEDULED ─ popped ─► RUNNING ─ Pending ─► idle ─ wake ─► SCHEDULED ...
///                                   │ woken during the poll: RUNNING|SCHEDULED,
///                                   │ queued again at the back when the poll ends
///                                   └ Ready, panic or abort: future dropped ─► COMPLETE
/// ```
#[derive(Debug)]
pub(crate) struct State(AtomicUsize);

impl State {
    pub(crate) fn new(flags: usize) -> State {
        State(AtomicUsize::new(flags))
    }

    /// A snapshot of the flags.
    pub(crate) fn load(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    /// Applies `f` atomically; returns the flags from before.
    fn update(&self, f: impl Fn(usize) -> usize) -> usize {
        let update = |flags| Some(f(flags));
        let previous = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, update);
        previous.unwrap_or_else(|flags| flags) // never `Err`: `update` always gives a value
    }

    /// A wake, from any thread. Always a read-modify-write with release ordering, even
    /// when the task is already queued: what the waker published before waking must
    /// happen-before the poll that `start_poll` begins, or that poll could miss it and the
    /// wakeup would be lost. (Setting `SCHEDULED` on a finished task is harmless.)
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

    /// The runtime took the task off a queue to poll (or drop) its future: clears
    /// `SCHEDULED`, sets `RUNNING`; returns the flags from before.
    /// (A `COMPLETE` task is left as it is: its future is gone.)
    pub(crate) fn start_poll(&self) -> usize {
        self.update(|flags| match flags & COMPLETE {
            0 => (flags & !SCHEDULED) | RUNNING,
            _ => flags,
        })
    }

    /// A poll returned `Pending`: clears `RUNNING`, unless the task was aborted meanwhile,
    /// in which case it stays `RUNNING` while the runtime drops its future. `SCHEDULED`
    /// stays set on `Requeue`, since the task goes straight back into the queue.
    pub(crate) fn end_poll(&self) -> AfterPoll {
        let previous = self.update(|flags| match flags & CANCELLED {
            0 => flags & !RUNNING,
            _ => flags,
        });
        if previous & CANCELLED != 0 {
            AfterPoll::Cancel
        } else if previous & SCHEDULED != 0 {
            AfterPoll::Requeue
        } else {
            AfterPoll::Idle
        }
    }

    /// The future is gone and the output stored: sets `COMPLETE`, clears `RUNNING` and
    /// `SCHEDULED`.
    pub(crate) fn complete(&self) {
        self.update(|flags| (flags & !(RUNNING | SCHEDULED)) | COMPLETE);
    }

    /// An abort: returns what the caller must do so the runtime sees it, or `Finished`
    /// when there is nothing left to cancel.
    pub(crate) fn cancel(&self) -> WakeAction {
        let previous = self.update(|flags| match flags & (COMPLETE | CANCELLED) {
            0 => flags | CANCELLED | SCHEDULED,
            _ => flags,
        });
        match previous {
            _ if previous & (COMPLETE | CANCELLED) != 0 => WakeAction::Finished,
            _ if previous & RUNNING != 0 => WakeAction::DuringPoll,
            _ if previous & SCHEDULED != 0 => WakeAction::AlreadyQueued,
            _ => WakeAction::Queue,
        }
    }

    /// The `JoinHandle` was dropped: clears `JOIN_INTEREST`; returns the flags from before.
    pub(crate) fn drop_join_interest(&self) -> usize {
        self.0.fetch_and(!JOIN_INTEREST, Ordering::AcqRel)
    }
}

/// A waker borrowed from a task for one poll: it owns no reference, and its lifetime ties
/// it to the `Arc` it borrows. Cloning it makes an ordinary owned waker.
pub(crate) struct WakerRef<'a> {
    /// Never dropped: it owns no reference to release.
    waker: ManuallyDrop<Waker>,
    _task: PhantomData<&'a ()>,
}

impl Deref for WakerRef<'_> {
    type Target = Waker;

    fn deref(&self) -> &Waker {
        &self.waker
    }
}

pub(crate) fn waker_ref<T: Wakeable + Sized>(task: &Arc<T>) -> WakerRef<'_> {
    let data = Arc::as_ptr(task).cast::<()>();
    // SAFETY: `data` is the pointer of a live `Arc<T>` and stays so while `task` is
    // borrowed, which the returned lifetime enforces; the vtable's functions expect exactly
    // such a pointer. `ManuallyDrop` keeps the reference the waker does not own unreleased.
    let waker = unsafe { Waker::from_raw(RawWaker::new(data, &Vtable::<T>::VTABLE)) };
    WakerRef {
        waker: ManuallyDrop::new(waker),
        _task: PhantomData,
    }
}

/// The waker vtable of tasks of type `T`. Every `data` pointer is `Arc::<T>::as_ptr` of a
/// live task: an owned waker owns one strong reference to it, a [`WakerRef`] borrows one.
struct Vtable<T>(PhantomData<T>);

impl<T: Wakeable + Sized> Vtable<T> {
    const VTABLE: RawWakerVTable =
        RawWakerVTable::new(Self::clone, Self::wake, Self::wake_by_ref, Self::drop);

    /// # Safety
    /// `data` points to a live `T` in an `Arc`.
    unsafe fn clone(data: *const ()) -> RawWaker {
        // SAFETY: the task is alive (caller); the new waker owns the reference added here.
        unsafe { Arc::increment_strong_count(data.cast::<T>()) };
        RawWaker::new(data, &Self::VTABLE)
    }

    /// # Safety
    /// `data` is a reference owned by the waker being consumed.
    unsafe fn wake(data: *const ()) {
        // SAFETY: the consumed waker's reference moves into this `Arc`.
        let task = unsafe { Arc::from_raw(data.cast::<T>()) };
        if apply_wake(&*task) {
            schedule(task);
        }
    }

    /// # Safety
    /// `data` points to a live `T` in an `Arc`.
    unsafe fn wake_by_ref(data: *const ()) {
        // SAFETY: the task is alive (caller). `ManuallyDrop`: this `Arc` borrows the
        // waker's reference and must not release it.
        let task = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<T>()) });
        if apply_wake(&**task) {
            schedule(Arc::clone(&task));
        }
    }

    /// # Safety
    /// `data` is a reference owned by the waker being dropped.
    ///
    /// Dropped on the runtime's thread (the common case), it only releases its reference.
    /// Dropped anywhere else, it may have been the task's last waker while the reactor
    /// waits without a timeout: nothing would end that wait, so the runtime could never
    /// find out that it is stuck. Such a drop interrupts the wait after the release, and
    /// the runtime checks again.
    unsafe fn drop(data: *const ()) {
        // SAFETY: the task is alive: the dropped waker still owns its reference.
        let shared = &unsafe { &*data.cast::<T>() }.header().shared;
        if runs_here(shared) {
            // SAFETY: the dropped waker owned one reference; release it.
            unsafe { Arc::decrement_strong_count(data.cast::<T>()) };
            return;
        }
        // The runtime, kept alive for the interrupt: the release may free the task.
        let shared = Arc::clone(shared);
        // SAFETY: as above; `shared` no longer borrows from the task.
        unsafe { Arc::decrement_strong_count(data.cast::<T>()) };
        shared.interrupt();
    }
}

/// Whether `shared`'s runtime is the one running on this thread. Reads the thread's
/// context without touching a reference count.
#[inline]
fn runs_here(shared: &Shared) -> bool {
    with_current(|core| core.is_some_and(|core| std::ptr::eq(&**core.shared(), shared)))
}

/// Applies a wake to `task`'s state word. Returns whether the caller must queue it;
/// otherwise records the wake, which queued nothing.
#[inline]
fn apply_wake<T: Wakeable + ?Sized>(task: &T) -> bool {
    let header = task.header();
    let ignored = match header.state.wake() {
        WakeAction::Queue => return true,
        WakeAction::DuringPoll => None,
        WakeAction::AlreadyQueued => Some(IgnoredBecause::AlreadyQueued),
        WakeAction::Finished => Some(IgnoredBecause::Finished),
    };
    if header.shared.traced {
        trace_wake(&header.shared, header.id, ignored);
    }
    false
}

/// Queues a task whose state said [`WakeAction::Queue`]: on the local run queue when this
/// thread runs the task's runtime, else through the injection queue.
pub(crate) fn schedule<T: Wakeable + ?Sized>(task: Arc<T>) {
    let header = task.header();
    let (id, traced) = (
        header.id,
        header.shared.traced.then(|| header.shared.clone()),
    );
    let foreign = with_current(|core| match core {
        Some(core) if Arc::ptr_eq(core.shared(), &task.header().shared) => {
            core.run_queue().push(task.into_runnable());
            None
        }
        _ => Some(task),
    });
    match (foreign, traced) {
        (Some(task), _) => task.header().shared.clone().inject(task.into_runnable()),
        (None, Some(shared)) => trace_wake(&shared, id, None),
        (None, None) => {}
    }
}

/// Records a wake of task `id` (one that queued it, or was `ignored`) in the trace of the
/// runtime running here, if it is the task's. Called after every borrow of the thread's
/// context has ended: the hooks may enter or drop runtimes.
fn trace_wake(shared: &Arc<Shared>, task: TaskId, ignored: Option<IgnoredBecause>) {
    let Some(core) = traced_runtime(shared) else {
        return;
    };
    let cause = core.trace().cause();
    core.trace().emit(|| match ignored {
        Some(reason) => Event::WakeIgnored {
            task,
            cause,
            reason,
        },
        None => Event::Woken { task, cause },
    });
}

/// The runtime running on this thread, if it is `shared`'s and has a hook: where an event
/// about one of its tasks goes.
pub(crate) fn traced_runtime(shared: &Arc<Shared>) -> Option<Rc<Core>> {
    let core = shared.traced.then(current).flatten()?;
    Arc::ptr_eq(core.shared(), shared).then_some(core)
}

thread_local! {
    /// The runtime whose `block_on` (or drop) runs on this thread; set by `enter`
    /// (`executor/mod.rs`).
    pub(super) static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Runs `f` on the current runtime without touching its reference count. The thread's
/// context stays borrowed while `f` runs, so `f` must run no code of the user's (no hook,
/// no waker, no destructor): such code may enter or drop a runtime.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    let mut f = Some(f);
    let result = CURRENT.try_with(|current| (f.take().expect("once"))(current.borrow().as_deref()));
    // The thread is exiting and its context is gone: there is no runtime.
    result.unwrap_or_else(|_| (f.take().expect("not called"))(None))
}

/// The current runtime, if any.
pub(crate) fn current() -> Option<Rc<Core>> {
    CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten()
}
