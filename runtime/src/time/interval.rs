//! Ticking at a fixed period.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{sleep_until, Instant, Sleep};

/// A stream of ticks every `period`, the first one at once.
///
/// A tick is *late* when it is already due by the time it is asked for (the task was busy
/// past it). A late tick fires at once and the next one comes a full `period` after it:
/// missed ticks are skipped, never fired in a burst. A tick the task was waiting for is on
/// time, and the next comes one `period` after the scheduled time of this one, so waiting
/// ticks do not drift by the runtime's wake-up latency.
///
/// # Panics
/// If `period` is zero.
///
/// ```
/// use std::time::Duration;
/// let rt = runtime::Runtime::builder().virtual_clock(true).build().unwrap();
/// rt.block_on(async {
///     let mut ticks = runtime::time::interval(Duration::from_secs(1));
///     let start = ticks.tick().await;
///     let second = ticks.tick().await;
///     assert_eq!(second - start, Duration::from_secs(1));
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "interval period must be greater than zero"
    );
    Interval {
        period,
        sleep: sleep_until(Instant::now()),
        waited: false,
    }
}

/// The ticker returned by [`interval`].
#[derive(Debug)]
pub struct Interval {
    /// Time between two ticks; never zero.
    period: Duration,
    /// Ends at the next tick's deadline.
    sleep: Sleep,
    /// Whether a poll found the next tick not yet due (so it is not late when it fires).
    waited: bool,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled time.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            self.waited = true;
            return Poll::Pending;
        }
        let scheduled = self.sleep.deadline();
        let now = Instant::now();
        let on_time = std::mem::take(&mut self.waited) || now <= scheduled;
        let mut next = match on_time {
            true => scheduled.saturating_add(self.period),
            false => now.saturating_add(self.period),
        };
        // Woken on time but polled a period or more later (other tasks ran): skip ahead.
        if next <= now {
            next = now.saturating_add(self.period);
        }
        self.sleep.reset(next);
        Poll::Ready(scheduled)
    }

    /// The time between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }
}

/// The ticks as an endless [`Stream`](futures_core::Stream) of their scheduled times:
/// `poll_next` is [`poll_tick`](Interval::poll_tick), so `StreamExt` adapters work.
///
/// ```
/// use futures_util::StreamExt;
/// use std::time::Duration;
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// let ticks = rt.block_on(async {
///     let start = runtime::time::Instant::now();
///     let interval = runtime::time::interval(Duration::from_secs(1));
///     let times: Vec<_> = interval.take(3).collect().await;
///     times.into_iter().map(|t| t - start).collect::<Vec<_>>()
/// });
/// assert_eq!(ticks, [0, 1, 2].map(Duration::from_secs));
/// # Ok::<(), std::io::Error>(())
/// ```
impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}
