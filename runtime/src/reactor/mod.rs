//! The reactor: the runtime's two drivers, I/O readiness (this file) and time
//! ([`time::TimeDriver`]), and the one blocking call that waits on both.
//!
//! Neither driver knows what a task is. A future that cannot go on hands its waker to a
//! driver ([`Reactor::poll_ready`], [`TimeDriver::insert`](time::TimeDriver::insert)); when
//! the runtime has nothing to run it calls [`Reactor::wait`], which blocks in
//! `epoll_wait` (kqueue elsewhere) and gives back the wakers that readiness satisfied.
//! The executor calls them (`executor/core.rs`, `turn`), which queues their tasks.
//!
//! Sources are registered edge-triggered: the operating system reports a change of
//! readiness once. So readiness is remembered here until an operation on the source
//! returns `WouldBlock` ([`Reactor::clear_ready`]), never merely because a task ran.

mod readiness;
pub(crate) mod time;

#[cfg(test)]
mod tests;

use std::cell::{Cell, RefCell};
use std::io;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Registry, Token};
use slab::Slab;

pub(crate) use self::readiness::Direction;
pub use self::readiness::{Readiness, UnparkReason};
use self::time::TimeDriver;

/// The token of the eventfd that other threads write to interrupt the wait.
const INTERRUPT: Token = Token(usize::MAX);
/// Source tokens are `slot | generation << GENERATION_SHIFT`.
const GENERATION_SHIFT: u32 = 32;
const SLOT_MASK: usize = (1 << GENERATION_SHIFT) - 1;

/// A waker that readiness satisfied, with what satisfied it (for the trace).
pub(crate) struct IoWake {
    /// The source's token: its slot and generation.
    pub(crate) token: usize,
    /// What the operating system reported.
    pub(crate) readiness: Readiness,
    /// The waiting task's waker.
    pub(crate) waker: Waker,
}

/// The reactor's record of one registered source.
struct Registration {
    /// Distinguishes this registration from earlier ones in the same slot: the token holds
    /// it, so a stale event for a closed source is recognised and dropped.
    generation: u32,
    /// Readiness seen and not yet cleared by a `WouldBlock`.
    readiness: Readiness,
    /// The waker of the task waiting to read, then to write.
    wakers: [Option<Waker>; 2],
}

/// The I/O driver of one runtime.
pub(crate) struct Reactor {
    /// mio's poller. Borrowed mutably only inside `wait`, when no task runs.
    poll: RefCell<mio::Poll>,
    /// The event buffer `wait` fills.
    events: RefCell<Events>,
    /// Every registered source, by slot. A slot is reused after its source is dropped;
    /// the generation in the token tells the old registration from the new.
    sources: RefCell<Slab<Registration>>,
    /// The generation of each slot's next registration: bumped when a source leaves the
    /// slot, so the first source in every slot has generation 0 and a token equal to its
    /// slot number (easy to read in traces).
    generations: RefCell<Vec<u32>>,
    /// How many wakers are stored across all sources, so the stuck check knows in O(1)
    /// whether any task waits on I/O.
    waiting: Cell<usize>,
    /// Whether the runtime has a trace hook: sockets then report their interests.
    pub(crate) traced: Cell<bool>,
}

impl Reactor {
    /// A reactor and the waker other threads use to interrupt its wait.
    pub(crate) fn new() -> io::Result<(Reactor, mio::Waker)> {
        let poll = mio::Poll::new()?;
        let interrupt = mio::Waker::new(poll.registry(), INTERRUPT)?;
        let reactor = Reactor {
            poll: RefCell::new(poll),
            events: RefCell::new(Events::with_capacity(1024)),
            sources: RefCell::new(Slab::new()),
            generations: RefCell::new(Vec::new()),
            waiting: Cell::new(0),
            traced: Cell::new(false),
        };
        Ok((reactor, interrupt))
    }

    /// Runs `f` with mio's registry (the time driver registers its timer there).
    fn with_registry<R>(&self, f: impl FnOnce(&Registry) -> R) -> R {
        f(self.poll.borrow().registry())
    }

    /// Registers `io` for `interest` (edge-triggered) and returns its slot and token.
    pub(crate) fn register(
        &self,
        io: &mut impl Source,
        interest: Interest,
    ) -> io::Result<(usize, Token)> {
        let mut sources = self.sources.borrow_mut();
        let entry = sources.vacant_entry();
        let slot = entry.key();
        if slot > SLOT_MASK {
            return Err(io::Error::other("too many registered I/O sources"));
        }
        let mut generations = self.generations.borrow_mut();
        if generations.len() <= slot {
            generations.resize(slot + 1, 0);
        }
        let generation = generations[slot];
        let token = Token(slot | (generation as usize) << GENERATION_SHIFT);
        self.with_registry(|registry| registry.register(io, token, interest))?;
        entry.insert(Registration {
            generation,
            readiness: Readiness::default(),
            wakers: [None, None],
        });
        Ok((slot, token))
    }

