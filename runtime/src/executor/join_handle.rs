//! Awaiting (or aborting) a spawned task.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::blocking::is_blocking_job;
use super::cell::TaskCell;
use super::cell::Wakeable;
use super::wake::{self, WakeAction, COMPLETE};
use crate::task::{note_await, Await, AwaitPoint, JoinError, OtherRuntime, TaskId};
use crate::trace::Event;

/// An owned permission to await a task's output, or to abort the task.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task panicked or was
/// cancelled. **Dropping it detaches the task: the task keeps running** and its output is
/// dropped when it finishes. Call [`abort`](JoinHandle::abort) to stop it instead.
///
/// A `JoinHandle` stays on the runtime's thread (it is `!Send`), like the task. Await it
/// inside its own runtime: awaited inside *another* runtime's `block_on` on that thread
/// before the task finished, it returns [`JoinError::OtherRuntime`] at once instead of
/// hanging (the task's runtime cannot run while the other one holds the thread).
///
/// A task awaiting it shows in a trace as `pending on join t3 (src/x.rs:12)`, naming the
/// line that spawned the task (or `pending on blocking job (…)` for
/// [`spawn_blocking`](crate::spawn_blocking)'s handle).
#[must_use = "dropping a JoinHandle detaches the task (it keeps running); `.await` it for the output, or call `abort()`"]
pub struct JoinHandle<T> {
    /// The task; the handle owns one reference, and `JOIN_INTEREST` is set while it lives.
    task: Arc<dyn TaskOutput<T>>,
    /// Keeps the handle on the runtime's thread, where the task's output may be read
    /// without locks.
    _not_send: PhantomData<*const ()>,
}

/// What a `JoinHandle` needs from a task whose output is `T`.
trait TaskOutput<T> {
    fn id(&self) -> TaskId;
    fn is_finished(&self) -> bool;
    fn poll_output(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    fn abort(self: Arc<Self>);
    fn detach(&self);
}

impl<F: Future + 'static> TaskOutput<F::Output> for TaskCell<F>
where
    F::Output: 'static,
{
    fn id(&self) -> TaskId {
        self.header().id
    }

    fn is_finished(&self) -> bool {
        self.header().state.load() & COMPLETE != 0
    }

    fn poll_output(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        if self.is_finished() {
            // SAFETY: the handle is `!Send` and was created on the runtime's thread, so this
            // runs there; `COMPLETE` was observed; `take_output` is not running.
            return match unsafe { self.take_output() } {
                Some(output) => Poll::Ready(output),
                None => panic!("JoinHandle polled after it returned its output"),
            };
        }
        if self.header().shared.is_closed() {
            // The runtime is being dropped and drops this task's future next.
            return Poll::Ready(Err(JoinError::Cancelled));
        }
        if let Some(error) = self.awaited_in_other_runtime() {
            return Poll::Ready(Err(error));
        }
        self.set_join_waker(cx.waker());
        // The await point is the `spawn` call that made the handle (the task keeps that
        // line for its reports), so the handle stores nothing more.
        let what = match is_blocking_job::<F>() {
            true => Await::Blocking,
            false => Await::Join(self.id()),
        };
        let at = self
            .spawned_at()
            .expect("a spawned task knows where it was spawned");
        note_await(AwaitPoint { what, at });
        Poll::Pending
    }

    fn abort(self: Arc<Self>) {
        let action = self.header().state.cancel();
        if action == WakeAction::Finished {
            return;
        }
        if let Some(core) = wake::traced_runtime(&self.header().shared) {
            let (task, by) = (self.header().id, core.trace().cause());
            core.trace().emit(|| Event::AbortRequested { task, by });
        }
        if action == WakeAction::Queue {
            wake::schedule(self);
        }
    }

    fn detach(&self) {
        if self.header().state.drop_join_interest() & COMPLETE != 0 {
            // The output was kept for this handle: drop it here, on the runtime's thread.
            // SAFETY: as in `poll_output`.
            drop(unsafe { self.take_output() });
        }
        drop(self.take_join_waker());
    }
}

impl<F: Future + 'static> TaskCell<F> {
    /// The error for a handle polled, before its task finished, while another runtime runs
    /// on this thread (the handle is `!Send`: the task's runtime lives on this thread too).
    /// Waiting would hang: the task's runtime cannot run until the other's `block_on`
    /// returns, and that waits for this handle. `None` in the task's own runtime, and
    /// outside any runtime (a foreign executor may well run the task's runtime meanwhile).
    fn awaited_in_other_runtime(&self) -> Option<JoinError> {
        let owner = &self.header().shared;
        wake::with_current(|core| {
            let here = core?.shared();
            (!Arc::ptr_eq(here, owner)).then(|| {
                JoinError::OtherRuntime(Box::new(OtherRuntime {
                    task: self.header().id,
                    owner: owner.id,
                    owner_name: owner.name.clone(),
                    awaited_in: here.id,
                    awaited_in_name: here.name.clone(),
                }))
            })
        })
    }
}

impl<T> JoinHandle<T> {
    pub(crate) fn new<F>(task: Arc<TaskCell<F>>) -> JoinHandle<T>
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        JoinHandle {
            task,
            _not_send: PhantomData,
        }
    }

    /// Asks the task to stop. The runtime drops its future (on the runtime's thread) the next
    /// time it would run it, and awaiting this handle then gives [`JoinError::Cancelled`].
    ///
    /// Does nothing if the task already finished: its output is still returned.
    pub fn abort(&self) {
        self.task.clone().abort();
    }

    /// Whether the task has finished (completed, panicked or been cancelled).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// The task's id, as it appears in traces.
    pub fn id(&self) -> TaskId {
        self.task.id()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.task.poll_output(cx)
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        self.task.detach();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.task.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
