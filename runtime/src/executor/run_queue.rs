//! The run queue: the entries ready to be polled, and which goes next.
//!
//! Under FIFO (the default) the entry woken first is polled first. Under a seeded
//! [`Schedule`](crate::sim::Schedule) a [`Picker`] draws the next entry from the queue,
//! and the wakes the reactor delivers together (one turn's I/O, one instant's timers)
//! come in an order drawn from the same seed (`sim/schedule.rs`).

use std::cell::RefCell;
use std::collections::VecDeque;

use super::cell::Runnable;
use crate::reactor::time::TimerWake;
use crate::reactor::IoWake;
use crate::sim::Picker;
use crate::task::TaskId;

/// The run queue of one runtime: entries in the order they were woken, each at most once
/// (its `SCHEDULED` flag is set while it is here). Runtime thread only.
#[derive(Default)]
pub(crate) struct RunQueue {
    queue: RefCell<VecDeque<Runnable>>,
    /// Under a seeded [`Schedule`](crate::sim::Schedule), what picks the next entry;
    /// `None` for FIFO, which takes the front.
    picker: Option<RefCell<Picker>>,
}

impl RunQueue {
    /// A run queue that hands out its entries as `picker` says (FIFO if `None`).
    pub(crate) fn new(picker: Option<Picker>) -> RunQueue {
        RunQueue {
            queue: RefCell::default(),
            picker: picker.map(RefCell::new),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&self, entry: Runnable) {
        self.queue.borrow_mut().push_back(entry);
    }

    #[inline]
    pub(crate) fn pop(&self) -> Option<Runnable> {
        let mut queue = self.queue.borrow_mut();
        match &self.picker {
            None => queue.pop_front(),
            Some(_) if queue.is_empty() => None,
            Some(picker) => Some(picker.borrow_mut().pick(&mut queue, |e| e.header().id)),
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.borrow().is_empty()
    }

    pub(crate) fn take(&self) -> VecDeque<Runnable> {
        std::mem::take(&mut *self.queue.borrow_mut())
    }

    /// Task `id` woke itself during its poll and goes back in: under PCT it drops below
    /// the others (a task spinning on `yield_now` must let them run).
    #[inline]
    pub(crate) fn yielded(&self, id: TaskId) {
        if let Some(picker) = &self.picker {
            picker.borrow_mut().yielded(id);
        }
    }

    /// Under a seeded schedule, shuffles the wakes of one reactor turn.
    #[inline]
    pub(crate) fn shuffle_io(&self, wakes: &mut [IoWake]) {
        if let Some(picker) = &self.picker {
            picker.borrow_mut().shuffle(wakes);
        }
    }

    /// Under a seeded schedule, shuffles each run of timers due at the same instant.
    #[inline]
    pub(crate) fn shuffle_due(&self, due: &mut [TimerWake]) {
        if let Some(picker) = &self.picker {
            for same_instant in due.chunk_by_mut(|a, b| a.deadline == b.deadline) {
                picker.borrow_mut().shuffle(same_instant);
            }
        }
    }
}
