//! The part of a runtime that other threads can reach: the injection queue and the reactor's
//! interrupt.

use super::injection::{Injection, Pushed};
use crate::task::TaskRef;

/// State shared between the runtime's thread and every waker, wherever the waker is.
///
/// A wake on the runtime's own thread never touches this (it pushes onto the local run
/// queue). A wake from another thread pushes the task here and interrupts the reactor.
pub(crate) struct Shared {
    /// Tasks woken by other threads. Each has `SCHEDULED` set, so it appears at most once
    /// across this and the local run queue.
    injection: Injection<TaskRef>,
    /// Interrupts the reactor's wait (an eventfd registered with mio).
    interrupt: mio::Waker,
    /// Whether the runtime has an event hook; when not, wakes that queue nothing skip the
    /// lookup of the current runtime (they would only have recorded an event).
    pub(crate) traced: bool,
}

impl Shared {
    pub(crate) fn new(interrupt: mio::Waker, traced: bool) -> Shared {
        Shared {
            injection: Injection::new(),
            interrupt,
            traced,
        }
    }

    /// Queues a task woken from another thread and interrupts the reactor.
    pub(crate) fn inject(&self, task: TaskRef) {
        match self.injection.push(task) {
            // If the eventfd write fails its counter is saturated: an interrupt is pending.
            Pushed::Interrupt => drop(self.interrupt.wake()),
            Pushed::Queued => {}
            Pushed::Refused(task) => drop(task),
        }
    }

    /// Takes every injected task, in the order they were woken.
    pub(crate) fn take_injected(&self) -> Vec<TaskRef> {
        self.injection.take()
    }

    /// Whether any task is waiting in the injection queue.
    pub(crate) fn has_injected(&self) -> bool {
        !self.injection.is_empty()
    }

    /// Refuses every later injection and returns what was queued.
    pub(crate) fn close(&self) -> Vec<TaskRef> {
        self.injection.close()
    }
}
