//! Real or virtual time, as the runtime sees it.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// The runtime's notion of now.
///
/// Real time is `std::time::Instant::now()`. Virtual time starts at the runtime's creation
/// and moves only when [`advance_to`](Clock::advance_to) is called, which the reactor does
/// when it would otherwise have to wait for a timer.
pub(crate) struct Clock {
    /// When the runtime was built; timer deadlines are counted in nanoseconds from here.
    origin: Instant,
    /// Virtual time since `origin`, or `None` for real time. Never decreases.
    virtual_elapsed: Option<Cell<Duration>>,
}

impl Clock {
    pub(crate) fn new(virtual_time: bool) -> Clock {
        Clock {
            origin: Instant::now(),
            virtual_elapsed: virtual_time.then(|| Cell::new(Duration::ZERO)),
        }
    }

    /// Whether time is virtual.
    pub(crate) fn is_virtual(&self) -> bool {
        self.virtual_elapsed.is_some()
    }

    /// The current time.
    pub(crate) fn now(&self) -> Instant {
        match &self.virtual_elapsed {
            Some(elapsed) => self.origin + elapsed.get(),
            None => Instant::now(),
        }
    }

    /// Time since the runtime was built.
    pub(crate) fn elapsed(&self) -> Duration {
        match &self.virtual_elapsed {
            Some(elapsed) => elapsed.get(),
            None => self.origin.elapsed(),
        }
    }

    /// `instant` as nanoseconds since the origin (0 for anything earlier), the unit of timer
    /// deadlines. 2^64 ns is over 500 years, so this does not overflow in practice; it
    /// saturates if it would.
    pub(crate) fn ticks(&self, instant: Instant) -> u64 {
        let nanos = instant.saturating_duration_since(self.origin).as_nanos();
        u64::try_from(nanos).unwrap_or(u64::MAX)
    }

    /// The instant of a deadline in ticks.
    pub(crate) fn instant_of(&self, ticks: u64) -> Instant {
        self.origin + Duration::from_nanos(ticks)
    }

    /// Moves virtual time forward to `ticks` (never backwards). No effect on real time.
    pub(crate) fn advance_to(&self, ticks: u64) {
        if let Some(elapsed) = &self.virtual_elapsed {
            let to = Duration::from_nanos(ticks);
            if to > elapsed.get() {
                elapsed.set(to);
            }
        }
    }
}
