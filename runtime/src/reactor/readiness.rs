//! The reactor's vocabulary: readiness flags, the two directions of a socket, and why a
//! wait ended.

use std::fmt;

/// I/O readiness reported by the operating system for one source, as a set of flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Readiness(pub(crate) u8);

impl Readiness {
    /// Data can be read (or a connection accepted).
    pub const READABLE: Readiness = Readiness(1);
    /// Data can be written (or a connect finished).
    pub const WRITABLE: Readiness = Readiness(2);
    /// The peer closed its writing half: reads will return end of file.
    pub const READ_CLOSED: Readiness = Readiness(4);
    /// Our writing half is closed: writes will fail.
    pub const WRITE_CLOSED: Readiness = Readiness(8);
    /// The socket has a pending error.
    pub const ERROR: Readiness = Readiness(16);

    /// Whether every flag of `other` is set in `self`.
    pub fn contains(self, other: Readiness) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set in `self`.
    pub fn intersects(self, other: Readiness) -> bool {
        self.0 & other.0 != 0
    }

    /// The union of both sets.
    #[must_use]
    pub fn union(self, other: Readiness) -> Readiness {
        Readiness(self.0 | other.0)
    }

    /// `self` without the flags of `other`.
    #[must_use]
    pub fn without(self, other: Readiness) -> Readiness {
        Readiness(self.0 & !other.0)
    }

    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The flags of a mio event.
    pub(crate) fn of(event: &mio::event::Event) -> Readiness {
        let flags = [
            (event.is_readable(), Readiness::READABLE),
            (event.is_writable(), Readiness::WRITABLE),
            (event.is_read_closed(), Readiness::READ_CLOSED),
            (event.is_write_closed(), Readiness::WRITE_CLOSED),
            (event.is_error(), Readiness::ERROR),
        ];
        let set = flags.into_iter().filter(|(is, _)| *is);
        set.fold(Readiness::default(), |all, (_, flag)| all.union(flag))
    }
}

impl fmt::Display for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(u8, &str); 5] = [
            (1, "readable"),
            (2, "writable"),
            (4, "read-closed"),
            (8, "write-closed"),
            (16, "error"),
        ];
        crate::flags::write_flags(f, self.0, &NAMES, "none")
    }
}

/// Which half of a source a task waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Reading (or accepting).
    Read,
    /// Writing (or finishing a connect).
    Write,
}

impl Direction {
    /// The readiness flags that let an operation in this direction make progress.
    pub(crate) fn ready_mask(self) -> Readiness {
        match self {
            Direction::Read => Readiness(1 | 4 | 16),
            Direction::Write => Readiness(2 | 8 | 16),
        }
    }
}

/// Why the reactor stopped waiting (see [`Event::Unpark`](crate::trace::Event::Unpark)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnparkReason {
    /// The poll was non-blocking (tasks were runnable, or the fairness interval came up).
    NonBlocking,
    /// At least one I/O source became ready.
    Io,
    /// The precise timer (the next deadline) expired.
    Timer,
    /// Another thread woke a task through the injection queue, or dropped a task's waker.
    Notified,
    /// The wait timed out with no event.
    Timeout,
}
