//! The timer queue: wakers ordered by `(deadline, id)`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;

use slab::Slab;

/// Identifies one registered timer: its deadline in ticks (nanoseconds since the runtime's
/// start) and a handle, `id << 32 | slot`. The id counts registrations, so timers with
/// equal deadlines fire in registration order; the slot locates the waker.
pub(crate) type TimerKey = (u64, u64);

/// Every pending timer of one runtime.
///
/// A binary heap orders `(deadline, handle)` pairs, earliest first; the wakers live in a
/// slab. Registering and firing are `O(log n)`. Cancelling (dropping a `Sleep`) frees the
/// slab slot in `O(1)` and leaves the heap entry behind as garbage: it is skipped when it
/// reaches the top, and the heap is rebuilt without garbage once garbage outnumbers live
/// timers. Nothing scans the queue per operation. A timer costs 40 bytes.
#[derive(Default)]
pub(crate) struct Timers {
    /// Deadlines and handles, earliest first. May hold entries whose slot was freed or
    /// reused (garbage); an entry is live only if its slot holds the same id.
    heap: BinaryHeap<Reverse<TimerKey>>,
    /// The waker and id of each live timer.
    wakers: Slab<(u32, Waker)>,
    /// The id the next timer gets (wrapping; ids only break ties and spot reused slots).
    next_id: u32,
}

/// The id part of a handle, as traces show it (`timer#N`).
pub(crate) fn timer_id(key: TimerKey) -> u64 {
    key.1 >> 32
}

fn parts(key: TimerKey) -> (usize, u32) {
    ((key.1 & 0xffff_ffff) as usize, (key.1 >> 32) as u32)
}

impl Timers {
    /// Registers a timer and returns its key.
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> TimerKey {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let slot = self.wakers.insert((id, waker));
        let key = (deadline, u64::from(id) << 32 | slot as u64);
        self.heap.push(Reverse(key));
        key
    }

    /// The waker slot of a live timer.
    fn live(&mut self, key: TimerKey) -> Option<&mut Waker> {
        let (slot, id) = parts(key);
        match self.wakers.get_mut(slot) {
            Some((live_id, waker)) if *live_id == id => Some(waker),
            _ => None,
        }
    }

    /// Replaces the waker of a pending timer. Returns `false` if it already fired.
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) -> bool {
        match self.live(key) {
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
        self.live(key)?;
        let (slot, _) = parts(key);
        let (_, waker) = self.wakers.remove(slot);
        // Rebuild without garbage once it outnumbers the live timers.
        if self.heap.len() > 2 * self.wakers.len() + 64 {
            let wakers = &self.wakers;
            self.heap.retain(|Reverse(key)| {
                let (slot, id) = parts(*key);
                matches!(wakers.get(slot), Some((live, _)) if *live == id)
            });
        }
        Some(waker)
    }

    /// Drops garbage from the top of the heap, so the top is live (or the heap empty).
    fn skip_garbage(&mut self) {
        while let Some(Reverse(key)) = self.heap.peek() {
            let (slot, id) = parts(*key);
            match self.wakers.get(slot) {
                Some((live, _)) if *live == id => return,
                _ => {
                    self.heap.pop();
                }
            }
        }
    }

    /// The earliest deadline, if any timer is pending.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        self.skip_garbage();
        self.heap.peek().map(|Reverse(key)| key.0)
    }

    /// Removes every timer whose deadline is at or before `now` and appends their ids and
    /// wakers to `due`, earliest first. A timer set for exactly `now` fires.
    pub(crate) fn take_due(&mut self, now: u64, due: &mut Vec<(u64, Waker)>) {
        while let Some(deadline) = self.next_deadline() {
            if deadline > now {
                break;
            }
            let Some(Reverse(key)) = self.heap.pop() else {
                break;
            };
            let (slot, _) = parts(key);
            let (_, waker) = self.wakers.remove(slot);
            due.push((timer_id(key), waker));
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
        assert_eq!(ids, [timer_id(a), timer_id(b)]);
        assert_eq!(timers.next_deadline(), Some(11));
    }

    #[test]
    fn removed_timer_never_fires_even_when_its_slot_is_reused() {
        let mut timers = Timers::default();
        let a = timers.insert(5, Waker::noop().clone());
        assert!(timers.remove(a).is_some());
        let b = timers.insert(50, Waker::noop().clone());
        assert_eq!(parts(a).0, parts(b).0, "the slot is reused");
        let mut due = Vec::new();
        timers.take_due(10, &mut due);
        assert!(due.is_empty());
        assert!(!timers.update(a, Waker::noop()));
        assert!(timers.update(b, Waker::noop()));
        assert_eq!(timers.next_deadline(), Some(50));
    }

    #[test]
    fn cancelled_timers_do_not_pile_up_in_the_heap() {
        let mut timers = Timers::default();
        let keep = timers.insert(1_000, Waker::noop().clone());
        for i in 0..10_000 {
            let key = timers.insert(2_000 + i, Waker::noop().clone());
            timers.remove(key);
        }
        assert!(timers.heap.len() <= 2 * timers.len() + 65);
        assert_eq!(timers.len(), 1);
        assert_eq!(timers.next_deadline(), Some(keep.0));
    }
}
