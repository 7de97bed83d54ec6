//! A mio source registered with a runtime's reactor, deregistered on drop.
//!
//! A socket is registered with the reactor of the runtime that creates it, and moves to
//! the reactor of whichever runtime next waits on it: a connection kept in a pool and used
//! by the next `block_on` (on a new runtime) is woken by the reactor that is running, not
//! by one nobody polls any more.

use std::cell::{Ref, RefCell};
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use mio::event::Source;
use mio::{Interest, Token};

use crate::executor::wake;
use crate::reactor::{Direction, Reactor};
use crate::task::{note_await, Await, AwaitPoint};
use crate::trace::{Event, WakeCause};

/// A socket as a reactor knows it.
pub(crate) struct IoSource<S: Source> {
    /// Borrowed mutably only to register it elsewhere, never during an operation.
    io: RefCell<S>,
    /// Where the source is registered now; `None` if moving it failed and it could not go
    /// back either (every operation then fails: no reactor would wake its task).
    home: RefCell<Option<Home>>,
    /// What it is registered for.
    interest: Interest,
}

/// A registration: the reactor, and the source's slot and token in it.
struct Home {
    reactor: Rc<Reactor>,
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
        let reactor = current_reactor().ok_or_else(|| {
            io::Error::other(
                "tinyloop sockets must be created inside a running runtime (Runtime::block_on)",
            )
        })?;
        let (slot, token) = reactor.register(&mut io, interest)?;
        Ok(IoSource {
            io: RefCell::new(io),
            home: RefCell::new(Some(Home {
                reactor,
                slot,
                token,
            })),
            interest,
        })
    }

    /// The source itself.
    pub(crate) fn get_ref(&self) -> Ref<'_, S> {
        self.io.borrow()
    }

    /// The mio token, as traces show it (`usize::MAX` for a source that lost its reactor).
    pub(crate) fn token(&self) -> Token {
        self.home
            .borrow()
            .as_ref()
            .map_or(Token(usize::MAX), |home| home.token)
    }

    /// Ready when the source may make progress for the operation `op` (reads and accepts
    /// need it readable, writes and connects writable); otherwise stores the waker with the
    /// reactor of the runtime running here, moving the source there if it was registered
    /// elsewhere, and notes `op` as the await point for the trace.
    ///
    /// # Errors
    /// If the source must move and the new reactor refuses it (or it lost its reactor so).
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, op: AwaitPoint) -> Poll<io::Result<()>> {
        let direction = direction(op.what);
        let home = self.home.borrow();
        let Some(at) = home.as_ref() else {
            return Poll::Ready(Err(lost()));
        };
        if at.reactor.poll_ready(at.slot, cx, direction).is_ready() {
            return Poll::Ready(Ok(()));
        }
        note_await(op);
        let moved = match current_reactor() {
            Some(here) if !Rc::ptr_eq(&here, &at.reactor) => here,
            _ => {
                // The waker is with the reactor that will fire it.
                let (traced, token) = (at.reactor.traced.get(), at.token.0);
                drop(home);
                if traced {
                    trace_interest(token, direction);
                }
                return Poll::Pending;
            }
        };
        drop(home);
        if let Err(e) = self.move_to(moved, cx.waker()) {
            return Poll::Ready(Err(e));
        }
        let home = self.home.borrow();
        let at = home.as_ref().expect("a source that moved has a home");
        at.reactor.poll_ready(at.slot, cx, direction).map(Ok)
    }

    /// Registers the source with `reactor` instead of where it is. Wakers other tasks left
    /// with the old reactor are woken (except `current`'s), so that they poll again and
    /// find the source where it is now.
    ///
    /// # Errors
    /// If `reactor` refuses the source. It then goes back where it was, if it can.
    fn move_to(&self, reactor: Rc<Reactor>, current: &Waker) -> io::Result<()> {
        let mut io = self.io.borrow_mut();
        let mut home = self.home.borrow_mut();
        let old = home.take().expect("only a source with a home moves");
        let stranded = old.reactor.deregister(&mut *io, old.slot);
        let moved = reactor.register(&mut *io, self.interest);
        let result = match moved {
            Ok((slot, token)) => {
                *home = Some(Home {
                    reactor,
                    slot,
                    token,
                });
                Ok(())
            }
            Err(e) => {
                let back = old.reactor.register(&mut *io, self.interest);
                *home = back.ok().map(|(slot, token)| Home {
                    reactor: old.reactor,
                    slot,
                    token,
                });
                Err(e)
            }
        };
        drop((io, home));
        for waker in stranded.into_iter().flatten() {
            if !waker.will_wake(current) {
                waker.wake();
            }
        }
        result
    }

    /// Forgets readiness in `direction` after an operation returned `WouldBlock`.
    pub(crate) fn clear_ready(&self, direction: Direction) {
        if let Some(home) = self.home.borrow().as_ref() {
            home.reactor.clear_ready(home.slot, direction);
        }
    }

    /// Runs `syscall` until it does not return `WouldBlock`, waiting for readiness for the
    /// operation `op` in between.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        op: AwaitPoint,
        mut syscall: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let direction = direction(op.what);
        loop {
            match self.poll_ready(cx, op) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
            match syscall(&self.io.borrow()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_ready(direction),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
    }
}

impl<S: Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        if let Some(home) = self.home.get_mut() {
            // Wakers still stored are dropped, not woken: the source's owner drops it.
            drop(home.reactor.deregister(self.io.get_mut(), home.slot));
            if home.reactor.traced.get() {
                let token = home.token.0;
                if let Some(core) = wake::current() {
                    core.trace().emit(|| Event::Deregistered { token });
                }
            }
        }
    }
}

/// Records that the task being polled waits for `token` to be ready in `direction`.
#[cold]
fn trace_interest(token: usize, direction: Direction) {
    let Some(core) = wake::current() else { return };
    core.trace().emit(|| Event::Interest {
        token,
        writable: matches!(direction, Direction::Write),
        task: match core.trace().cause() {
            WakeCause::Task(task) => Some(task),
            _ => None,
        },
    });
}

/// The readiness the socket operation `what` waits for.
fn direction(what: Await) -> Direction {
    match what {
        Await::Read | Await::Accept => Direction::Read,
        Await::Write | Await::Connect => Direction::Write,
        other => unreachable!("{other} is not a socket operation"),
    }
}

/// The error of a source that could be registered with no reactor.
fn lost() -> io::Error {
    io::Error::other("the socket lost its registration with the reactor")
}

/// The reactor of the runtime running on this thread.
fn current_reactor() -> Option<Rc<Reactor>> {
    wake::with_current(|core| core.map(|core| core.reactor().clone()))
}
