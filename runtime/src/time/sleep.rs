//! Waiting until a deadline.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;
use crate::executor::{current_or_panic, wake};
use crate::reactor::time::{timer_id, TimeDriver, TimerKey};
use crate::task::{note_await, Await, AwaitPoint};
use crate::trace::{Event, WakeCause};

/// Waits until `duration` has passed on the runtime's clock.
///
/// The deadline is fixed when `sleep` is called, on the clock of the runtime running on
/// this thread (so call it inside the runtime when using the virtual clock; outside one,
/// it reads real time). The timer is registered on the first poll
/// and cancelled when the `Sleep` is dropped. On Linux the reactor wakes at the deadline
/// with nanosecond precision (a timerfd), not rounded up to whole milliseconds.
///
/// ```
/// use std::time::Duration;
/// runtime::block_on(async {
///     runtime::time::sleep(Duration::from_millis(1)).await;
/// });
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now().saturating_add(duration))
}

/// Waits until `deadline` on the runtime's clock (at once if it has passed).
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        timer: Timer::Unregistered(deadline),
        created_at: Location::caller(),
    }
}

/// The future returned by [`sleep`] and [`sleep_until`]. Dropping it cancels the timer.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Sleep {
    timer: Timer,
    /// The line that called `sleep`, for the trace's `pending on sleep 250 ms (file:line)`.
    created_at: &'static Location<'static>,
}

/// Where a sleep's deadline lives. (A million sleeping tasks hold a million of these, so
/// the deadline is stored once: as an instant, or in the timer's key.)
enum Timer {
    /// Not in a timer queue (before the first `Pending` poll, after firing, after a reset).
    Unregistered(Instant),
    /// In `driver`'s queue under `key`, which holds the deadline.
    Registered {
        driver: Rc<TimeDriver>,
        key: TimerKey,
    },
}

impl Sleep {
    /// When this sleep ends.
    pub fn deadline(&self) -> Instant {
        match &self.timer {
            Timer::Unregistered(deadline) => *deadline,
            Timer::Registered { driver, key } => Instant::from_std(driver.deadline(*key)),
        }
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline()
    }

    /// Moves the deadline (earlier or later); the next poll re-registers the timer.
    pub fn reset(&mut self, deadline: Instant) {
        self.cancel();
        self.timer = Timer::Unregistered(deadline);
    }

    /// The timer id, as it appears in traces (`timer#N`), once registered.
    pub fn timer_id(&self) -> Option<u64> {
        match &self.timer {
            Timer::Registered { key, .. } => Some(timer_id(*key)),
            Timer::Unregistered(_) => None,
        }
    }

    /// Records for the trace that this sleep parked, `left` before its deadline.
    fn note_pending(&self, left: Duration) {
        note_await(AwaitPoint {
            what: Await::Sleep(left),
            at: self.created_at,
        });
    }

    /// Takes the timer out of its queue, keeping the deadline.
    fn cancel(&mut self) {
        if let Timer::Registered { driver, key } = &self.timer {
            if driver.traced.get() && driver.is_live(*key) {
                let timer = timer_id(*key);
                if let Some(core) = wake::current() {
                    core.trace().emit(|| Event::TimerCancelled { timer });
                }
            }
            driver.remove(*key);
            self.timer = Timer::Unregistered(Instant::from_std(driver.deadline(*key)));
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if let Timer::Registered { driver, key } = &this.timer {
            if driver.has_passed(*key) {
                this.cancel();
                return Poll::Ready(());
            }
            // A sleep awaited under another runtime than its first moves there (below):
            // the driver it is in may belong to a runtime nobody runs any more.
            let home = wake::with_current(|core| core.is_none_or(|c| Rc::ptr_eq(c.time(), driver)));
            if home && driver.update(*key, cx.waker()) {
                let left = driver
                    .deadline(*key)
                    .saturating_duration_since(driver.now());
                this.note_pending(left);
                return Poll::Pending;
            }
            // Fired (though the clock says otherwise: it cannot go back), or elsewhere:
            // register anew.
            this.cancel();
        }
        let Timer::Unregistered(deadline) = this.timer else {
            unreachable!("a registered sleep returned above");
        };
        let core = current_or_panic("time::sleep");
        let driver = core.time().clone();
        if driver.now() >= deadline.into_std() {
            return Poll::Ready(());
        }
        let left = deadline.into_std().saturating_duration_since(driver.now());
        let key = driver.insert(deadline.into_std(), cx.waker().clone());
        core.trace().emit(|| Event::TimerArmed {
            timer: timer_id(key),
            deadline: Duration::from_nanos(key.0),
            task: match core.trace().cause() {
                WakeCause::Task(task) => Some(task),
                _ => None,
            },
        });
        this.timer = Timer::Registered { driver, key };
        this.note_pending(left);
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline())
            .field("timer", &self.timer_id())
            .finish()
    }
}
