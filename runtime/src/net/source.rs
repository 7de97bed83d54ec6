//! A mio source registered with the current runtime's reactor, deregistered on drop.

use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use mio::event::Source;
use mio::{Interest, Token};

use crate::executor::wake;
use crate::reactor::{Direction, Reactor};
use crate::task::{note_wait, WaitsOn};

/// A socket as the reactor knows it: registered on creation, deregistered on drop.
pub(crate) struct IoSource<S: Source> {
    io: S,
    reactor: Rc<Reactor>,
    /// The source's slot in the reactor.
    slot: usize,
    /// Slot and generation, as given to mio.
    token: Token,
}

impl<S: Source> IoSource<S> {
    /// Registers `io` with the runtime running on this thread.
    ///
    /// # Errors
    /// If no runtime is running here, or registration fails.
    pub(crate) fn new(mut io: S, interest: Interest) -> io::Result<IoSource<S>> {
        let reactor = wake::with_current(|core| core.map(|core| core.reactor().clone()));
        let reactor = reactor.ok_or_else(|| {
            io::Error::other(
                "tinyloop sockets must be created inside a running runtime (Runtime::block_on)",
            )
        })?;
        let (slot, token) = reactor.register(&mut io, interest)?;
        Ok(IoSource {
            io,
            reactor,
            slot,
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
        let ready = self.reactor.poll_ready(self.slot, cx, direction);
        if ready.is_pending() {
            note_wait(WaitsOn::SOCKET);
        }
        ready
    }

    /// Forgets readiness in `direction` after an operation returned `WouldBlock`.
    pub(crate) fn clear_ready(&self, direction: Direction) {
        self.reactor.clear_ready(self.slot, direction);
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
        self.reactor.deregister(&mut self.io, self.slot);
    }
}
