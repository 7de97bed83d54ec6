//! The reactor: waits on mio for I/O readiness, the next timer deadline and foreign wakes.
//!
//! Each turn reads as labelled steps (see [`Reactor::turn`]): fire due timers → compute the
//! timeout → wait → collect wakers → release borrows → wake.

mod deadline;
pub(crate) mod source;

use std::cell::{Cell, RefCell};
use std::io;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Token};
use slab::Slab;

use self::deadline::DeadlineTimer;
use self::source::{Direction, ScheduledIo};
use crate::executor::core::Core;
use crate::trace::{Event, Readiness, UnparkReason, WakeCause};

/// The token of the eventfd that other threads write to interrupt the wait.
const INTERRUPT: Token = Token(usize::MAX);
/// The token of the timerfd armed for the next deadline.
const DEADLINE: Token = Token(usize::MAX - 1);
/// Source tokens are `slot | generation << GENERATION_SHIFT`.
const GENERATION_SHIFT: u32 = 32;
const SLOT_MASK: usize = (1 << GENERATION_SHIFT) - 1;

/// The I/O driver of one runtime.
pub(crate) struct Reactor {
    /// mio's poller. Borrowed mutably only inside `turn`'s wait, when no task runs.
    poll: RefCell<mio::Poll>,
    /// The event buffer the wait fills.
    events: RefCell<Events>,
    /// Every registered source, by slot. A slot is reused after its source is dropped;
    /// the generation in the token tells the old registration from the new.
    sources: RefCell<Slab<ScheduledIo>>,
    /// The generation of each slot's next registration: bumped when a source leaves the
    /// slot, so the first source in every slot has generation 0 and a token equal to its
    /// slot number (easy to read in traces).
    generations: RefCell<Vec<u32>>,
    /// How many reader and writer wakers are stored across all sources, so the stuck check
    /// knows in O(1) whether any task waits on I/O.
    waiting: Cell<usize>,
    /// The precise wakeup for the next timer deadline.
    deadline: RefCell<DeadlineTimer>,
    /// Wakers collected during a turn, called once every borrow is released.
    io_wakes: RefCell<Vec<(Token, Readiness, Waker)>>,
    /// Timers that expired, with their wakers, likewise.
    timer_wakes: RefCell<Vec<(u64, Waker)>>,
}

impl Reactor {
    /// A reactor and the waker other threads use to interrupt it.
    pub(crate) fn new() -> io::Result<(Reactor, mio::Waker)> {
        let poll = mio::Poll::new()?;
        let interrupt = mio::Waker::new(poll.registry(), INTERRUPT)?;
        let deadline = DeadlineTimer::new(poll.registry(), DEADLINE)?;
        let reactor = Reactor {
            poll: RefCell::new(poll),
            events: RefCell::new(Events::with_capacity(1024)),
            sources: RefCell::new(Slab::new()),
            generations: RefCell::new(Vec::new()),
            waiting: Cell::new(0),
            deadline: RefCell::new(deadline),
            io_wakes: RefCell::new(Vec::new()),
            timer_wakes: RefCell::new(Vec::new()),
        };
        Ok((reactor, interrupt))
    }

    /// Registers `io` for `interest` (edge-triggered) and returns its slot and token.
    pub(crate) fn register(
        &self,
        io: &mut impl Source,
        interest: Interest,
    ) -> io::Result<(usize, Token)> {
        let mut sources = self.sources.borrow_mut();
        let entry = sources.vacant_entry();
        let key = entry.key();
        if key > SLOT_MASK {
            return Err(io::Error::other("too many registered I/O sources"));
        }
        let mut generations = self.generations.borrow_mut();
        if generations.len() <= key {
            generations.resize(key + 1, 0);
        }
        let generation = generations[key];
        let token = Token(key | (generation as usize) << GENERATION_SHIFT);
        self.poll
            .borrow()
            .registry()
            .register(io, token, interest)?;
        entry.insert(ScheduledIo {
            generation,
            readiness: Readiness::default(),
            reader: None,
            writer: None,
        });
        Ok((key, token))
    }

    /// Deregisters `io` and frees its slot. Waiting wakers are dropped, not woken: the
    /// source's owner is dropping it.
    pub(crate) fn deregister(&self, io: &mut impl Source, key: usize) {
        // Failure means the fd is already closed, which also removes it from epoll.
        let _ = self.poll.borrow().registry().deregister(io);
        if let Some(generation) = self.generations.borrow_mut().get_mut(key) {
            *generation = generation.wrapping_add(1);
        }
        let removed = self.sources.borrow_mut().try_remove(key);
        if let Some(io) = &removed {
            let stored = usize::from(io.reader.is_some()) + usize::from(io.writer.is_some());
            self.waiting.set(self.waiting.get() - stored);
        }
        drop(removed);
    }

    /// Whether any task waits on a source's readiness (an idle listener does not count).
    pub(crate) fn has_waiters(&self) -> bool {
        self.waiting.get() > 0
    }

    /// Ready if the source in `key` has readiness in `mask`; otherwise stores the waker for
    /// `direction` and returns `Pending`.
    pub(crate) fn poll_ready(
        &self,
        key: usize,
        cx: &mut Context<'_>,
        mask: Readiness,
        direction: Direction,
    ) -> Poll<()> {
        let mut sources = self.sources.borrow_mut();
        let Some(io) = sources.get_mut(key) else {
            return Poll::Ready(());
        };
        if io.readiness.intersects(mask) {
            return Poll::Ready(());
        }
        let slot = match direction {
            Direction::Read => &mut io.reader,
            Direction::Write => &mut io.writer,
        };
        if slot.is_none() {
            self.waiting.set(self.waiting.get() + 1);
        }
        let replaced = match slot {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => slot.replace(cx.waker().clone()),
        };
        drop(sources);
        drop(replaced);
        Poll::Pending
    }

