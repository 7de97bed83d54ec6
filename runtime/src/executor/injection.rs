//! The injection queue: how a wake from another thread reaches the runtime's thread.

use std::sync::PoisonError;

use crate::loom::{AtomicBool, Mutex, MutexGuard, Ordering};

/// Entries (tasks) woken by other threads, waiting for the runtime's thread to take them.
///
/// Pushing reports whether the caller must interrupt the reactor: at most once between two
/// [`take`](Injection::take)s, so a burst of foreign wakes costs one syscall.
pub(crate) struct Injection<T> {
    state: Mutex<State<T>>,
    /// Set by the first push after a take; cleared by `take` *before* it empties the queue,
    /// so a push that lands after the take interrupts again and none is missed.
    notified: AtomicBool,
}

struct State<T> {
    queue: Vec<T>,
    /// Set when the runtime is dropped: later pushes are refused, so nothing is stranded
    /// (and no reference cycle through this queue outlives the runtime).
    closed: bool,
}

/// What a push did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pushed<T> {
    /// Queued; the caller must interrupt the reactor.
    Interrupt,
    /// Queued; an interrupt is already pending.
    Queued,
    /// The queue is closed: the entry is handed back for the caller to drop.
    Refused(T),
}

impl<T> Injection<T> {
    pub(crate) fn new() -> Injection<T> {
        Injection {
            state: Mutex::new(State {
                queue: Vec::new(),
                closed: false,
            }),
            notified: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Push and take are single calls that cannot panic halfway, so a poisoned lock
        // still guards a consistent queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `entry` (from any thread).
    pub(crate) fn push(&self, entry: T) -> Pushed<T> {
        let mut state = self.lock();
        if state.closed {
            return Pushed::Refused(entry);
        }
        state.queue.push(entry);
        drop(state);
        if self.notified.swap(true, Ordering::AcqRel) {
            Pushed::Queued
        } else {
            Pushed::Interrupt
        }
    }

    /// Takes every entry, oldest first (runtime thread).
    pub(crate) fn take(&self) -> Vec<T> {
        self.notified.store(false, Ordering::SeqCst);
        std::mem::take(&mut self.lock().queue)
    }

    /// Whether any entry is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.lock().queue.is_empty()
    }

    /// Refuses every later push and returns what was queued.
    pub(crate) fn close(&self) -> Vec<T> {
        let mut state = self.lock();
        state.closed = true;
        std::mem::take(&mut state.queue)
    }
}
