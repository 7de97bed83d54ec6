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
    /// The kinds of source the poll running on this thread has given its waker to so far.
    /// Reset by [`record_waits`] before each poll; outside a poll nobody reads it.
    static KINDS: Cell<u8> = const { Cell::new(0) };
    /// The last await point noted on this thread. Reset and read only by a traced
    /// [`record_waits`]: untraced, the runtime pays for one byte per poll, not for this.
    static LAST: Cell<Option<AwaitPoint>> = const { Cell::new(None) };
}

/// Notes that the future being polled on this thread gave its waker to a `kind` of source.
#[inline]
pub(crate) fn note_wait(kind: WaitsOn) {
    let _ = KINDS.try_with(|kinds| kinds.set(kinds.get() | kind.0));
}

/// Notes that a leaf future returned `Pending` at `point`, having given its waker away.
#[inline]
pub(crate) fn note_await(point: AwaitPoint) {
    note_wait(WaitsOn::from(point.what));
    let _ = LAST.try_with(|last| last.set(Some(point)));
}

/// Runs `poll`, a secondary leaf (a timeout's deadline), so that it does not replace an
/// await point noted before it in this poll: a fetch under a timeout parks on its socket,
/// not on the deadline.
#[inline]
pub(crate) fn keep_await_point<R>(poll: impl FnOnce() -> R) -> R {
    let before = LAST.try_with(Cell::get).ok().flatten();
    let result = poll();
    if before.is_some() {
        let _ = LAST.try_with(|last| last.set(before));
    }
    result
}

/// Runs `poll` and returns what it noted with [`note_wait`] and [`note_await`] besides its
/// own result; the await point only when `traced` (nobody reads it otherwise). Scopes
/// nest: a combinator records each child's poll in a scope of its own, and passes its kinds
/// (not its await point) on with [`note_wait`].
#[inline]
pub(crate) fn record_waits<R>(traced: bool, poll: impl FnOnce() -> R) -> (R, Waits) {
    let outer = KINDS.try_with(|kinds| kinds.replace(0)).unwrap_or(0);
    let outer_last = match traced {
        true => LAST.try_with(|last| last.take()).ok().flatten(),
        false => None,
    };
    let result = poll();
    // A nested poll (a `block_on` inside a destructor, say) records into its own scope.
    let kinds = KINDS.try_with(|kinds| kinds.replace(outer)).unwrap_or(0);
    let last = match traced {
        true => LAST
            .try_with(|last| last.replace(outer_last))
            .ok()
            .flatten(),
        false => None,
    };
    let waits = Waits {
        kinds: WaitsOn(kinds),
        last,
    };
    (result, waits)
}
