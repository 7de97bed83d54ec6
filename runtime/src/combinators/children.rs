//! A set of children of one future type, each with its own waker: the engine under
//! `gather`, `try_gather`, `as_completed` and `wait`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::ready_list::{ReadyList, Round};

/// Children polled through a [`ReadyList`], in input order of their indices.
pub(crate) struct Children<F> {
    /// One entry per child, by input position. `future` is `None` once the child finished
    /// (or was taken out): it is never polled again.
    slots: Vec<Slot<F>>,
    /// Which children were woken since they were last polled.
    ready: ReadyList,
    /// How many slots still hold a future.
    unfinished: usize,
}

struct Slot<F> {
    /// The child, boxed so it stays pinned while the `Vec` is built or the combinator moves.
    future: Option<Pin<Box<F>>>,
    /// The child's own waker: waking it queues this child only.
    waker: Waker,
}

impl<F: Future> Children<F> {
    /// Takes every future of `futures`, each queued for its first poll.
    pub(crate) fn new(futures: impl IntoIterator<Item = F>) -> Children<F> {
        let futures = futures.into_iter();
        let mut ready = ReadyList::new();
        ready.reserve(futures.size_hint().0);
        let slots: Vec<Slot<F>> = futures
            .map(|future| Slot {
                future: Some(Box::pin(future)),
                waker: ready.add_child(),
            })
            .collect();
        Children {
            unfinished: slots.len(),
            slots,
            ready,
        }
    }

    /// How many children there were at the start.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// How many children have not finished yet.
    pub(crate) fn unfinished(&self) -> usize {
        self.unfinished
    }

    /// Starts a parent poll; see [`ReadyList::start_round`].
    pub(crate) fn start_round(&mut self, cx: &Context<'_>) -> Round {
        self.ready.start_round(cx)
    }

    /// Ends a parent poll that returns `Pending`; see [`ReadyList::end_round`].
    pub(crate) fn end_round(&self, cx: &Context<'_>) {
        self.ready.end_round(cx);
    }

    /// Polls the children of this round, in the order they were woken, until one finishes:
    /// returns its index and output. `None` when the round is over with no child finished.
    pub(crate) fn poll_next(&mut self, round: &mut Round) -> Option<(usize, F::Output)> {
        while let Some(index) = self.ready.next(round) {
            let slot = &mut self.slots[index];
            // A finished child's waker may still fire (it was stored somewhere): skip it.
            let Some(future) = &mut slot.future else {
                continue;
            };
            round.note_poll(index);
            let mut cx = Context::from_waker(&slot.waker);
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                slot.future = None;
                self.unfinished -= 1;
                return Some((index, output));
            }
        }
        None
    }

    /// Drops every unfinished child now.
    pub(crate) fn drop_all(&mut self) {
        for slot in &mut self.slots {
            slot.future = None;
        }
        self.unfinished = 0;
    }

    /// Takes every unfinished child out, with its index, in input order.
    pub(crate) fn take_unfinished(&mut self) -> Vec<(usize, Pin<Box<F>>)> {
        self.unfinished = 0;
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(index, slot)| slot.future.take().map(|future| (index, future)))
            .collect()
    }
}

impl<F> fmt::Debug for Children<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Children")
            .field("len", &self.slots.len())
            .field("unfinished", &self.unfinished)
            .finish()
    }
}
