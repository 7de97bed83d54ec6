//! Where a future parked: the leaf it waits on and the line that created it.

use std::fmt;
use std::panic::Location;
use std::time::Duration;

use super::TaskId;

/// What a leaf future of the runtime waits for when it returns `Pending`.
///
/// Each leaf the runtime owns (a sleep, a socket operation, a channel, a semaphore, a
/// `JoinHandle`, a blocking job) names itself here, so a trace can say `pending on socket
/// read` rather than just `pending`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Await {
    /// A [`sleep`](crate::time::sleep) (or a [`timeout`](crate::time::timeout)'s deadline,
    /// which is a sleep too), with the time left until its deadline when it parked.
    Sleep(Duration),
    /// The next tick of an [`interval`](crate::time::interval) with this period.
    Tick(Duration),
    /// A socket becoming readable, for a read.
    Read,
    /// A socket becoming writable, for a write.
    Write,
    /// A TCP connection being established.
    Connect,
    /// A listener's next incoming connection.
    Accept,
    /// A value on a channel (mpsc or oneshot).
    Recv,
    /// Room on a bounded channel.
    Send,
    /// A permit of a [`Semaphore`](crate::sync::Semaphore).
    Acquire,
    /// Another task's end, through its [`JoinHandle`](crate::JoinHandle).
    Join(TaskId),
    /// A [`spawn_blocking`](crate::spawn_blocking) job on the blocking pool.
    Blocking,
}

impl fmt::Display for Await {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Await::Sleep(d) => write!(f, "sleep {}", Millis(*d)),
            Await::Tick(d) => write!(f, "tick of {}", Millis(*d)),
            Await::Read => f.write_str("socket read"),
            Await::Write => f.write_str("socket write"),
            Await::Connect => f.write_str("connect"),
            Await::Accept => f.write_str("accept"),
            Await::Recv => f.write_str("channel recv"),
            Await::Send => f.write_str("channel send"),
            Await::Acquire => f.write_str("semaphore acquire"),
            Await::Join(task) => write!(f, "join {task}"),
            Await::Blocking => f.write_str("blocking job"),
        }
    }
}

/// A duration in milliseconds, with up to three decimals and no trailing zeros: `250 ms`,
/// `1.5 ms`, `0.001 ms`.
struct Millis(Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.0.as_micros();
        let (ms, frac) = (micros / 1000, micros % 1000);
        if frac == 0 {
            write!(f, "{ms} ms")
        } else {
            let frac = format!("{frac:03}");
            write!(f, "{ms}.{} ms", frac.trim_end_matches('0'))
        }
    }
}

/// The leaf a poll parked on, and the source line that created that leaf future.
///
/// Recorded when a leaf returns `Pending`; the trace shows it on the `Pending` of the task
/// or combinator child that was polled: `pending on sleep 250 ms (examples/gather.rs:31)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AwaitPoint {
    /// What the leaf waits for.
    pub what: Await,
    /// Where the leaf future was created (`#[track_caller]`).
    pub at: &'static Location<'static>,
}

impl AwaitPoint {
    /// The await point of a leaf created by the caller of the function this is called in
    /// (which must be `#[track_caller]` for the location to be the user's line).
    #[track_caller]
    pub fn here(what: Await) -> AwaitPoint {
        AwaitPoint {
            what,
            at: Location::caller(),
        }
    }
}

impl fmt::Display for AwaitPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}:{})", self.what, self.at.file(), self.at.line())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_prints_in_milliseconds_without_trailing_zeros() {
        let show = |us| Await::Sleep(Duration::from_micros(us)).to_string();
        assert_eq!(show(250_000), "sleep 250 ms");
        assert_eq!(show(1_500), "sleep 1.5 ms");
        assert_eq!(show(1), "sleep 0.001 ms");
    }

    #[test]
    fn an_await_point_names_the_line_that_created_the_leaf() {
        let line = line!() + 1;
        let point = AwaitPoint::here(Await::Read);
        let expected = format!("socket read ({}:{line})", file!());
        assert_eq!(point.to_string(), expected);
    }
}
