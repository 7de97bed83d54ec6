//! A counting semaphore with a first-come, first-served queue.

use std::cell::{RefCell, RefMut};

use slab::Slab;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::task::parking::{self, Frame, Releaser, ResourceKind, RoomSlot, Waiter};
use crate::task::TaskId;
use crate::task::{note_await, Await, AwaitPoint};

mod line;
mod room;

use line::Line;

/// A counting semaphore: at most `permits` holders at once, the others wait in line.
///
/// asyncio's `Semaphore`, typically used to cap how many requests are in flight. A
/// [`Permit`] is a guard: dropping it gives the permit back. Waiters are served strictly
/// in the order they started waiting; a newcomer never takes a permit while someone waits,
/// so nobody starves. Clones share the same permits.
///
/// A semaphore and its permits stay on the runtime's thread (they are `!Send`), so every
/// holder of a permit, and everyone who could add one, is a task or the runtime's own
/// code there:
///
/// ```compile_fail,E0277
/// let semaphore = runtime::sync::Semaphore::new(1);
/// std::thread::spawn(move || semaphore.add_permits(1)); // error[E0277]: `Rc<…>` cannot be sent between threads
/// ```
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::sync::Semaphore;
/// use runtime::time::sleep;
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// rt.block_on(async {
///     let polite = Semaphore::new(2); // at most two "requests" at once
///     let start = runtime::time::Instant::now();
///     let polite = &polite;
///     runtime::gather((0..6).map(|_| async move {
///         let _permit = polite.acquire().await.expect("never closed");
///         sleep(Duration::from_secs(1)).await; // the request
///     }))
///     .await;
///     assert_eq!(start.elapsed(), Duration::from_secs(3)); // three waves of two
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Semaphore {
    inner: Rc<RefCell<Permits>>,
}

struct Permits {
    /// Permits nobody holds.
    available: usize,
    /// The waiters, by ticket: the smallest ticket is served next. Holds only waiters that
    /// have not got their permit yet.
    waiters: Line,
    /// The ticket the next waiter gets; tickets are never reused.
    next_ticket: u64,
    /// Set by [`Semaphore::close`]: every waiting and future `acquire` fails.
    closed: bool,
    /// What the wait-for graph calls it: a semaphore, or the free slots of an mpsc channel
    /// (whose permits are queued values, not held by tasks).
    kind: ResourceKind,
    /// The line that created it.
    created_at: &'static Location<'static>,
    /// The task holding each permit out (a semaphore's only; `None`: taken outside any
    /// task). One entry per permit, in no order.
    holders: Vec<Option<TaskId>>,
    /// An mpsc channel's receiver's waker, while it waits for a value.
    receiver: Option<Waker>,
    /// Where that receiver last waited: its await point and frames.
    receiver_at: Option<(AwaitPoint, Box<[Frame]>)>,
    /// An mpsc channel's senders and receiver, for the report.
    handles: Slab<Releaser>,
    /// The room's entry in this thread's lot, made when someone first waits.
    room: RoomSlot,
}

impl Permits {
    /// The waker of the first waiter, if a permit is free for it.
    fn next_to_serve(&self) -> Option<Waker> {
        if self.available == 0 {
            return None;
        }
        self.waiters.first().map(|w| w.waker.clone())
    }

    /// Records that the task being polled takes a permit; returns it, for the permit.
    #[inline]
    fn hold(&mut self) -> Option<TaskId> {
        let task = parking::current_task();
        if self.kind == ResourceKind::Semaphore {
            self.holders.push(task);
        }
        task
    }

    /// A permit taken by `task` is back (or forgotten).
    #[inline]
    fn release(&mut self, task: Option<TaskId>) {
        if let Some(i) = self.holders.iter().position(|h| *h == task) {
            self.holders.swap_remove(i);
        }
    }
}

/// The error of [`Semaphore::acquire`]: the semaphore was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcquireError;

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

impl Semaphore {
    /// A semaphore with `permits` permits.
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore::with_kind(permits, ResourceKind::Semaphore, Location::caller())
    }

    /// A semaphore that a report calls `kind`, created at `at`.
    pub(crate) fn with_kind(
        permits: usize,
        kind: ResourceKind,
        at: &'static Location<'static>,
    ) -> Semaphore {
        Semaphore {
            inner: Rc::new(RefCell::new(Permits {
                available: permits,
                waiters: Line::default(),
                next_ticket: 0,
                closed: false,
                kind,
                created_at: at,
                holders: Vec::new(),
                receiver: None,
                receiver_at: None,
                handles: Slab::new(),
                room: RoomSlot::default(),
            })),
        }
    }

    fn state(&self) -> RefMut<'_, Permits> {
        // No user code runs while the permits are borrowed (wakers are called after the
        // borrow ends), so this never finds them borrowed already.
        self.inner.borrow_mut()
    }

    /// Waits for a permit, behind everyone who started waiting earlier.
    ///
    /// Dropping the returned future gives up its place in line.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] once the semaphore is [closed](Semaphore::close).
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_as(Await::Acquire, Location::caller())
    }

    /// An `acquire` whose waiter parks as `what`, created at `at` (a channel's send waits
    /// for room, not for a permit).
    pub(crate) fn acquire_as(&self, what: Await, at: &'static Location<'static>) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            ticket: None,
            what,
            created_at: at,
        }
    }

    /// Takes a permit if one is free and nobody waits; `None` otherwise (also when closed).
    #[inline]
    pub fn try_acquire(&self) -> Option<Permit> {
        let mut state = self.state();
        if state.closed || state.available == 0 || !state.waiters.is_empty() {
            return None;
        }
        state.available -= 1;
        let holder = state.hold();
        drop(state);
        Some(Permit::new(self, holder))
    }

    /// How many permits nobody holds.
    pub fn available_permits(&self) -> usize {
        self.state().available
    }

    /// Adds `n` permits (serving the waiters first in line).
    pub fn add_permits(&self, n: usize) {
        let wake = {
            let mut state = self.state();
            state.available += n;
            state.next_to_serve()
        };
        if let Some(waker) = wake {
            waker.wake();
        }
    }

    /// Closes the semaphore: every waiting and later `acquire` fails with [`AcquireError`].
    /// Permits already held stay valid.
    pub fn close(&self) {
        let waiters = {
            let mut state = self.state();
            state.closed = true;
            state.waiters.take().collect::<Vec<_>>()
        };
        for waiter in waiters {
            waiter.waker.wake();
        }
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state().closed
    }
}

