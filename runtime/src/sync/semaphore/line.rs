//! A semaphore's line of waiters, in ticket order.
//!
//! Tickets only grow, so a new waiter always goes at the back, and the one served next is
//! at the front: both ends are `O(1)` in a ring buffer, and only a waiter that gives up
//! its place (its `acquire` future dropped) is looked up, by binary search.

use std::collections::VecDeque;

use crate::task::parking::Waiter;

/// The waiters that have not got their permit yet, by ticket.
#[derive(Default)]
pub(super) struct Line(VecDeque<(u64, Waiter)>);

impl Line {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// The ticket of the waiter served next.
    pub(super) fn first_ticket(&self) -> Option<u64> {
        self.0.front().map(|(ticket, _)| *ticket)
    }

    /// The waiter served next.
    pub(super) fn first(&self) -> Option<&Waiter> {
        self.0.front().map(|(_, waiter)| waiter)
    }

    /// Adds a waiter at the back; `ticket` is larger than every ticket in line.
    pub(super) fn push(&mut self, ticket: u64, waiter: Waiter) {
        debug_assert!(self.0.back().is_none_or(|(last, _)| *last < ticket));
        self.0.push_back((ticket, waiter));
    }

    fn position(&self, ticket: u64) -> Option<usize> {
        match self.0.front() {
            Some((first, _)) if *first == ticket => Some(0),
            _ => self.0.binary_search_by_key(&ticket, |(t, _)| *t).ok(),
        }
    }

    pub(super) fn get_mut(&mut self, ticket: u64) -> Option<&mut Waiter> {
        let i = self.position(ticket)?;
        self.0.get_mut(i).map(|(_, waiter)| waiter)
    }

    /// Takes waiter `ticket` out of the line.
    pub(super) fn remove(&mut self, ticket: u64) -> Option<Waiter> {
        let i = self.position(ticket)?;
        self.0.remove(i).map(|(_, waiter)| waiter)
    }

    /// Every waiter, first in line first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Waiter> {
        self.0.iter().map(|(_, waiter)| waiter)
    }

    /// Empties the line, for the caller to wake each waiter after its borrows end.
    pub(super) fn take(&mut self) -> impl Iterator<Item = Waiter> {
        std::mem::take(&mut self.0)
            .into_iter()
            .map(|(_, waiter)| waiter)
    }
}
