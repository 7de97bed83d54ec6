//! Wakers for tasks: the task pointer itself, with a hand-written vtable.
//!
//! A waker is an `Arc<Task<F>>` turned into a raw pointer. Cloning it increments the
//! reference count; waking queues the task (see [`schedule`](super::schedule)). The
//! runtime polls a task with a *borrowed* waker ([`waker_ref`]) that owns no reference, so
//! a poll that does not keep the waker costs no reference-count traffic at all.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::Task;

impl<F: Future + 'static> Task<F> {
    /// The vtable of every waker of a `Task<F>`. Each function's `data` pointer came from
    /// `Arc::<Task<F>>::into_raw` (or `as_ptr`, for the borrowed waker).
    const VTABLE: RawWakerVTable = RawWakerVTable::new(
        Self::clone_waker,
        Self::wake_waker,
        Self::wake_by_ref_waker,
        Self::drop_waker,
    );

    /// # Safety
    /// `data` must point to a live `Task<F>` inside an `Arc`.
    unsafe fn clone_waker(data: *const ()) -> RawWaker {
        // SAFETY: the caller guarantees `data` is a live `Arc<Task<F>>` allocation; the new
        // waker owns the reference added here.
        unsafe { Arc::increment_strong_count(data.cast::<Task<F>>()) };
        RawWaker::new(data, &Self::VTABLE)
    }

    /// # Safety
    /// `data` must be a reference owned by the waker being consumed.
    unsafe fn wake_waker(data: *const ()) {
        // SAFETY: the waker owned one reference, which moves into this `Arc`.
        let task = unsafe { Arc::from_raw(data.cast::<Task<F>>()) };
        task.wake();
    }

    /// # Safety
    /// `data` must point to a live `Task<F>` inside an `Arc`.
    unsafe fn wake_by_ref_waker(data: *const ()) {
        // SAFETY: the waker keeps its reference; `ManuallyDrop` makes sure this borrowed
        // `Arc` never releases it.
        let task = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<Task<F>>()) });
        task.wake_by_ref();
    }

    /// # Safety
    /// `data` must be a reference owned by the waker being dropped.
    unsafe fn drop_waker(data: *const ()) {
        // SAFETY: the waker owned one reference; release it.
        unsafe { Arc::decrement_strong_count(data.cast::<Task<F>>()) };
    }
}

/// A waker that borrows `task` instead of owning a reference to it.
///
/// It must never be dropped (hence `ManuallyDrop`): it owns no reference to release.
/// Cloning it yields an ordinary owned waker.
pub(super) fn waker_ref<F: Future + 'static>(task: &Arc<Task<F>>) -> ManuallyDrop<Waker> {
    let data = Arc::as_ptr(task).cast::<()>();
    // SAFETY: `data` points to a live `Arc<Task<F>>` for as long as `task` is borrowed, which
    // outlives every use of this waker (the poll it is made for). The vtable's functions
    // expect exactly such a pointer. The waker is wrapped in `ManuallyDrop`, so the
    // reference it does not own is never released.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(data, &Task::<F>::VTABLE)) })
}