/// The future returned by [`Semaphore::acquire`]: a permit, once it is this waiter's turn.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    /// Our place in line, once we had to wait.
    ticket: Option<u64>,
    /// What the waiter parks as: `semaphore acquire`, or a channel's `channel send`.
    what: Await,
    /// The line that called `acquire`, for the trace's `pending on semaphore acquire (…)`.
    created_at: &'static Location<'static>,
}

impl Future for Acquire<'_> {
    type Output = Result<Permit, AcquireError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A permit free and nobody waiting: the common case, small enough to inline.
        if self.ticket.is_none() {
            if let Some(permit) = self.semaphore.try_acquire() {
                return Poll::Ready(Ok(permit));
            }
        }
        self.poll_in_line(cx)
    }
}

impl Acquire<'_> {
    /// The rest of `poll`: closed, or waiting in line.
    fn poll_in_line(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Permit, AcquireError>> {
        let semaphore = self.semaphore;
        let mut state = semaphore.state();
        if state.closed {
            self.ticket = None;
            return Poll::Ready(Err(AcquireError));
        }
        let first_in_line = match self.ticket {
            Some(ticket) => state.waiters.first_ticket() == Some(ticket),
            None => state.waiters.is_empty(),
        };
        if first_in_line && state.available > 0 {
            state.available -= 1;
            let holder = state.hold();
            // Never waited: nobody else waits either (first in line), so nobody to serve.
            let Some(ticket) = self.ticket.take() else {
                drop(state);
                return Poll::Ready(Ok(Permit::new(semaphore, holder)));
            };
            let waiter = state.waiters.remove(ticket);
            // More permits free: the next in line may take one too.
            let next = state.next_to_serve();
            drop(state);
            drop(waiter); // after the borrow: dropping a waker may run any code
            if let Some(waker) = next {
                waker.wake();
            }
            return Poll::Ready(Ok(Permit::new(semaphore, holder)));
        }
        let point = AwaitPoint {
            what: self.what,
            at: self.created_at,
        };
        let replaced = match self.ticket.and_then(|t| state.waiters.get_mut(t)) {
            Some(waiter) => waiter.update(cx.waker(), point),
            None => {
                let ticket = state.next_ticket;
                state.next_ticket += 1;
                state.waiters.push(ticket, Waiter::new(cx.waker(), point));
                semaphore.register_room(&state);
                self.ticket = Some(ticket);
                None
            }
        };
        drop(state);
        drop(replaced); // after the borrow
        note_await(point);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        let (waiter, next) = {
            let mut state = self.semaphore.state();
            let waiter = state.waiters.remove(ticket);
            // We may have been woken to take a permit: pass the turn on.
            (waiter, state.next_to_serve())
        };
        drop(waiter);
        if let Some(waker) = next {
            waker.wake();
        }
    }
}

/// A permit of a [`Semaphore`]; dropping it gives the permit back.
#[must_use = "dropping a Permit releases it at once"]
pub struct Permit {
    /// Where the permit goes back to; `None` once forgotten.
    semaphore: Option<Semaphore>,
    /// The task that took it, as the semaphore's holders list it.
    holder: Option<TaskId>,
}

impl Permit {
    fn new(semaphore: &Semaphore, holder: Option<TaskId>) -> Permit {
        Permit {
            semaphore: Some(semaphore.clone()),
            holder,
        }
    }

    /// Keeps the permit out of the semaphore for good (the semaphore has one permit less).
    pub fn forget(mut self) {
        if let Some(semaphore) = self.semaphore.take() {
            semaphore.state().release(self.holder);
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let Some(semaphore) = self.semaphore.take() else {
            return;
        };
        let wake = {
            let mut state = semaphore.state();
            state.release(self.holder);
            state.available += 1;
            state.next_to_serve()
        };
        if let Some(waker) = wake {
            waker.wake();
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Semaphore")
            .field("available", &state.available)
            .field("waiters", &state.waiters.len())
            .field("closed", &state.closed)
            .finish()
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("ticket", &self.ticket)
            .finish()
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}
