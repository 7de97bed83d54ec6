//! Giving other tasks a turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Lets every other runnable task (and, at least every
/// [`EVENT_INTERVAL`](crate::EVENT_INTERVAL) polls, the reactor) run before this task
/// continues.
///
/// The first poll wakes the task's own waker and returns `Pending`. A task woken during its
/// own poll goes to the back of the run queue when the poll ends, so everything queued
/// before it runs first.
///
/// ```
/// runtime::block_on(async {
///     runtime::yield_now().await;
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` them"]
pub struct YieldNow {
    /// Whether the one `Pending` has been returned.
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
