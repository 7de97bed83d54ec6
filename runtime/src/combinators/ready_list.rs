//! Which children of a combinator to poll next: the parent's side of the child wakers.
//!
//! A combinator that drives many children (`gather`, `as_completed`, a `TaskGroup`) gives
//! each child a waker of its own. Waking it queues the child's index for the combinator
//! (the *parent*) and, if nothing was queued, wakes the parent's own waker. The parent's
//! next poll then polls only the queued children, so `n` children woken once each cost
//! `O(n)` child polls in total, whatever `n` is.
//!
//! ```text
//!   child 3's waker ──► stack: 3        ──► wakes the parent (the stack was empty)
//!   child 7's waker ──► stack: 7, 3     (the parent is already woken: nothing more)
//!   parent's poll   ──► takes 3, 7 (in wake order), polls child 3, then child 7
//! ```
//!
//! The queued children are in two places:
//!
//! ```text
//!   any thread:   child wakers ──push──► wake stack (lock-free, shared)
//!                                            │ taken whole at the start of a round,
//!                                            ▼ reversed into wake order
//!   the parent:   fresh 0..n  then  queue: 3 ─► 7 ─► ...  ──► polled from the front
//! ```
//!
//! Wakers, on any thread, push onto a lock-free stack ([`wake_stack`](super::wake_stack)
//! explains how). The parent owns the queue it polls from: first the children added
//! before its first poll (a range of indices: their first polls need no stack at all),
//! then the batches it took off the stack, linked through the same `next` fields the stack
//! used. A wake costs two atomic operations and takes no lock (but for the push that finds
//! the stack empty, which wakes the parent); a child poll costs one, to clear its flag.
//!
//! One parent poll is a *round*. A round polls only the children that were queued when it
//! started, at most [`BUDGET`] of them, each once. A child woken during the round (even by
//! its own poll) waits for the next round, and if children are still queued when the round
//! ends, the parent wakes itself and returns `Pending`, going to the back of the runtime's
//! run queue. So a child that is always ready cannot keep the parent, or the other
//! children, or the other tasks, from running.
//!
//! A child is queued at most once: its waker's `queued` flag is set by the wake that queues
//! it and cleared just before its poll, and a wake that finds it set does nothing.

use std::ops::Range;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};

use super::child_trace::{self, GroupTag, RoundTrace};
use super::child_waker::{child_of, waker_ref, WakerRef};
use super::wake_stack::{Chain, ChildWaker, WakeStack};
use crate::task::parking::{self, GroupSlot, ParentWaker, WakerId};

/// The most children one parent poll may poll. After that many, the parent yields (wakes
/// itself and returns `Pending`) so the rest of the runtime gets a turn.
pub(crate) const BUDGET: usize = 128;

/// The queued children of one combinator, and the factory of its children's wakers.
pub(crate) struct ReadyList {
    /// Shared with every child waker: where wakes push.
    stack: Arc<WakeStack>,
    /// Every child's waker, by index. Keeping them here keeps every index found on the
    /// stack valid for as long as the list lives.
    nodes: Vec<Arc<ChildWaker>>,
    /// Children added before the first round and not polled yet: the first to poll.
    fresh: Range<usize>,
    /// The children to poll after `fresh`: each batch taken off the stack, in wake order.
    queue: Chain,
    /// Whether a round has started: from then on the parent has a waker, and a new child
    /// must wake it.
    polled: bool,
    /// The combinator's name in the trace: `"gather"`, `"join"`, ...
    name: &'static str,
    /// Its entry in the wait-for graph, once its parent has returned `Pending`.
    group: GroupSlot,
}

/// One parent poll's permission to poll children: how many it may still poll, and where
/// to record those polls.
pub(crate) struct Round {
    /// Children this round may still take from the queue. Starts at the queue's length
    /// (capped by [`BUDGET`]), so children queued during the round wait for the next one.
    left: usize,
    /// Where to record each child poll, when a hook is attached.
    trace: Option<RoundTrace>,
}

impl Round {
    /// Polls child `index` with `poll`, recorded in the trace when a hook is attached.
    #[inline]
    pub(crate) fn poll_child<T>(&self, index: usize, poll: impl FnOnce() -> Poll<T>) -> Poll<T> {
        child_trace::poll_child(self.trace.as_ref(), index, poll)
    }
}

impl ReadyList {
    /// An empty list, no children yet, of a combinator called `name` in the trace.
    pub(crate) fn new(name: &'static str) -> ReadyList {
        ReadyList {
            stack: Arc::new(WakeStack::new()),
            nodes: Vec::new(),
            fresh: 0..0,
            queue: Chain::EMPTY,
            polled: false,
            name,
            group: GroupSlot::default(),
        }
    }

