//! Bounding how long a future may take.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use super::{sleep_until, Instant};
use crate::task::keep_await_point;

/// The error of [`timeout`]: the deadline passed before the future completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Runs `future` for at most `duration`: `Ok(output)`, or `Err(Elapsed)` (and `future` is
/// dropped) if the time runs out first.
///
/// The deadline is fixed when `timeout` is called. The future is polled before the timer
/// is checked, so a future that is ready returns `Ok` even when the deadline has passed.
///
/// ```
/// use std::time::Duration;
/// use runtime::time::{sleep, timeout};
///
/// runtime::block_on(async {
///     let slow = timeout(Duration::from_millis(5), sleep(Duration::from_secs(60))).await;
///     assert!(slow.is_err());
///     let fast = timeout(Duration::from_secs(60), async { 7 }).await;
///     assert_eq!(fast, Ok(7));
/// });
/// ```
#[track_caller]
pub fn timeout<F: Future>(
    duration: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    timeout_at(Instant::now().saturating_add(duration), future)
}

/// Like [`timeout`], with a deadline instead of a duration.
#[track_caller]
pub fn timeout_at<F: Future>(
    deadline: Instant,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    let mut timer = sleep_until(deadline);
    async move {
        let mut future = pin!(future);
        poll_fn(|cx| {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            // The future's own await point says more than the deadline's: keep it.
            match keep_await_point(|| pin!(&mut timer).poll(cx)) {
                Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }
}
