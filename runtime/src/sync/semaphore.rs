//! A counting semaphore with a first-come, first-served queue.

use std::cell::{RefCell, RefMut};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::task::parking::{ParkSlot, ReleaserSlot, ResourceKind, ResourceSlot, Role};
use crate::task::{note_await, Await, AwaitPoint};

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
    /// have not got their permit yet; their wakers are parked in the lot.
    waiters: BTreeMap<u64, ParkSlot>,
    /// The ticket the next waiter gets; tickets are never reused.
    next_ticket: u64,
    /// Set by [`Semaphore::close`]: every waiting and future `acquire` fails.
    closed: bool,
    /// What the wait-for graph calls it: a semaphore, or the free slots of an mpsc channel
    /// (whose permits are queued values, not held by tasks).
    kind: ResourceKind,
    /// The line that created it.
    created_at: &'static Location<'static>,
    /// Its entry in the parking lot, made when someone first waits or holds a permit.
    resource: ResourceSlot,
}

impl Permits {
    /// The waker of the first waiter, if a permit is free for it.
    fn next_to_serve(&self) -> Option<Waker> {
        if self.available == 0 {
            return None;
        }
        self.waiters.values().next().and_then(ParkSlot::waker)
    }

    /// The semaphore's key in the parking lot.
    fn resource(&self) -> Option<u32> {
        self.resource.key(self.kind, self.created_at)
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
                waiters: BTreeMap::new(),
                next_ticket: 0,
                closed: false,
                kind,
                created_at: at,
                resource: ResourceSlot::default(),
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
    #[track_caller]
    pub fn try_acquire(&self) -> Option<Permit> {
        let mut state = self.state();
        if state.closed || state.available == 0 || !state.waiters.is_empty() {
            return None;
        }
        state.available -= 1;
        let holder = state.holder(Location::caller());
        drop(state);
        Some(Permit::new(self, holder))
    }

    /// The semaphore's key in the parking lot, registering it if needed.
    pub(crate) fn resource_key(&self) -> Option<u32> {
        self.state().resource()
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
            std::mem::take(&mut state.waiters)
        };
        for mut slot in waiters.into_values() {
            if let Some(waker) = slot.unpark() {
                waker.wake();
            }
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

impl Permits {
    /// Registers the permit being taken now as held by the task being polled.
    fn holder(&self, at: &'static Location<'static>) -> ReleaserSlot {
        match self.kind {
            ResourceKind::Semaphore => ReleaserSlot::new(self.resource(), Role::Permit, at),
            // A channel's slot is held by a queued value, not by a task.
            _ => ReleaserSlot::none(),
        }
    }
}

impl Future for Acquire<'_> {
    type Output = Result<Permit, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let semaphore = self.semaphore;
        let mut state = semaphore.state();
        if state.closed {
            self.ticket = None;
            return Poll::Ready(Err(AcquireError));
        }
        let first_in_line = match self.ticket {
            Some(ticket) => state.waiters.keys().next() == Some(&ticket),
            None => state.waiters.is_empty(),
        };
        if first_in_line && state.available > 0 {
            state.available -= 1;
            let slot = self.ticket.take().and_then(|t| state.waiters.remove(&t));
            // More permits free: the next in line may take one too.
            let next = state.next_to_serve();
            let holder = state.holder(self.created_at);
            drop(state);
            drop(slot); // after the borrow: dropping a waker may run any code
            if let Some(waker) = next {
                waker.wake();
            }
            return Poll::Ready(Ok(Permit::new(semaphore, holder)));
        }
        let point = AwaitPoint {
            what: self.what,
            at: self.created_at,
        };
        let resource = state.resource();
        let ticket = match self.ticket {
            Some(ticket) => ticket,
            None => {
                let ticket = state.next_ticket;
                state.next_ticket += 1;
                state.waiters.insert(ticket, ParkSlot::default());
                self.ticket = Some(ticket);
                ticket
            }
        };
        if let Some(slot) = state.waiters.get_mut(&ticket) {
            slot.park(cx.waker(), point, resource);
        }
        drop(state);
        note_await(point);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        let (slot, next) = {
            let mut state = self.semaphore.state();
            let slot = state.waiters.remove(&ticket);
            // We may have been woken to take a permit: pass the turn on.
            (slot, state.next_to_serve())
        };
        drop(slot);
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
    /// The permit's entry in the wait-for graph: who holds it.
    holder: ReleaserSlot,
}

impl Permit {
    fn new(semaphore: &Semaphore, holder: ReleaserSlot) -> Permit {
        Permit {
            semaphore: Some(semaphore.clone()),
            holder,
        }
    }

    /// Keeps the permit out of the semaphore for good (the semaphore has one permit less).
    pub fn forget(mut self) {
        self.semaphore = None;
        self.holder = ReleaserSlot::none();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.holder = ReleaserSlot::none();
        if let Some(semaphore) = self.semaphore.take() {
            semaphore.add_permits(1);
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