    /// Makes room for `additional` more children.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.nodes.reserve(additional);
    }

    /// Adds a child, queued for its first poll, and returns its index: children are
    /// numbered from 0 in the order they are added.
    pub(crate) fn add_child(&mut self) -> usize {
        // Before the first round nobody waits for the parent: a new child goes straight
        // into its queue. After, the parent may be asleep: the child is queued as a wake
        // would queue it, waking the parent.
        let (index, fresh) = (self.nodes.len(), !self.polled);
        let node = Arc::new(ChildWaker::new(index, self.stack.clone(), fresh));
        self.nodes.push(node); // before any push: the stack names only nodes in `nodes`
        if fresh {
            self.fresh.end = self.nodes.len();
        } else {
            self.nodes[index].push();
        }
        index
    }

    /// Child `index`'s waker, borrowed: poll the child with it. Waking it (or a clone the
    /// child keeps) queues this child only.
    pub(crate) fn waker(&self, index: usize) -> WakerRef<'_> {
        waker_ref(&self.nodes[index])
    }

    /// The combinator's identity in the trace.
    pub(crate) fn trace_tag(&self) -> &GroupTag {
        self.stack.tag()
    }

    /// Queues child `index` as if its waker had been called.
    pub(crate) fn schedule(&self, index: usize) {
        self.nodes[index].push();
    }

    /// Starts a parent poll: remembers `cx`'s waker as the parent's, takes the children
    /// woken since the last round, and fixes how many children this round may poll.
    pub(crate) fn start_round(&mut self, cx: &Context<'_>) -> Round {
        let mut parent = self.stack.parent();
        let replaced = match &parent.waker {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => parent.waker.replace(cx.waker().clone()),
        };
        // Before the take: a push that finds the stack empty from now on wakes the parent
        // and sets `woken` again, so `end_round` knows the parent will run again.
        parent.woken = false;
        drop(parent);
        drop(replaced); // after the lock: dropping a waker may run arbitrary code
        self.polled = true;
        let woken = self.stack.take(&self.nodes);
        self.queue.append(woken, &self.nodes);
        Round {
            left: self.queued().min(BUDGET),
            trace: RoundTrace::start(self.stack.tag(), self.name, self.nodes.len()),
        }
    }

    /// The next child this round must poll, or `None` when the round is over. Its queued
    /// flag is cleared first, so a wake during its poll queues it again.
    pub(crate) fn next(&mut self, round: &mut Round) -> Option<usize> {
        if round.left == 0 {
            return None;
        }
        round.left -= 1;
        let index = match self.fresh.next() {
            Some(index) => index,
            None => self.queue.pop_front(&self.nodes)?,
        };
        self.nodes[index].unmark_queued();
        Some(index)
    }

    /// Ends a round whose parent poll returns `Pending`: if children are still queued (the
    /// budget ran out, or they were woken during the round), the parent must run again,
    /// after everything else in the run queue. It wakes itself, unless a child's wake
    /// during the round already did. (A push racing from another thread may have put its
    /// child on the stack and not yet reached the parent: then both wake it, and the
    /// runtime, which queues a task once, polls it once.)
    pub(crate) fn end_round(&self, cx: &Context<'_>) {
        self.note_parked();
        let queued = self.queued() > 0 || !self.stack.is_empty();
        if queued && !self.stack.parent().woken {
            cx.waker().wake_by_ref();
        }
    }
}

impl ReadyList {
    /// The parent returns `Pending`: from now on the wait-for graph counts each child's
    /// waker on its own, and sees the one copy of the parent's waker they lead to.
    pub(crate) fn note_parked(&self) {
        parking::recognise_children(child_of);
        let stack = || Arc::downgrade(&self.stack) as Weak<dyn ParentWaker>;
        self.group.register(self.name, stack);
    }

    /// How many children this list has taken in (new ones, or off the stack) and not
    /// polled yet.
    fn queued(&self) -> usize {
        self.fresh.len() + self.queue.len()
    }
}

impl Drop for ReadyList {
    /// Closes the stack, so that a waker kept after the combinator is gone (stored in a
    /// timer, or on another thread) pushes nothing and wakes nobody, and lets go of the
    /// parent's waker rather than keep it alive from such a child waker.
    fn drop(&mut self) {
        drop(self.stack.close());
    }
}

impl ParentWaker for WakeStack {
    fn parent_waker(&self) -> Option<WakerId> {
        self.parent().waker.as_ref().map(parking::identify)
    }

    fn clones(&self) -> usize {
        WakeStack::clones(self)
    }
}

#[cfg(test)]
mod tests;
