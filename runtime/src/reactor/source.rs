//! An I/O source registered with the reactor, and its readiness.

use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use mio::event::Source;
use mio::{Interest, Token};

use crate::executor::core::Core;
use crate::task::WaitsOn;
use crate::trace::Readiness;

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
            Direction::Read => Readiness::READABLE
                .union(Readiness::READ_CLOSED)
                .union(Readiness::ERROR),
            Direction::Write => Readiness::WRITABLE
                .union(Readiness::WRITE_CLOSED)
                .union(Readiness::ERROR),
        }
    }

    /// The flag an operation clears when it gets `WouldBlock`.
    fn clear_mask(self) -> Readiness {
        match self {
            Direction::Read => Readiness::READABLE,
            Direction::Write => Readiness::WRITABLE,
        }
    }
}

/// The reactor's record of one registered source.
pub(crate) struct ScheduledIo {
    /// Distinguishes this registration from earlier ones in the same slot: the token holds
    /// it, so a stale event for a closed source is recognised and dropped.
    pub(crate) generation: u32,
    /// Readiness seen and not yet cleared. Edge-triggered: a flag is cleared only when an
    /// operation returns `WouldBlock`, never merely because a task ran.
    pub(crate) readiness: Readiness,
    /// The task waiting to read.
    pub(crate) reader: Option<Waker>,
    /// The task waiting to write.
    pub(crate) writer: Option<Waker>,
}

/// A mio source registered with the current runtime's reactor; deregistered on drop.
pub(crate) struct IoSource<S: Source> {
    io: S,
    core: Rc<Core>,
    /// The source's slot in the reactor.
    key: usize,
    /// Slot and generation, as given to mio.
    token: Token,
}

impl<S: Source> IoSource<S> {
    /// Registers `io` with the runtime running on this thread.
    ///
    /// # Errors
    /// If no runtime is running here, or registration fails.
    pub(crate) fn new(mut io: S, interest: Interest) -> io::Result<IoSource<S>> {
        let core = crate::executor::context::current().ok_or_else(|| {
            io::Error::other(
                "tinyloop sockets must be created inside a running runtime (Runtime::block_on)",
            )
        })?;
        let (key, token) = core.reactor.register(&mut io, interest)?;
        Ok(IoSource {
            io,
            core,
            key,
            token,
        })
    }

    /// The source itself.
    pub(crate) fn get_ref(&self) -> &S {
        &self.io
    }

    /// The mio token, as traces show it.
    pub(crate) fn token(&self) -> Token {
        self.token
    }

    /// Ready when the source may make progress in `direction`; otherwise stores the waker.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, direction: Direction) -> Poll<()> {
        let ready = self
            .core
            .reactor
            .poll_ready(self.key, cx, direction.ready_mask(), direction);
        if ready.is_pending() {
            self.core.note_wait(WaitsOn::SOCKET);
        }
        ready
    }

    /// Forgets readiness in `direction` after an operation returned `WouldBlock`.
    pub(crate) fn clear_ready(&self, direction: Direction) {
        self.core
            .reactor
            .clear_ready(self.key, direction.clear_mask());
    }

    /// Runs `op` until it does not return `WouldBlock`, waiting for readiness in between.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            if self.poll_ready(cx, direction).is_pending() {
                return Poll::Pending;
            }
            match op(&self.io) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_ready(direction),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
    }
}

impl<S: Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        self.core.reactor.deregister(&mut self.io, self.key);
    }
}
