//! Tasks: a spawned future in one allocation, its state word, its wakers and its handle.
//!
//! A task is an `Arc<Task<F>>`: the [`Header`] (state, id, a handle on the runtime's
//! [`Shared`] part) and the future's [`Stage`](raw) in a single allocation. The run queue
//! holds type-erased [`TaskRef`]s; a waker is the same pointer with a hand-written vtable
//! (see `waker.rs`), so waking never allocates.

mod join_error;
mod join_handle;
mod main_task;
mod raw;
mod report;
mod state;
mod waker;
mod yield_now;

pub use join_error::JoinError;
pub use join_handle::JoinHandle;
pub use report::{Stuck, TaskReport, WaitsOn};
pub use yield_now::{yield_now, YieldNow};

pub(crate) use main_task::{FinishOnDrop, MainTask};
pub(crate) use raw::Task;
pub(crate) use state::{AfterPoll, WakeAction};

use std::sync::Arc;

use crate::executor::context;
use crate::executor::core::Core;
use crate::executor::shared::Shared;
use crate::trace::TaskId;

/// The part of every task that wakers on any thread may read.
pub(crate) struct Header {
    /// Flags saying whether the task is queued, running or finished.
    pub(crate) state: state::State,
    /// The task's number in traces; `TaskId::MAIN` for the `block_on` future.
    pub(crate) id: TaskId,
    /// The runtime the task belongs to. A waker compares it with the current thread's
    /// runtime to pick the local run queue or the injection queue.
    pub(crate) shared: Arc<Shared>,
}

/// A task as the run queue sees it.
pub(crate) trait Runnable: Send + Sync {
    /// The state, id and runtime of the task.
    fn header(&self) -> &Header;
    /// Polls the task once, or cancels it if it was aborted. Runtime thread only.
    fn run(self: Arc<Self>, core: &Core);
    /// Drops the future without polling it (the runtime is being dropped). The state is
    /// already `COMPLETE`. Runtime thread only.
    fn shutdown(&self, core: &Core);
    /// How many wakers for this task are alive, given how many references exist besides
    /// the runtime's task list and the caller's own (`strong_count - 2`).
    fn live_wakers(&self, other_refs: usize) -> usize;
    /// The data pointer of the waker stored by whoever awaits this task's `JoinHandle`.
    /// Runtime thread only.
    fn join_waker_data(&self) -> Option<*const ()>;
    /// A description for a [`Stuck`] report. Runtime thread only.
    fn report(&self, core: &Core, live_wakers: usize) -> TaskReport;
}

/// A type-erased, reference-counted task.
pub(crate) type TaskRef = Arc<dyn Runnable>;

/// The one wake path, for every task and every thread: carries out a wake whose state
/// transition said [`WakeAction::Queue`].
///
/// The task goes onto the local run queue when this thread runs the task's runtime (no
/// lock, no syscall), or through the injection queue and the reactor interrupt otherwise.
pub(crate) fn enqueue<T: Runnable + 'static>(task: Arc<T>) {
    let foreign = context::with_current(|core| match core {
        Some(core) if Arc::ptr_eq(&core.shared, &task.header().shared) => {
            core.enqueue_local(task.header().id, task);
            None
        }
        _ => Some(task),
    });
    if let Some(task) = foreign {
        let shared = task.header().shared.clone();
        shared.inject(task);
    }
}

/// Records a wake that needs no queueing (the task is queued, running or finished). Only a
/// wake on the runtime's own thread is traced; a foreign one is invisible to the hook.
pub(crate) fn wake_without_queueing(header: &Header, action: WakeAction) {
    if !header.shared.traced {
        return; // nothing to record, and nothing else to do
    }
    context::with_current(|core| {
        if let Some(core) = core {
            if Arc::ptr_eq(&core.shared, &header.shared) {
                core.note_wake(header.id, action);
            }
        }
    });
}

/// Carries out `action` for `task` (owned: no reference-count traffic when queued).
pub(crate) fn schedule<T: Runnable + 'static>(task: Arc<T>, action: WakeAction) {
    match action {
        WakeAction::Queue => enqueue(task),
        other => wake_without_queueing(task.header(), other),
    }
}

/// Carries out `action` for a borrowed `task`, cloning the reference only to queue it.
pub(crate) fn schedule_by_ref<T: Runnable + 'static>(task: &Arc<T>, action: WakeAction) {
    match action {
        WakeAction::Queue => enqueue(task.clone()),
        other => wake_without_queueing(task.header(), other),
    }
}
