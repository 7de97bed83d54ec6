//! The time driver: the clock, the pending timers in deadline order, and the wakeup at the
//! earliest deadline. Everything about time that the runtime owns is here; `Sleep` and the
//! executor's turn only call these methods.
//!
//! Deadlines are kept as *ticks*, whole nanoseconds since the runtime was built, so
//! comparing a deadline with the clock is exact. The reactor's wait must end at the
//! earliest one. `epoll_wait` takes its timeout in whole milliseconds (mio rounds up), so
//! on Linux a timerfd, armed to the nanosecond and watched by the reactor like a socket,
//! ends the wait instead. kqueue (macOS, the BSDs) takes a precise timeout, so there the
//! timeout alone does it. (So does Miri, which has no timerfd: there the wait goes through
//! its epoll and wakes up to a millisecond late.)

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::task::Waker;
use std::time::{Duration, Instant};

use mio::Token;
use slab::Slab;

use super::Reactor;

/// The reactor token of the precise timer.
pub(crate) const PRECISE_TIMER: Token = Token(usize::MAX - 1);

/// Identifies one registered timer: its deadline in ticks and a handle, `id << 32 | slot`.
/// The id counts registrations, so timers with equal deadlines fire in the order they were
/// registered; the slot locates the waker.
pub(crate) type TimerKey = (u64, u64);

/// The time driver of one runtime.
pub(crate) struct TimeDriver {
    /// When the runtime was built: tick 0.
    origin: Instant,
    /// Virtual time since `origin`, or `None` for real time. Never decreases; moves only
    /// in [`TimeDriver::advance`], when the runtime would otherwise wait for a timer.
    virtual_elapsed: Option<Cell<Duration>>,
    /// Every pending timer.
    timers: RefCell<Timers>,
    /// Ends the reactor's wait at the earliest deadline, where the poller cannot.
    precise: RefCell<precise::PreciseTimer>,
    /// Whether the runtime has a trace hook: sleeps then report their timers.
    pub(crate) traced: Cell<bool>,
}

/// Pending timers: a binary heap orders `(deadline, handle)` pairs, earliest first; the
/// wakers live in a slab. Registering and firing are `O(log n)`. Cancelling frees the slab
/// slot in `O(1)` and leaves the heap entry behind as garbage, skipped when it reaches the
/// top; the heap is rebuilt once garbage outnumbers live timers. A timer costs 40 bytes.
#[derive(Default)]
struct Timers {
    /// Deadlines and handles, earliest first. An entry is live only if its slot holds the
    /// same id; otherwise it is garbage.
    heap: BinaryHeap<Reverse<TimerKey>>,
    /// The id and waker of each live timer.
    wakers: Slab<(u32, Waker)>,
    /// The id the next timer gets (wrapping: ids only break ties and spot reused slots).
    next_id: u32,
}

/// A waker whose timer's deadline passed, with the timer's id (for the trace).
pub(crate) struct TimerWake {
    pub(crate) id: u64,
    /// The deadline it was due at, in ticks: timers due together share it.
    pub(crate) deadline: u64,
    pub(crate) waker: Waker,
}

/// The id part of a key, as traces show it (`timer#N`).
pub(crate) fn timer_id(key: TimerKey) -> u64 {
    key.1 >> 32
}

fn slot_and_id(key: TimerKey) -> (usize, u32) {
    ((key.1 & 0xffff_ffff) as usize, (key.1 >> 32) as u32)
}

impl Timers {
    fn is_live(&self, key: TimerKey) -> bool {
        let (slot, id) = slot_and_id(key);
        matches!(self.wakers.get(slot), Some((live, _)) if *live == id)
    }

    /// The earliest live deadline, dropping garbage from the top of the heap first.
    fn next_deadline(&mut self) -> Option<u64> {
        while let Some(&Reverse(key)) = self.heap.peek() {
            if self.is_live(key) {
                return Some(key.0);
            }
            self.heap.pop();
        }
        None
    }
}

impl TimeDriver {
    /// A driver on real time, or on a virtual clock standing at zero.
    pub(crate) fn new(virtual_time: bool, reactor: &Reactor) -> io::Result<TimeDriver> {
        Ok(TimeDriver {
            origin: Instant::now(),
            virtual_elapsed: virtual_time.then(|| Cell::new(Duration::ZERO)),
            timers: RefCell::default(),
            precise: RefCell::new(reactor.with_registry(precise::PreciseTimer::new)?),
            traced: Cell::new(false),
        })
    }

