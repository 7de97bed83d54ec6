//! Time: sleeping, timeouts, intervals, and the clock they follow.
//!
//! Timers live in the runtime's time driver, ordered by `(deadline, id)`; the reactor
//! sleeps until the earliest deadline. Under [`Builder::virtual_clock`](crate::Builder::virtual_clock) time
//! stands still until the runtime has nothing else to do, then jumps to the next deadline.

mod instant;
mod interval;
mod sleep;
mod timeout;

pub use instant::Instant;
pub use interval::{interval, Interval, Tick};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed};
