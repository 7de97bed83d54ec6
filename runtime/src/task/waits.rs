//! What the future being polled gave its waker to, recorded for reports.

use std::cell::Cell;
use std::fmt;

/// What a task registered its waker with during its last poll, as a set of flags.
///
/// Timers, sockets, channels and `JoinHandle`s record themselves here when they store a
/// waker, so a report can say what each task waits on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitsOn(pub(crate) u8);

impl WaitsOn {
    /// Nothing recorded: a future the runtime does not know stored the waker (or none did).
    pub const UNKNOWN: WaitsOn = WaitsOn(0);
    /// A timer (`sleep`, `timeout`, `interval`).
    pub const TIMER: WaitsOn = WaitsOn(1);
    /// A socket's readiness.
    pub const SOCKET: WaitsOn = WaitsOn(2);
    /// A channel, queue or semaphore of [`crate::sync`].
    pub const CHANNEL: WaitsOn = WaitsOn(4);
    /// Another task's [`JoinHandle`](crate::JoinHandle).
    pub const TASK: WaitsOn = WaitsOn(8);

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: WaitsOn) -> bool {
        self.0 & other.0 == other.0
    }
}

impl fmt::Display for WaitsOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(u8, &str); 4] = [(1, "timer"), (2, "socket"), (4, "channel"), (8, "task")];
        crate::flags::write_flags(f, self.0, &NAMES, "unknown")
    }
}

thread_local! {
    /// What the poll running on this thread has given its waker to so far. Reset by
    /// [`record_waits`] before each poll; outside a poll nobody reads it.
    static WAITS: Cell<u8> = const { Cell::new(0) };
}

/// Notes that the future being polled on this thread gave its waker to a `kind` of source.
#[inline]
pub(crate) fn note_wait(kind: WaitsOn) {
    let _ = WAITS.try_with(|waits| waits.set(waits.get() | kind.0));
}

/// Runs `poll` and returns what it noted with [`note_wait`] besides its own result.
#[inline]
pub(crate) fn record_waits<R>(poll: impl FnOnce() -> R) -> (R, WaitsOn) {
    let outer = WAITS.try_with(|waits| waits.replace(0)).unwrap_or(0);
    let result = poll();
    // A nested poll (a `block_on` inside a destructor, say) records into its own scope.
    let inner = WAITS.try_with(|waits| waits.replace(outer)).unwrap_or(0);
    (result, WaitsOn(inner))
}
