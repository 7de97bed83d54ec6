//! The deadline of an `as_completed_timeout`, and which wakes came in time for it.
//!
//! Children run only while the `AsCompleted` is polled. A consumer that comes back after
//! the deadline finds children that were woken while nobody polled, some before the
//! deadline and some after. It must get what it would have got had it been waiting at the
//! deadline, so every wake of a child is *stamped*, and a child whose pending wake is late
//! is not polled at all:
//!
//! ```text
//!   child's waker ─► StampWaker: first wake since its last poll? note (order, clock)
//!                    └─► the child's own waker (ready list, wakes the task)
//!   deadline timer ─► TimerWaker: note the order it fired at ─► wakes the waiter
//!   round polls a child ─► Gated: its wake in time? poll it : leave it (Elapsed follows)
//! ```
//!
//! A wake is *in time* if the runtime's clock, read by the waker, is at or before the
//! deadline, or if it came before the deadline's timer fired. The clock decides under the
//! virtual clock (time only moves between wakes, so a timer due at the deadline reads
//! exactly the deadline). The order decides under the real clock, where timers fire a
//! little late and together: a child's timer due just before the deadline fires in the
//! same batch, before the deadline's own timer, and still counts. A waker called on
//! another thread reads real time under the real clock; under the virtual clock it cannot
//! read the runtime's clock, and only the order counts (until the deadline's timer fires,
//! every wake is in time).
//!
//! A child left unpolled still shows in the trace as a child poll: the round visits it,
//! and the gate answers `Pending` without polling the future inside.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use crate::executor::wake;
use crate::time::{sleep, Instant, Sleep};

/// The deadline of one `AsCompleted`: its timer, and the log the children's wakes are
/// judged by.
pub(super) struct Deadline {
    sleep: Sleep,
    log: Arc<WakeLog>,
    /// The waker the deadline's timer holds. Holds the latest waiter's waker in turn.
    timer: Arc<TimerWaker>,
    /// `timer` as a [`Waker`], built once so the timer's waker is never replaced.
    waker: Waker,
}

/// What the children's wakers and the deadline's timer share.
struct WakeLog {
    /// The deadline, on the clock of the runtime that made the `AsCompleted`.
    deadline: Instant,
    /// Numbers every wake and the timer's firing, in the order they happen (from 1).
    next: AtomicU64,
    /// The number the deadline's timer fired at; 0 until it fires.
    fired: AtomicU64,
    /// The thread of the runtime that made the `AsCompleted`: a waker called there reads
    /// that runtime's clock.
    home: ThreadId,
    /// Whether that runtime's clock is virtual: then a waker called on another thread has
    /// no clock to read.
    virtual_clock: bool,
}

/// When a child was woken: its number in the log, and the clock then (`None` when it
/// could not be read).
#[derive(Clone, Copy)]
struct Stamp {
    order: u64,
    at: Option<Instant>,
}

/// What a child's wakes since its last poll were.
#[derive(Clone, Copy)]
enum Woken {
    /// Queued for its first poll when the `AsCompleted` was made: in time.
    AtStart,
    /// The first wake since its last poll (a later one adds nothing: it was queued).
    At(Stamp),
    /// Not woken since its last poll (a wake from another thread raced with that poll).
    NotSince,
}

impl Deadline {
    /// A deadline `duration` from now on the clock of the runtime running on this thread.
    pub(super) fn after(duration: Duration) -> Deadline {
        let sleep = sleep(duration);
        let virtual_clock = wake::with_current(|core| core.is_some_and(|c| c.time().is_virtual()));
        let log = Arc::new(WakeLog {
            deadline: sleep.deadline(),
            next: AtomicU64::new(1),
            fired: AtomicU64::new(0),
            home: thread::current().id(),
            virtual_clock,
        });
        let timer = Arc::new(TimerWaker {
            log: log.clone(),
            waiter: Mutex::new(None),
        });
        Deadline {
            sleep,
            log,
            waker: Waker::from(timer.clone()),
            timer,
        }
    }

    /// Wraps a child so that its wakes are judged against this deadline.
    pub(super) fn gate<F>(&self, future: F) -> Gated<F> {
        Gated {
            future: Box::pin(future),
            gate: Some(Gate {
                wakes: Arc::new(ChildWakes {
                    log: self.log.clone(),
                    woken: Mutex::new(Woken::AtStart),
                }),
                waker: None,
            }),
        }
    }

    /// Whether the deadline has passed; if not, its timer will wake `cx`'s waker.
    pub(super) fn poll(&mut self, cx: &Context<'_>) -> Poll<()> {
        self.timer.set_waiter(cx.waker());
        Pin::new(&mut self.sleep).poll(&mut Context::from_waker(&self.waker))
    }
}

