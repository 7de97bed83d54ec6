//! A task handle that cancels its task when dropped.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::executor::JoinHandle;
use crate::task::JoinError;
use crate::trace::TaskId;

/// Wraps `handle` so that dropping it aborts the task instead of detaching it.
///
/// A plain [`JoinHandle`] lets its task run on when dropped. Combinators cancel a child by
/// dropping it, so wrap handles before giving them to [`gather`](crate::gather),
/// [`try_gather`](crate::try_gather), [`race`](crate::race) or
/// [`time::timeout`](crate::time::timeout) when losing or failing should stop the task, as
/// cancelling asyncio's `gather` cancels its tasks.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::{sleep, timeout};
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// rt.block_on(async {
///     let slow = runtime::abort_on_drop(runtime::spawn(sleep(Duration::from_secs(60))));
///     assert!(timeout(Duration::from_secs(1), slow).await.is_err());
///     runtime::yield_now().await; // the runtime drops the aborted task's future
/// });
/// // A plain JoinHandle would have left the task sleeping in the runtime.
/// assert_eq!(rt.live_tasks(), 0);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn abort_on_drop<T>(handle: JoinHandle<T>) -> AbortOnDrop<T> {
    AbortOnDrop { handle }
}

/// A [`JoinHandle`] that aborts its task when dropped; see [`abort_on_drop`].
///
/// Awaiting it gives what awaiting the handle gives.
#[must_use = "dropping an AbortOnDrop aborts its task"]
pub struct AbortOnDrop<T> {
    handle: JoinHandle<T>,
}

impl<T> AbortOnDrop<T> {
    /// The task's id, as it appears in traces.
    pub fn id(&self) -> TaskId {
        self.handle.id()
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        // Does nothing if the task finished.
        self.handle.abort();
    }
}

impl<T> fmt::Debug for AbortOnDrop<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AbortOnDrop").field(&self.handle).finish()
    }
}
