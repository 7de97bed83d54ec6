//! The timer queue: wakers ordered by `(deadline, id)`.

use std::collections::BTreeMap;
use std::task::Waker;

/// Identifies one registered timer: its deadline in ticks (nanoseconds since the runtime's
/// start) and a unique id. The id makes keys unique when deadlines are equal, and orders
/// timers with the same deadline by registration, so they fire in that order.
pub(crate) type TimerKey = (u64, u64);

/// Every pending timer of one runtime.
///
/// A `BTreeMap` keeps the earliest deadline first: finding the next deadline, firing the
/// expired timers and cancelling one (on drop, by its key) are each `O(log n)`; nothing
/// scans the whole queue.
#[derive(Default)]
pub(crate) struct Timers {
    /// The waker to call when the deadline passes.
    wakers: BTreeMap<TimerKey, Waker>,
    /// The id the next timer gets; ids are never reused.
    next_id: u64,
}

impl Timers {
    /// Registers a timer and returns its key.
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> TimerKey {
        let key = (deadline, self.next_id);
        self.next_id += 1;
        self.wakers.insert(key, waker);
        key
    }

    /// Replaces the waker of a pending timer. Returns `false` if it already fired.
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) -> bool {
        match self.wakers.get_mut(&key) {
            Some(current) => {
                if !current.will_wake(waker) {
                    current.clone_from(waker);
                }
                true
            }
            None => false,
        }
    }

    /// Cancels a timer (no effect if it already fired).
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Waker> {
        self.wakers.remove(&key)
    }

    /// The earliest deadline, if any timer is pending.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.wakers.first_key_value().map(|(key, _)| key.0)
    }

    /// Removes every timer whose deadline is at or before `now` and returns their ids and
    /// wakers, earliest first. A timer set for exactly `now` fires.
    pub(crate) fn take_due(&mut self, now: u64, due: &mut Vec<(u64, Waker)>) {
        while let Some(entry) = self.wakers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, id), waker) = entry.remove_entry();
            due.push((id, waker));
        }
    }

    /// How many timers are pending.
    pub(crate) fn len(&self) -> usize {
        self.wakers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn equal_deadlines_fire_in_registration_order_and_exact_now_fires() {
        let mut timers = Timers::default();
        let a = timers.insert(10, Waker::noop().clone());
        let b = timers.insert(10, Waker::noop().clone());
        let _c = timers.insert(11, Waker::noop().clone());
        let mut due = Vec::new();
        timers.take_due(10, &mut due);
        let ids: Vec<u64> = due.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [a.1, b.1]);
        assert_eq!(timers.next_deadline(), Some(11));
    }

    #[test]
    fn removed_timer_never_fires() {
        let mut timers = Timers::default();
        let a = timers.insert(5, Waker::noop().clone());
        assert!(timers.remove(a).is_some());
        let mut due = Vec::new();
        timers.take_due(100, &mut due);
        assert!(due.is_empty());
        assert!(!timers.update(a, Waker::noop()));
    }
}
