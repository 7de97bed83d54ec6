//! The child wakers of a combinator, and the lock-free stack they push their children onto.
//!
//! Each child has one [`ChildWaker`], in one `Arc`: the child's only allocation of its own
//! (`child_waker.rs` makes it a `Waker`). Waking it pushes the child's *index* onto a stack that every child waker of the
//! combinator shares; the combinator (the *parent*) takes the whole stack at once when a
//! poll of its own starts, and turns its links around to recover the order of the wakes.
//!
//! ```text
//!   woken in the order 5, 3, 7:  head ─► 7 ─► 3 ─► 5 ─► EMPTY    (each arrow is a `next`)
//!   child 2's wake:              next[2] = 7, then head: 7 → 2 if head is still 7, else retry
//!   the parent's take:           head = EMPTY; relinks 5 ─► 3 ─► 7 ─► 2: its queue's tail
//! ```
//!
//! This is a Treiber stack: a push links its node to the head it read, then swaps the head
//! to itself with one compare-and-swap, which fails (and the push retries) if another push
//! got in between. It takes no lock, and a wake costs two atomic operations: the swap of
//! the child's `queued` flag and the head's compare-and-swap.
//!
//! A child goes round one loop, and its `queued` flag says where it is:
//!
//! ```text
//!   idle ──wake──► on the stack ──take──► in the parent's queue ──flag cleared──► polled
//!    ▲  (flag clear)              (flag set: wakes do nothing)                      │
//!    └──────────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! Three choices keep it small and free of `unsafe`:
//! - **Links are indices, not pointers.** The [`ReadyList`](super::ready_list::ReadyList)
//!   keeps an `Arc` of every child's waker, by index, for as long as it lives; only it reads
//!   the stack, so an index it finds there always names a live node. A stack of pointers
//!   must instead keep each queued node alive with a reference of its own, and break the
//!   cycle that forms when the combinator goes while nodes are queued.
//! - **The parent never pops one entry; it takes them all with one `swap`.** A pop by
//!   compare-and-swap can be fooled when the head it read is popped and pushed back in
//!   between (the "ABA problem"). A push cannot: if the head is the one it read, linking
//!   below it is right, whatever happened in between.
//! - **A child is on the stack at most once,** thanks to its flag: the wake that sets it
//!   pushes the child, the parent clears it just before polling the child, and any wake in
//!   between does nothing. So nobody but the parent writes a queued child's `next`, and the
//!   parent reuses the links for its own queue ([`Chain`]).
//!
//! The parent's waker sits behind a mutex: only a push that finds the stack empty wakes it
//! (a non-empty stack means an earlier push has woken it, and it has not taken the stack
//! since), so the lock is taken once per batch of wakes, not once per wake. When the parent
//! is dropped it *closes* the stack: a waker kept somewhere (a timer, another thread)
//! then pushes nothing and wakes nobody. Wakers must be `Send + Sync` (a child may hand its
//! waker to another thread), which is why all of this is atomic although the runtime is
//! single-threaded; `loom_models.rs` checks the orderings.

use std::sync::{Arc, PoisonError};
use std::task::Waker;

use super::child_trace::GroupTag;
use crate::loom::{AtomicBool, AtomicU32, AtomicUsize, Mutex, MutexGuard, Ordering};

/// A child's index as the stack stores it. 32 bits, not 64, keep a `ChildWaker` (with its
/// reference counts) at 40 bytes, which the allocator serves from 48-byte blocks rather
/// than 64-byte ones: at 100,000 children that is 1.6 MB less. It caps a combinator at
/// about four billion children.
type Link = u32;

/// `head` (or a `next`) when no child is below: the stack is empty.
const EMPTY: Link = Link::MAX;
/// `head` once the parent is gone: later wakes push nothing and wake nobody.
const CLOSED: Link = Link::MAX - 1;

/// What a parent and all its child wakers share.
pub(super) struct WakeStack {
    /// The index of the child woken last, [`EMPTY`], or [`CLOSED`] (final). Each child's
    /// `next` names the child woken before it, down to `EMPTY`.
    head: AtomicU32,
    /// Holding this lock implies the exclusive right to read or replace the parent's waker.
    parent: Mutex<Parent>,
    /// The combinator's identity in the trace, read by every wake.
    tag: GroupTag,
    /// How many owned child wakers (clones, not the parent's borrowed ones) are alive: the
    /// wait-for graph compares it with those it finds in the runtime's primitives.
    clones: AtomicUsize,
}

/// The parent, as the pushes see it.
pub(super) struct Parent {
    /// The waker of the parent's latest poll. `None` before its first poll and once it is
    /// gone.
    pub(super) waker: Option<Waker>,
    /// Whether a push woke `waker` since the parent's current poll started. Set by the push
    /// that finds the stack empty; cleared by the parent before it takes the stack.
    pub(super) woken: bool,
}

