//! Awaiting (or aborting) a spawned task.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::join_error::JoinError;
use super::raw::Task;
use super::state::COMPLETE;
use crate::trace::TaskId;

/// An owned permission to await a task's output, or to abort the task.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task panicked or was
/// cancelled. **Dropping it detaches the task: the task keeps running** and its output is
/// dropped when it finishes. Call [`abort`](JoinHandle::abort) to stop it instead.
///
/// A `JoinHandle` stays on the runtime's thread (it is `!Send`), like the task.
#[must_use = "dropping a JoinHandle detaches the task (it keeps running); `.await` it for the output, or call `abort()`"]
pub struct JoinHandle<T> {
    /// The task; the handle owns one reference and `JOIN_INTEREST` is set while it lives.
    task: Arc<dyn Join<T>>,
    /// Keeps the handle on the runtime's thread: the task's output is read without locks.
    _not_send: PhantomData<*const ()>,
}

/// What a `JoinHandle` needs from a task, with the future's type erased.
trait Join<T> {
    fn id(&self) -> TaskId;
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    fn abort(self: Arc<Self>);
    fn is_finished(&self) -> bool;
    fn detach(&self);
}

impl<F: Future + 'static> Join<F::Output> for Task<F> {
    fn id(&self) -> TaskId {
        self.header.id
    }

    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        if self.header.state.load() & COMPLETE != 0 {
            if let Some(output) = self.take_output() {
                return Poll::Ready(output);
            }
            panic!("JoinHandle polled after it returned its output");
        }
        self.with_join_waker(|slot| match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        });
        crate::executor::note_wait(super::WaitsOn::TASK);
        Poll::Pending
    }

    fn abort(self: Arc<Self>) {
        Task::abort(&self);
    }

    fn is_finished(&self) -> bool {
        self.header.state.load() & COMPLETE != 0
    }

    fn detach(&self) {
        let previous = self.header.state.drop_join_interest();
        if previous & COMPLETE != 0 {
            // The output was stored for this handle: drop it here, on the runtime's thread.
            drop(self.take_output());
        }
        drop(self.with_join_waker(Option::take));
    }
}

impl<T> JoinHandle<T> {
    pub(crate) fn new<F>(task: Arc<Task<F>>) -> JoinHandle<T>
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
        self.task.poll_join(cx)
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
