//! The part of a runtime that other threads can reach: the injection queue their wakes go
//! to, the interrupt that ends the reactor's wait, and who the runtime is. Every task's
//! header points here; `wake.rs` decides when a wake comes this way.

use std::sync::{Arc, PoisonError};

use super::cell::Runnable;
use crate::loom::{AtomicBool, Mutex, MutexGuard, Ordering};
use crate::task::RuntimeId;

/// The part of a runtime other threads can reach: the injection queue and the interrupt,
/// and who the runtime is. Every task's header points here.
pub(crate) struct Shared {
    /// Entries woken on other threads.
    pub(crate) injected: Injection<Runnable>,
    /// Ends the reactor's wait (an eventfd registered with mio).
    interrupt: mio::Waker,
    /// Whether the runtime has an event hook: when not, wakes that queue nothing skip the
    /// lookup of the current runtime.
    pub(crate) traced: bool,
    /// Set when the runtime starts dropping its tasks.
    closed: AtomicBool,
    /// The runtime's number in the process.
    pub(crate) id: RuntimeId,
    /// The name it was built with, if any.
    pub(crate) name: Option<Arc<str>>,
}

impl Shared {
    /// The shared part of a new runtime, which gets the next [`RuntimeId`].
    pub(crate) fn new(interrupt: mio::Waker, traced: bool, name: Option<Arc<str>>) -> Shared {
        Shared {
            injected: Injection::new(),
            interrupt,
            traced,
            closed: AtomicBool::new(false),
            id: RuntimeId::next(),
            name,
        }
    }

    /// Queues an entry woken on another thread and interrupts the reactor's wait, unless
    /// one is pending (so is it when the eventfd write fails: its counter is saturated).
    pub(super) fn inject(&self, entry: Runnable) {
        if let Ok(true) = self.injected.push(entry) {
            drop(self.interrupt.wake());
        }
    }

    /// Interrupts the reactor's wait, so that the runtime looks again at what can still
    /// wake its tasks (a waker of one of them was dropped on another thread). Does nothing
    /// once the runtime is closed.
    pub(crate) fn interrupt(&self) {
        if !self.is_closed() {
            drop(self.interrupt.wake());
        }
    }

    /// Refuses every later injection; returns what was queued.
    pub(crate) fn close(&self) -> Vec<Runnable> {
        self.closed.store(true, Ordering::Release);
        self.injected.close()
    }

    /// Whether the runtime is dropping (or has dropped) its tasks.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

/// The injection queue: entries woken on other threads, oldest first, until the runtime's
/// thread drains them. (Generic only for the loom models.)
pub(crate) struct Injection<T> {
    /// `None` once the runtime is dropped: later pushes are refused, so nothing is stranded.
    queue: Mutex<Option<Vec<T>>>,
    /// Set by the first push after a drain, cleared by the drain *before* it takes the
    /// queue: a push that lands after the drain interrupts again, and none is missed.
    notified: AtomicBool,
}

impl<T> Injection<T> {
    pub(crate) fn new() -> Injection<T> {
        Injection {
            queue: Mutex::new(Some(Vec::new())),
            notified: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Vec<T>>> {
        // Push and drain cannot panic halfway, so a poisoned lock still guards a good queue.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `entry` (any thread). `Ok(true)`: the caller must interrupt the reactor, at
    /// most once between two drains. `Err`: the queue is closed; the entry comes back.
    pub(crate) fn push(&self, entry: T) -> Result<bool, T> {
        match self.lock().as_mut() {
            Some(queue) => queue.push(entry),
            None => return Err(entry),
        }
        Ok(!self.notified.swap(true, Ordering::AcqRel))
    }

    /// Takes every entry (runtime thread).
    pub(crate) fn drain(&self) -> Vec<T> {
        self.notified.store(false, Ordering::SeqCst);
        self.lock().as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lock().as_ref().is_none_or(Vec::is_empty)
    }

    /// Refuses every later push; returns what was queued.
    pub(crate) fn close(&self) -> Vec<T> {
        self.lock().take().unwrap_or_default()
    }
}