    /// Whether time is virtual.
    pub(crate) fn is_virtual(&self) -> bool {
        self.virtual_elapsed.is_some()
    }

    /// The current time.
    pub(crate) fn now(&self) -> Instant {
        match &self.virtual_elapsed {
            Some(elapsed) => self.origin + elapsed.get(),
            None => Instant::now(),
        }
    }

    /// Time since the runtime was built.
    pub(crate) fn elapsed(&self) -> Duration {
        match &self.virtual_elapsed {
            Some(elapsed) => elapsed.get(),
            None => self.origin.elapsed(),
        }
    }

    /// `instant` in ticks (0 for anything earlier than the origin; saturating after 584
    /// years).
    fn ticks(&self, instant: Instant) -> u64 {
        let nanos = instant.saturating_duration_since(self.origin).as_nanos();
        u64::try_from(nanos).unwrap_or(u64::MAX)
    }

    /// The deadline of a timer.
    pub(crate) fn deadline(&self, key: TimerKey) -> Instant {
        self.origin + Duration::from_nanos(key.0)
    }

    /// Whether a timer is still pending (neither fired nor cancelled).
    pub(crate) fn is_live(&self, key: TimerKey) -> bool {
        self.timers.borrow().is_live(key)
    }

    /// Whether a timer's deadline has passed. A timer set for exactly now has.
    pub(crate) fn has_passed(&self, key: TimerKey) -> bool {
        self.ticks(self.now()) >= key.0
    }

    /// Registers a timer for `deadline` that wakes `waker`.
    pub(crate) fn insert(&self, deadline: Instant, waker: Waker) -> TimerKey {
        let mut timers = self.timers.borrow_mut();
        let id = timers.next_id;
        timers.next_id = id.wrapping_add(1);
        let slot = timers.wakers.insert((id, waker));
        let key = (self.ticks(deadline), u64::from(id) << 32 | slot as u64);
        timers.heap.push(Reverse(key));
        key
    }

    /// Replaces the waker of a pending timer. Returns `false` if the timer already fired.
    pub(crate) fn update(&self, key: TimerKey, waker: &Waker) -> bool {
        let mut timers = self.timers.borrow_mut();
        if !timers.is_live(key) {
            return false;
        }
        let (slot, _) = slot_and_id(key);
        let (_, current) = &mut timers.wakers[slot];
        if current.will_wake(waker) {
            return true;
        }
        let replaced = std::mem::replace(current, waker.clone());
        drop(timers);
        drop(replaced); // after the borrow: dropping a waker may run arbitrary code
        true
    }

    /// Cancels a timer (nothing happens if it already fired).
    pub(crate) fn remove(&self, key: TimerKey) {
        let mut timers = self.timers.borrow_mut();
        if !timers.is_live(key) {
            return;
        }
        let removed = timers.wakers.remove(slot_and_id(key).0);
        if timers.heap.len() > 2 * timers.wakers.len() + 64 {
            let Timers { heap, wakers, .. } = &mut *timers;
            heap.retain(|Reverse(key)| {
                let (slot, id) = slot_and_id(*key);
                matches!(wakers.get(slot), Some((live, _)) if *live == id)
            });
        }
        drop(timers);
        drop(removed); // after the borrow: dropping a waker may run arbitrary code
    }

    /// The heap's length, garbage included.
    #[cfg(test)]
    pub(crate) fn heap_len(&self) -> usize {
        self.timers.borrow().heap.len()
    }

    /// How many timers are pending.
    pub(crate) fn pending(&self) -> usize {
        self.timers.borrow().wakers.len()
    }

    /// Takes every timer whose deadline is at or before now, earliest first, appending
    /// its waker to `due`. (The split is just *after* now: a timer set for exactly now
    /// fires.)
    pub(crate) fn take_due(&self, due: &mut Vec<TimerWake>) {
        let now = self.ticks(self.now());
        let mut timers = self.timers.borrow_mut();
        while timers
            .next_deadline()
            .is_some_and(|deadline| deadline <= now)
        {
            let Some(Reverse(key)) = timers.heap.pop() else {
                break;
            };
            let (_, waker) = timers.wakers.remove(slot_and_id(key).0);
            due.push(TimerWake {
                id: timer_id(key),
                deadline: key.0,
                waker,
            });
        }
    }