impl WakeLog {
    /// Stamps a wake happening now.
    fn stamp(&self) -> Stamp {
        let order = self.next.fetch_add(1, Ordering::SeqCst);
        let at = if thread::current().id() == self.home {
            Some(Instant::now())
        } else if self.virtual_clock {
            None
        } else {
            Some(Instant::from_std(std::time::Instant::now()))
        };
        Stamp { order, at }
    }

    /// Whether a wake stamped `stamp` came at or before the deadline (see the module docs).
    fn in_time(&self, stamp: Stamp) -> bool {
        let fired = self.fired.load(Ordering::SeqCst);
        match stamp.at {
            Some(at) => at <= self.deadline || (fired != 0 && stamp.order < fired),
            None => fired == 0 || stamp.order < fired,
        }
    }
}

/// The waker of the deadline's timer: notes when it fired, then wakes the latest waiter.
struct TimerWaker {
    log: Arc<WakeLog>,
    waiter: Mutex<Option<Waker>>,
}

impl TimerWaker {
    fn set_waiter(&self, waker: &Waker) {
        let mut waiter = lock(&self.waiter);
        if waiter.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return;
        }
        let replaced = waiter.replace(waker.clone());
        drop(waiter);
        drop(replaced); // after the lock: dropping a waker may run arbitrary code
    }
}

impl Wake for TimerWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let order = self.log.next.fetch_add(1, Ordering::SeqCst);
        // Only the first firing counts (the timer fires once; this is belt and braces).
        let _ = self
            .log
            .fired
            .compare_exchange(0, order, Ordering::SeqCst, Ordering::SeqCst);
        let waiter = lock(&self.waiter).clone();
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

/// A child of an `AsCompleted`, boxed so the wrapper itself can move (it is `Unpin`).
pub(super) struct Gated<F> {
    future: Pin<Box<F>>,
    /// `None` without a deadline: the child is polled with its own waker, as in `gather`.
    gate: Option<Gate>,
}

/// Wraps a child of an `AsCompleted` without a deadline: it is polled as it is.
pub(super) fn ungated<F>(future: F) -> Gated<F> {
    Gated {
        future: Box::pin(future),
        gate: None,
    }
}

/// What a child under a deadline needs to judge its wakes.
struct Gate {
    wakes: Arc<ChildWakes>,
    /// The waker the child is polled with (a [`StampWaker`]) and the child's own waker it
    /// wraps; built on the first poll.
    waker: Option<(Waker, Waker)>,
}

/// A child's wakes since its last poll.
struct ChildWakes {
    log: Arc<WakeLog>,
    woken: Mutex<Woken>,
}

/// The waker a child under a deadline is polled with.
struct StampWaker {
    wakes: Arc<ChildWakes>,
    /// The child's own waker: queues it on the ready list and wakes the waiter.
    inner: Waker,
}

impl Wake for StampWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        {
            let mut woken = lock(&self.wakes.woken);
            if let Woken::NotSince = *woken {
                *woken = Woken::At(self.wakes.log.stamp());
            }
        }
        self.inner.wake_by_ref();
    }
}

impl Gate {
    /// Whether the child may be polled now: its pending wake came in time. Forgets the
    /// wake either way.
    fn take_in_time(&self) -> bool {
        let log = &self.wakes.log;
        let woken = std::mem::replace(&mut *lock(&self.wakes.woken), Woken::NotSince);
        match woken {
            Woken::AtStart => true,
            Woken::At(stamp) => log.in_time(stamp),
            // Polled with no wake to judge: judge it as a wake now.
            Woken::NotSince => log.in_time(log.stamp()),
        }
    }

    /// The waker to poll the child with, given the child's own waker.
    fn waker(&mut self, own: &Waker) -> &Waker {
        match &self.waker {
            Some((_, inner)) if inner.will_wake(own) => {}
            _ => {
                let stamping = Waker::from(Arc::new(StampWaker {
                    wakes: self.wakes.clone(),
                    inner: own.clone(),
                }));
                self.waker = Some((stamping, own.clone()));
            }
        }
        &self.waker.as_ref().expect("set above").0
    }
}

impl<F: Future> Future for Gated<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let Some(gate) = &mut this.gate else {
            return this.future.as_mut().poll(cx);
        };
        if !gate.take_in_time() {
            // Woken only after the deadline: the waiter would have given up on it first.
            // It is left unpolled; the deadline has passed, so it is dropped as `Elapsed`.
            return Poll::Pending;
        }
        let waker = gate.waker(cx.waker());
        this.future.as_mut().poll(&mut Context::from_waker(waker))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No user code runs under these locks, so a poisoned lock holds consistent data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