    /// Deregisters `io` and frees its slot. Returns the wakers that were waiting on it,
    /// for the caller to drop or wake (after this returns: a waker may run any code).
    pub(crate) fn deregister(&self, io: &mut impl Source, slot: usize) -> [Option<Waker>; 2] {
        // Failure means the fd is already closed, which also removes it from epoll.
        let _ = self.with_registry(|registry| registry.deregister(io));
        if let Some(generation) = self.generations.borrow_mut().get_mut(slot) {
            *generation = generation.wrapping_add(1);
        }
        let Some(removed) = self.sources.borrow_mut().try_remove(slot) else {
            return [None, None];
        };
        let stored = removed.wakers.iter().filter(|w| w.is_some()).count();
        self.waiting.set(self.waiting.get() - stored);
        removed.wakers
    }

    /// Whether any task waits on a source's readiness (an idle listener does not count).
    pub(crate) fn has_waiters(&self) -> bool {
        self.waiting.get() > 0
    }

    /// Ready if the source in `slot` may make progress in `direction`; otherwise stores the
    /// waker for that direction (replacing the previous one) and returns `Pending`.
    pub(crate) fn poll_ready(
        &self,
        slot: usize,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<()> {
        let mut sources = self.sources.borrow_mut();
        let Some(io) = sources.get_mut(slot) else {
            return Poll::Ready(()); // deregistered: let the operation report the error
        };
        if io.readiness.intersects(direction.ready_mask()) {
            return Poll::Ready(());
        }
        let stored = &mut io.wakers[direction as usize];
        let replaced = match stored {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            Some(_) => stored.replace(cx.waker().clone()),
            None => {
                self.waiting.set(self.waiting.get() + 1);
                stored.replace(cx.waker().clone())
            }
        };
        drop(sources);
        drop(replaced);
        Poll::Pending
    }

    /// Forgets that the source in `slot` was ready in `direction`: an operation returned
    /// `WouldBlock`, so the next wait must come from a new edge.
    pub(crate) fn clear_ready(&self, slot: usize, direction: Direction) {
        if let Some(io) = self.sources.borrow_mut().get_mut(slot) {
            let flag = match direction {
                Direction::Read => Readiness::READABLE,
                Direction::Write => Readiness::WRITABLE,
            };
            io.readiness = io.readiness.without(flag);
        }
    }

    /// Waits for I/O readiness, the time driver's precise timer or another thread's
    /// interrupt, at most `timeout` (`None`: no limit), and appends the wakers that the
    /// reported readiness satisfies to `wakes`, each taken out of its source. Returns why
    /// it returned and how many I/O events it saw. `blocking` is false for a poll that
    /// only checks for events; a true one that times out stood for waiting on a timer.
    pub(crate) fn wait(
        &self,
        blocking: bool,
        timeout: Option<Duration>,
        time: &TimeDriver,
        wakes: &mut Vec<IoWake>,
    ) -> (UnparkReason, usize) {
        let mut events = self.events.borrow_mut();
        if let Err(e) = self.poll.borrow_mut().poll(&mut events, timeout) {
            // EINTR: a signal arrived; the caller's loop comes back here soon enough.
            if e.kind() != io::ErrorKind::Interrupted {
                panic!("tinyloop reactor cannot poll: {e}");
            }
            events.clear();
        }
        let mut reason = match blocking {
            true => UnparkReason::Timeout,
            false => UnparkReason::NonBlocking,
        };
        let mut io_events = 0;
        let mut sources = self.sources.borrow_mut();
        for event in events.iter() {
            match event.token() {
                INTERRUPT if io_events == 0 && reason != UnparkReason::Timer => {
                    reason = UnparkReason::Notified;
                }
                INTERRUPT => {}
                token if token == time::PRECISE_TIMER => {
                    time.precise_timer_fired();
                    if io_events == 0 {
                        reason = UnparkReason::Timer;
                    }
                }
                Token(token) => {
                    io_events += 1;
                    reason = UnparkReason::Io;
                    let Some(io) = sources.get_mut(token & SLOT_MASK) else {
                        continue;
                    };
                    if io.generation != (token >> GENERATION_SHIFT) as u32 {
                        continue; // a stale event for a source that was dropped
                    }
                    let readiness = Readiness::of(event);
                    io.readiness = io.readiness.union(readiness);
                    for direction in [Direction::Read, Direction::Write] {
                        if !readiness.intersects(direction.ready_mask()) {
                            continue;
                        }
                        if let Some(waker) = io.wakers[direction as usize].take() {
                            self.waiting.set(self.waiting.get() - 1);
                            wakes.push(IoWake {
                                token,
                                readiness,
                                waker,
                            });
                        }
                    }
                }
            }
        }
        (reason, io_events)
    }
}
