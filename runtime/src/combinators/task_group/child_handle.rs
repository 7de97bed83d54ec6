//! The handle of one child of a [`TaskGroup`](super::TaskGroup).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Weak;
use std::task::{Context, Poll};

use crate::sync::oneshot;
use crate::trace::TaskId;

/// Aborting one child, whatever the group's error type.
pub(super) trait AbortChild {
    fn abort_child(&self, index: usize);
}

impl<E> AbortChild for super::Group<E> {
    fn abort_child(&self, index: usize) {
        if let Some(handle) = &self.children.borrow()[index].handle {
            handle.abort();
        }
    }
}

/// A child of a [`TaskGroup`](super::TaskGroup): await it for the child's value, or abort the child alone.
///
/// Awaiting gives `Some(value)` once the child succeeded, or `None` if it failed, panicked
/// or was aborted (the group's `run`/`join` says why). **Dropping it does not affect the
/// child**, which belongs to the group.
pub struct ChildHandle<T> {
    pub(super) task: TaskId,
    /// Receives the child's value when it succeeds.
    pub(super) output: oneshot::Receiver<T>,
    /// The child's position in the group.
    pub(super) index: usize,
    /// The group, to abort the child through; dead once the group is dropped (and every
    /// child aborted).
    pub(super) group: Weak<dyn AbortChild>,
}

impl<T> ChildHandle<T> {
    /// The child's task id, as it appears in traces.
    pub fn id(&self) -> TaskId {
        self.task
    }

    /// Aborts this child only. Its siblings go on, and the group does not count it as a
    /// failure (asyncio's `task.cancel()` inside a `TaskGroup`).
    pub fn abort(&self) {
        if let Some(group) = self.group.upgrade() {
            group.abort_child(self.index);
        }
    }
}

impl<T> Future for ChildHandle<T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(&mut self.output).poll(cx).map(Result::ok)
    }
}

impl<T> fmt::Debug for ChildHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildHandle")
            .field("task", &self.task)
            .finish_non_exhaustive()
    }
}