/// The waker of one child: the node it pushes onto the stack.
pub(super) struct ChildWaker {
    /// The child's position among its siblings; what the stack holds.
    index: Link,
    /// Set by the wake that pushes this child, cleared by the parent just before it polls
    /// the child. While set, the child is on the stack or in the parent's queue, and wakes
    /// do nothing.
    queued: AtomicBool,
    /// On the stack, the child woken before this one; in the parent's queue, the child
    /// after it. Written by the push that sets `queued`, then only by the parent until it
    /// clears `queued`; meaningless while `queued` is clear.
    next: AtomicU32,
    stack: Arc<WakeStack>,
}

impl WakeStack {
    /// An empty stack, with no parent waker yet.
    pub(super) fn new() -> WakeStack {
        WakeStack {
            head: AtomicU32::new(EMPTY),
            parent: Mutex::new(Parent {
                waker: None,
                woken: false,
            }),
            tag: GroupTag::default(),
            clones: AtomicUsize::new(0),
        }
    }

    /// How many owned child wakers are alive.
    pub(super) fn clones(&self) -> usize {
        self.clones.load(Ordering::Acquire)
    }

    /// A child waker was cloned.
    pub(super) fn count_clone(&self) {
        self.clones.fetch_add(1, Ordering::Relaxed);
    }

    /// A child waker was consumed or dropped. Release: a wake from another thread pushes
    /// (and wakes the parent) before this, and the stuck check, having seen the count,
    /// must see the wake too.
    pub(super) fn uncount_clone(&self) {
        self.clones.fetch_sub(1, Ordering::Release);
    }

    /// The combinator's identity in the trace.
    pub(super) fn tag(&self) -> &GroupTag {
        &self.tag
    }

    /// The parent's side of the stack.
    pub(super) fn parent(&self) -> MutexGuard<'_, Parent> {
        // No user code runs under the lock, so a poisoned lock holds consistent data.
        self.parent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether some child was pushed and not taken yet.
    pub(super) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Acquire) == EMPTY
    }

    /// Takes every child on the stack, as a chain in the order they were woken.
    ///
    /// The stack links each child to the one woken *before* it; one pass turns each link
    /// around, which is safe because a queued child's `next` is the parent's alone (pushes
    /// leave it be until the parent clears the child's `queued` flag). `nodes` holds every
    /// child's waker, by index.
    pub(super) fn take(&self, nodes: &[Arc<ChildWaker>]) -> Chain {
        // Acquire: pairs with each push's Release, so the `next` links (and whatever the
        // waking threads wrote before waking) are visible here.
        let top = self.head.swap(EMPTY, Ordering::Acquire);
        debug_assert_ne!(top, CLOSED, "only the parent's drop closes the stack");
        let (mut newer, mut child, mut len) = (EMPTY, top, 0);
        while child != EMPTY {
            let link = &nodes[child as usize].next;
            let older = link.load(Ordering::Relaxed);
            link.store(newer, Ordering::Relaxed);
            (newer, child, len) = (child, older, len + 1);
        }
        Chain {
            first: newer, // the oldest wake
            last: top,
            len,
        }
    }

    /// The parent is going: refuses every later push and returns the parent's waker, for
    /// the caller to drop outside the lock. The children still on the stack are forgotten
    /// (their nodes belong to the `ReadyList`, which frees them).
    pub(super) fn close(&self) -> Option<Waker> {
        self.head.store(CLOSED, Ordering::Release);
        self.parent().waker.take()
    }

    /// Wakes the parent on behalf of the push that found the stack empty.
    fn wake_parent(&self) {
        let mut parent = self.parent();
        parent.woken = parent.waker.is_some();
        let waker = parent.waker.clone();
        drop(parent);
        // After the lock: a waker may run arbitrary code.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl ChildWaker {
    /// A waker for child `index` of `stack`. A child created `queued` is in the parent's
    /// queue (not on the stack) for its first poll.
    ///
    /// # Panics
    ///
    /// If `index` does not fit in a [`Link`] below the sentinels.
    pub(super) fn new(index: usize, stack: Arc<WakeStack>, queued: bool) -> ChildWaker {
        let index = Link::try_from(index)
            .ok()
            .filter(|&index| index < CLOSED)
            .expect("a combinator takes at most 4,294,967,293 children");
        ChildWaker {
            index,
            queued: AtomicBool::new(queued),
            next: AtomicU32::new(EMPTY),
            stack,
        }
    }

    /// Clears the queued mark just before the parent polls the child, so that a wake from
    /// now on (even during the poll) queues it again.
    pub(super) fn unmark_queued(&self) {
        // AcqRel, not a plain store: if a wake found the flag set and did nothing, this
        // swap reads its write and so sees whatever the waker published before waking;
        // the poll that follows must see it. Release: the parent's reads of `next` come
        // before any push that reuses it.
        self.queued.swap(false, Ordering::AcqRel);
    }

    /// Pushes this child onto the stack unless it is queued already, and wakes the parent
    /// if the stack was empty: what waking this child does.
    pub(super) fn push(&self) {
        // Release: the parent's `unmark_queued` then sees what this thread did before
        // waking, even when this wake does nothing more. Acquire: pairs with that swap's
        // Release, so the write of `next` below comes after the parent's last read of it.
        if self.queued.swap(true, Ordering::AcqRel) {
            self.stack.tag.on_wake(self.index as usize, true);
            return; // on the stack or in the parent's queue: its poll is coming
        }
        let stack = &*self.stack;
        let mut head = stack.head.load(Ordering::Relaxed);
        loop {
            if head == CLOSED {
                return; // the parent is gone
            }
            self.next.store(head, Ordering::Relaxed);
            // Release: publishes `next`, and everything the waking thread did before.
            match stack.head.compare_exchange_weak(
                head,
                self.index,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => head = actual,
            }
        }
        // Recorded before the parent's wake, which the trace shows after the child's.
        stack.tag.on_wake(self.index as usize, false);
        // A non-empty stack was found by an earlier push, which woke the parent (or will):
        // the parent has not taken the stack since, so its coming take includes this child.
        if head == EMPTY {
            stack.wake_parent();
        }
    }

    /// The stack this child pushes onto.
    pub(super) fn stack(&self) -> &Arc<WakeStack> {
        &self.stack
    }

    /// The child's position among its siblings.
    pub(super) fn index(&self) -> u32 {
        self.index
    }
}

