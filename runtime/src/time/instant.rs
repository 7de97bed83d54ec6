//! A point in time that follows the runtime's clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

use crate::executor::wake;

/// A measurement of the runtime's clock: real time normally, virtual time under
/// [`Builder::virtual_clock`](crate::Builder::virtual_clock).
///
/// It wraps [`std::time::Instant`]; under the virtual clock `Instant::now()` is the runtime's
/// start plus the virtual time elapsed. Outside a runtime it is the real time.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(std::time::Instant);

impl Instant {
    /// The current time of the runtime running on this thread (real time outside one).
    pub fn now() -> Instant {
        wake::with_current(|core| match core {
            Some(core) => Instant(core.time().now()),
            None => Instant(std::time::Instant::now()),
        })
    }

    /// Wraps a std instant.
    pub fn from_std(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }

    /// The std instant inside.
    pub fn into_std(self) -> std::time::Instant {
        self.0
    }

    /// Time elapsed since `self` on the runtime's clock (zero if `self` is later).
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self - earlier`, or zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// `self + duration`, or `None` on overflow.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// `self + duration`, or a point about 30 years ahead on overflow ("never", for timers).
    pub(crate) fn saturating_add(&self, duration: Duration) -> Instant {
        self.checked_add(duration)
            .or_else(|| self.checked_add(Duration::from_secs(86_400 * 365 * 30)))
            .unwrap_or(*self)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    /// On overflow, like `std::time::Instant`.
    fn add(self, duration: Duration) -> Instant {
        Instant(self.0 + duration)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        self.0 += duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    /// If the result would be before the clock's earliest representable point.
    fn sub(self, duration: Duration) -> Instant {
        Instant(self.0 - duration)
    }
}

impl Sub for Instant {
    type Output = Duration;

    /// Saturates at zero when `earlier` is later.
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
