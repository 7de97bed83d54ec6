//! Ticking at a fixed period.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{sleep_until, Instant, Sleep};
use crate::task::{note_await, Await, AwaitPoint};

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
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "interval period must be greater than zero"
    );
    Interval {
        period,
        sleep: sleep_until(Instant::now()),
        waited: false,
        created_at: Location::caller(),
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
    /// The line that called [`interval`]: the await point of the [`Stream`] impl, whose
    /// poller is usually an adapter in another crate (`StreamExt::next`), not the user.
    ///
    /// [`Stream`]: futures_core::Stream
    created_at: &'static Location<'static>,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled time.
    #[track_caller]
    pub fn tick(&mut self) -> Tick<'_> {
        Tick {
            interval: self,
            created_at: Location::caller(),
        }
    }

    /// Polls for the next tick. On `Pending`, the trace names the line that called this.
    #[track_caller]
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        self.poll_tick_at(cx, Location::caller())
    }

    /// [`poll_tick`](Interval::poll_tick), naming `at` as the await point on `Pending`.
    fn poll_tick_at(
        &mut self,
        cx: &mut Context<'_>,
        at: &'static Location<'static>,
    ) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            self.waited = true;
            // The sleep noted itself; what the task waits for is the tick.
            note_await(AwaitPoint {
                what: Await::Tick(self.period),
                at,
            });
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
/// `poll_next` is [`poll_tick`](Interval::poll_tick), so `StreamExt` adapters work. A task
/// waiting on the stream parks on the line that called [`interval`].
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
        let this = self.get_mut();
        let at = this.created_at;
        this.poll_tick_at(cx, at).map(Some)
    }
}

/// The future returned by [`Interval::tick`]: the next tick's scheduled time.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Tick<'a> {
    interval: &'a mut Interval,
    /// The line that called `tick`, for the trace's `pending on tick of 1000 ms (…)`.
    created_at: &'static Location<'static>,
}

impl Future for Tick<'_> {
    type Output = Instant;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Instant> {
        let this = self.get_mut();
        this.interval.poll_tick_at(cx, this.created_at)
    }
}

impl fmt::Debug for Tick<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tick")
            .field("interval", &self.interval)
            .finish()
    }
}
