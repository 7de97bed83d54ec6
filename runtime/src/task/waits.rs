//! What the future being polled gave its waker to, recorded for reports.

use std::cell::Cell;
use std::fmt;

use super::await_point::{Await, AwaitPoint};

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

impl From<Await> for WaitsOn {
    fn from(what: Await) -> WaitsOn {
        match what {
            Await::Sleep(_) | Await::Tick(_) => WaitsOn::TIMER,
            Await::Read | Await::Write | Await::Connect | Await::Accept => WaitsOn::SOCKET,
            Await::Recv | Await::Send | Await::Acquire | Await::Blocking => WaitsOn::CHANNEL,
            Await::Join(_) => WaitsOn::TASK,
        }
    }
}

/// What one poll gave its waker to: every kind of source, and the last leaf that parked.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Waits {
    /// Every kind of source the poll gave its waker to.
    pub(crate) kinds: WaitsOn,
    /// The last leaf future that returned `Pending` in this poll, if it said where it was.
    pub(crate) last: Option<AwaitPoint>,
}

thread_local! {
    /// What the poll running on this thread has given its waker to so far. Reset by
    /// [`record_waits`] before each poll; outside a poll nobody reads it.
    static WAITS: Cell<Waits> = const {
        Cell::new(Waits {
            kinds: WaitsOn(0),
            last: None,
        })
    };
}

/// Notes that the future being polled on this thread gave its waker to a `kind` of source.
#[inline]
pub(crate) fn note_wait(kind: WaitsOn) {
    let _ = WAITS.try_with(|waits| {
        let mut now = waits.get();
        now.kinds.0 |= kind.0;
        waits.set(now);
    });
}

/// Notes that a leaf future returned `Pending` at `point`, having given its waker away.
#[inline]
pub(crate) fn note_await(point: AwaitPoint) {
    let _ = WAITS.try_with(|waits| {
        waits.set(Waits {
            kinds: WaitsOn(waits.get().kinds.0 | WaitsOn::from(point.what).0),
            last: Some(point),
        })
    });
}

/// Runs `poll`, a secondary leaf (a timeout's deadline), so that it does not replace an
/// await point noted before it in this poll: a fetch under a timeout parks on its socket,
/// not on the deadline.
#[inline]
pub(crate) fn keep_await_point<R>(poll: impl FnOnce() -> R) -> R {
    let before = WAITS.try_with(Cell::get).ok().and_then(|waits| waits.last);
    let result = poll();
    if let Some(point) = before {
        let _ = WAITS.try_with(|waits| {
            let mut now = waits.get();
            now.last = Some(point);
            waits.set(now);
        });
    }
    result
}

/// Runs `poll` and returns what it noted with [`note_wait`] and [`note_await`] besides its
/// own result. Scopes nest: a combinator records each child's poll in a scope of its own,
/// and passes its kinds (not its await point) on with [`note_wait`].
#[inline]
pub(crate) fn record_waits<R>(poll: impl FnOnce() -> R) -> (R, Waits) {
    let outer = WAITS
        .try_with(|waits| waits.replace(Waits::default()))
        .unwrap_or_default();
    let result = poll();
    // A nested poll (a `block_on` inside a destructor, say) records into its own scope.
    let inner = WAITS
        .try_with(|waits| waits.replace(outer))
        .unwrap_or_default();
    (result, inner)
}