    /// Clears readiness flags of the source in `key` (after `WouldBlock`).
    pub(crate) fn clear_ready(&self, key: usize, mask: Readiness) {
        if let Some(io) = self.sources.borrow_mut().get_mut(key) {
            io.readiness = io.readiness.without(mask);
        }
    }

    /// One turn of the reactor. `may_block` is false when tasks are waiting to run.
    pub(crate) fn turn(&self, core: &Core, may_block: bool) {
        // 1. Timers: fire those already due, so a busy run queue cannot starve them.
        let fired = self.fire_timers(core);

        // 2. Timeout: zero when there is work; otherwise until the next deadline (via the
        //    timerfd, which is precise), or forever. Under the virtual clock the wait is
        //    non-blocking whenever a timer is pending: time jumps instead (step 6).
        let block = may_block && fired == 0 && !core.has_runnable();
        let next_deadline = core.timers.borrow_mut().next_deadline();
        let timeout = if !block || (core.clock.is_virtual() && next_deadline.is_some()) {
            Some(Duration::ZERO)
        } else {
            if let Some(ticks) = next_deadline {
                let at = core.clock.instant_of(ticks);
                if let Err(e) = self.deadline.borrow_mut().arm(at, core.clock.now()) {
                    panic!("tinyloop reactor cannot arm its timerfd: {e}");
                }
            }
            None
        };

        // 3. Wait.
        core.emit(|| Event::Park { timeout });
        let mut events = self.events.borrow_mut();
        if let Err(e) = self.poll.borrow_mut().poll(&mut events, timeout) {
            if e.kind() != io::ErrorKind::Interrupted {
                panic!("tinyloop reactor cannot poll: {e}");
            }
            events.clear();
        }

        // 4. Collect wakers: record readiness and take the wakers it satisfies.
        let mut reason = if block {
            UnparkReason::Timeout
        } else {
            UnparkReason::NonBlocking
        };
        let mut io_events = 0;
        let mut io_wakes = self.io_wakes.borrow_mut();
        let mut sources = self.sources.borrow_mut();
        for event in events.iter() {
            match event.token() {
                INTERRUPT => {
                    if io_events == 0 && reason != UnparkReason::Timer {
                        reason = UnparkReason::Notified;
                    }
                }
                DEADLINE => {
                    self.deadline.borrow_mut().fired();
                    if io_events == 0 {
                        reason = UnparkReason::Timer;
                    }
                }
                token => {
                    io_events += 1;
                    reason = UnparkReason::Io;
                    let generation = (token.0 >> GENERATION_SHIFT) as u32;
                    let Some(io) = sources.get_mut(token.0 & SLOT_MASK) else {
                        continue;
                    };
                    if io.generation != generation {
                        continue; // a stale event for a source that was dropped
                    }
                    let readiness = readiness_of(event);
                    io.readiness = io.readiness.union(readiness);
                    if readiness.intersects(Direction::Read.ready_mask()) {
                        if let Some(waker) = io.reader.take() {
                            self.waiting.set(self.waiting.get() - 1);
                            io_wakes.push((token, readiness, waker));
                        }
                    }
                    if readiness.intersects(Direction::Write.ready_mask()) {
                        if let Some(waker) = io.writer.take() {
                            self.waiting.set(self.waiting.get() - 1);
                            io_wakes.push((token, readiness, waker));
                        }
                    }
                }
            }
        }

        // 5. Release borrows: a woken task may register or drop sources.
        drop(sources);
        drop(events);
        let mut wakes = std::mem::take(&mut *io_wakes);
        drop(io_wakes);
        core.emit(|| Event::Unpark {
            reason,
            events: io_events,
        });

        // 6. Wake, each with its cause; then timers that came due while waiting.
        for (token, readiness, waker) in wakes.drain(..) {
            core.with_cause(
                WakeCause::Io {
                    token: token.0,
                    readiness,
                },
                || waker.wake(),
            );
        }
        *self.io_wakes.borrow_mut() = wakes;
        if block && core.clock.is_virtual() && !core.has_runnable() {
            if let Some(ticks) = core.timers.borrow_mut().next_deadline() {
                core.clock.advance_to(ticks);
                core.emit(|| Event::ClockJump {
                    to: Duration::from_nanos(ticks),
                });
            }
        }
        self.fire_timers(core);
    }

    /// Wakes every timer whose deadline has passed, earliest first. Returns how many.
    fn fire_timers(&self, core: &Core) -> usize {
        let now = core.clock.ticks(core.clock.now());
        let mut due = std::mem::take(&mut *self.timer_wakes.borrow_mut());
        core.timers.borrow_mut().take_due(now, &mut due);
        let fired = due.len();
        for (timer, waker) in due.drain(..) {
            core.emit(|| Event::TimerFired { timer });
            core.with_cause(WakeCause::Timer(timer), || waker.wake());
        }
        *self.timer_wakes.borrow_mut() = due;
        fired
    }
}

/// The readiness flags of a mio event.
fn readiness_of(event: &mio::event::Event) -> Readiness {
    let mut readiness = Readiness::default();
    for (is, flag) in [
        (event.is_readable(), Readiness::READABLE),
        (event.is_writable(), Readiness::WRITABLE),
        (event.is_read_closed(), Readiness::READ_CLOSED),
        (event.is_write_closed(), Readiness::WRITE_CLOSED),
        (event.is_error(), Readiness::ERROR),
    ] {
        if is {
            readiness = readiness.union(flag);
        }
    }
    readiness
}
