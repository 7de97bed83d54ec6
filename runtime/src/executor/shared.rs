//! The part of a runtime that other threads can reach: the injection queue and the reactor's
//! interrupt.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::task::TaskRef;

/// State shared between the runtime's thread and every waker, wherever the waker is.
///
/// A wake on the runtime's own thread never touches this (it pushes onto the local run
/// queue). A wake from another thread pushes the task here and interrupts the reactor.
pub(crate) struct Shared {
    /// Tasks woken by other threads, waiting to be moved onto the local run queue. Each task
    /// in it has `SCHEDULED` set, so it appears at most once across both queues.
    injection: Mutex<Injection>,
    /// Set while an interrupt is pending or the runtime has not yet drained the injection
    /// queue: a second foreign wake then skips the `mio::Waker` syscall. Cleared by the
    /// runtime just *before* it drains, so a push after the drain interrupts again.
    notified: AtomicBool,
    /// Interrupts the reactor's wait (an eventfd registered with mio).
    interrupt: mio::Waker,
    /// Whether the runtime has an event hook; when not, wakes that queue nothing skip the
    /// lookup of the current runtime (they would only have recorded an event).
    pub(crate) traced: bool,
}

struct Injection {
    queue: Vec<TaskRef>,
    /// Set when the runtime is dropped: later pushes are refused, so no task is stranded
    /// (and no reference cycle through this queue outlives the runtime).
    closed: bool,
}

impl Shared {
    pub(crate) fn new(interrupt: mio::Waker, traced: bool) -> Shared {
        Shared {
            injection: Mutex::new(Injection {
                queue: Vec::new(),
                closed: false,
            }),
            notified: AtomicBool::new(false),
            interrupt,
            traced,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Injection> {
        // A panic while holding this lock cannot leave the queue half-updated (push and
        // take are single calls), so a poisoned lock is still consistent.
        self.injection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a task woken from another thread and interrupts the reactor.
    pub(crate) fn inject(&self, task: TaskRef) {
        let mut injection = self.lock();
        if injection.closed {
            drop(injection);
            drop(task);
            return;
        }
        injection.queue.push(task);
        drop(injection);
        self.interrupt();
    }

    /// Wakes the reactor if it is (or is about to be) waiting, at most once per drain.
    pub(crate) fn interrupt(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            // If the eventfd write fails the counter is saturated, which means an
            // interrupt is pending anyway.
            let _ = self.interrupt.wake();
        }
    }

    /// Takes every injected task, in the order they were woken.
    pub(crate) fn take_injected(&self) -> Vec<TaskRef> {
        self.notified.store(false, Ordering::SeqCst);
        std::mem::take(&mut self.lock().queue)
    }

    /// Whether any task is waiting in the injection queue.
    pub(crate) fn has_injected(&self) -> bool {
        !self.lock().queue.is_empty()
    }

    /// Refuses every later injection and returns what was queued.
    pub(crate) fn close(&self) -> Vec<TaskRef> {
        let mut injection = self.lock();
        injection.closed = true;
        std::mem::take(&mut injection.queue)
    }
}
