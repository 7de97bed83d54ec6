//! Waiting until a deadline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::timers::TimerKey;
use super::Instant;
use crate::executor::core::Core;
use crate::executor::current_or_panic;
use crate::task::WaitsOn;

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
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now().saturating_add(duration))
}

/// Waits until `deadline` on the runtime's clock (at once if it has passed).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`]. Dropping it cancels the timer.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Sleep {
    state: State,
}

/// Where a sleep's deadline lives. (A million sleeping tasks hold a million of these, so
/// the deadline is stored once: as an instant, or as the timer key's ticks.)
enum State {
    /// Not in a timer queue yet (before the first `Pending` poll, or after a reset).
    Unregistered(Instant),
    /// In `core`'s timer queue; `key.0` is the deadline in the runtime's ticks.
    Registered { core: Rc<Core>, key: TimerKey },
}

impl Sleep {
    fn new(deadline: Instant) -> Sleep {
        Sleep {
            state: State::Unregistered(deadline),
        }
    }

    /// When this sleep ends.
    pub fn deadline(&self) -> Instant {
        match &self.state {
            State::Unregistered(deadline) => *deadline,
            State::Registered { core, key } => Instant::from_std(core.clock.instant_of(key.0)),
        }
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline()
    }

    /// Moves the deadline (earlier or later); the next poll re-registers the timer.
    pub fn reset(&mut self, deadline: Instant) {
        self.cancel();
        self.state = State::Unregistered(deadline);
    }

    /// The timer id, as it appears in traces (`timer#N`), once registered.
    pub fn timer_id(&self) -> Option<u64> {
        match &self.state {
            State::Registered { key, .. } => Some(super::timers::timer_id(*key)),
            State::Unregistered(_) => None,
        }
    }

    /// Takes the timer out of its queue, keeping the deadline.
    fn cancel(&mut self) {
        if let State::Registered { core, key } = &self.state {
            let deadline = Instant::from_std(core.clock.instant_of(key.0));
            core.timers.borrow_mut().remove(*key);
            self.state = State::Unregistered(deadline);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if let State::Registered { core, key } = &this.state {
            // Deadlines are whole nanoseconds since the runtime's start, so comparing ticks
            // is exact.
            if core.clock.ticks(core.clock.now()) >= key.0 {
                this.cancel();
                return Poll::Ready(());
            }
            if core.timers.borrow_mut().update(*key, cx.waker()) {
                core.note_wait(WaitsOn::TIMER);
                return Poll::Pending;
            }
            // Fired, but the clock says otherwise (it cannot go back): register anew.
            this.cancel();
        }
        let State::Unregistered(deadline) = this.state else {
            unreachable!("a registered sleep returned above");
        };
        let core = current_or_panic("time::sleep");
        let deadline = deadline.into_std();
        if core.clock.now() >= deadline {
            return Poll::Ready(());
        }
        let ticks = core.clock.ticks(deadline);
        let key = core.timers.borrow_mut().insert(ticks, cx.waker().clone());
        core.note_wait(WaitsOn::TIMER);
        this.state = State::Registered { core, key };
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
