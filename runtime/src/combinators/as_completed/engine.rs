//! The state an [`AsCompleted`](super::AsCompleted) shares with the futures it yields:
//! the children, the deadline, the promise count and the waiters.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::deadline::{ungated, Deadline, Gated};
use crate::combinators::children::Children;
use crate::time::Elapsed;

/// What an [`AsCompleted`](super::AsCompleted) and the futures it yielded share.
pub(super) struct Engine<F: Future> {
    /// The children, each judging its wakes against `deadline` (see `deadline.rs`).
    pub(super) children: Children<Gated<F>>,
    /// Ends the wait for the remaining children; `None` without a deadline or once it passed.
    deadline: Option<Deadline>,
    /// How many `Elapsed` items are still owed: the children dropped at the deadline.
    pub(super) elapsed: usize,
    /// Items neither claimed by `next` nor promised to a yielded future. Always
    /// `children.unfinished() + elapsed` minus the promises outstanding.
    pub(super) unpromised: usize,
    /// The wakers of the waiters (`next` futures and yielded futures) that returned
    /// `Pending`, by key. The children wake only the latest waiter polled; a waiter that
    /// takes an item wakes one of the others to take over that role.
    waiters: Slab<Waker>,
}

/// What one poll of a waiter produced, and whom to wake (once the engine is released).
pub(super) type NextItem<O> = (Poll<Option<Result<O, Elapsed>>>, Option<Waker>);

impl<F: Future> Engine<F> {
    /// Takes every future of `futures`, each queued for its first poll.
    pub(super) fn new(
        futures: impl IntoIterator<Item = F>,
        deadline: Option<Deadline>,
    ) -> Engine<F> {
        let children = match &deadline {
            Some(deadline) => Children::new(
                "as_completed",
                futures.into_iter().map(|f| deadline.gate(f)),
            ),
            None => Children::new("as_completed", futures.into_iter().map(ungated)),
        };
        Engine {
            unpromised: children.len(),
            children,
            deadline,
            elapsed: 0,
            waiters: Slab::new(),
        }
    }

    /// Polls for the next item: `None` when no item is left.
    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<F::Output, Elapsed>>> {
        if self.elapsed > 0 {
            self.elapsed -= 1;
            return Poll::Ready(Some(Err(Elapsed)));
        }
        if self.children.unfinished() == 0 {
            return Poll::Ready(None);
        }
        let mut round = self.children.start_round(cx);
        if let Some((_, output)) = self.children.poll_next(&mut round) {
            return Poll::Ready(Some(Ok(output)));
        }
        // Children first: an output that is ready at the deadline still counts. (A child
        // woken only after the deadline was not even polled: see `deadline.rs`.)
        if let Some(deadline) = &mut self.deadline {
            if deadline.poll(cx).is_ready() {
                self.deadline = None;
                self.elapsed = self.children.unfinished() - 1; // this item is the first
                self.children.drop_all();
                return Poll::Ready(Some(Err(Elapsed)));
            }
        }
        self.children.end_round(cx);
        Poll::Pending
    }

    /// Polls for an item on behalf of the waiter registered under `key` (registering it on
    /// `Pending`). A `promised` waiter is owed an item; any other takes one only if an
    /// item is left unpromised.
    pub(super) fn poll_waiter(
        &mut self,
        cx: &mut Context<'_>,
        key: &mut Option<usize>,
        promised: bool,
    ) -> NextItem<F::Output> {
        let poll = if promised || self.unpromised > 0 {
            self.poll_item(cx)
        } else {
            Poll::Ready(None)
        };
        match poll {
            Poll::Pending => {
                match key {
                    Some(key) => self.waiters[*key].clone_from(cx.waker()),
                    None => *key = Some(self.waiters.insert(cx.waker().clone())),
                }
                (Poll::Pending, None)
            }
            Poll::Ready(item) => {
                if item.is_some() && !promised {
                    self.unpromised -= 1;
                }
                (Poll::Ready(item), self.forget_waiter(key))
            }
        }
    }

    /// Unregisters a waiter that is done or dropped, and returns another waiter to wake:
    /// the children's wakes may have been going to the one that leaves.
    pub(super) fn forget_waiter(&mut self, key: &mut Option<usize>) -> Option<Waker> {
        if let Some(key) = key.take() {
            self.waiters.remove(key);
        }
        self.waiters.iter().next().map(|(_, waker)| waker.clone())
    }
}