    /// How long the reactor may wait: zero unless `block`; under the virtual clock, zero
    /// whenever a timer is pending (time jumps instead, see [`advance`](Self::advance));
    /// otherwise until the earliest deadline, or without limit when no timer is pending.
    /// Where the poller's timeout is too coarse, arms the precise timer for the deadline
    /// and returns no limit: the timer ends the wait.
    pub(crate) fn timeout(&self, block: bool) -> Option<Duration> {
        let next = self.timers.borrow_mut().next_deadline();
        match next {
            _ if !block => Some(Duration::ZERO),
            None => None,
            Some(_) if self.is_virtual() => Some(Duration::ZERO),
            Some(ticks) => {
                let deadline = self.origin + Duration::from_nanos(ticks);
                let now = Instant::now();
                match self.precise.borrow_mut().arm(deadline, now) {
                    Ok(true) => None,
                    Ok(false) => Some(deadline.saturating_duration_since(now)),
                    Err(e) => panic!("tinyloop cannot arm its timer: {e}"),
                }
            }
        }
    }

    /// The reactor saw the precise timer expire.
    pub(crate) fn precise_timer_fired(&self) {
        self.precise.borrow_mut().fired();
    }

    /// Under the virtual clock, jumps to the earliest deadline, if a timer is pending and
    /// it is later than now. Returns the new time since the origin.
    pub(crate) fn advance(&self) -> Option<Duration> {
        let elapsed = self.virtual_elapsed.as_ref()?;
        let to = Duration::from_nanos(self.timers.borrow_mut().next_deadline()?);
        (to > elapsed.get()).then(|| {
            elapsed.set(to);
            to
        })
    }
}

/// A timerfd: a deadline to the nanosecond, readable in the reactor when it expires.
#[cfg(all(target_os = "linux", not(miri)))]
mod precise {
    use std::io;
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::time::{Duration, Instant};

    use mio::unix::SourceFd;
    use mio::{Interest, Registry};
    use rustix::time::{self, Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags};

    pub(super) struct PreciseTimer {
        fd: OwnedFd,
        /// The deadline the timerfd is armed for: re-arming for it again is skipped,
        /// saving a syscall per reactor turn.
        armed: Option<Instant>,
    }

    impl PreciseTimer {
        pub(super) fn new(registry: &Registry) -> io::Result<PreciseTimer> {
            let flags = TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC;
            let fd = time::timerfd_create(TimerfdClockId::Monotonic, flags)?;
            let token = super::PRECISE_TIMER;
            registry.register(&mut SourceFd(&fd.as_raw_fd()), token, Interest::READABLE)?;
            Ok(PreciseTimer { fd, armed: None })
        }

        /// Arms the timer to expire at `deadline`. Returns `true`: it will end the wait.
        pub(super) fn arm(&mut self, deadline: Instant, now: Instant) -> io::Result<bool> {
            if self.armed != Some(deadline) {
                // A zero value would disarm the timer; one nanosecond expires at once.
                let wait = deadline
                    .saturating_duration_since(now)
                    .max(Duration::from_nanos(1));
                let value = Itimerspec {
                    it_interval: time::Timespec {
                        tv_sec: 0,
                        tv_nsec: 0,
                    },
                    it_value: time::Timespec {
                        tv_sec: i64::try_from(wait.as_secs()).unwrap_or(i64::MAX),
                        tv_nsec: wait.subsec_nanos().into(),
                    },
                };
                time::timerfd_settime(&self.fd, TimerfdTimerFlags::empty(), &value)?;
                self.armed = Some(deadline);
            }
            Ok(true)
        }

        /// The timerfd expired: consume the expiration count.
        pub(super) fn fired(&mut self) {
            // WouldBlock means the expiration was already consumed; nothing else can fail.
            let _ = rustix::io::read(&self.fd, &mut [0u8; 8]);
            self.armed = None;
        }
    }
}

/// Where the poller's timeout is precise enough, there is nothing to arm.
#[cfg(not(all(target_os = "linux", not(miri))))]
mod precise {
    use std::io;
    use std::time::Instant;

    use mio::Registry;

    pub(super) struct PreciseTimer;

    impl PreciseTimer {
        pub(super) fn new(_: &Registry) -> io::Result<PreciseTimer> {
            Ok(PreciseTimer)
        }

        /// Returns `false`: the caller waits with a timeout instead.
        pub(super) fn arm(&mut self, _: Instant, _: Instant) -> io::Result<bool> {
            Ok(false)
        }

        pub(super) fn fired(&mut self) {}
    }
}