/// Children linked through their `next`, first to last: a batch taken off the stack, or
/// the parent's queue. Every child in it is queued, so only the parent touches its links.
pub(super) struct Chain {
    /// The first child, or `EMPTY`.
    first: Link,
    /// The last child (whose `next` is `EMPTY`), or `EMPTY`.
    last: Link,
    len: usize,
}

impl Chain {
    /// No children.
    pub(super) const EMPTY: Chain = Chain {
        first: EMPTY,
        last: EMPTY,
        len: 0,
    };

    /// How many children are in the chain.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Links `other` after this chain's last child.
    pub(super) fn append(&mut self, other: Chain, nodes: &[Arc<ChildWaker>]) {
        if other.len == 0 {
            return;
        }
        match self.len {
            0 => self.first = other.first,
            _ => nodes[self.last as usize]
                .next
                .store(other.first, Ordering::Relaxed),
        }
        self.last = other.last;
        self.len += other.len;
    }

    /// Unlinks the first child and returns it. Its `queued` flag is still set: the caller
    /// clears it, after this read of its `next`.
    pub(super) fn pop_front(&mut self, nodes: &[Arc<ChildWaker>]) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let child = self.first as usize;
        self.first = nodes[child].next.load(Ordering::Relaxed);
        self.len -= 1;
        if self.len == 0 {
            self.last = EMPTY;
        }
        Some(child)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(stack: &Arc<WakeStack>, n: usize) -> Vec<Arc<ChildWaker>> {
        (0..n)
            .map(|i| Arc::new(ChildWaker::new(i, stack.clone(), false)))
            .collect()
    }

    fn take(stack: &WakeStack, nodes: &[Arc<ChildWaker>]) -> Vec<usize> {
        let mut chain = stack.take(nodes);
        std::iter::from_fn(|| chain.pop_front(nodes)).collect()
    }

    #[test]
    fn a_take_returns_the_children_in_wake_order_and_empties_the_stack() {
        let stack = Arc::new(WakeStack::new());
        let nodes = nodes(&stack, 8);
        for i in [5, 3, 7, 2] {
            nodes[i].push();
        }
        assert_eq!(take(&stack, &nodes), [5, 3, 7, 2]);
        assert!(stack.is_empty());
        assert_eq!(take(&stack, &nodes), Vec::<usize>::new());
    }

    #[test]
    fn a_queued_child_is_not_pushed_again_until_unmarked() {
        let stack = Arc::new(WakeStack::new());
        let nodes = nodes(&stack, 2);
        nodes[1].push();
        nodes[1].push();
        assert_eq!(take(&stack, &nodes), [1]);
        nodes[1].push(); // taken but not yet polled: still queued
        assert!(stack.is_empty());
        nodes[1].unmark_queued();
        nodes[1].push();
        assert_eq!(take(&stack, &nodes), [1]);
    }

    #[test]
    #[cfg(all(target_pointer_width = "64", not(loom)))]
    fn a_child_waker_with_its_reference_counts_fits_a_48_byte_block() {
        // 16 bytes of counts + 24: the allocator adds 8 and rounds up to 16.
        assert_eq!(std::mem::size_of::<ChildWaker>(), 24);
    }

    #[test]
    fn pushes_after_close_do_nothing() {
        let stack = Arc::new(WakeStack::new());
        let nodes = nodes(&stack, 2);
        nodes[0].push();
        stack.close();
        nodes[1].push();
        assert_eq!(stack.head.load(Ordering::Relaxed), CLOSED);
    }
}
