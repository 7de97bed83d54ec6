//! Per-child wakers and the queue of children they mark ready.
//!
//! A combinator that drives many children (`gather`, `as_completed`, a `TaskGroup`) gives
//! each child a waker of its own. Waking it does two things: it appends the child's index
//! to the combinator's *ready list*, and it wakes the combinator's own waker (the
//! *parent*). The combinator's next poll then polls only the children on the list, so `n`
//! children woken once each cost `O(n)` child polls in total, whatever `n` is.
//!
//! ```text
//!   child 3's waker ──► ready: [3]      ──► wakes the parent (the list was empty)
//!   child 7's waker ──► ready: [3, 7]   (the parent is already woken: nothing more)
//!   parent's poll   ──► polls child 3, then child 7, and nothing else
//! ```
//!
//! One parent poll is a *round*. A round polls only the children that were on the list
//! when it started, at most [`BUDGET`] of them, each once. A child woken during the round
//! (even by its own poll) waits for the next round, and if the list is not empty when the
//! round ends the parent wakes itself and returns `Pending`, going to the back of the
//! runtime's run queue. So a child that is always ready cannot keep the parent, or the
//! other children, or the other tasks, from running.
//!
//! Wakers must be `Send + Sync`, so the list sits behind a `Mutex` even though the runtime
//! is single-threaded: a child may hand its waker to another thread (a blocking job, a
//! channel sender). No user code runs while the lock is held.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use super::child_trace::{self, GroupTag, RoundTrace};

/// The most children one parent poll may poll. After that many, the parent yields (wakes
/// itself and returns `Pending`) so the rest of the runtime gets a turn.
pub(crate) const BUDGET: usize = 128;

/// The ready list of one combinator, and the factory of its children's wakers.
pub(crate) struct ReadyList {
    /// Shared with every child waker.
    shared: Arc<ReadyShared>,
    /// The combinator's name in the trace: `"gather"`, `"join"`, ...
    name: &'static str,
}

/// What the child wakers and the parent share.
struct ReadyShared {
    /// Holding this lock implies the exclusive right to change which children are queued.
    state: Mutex<ReadyState>,
    /// The combinator's identity in the trace, read by every wake.
    tag: GroupTag,
}

struct ReadyState {
    /// Indices of the children to poll, in the order they were woken. Each appears at most
    /// once: `queued[i]` is true exactly while `i` is in here.
    ready: VecDeque<usize>,
    /// One flag per child: is it in `ready`? A wake that finds it set does nothing.
    queued: Vec<bool>,
    /// The waker of the parent's latest poll, woken when `ready` goes from empty to
    /// non-empty. `None` until the parent is first polled.
    parent: Option<Waker>,
    /// Whether a push woke `parent` since its current round started: then the round need
    /// not wake it again when it ends.
    woke_parent: bool,
}

/// The waker of one child.
struct ChildWaker {
    /// The child's position among its siblings.
    index: usize,
    shared: Arc<ReadyShared>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let (already_queued, parent) = self.shared.push(self.index);
        self.shared.tag.on_wake(self.index, already_queued);
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl ReadyShared {
    fn lock(&self) -> MutexGuard<'_, ReadyState> {
        // No user code runs under the lock, so a poisoned lock holds consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues child `index` unless it is queued already (then returns `true` first).
    /// Returns the parent's waker when the caller must wake it: only when the list was
    /// empty. A non-empty list means the parent was woken already, will wake itself at the
    /// end of its current round, or has just returned `Ready` and starts a new round
    /// whenever it is polled again.
    fn push(&self, index: usize) -> (bool, Option<Waker>) {
        let mut state = self.lock();
        if std::mem::replace(&mut state.queued[index], true) {
            return (true, None);
        }
        let was_empty = state.ready.is_empty();
        state.ready.push_back(index);
        if !was_empty {
            return (false, None);
        }
        state.woke_parent = state.parent.is_some();
        (false, state.parent.clone())
    }
}

/// One parent poll's permission to poll children: how many it may still poll, and where
/// to record those polls.
pub(crate) struct Round {
    /// Children this round may still take from the list. Starts at the list's length
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
            shared: Arc::new(ReadyShared {
                state: Mutex::new(ReadyState {
                    ready: VecDeque::new(),
                    queued: Vec::new(),
                    parent: None,
                    woke_parent: false,
                }),
                tag: GroupTag::default(),
            }),
            name,
        }
    }

    /// Adds a child, queued for its first poll, and returns its waker. Children are
    /// numbered from 0 in the order they are added.
    pub(crate) fn add_child(&self) -> Waker {
        let index = {
            let mut state = self.shared.lock();
            state.queued.push(false);
            state.queued.len() - 1
        };
        let waker = Waker::from(Arc::new(ChildWaker {
            index,
            shared: self.shared.clone(),
        }));
        waker.wake_by_ref();
        waker
    }

    /// Queues child `index` as if its waker had been called.
    pub(crate) fn schedule(&self, index: usize) {
        if let (_, Some(parent)) = self.shared.push(index) {
            parent.wake();
        }
    }

    /// Starts a parent poll: remembers `cx`'s waker as the parent's and fixes how many
    /// children this round may poll.
    pub(crate) fn start_round(&self, cx: &Context<'_>) -> Round {
        let mut state = self.shared.lock();
        let replaced = match &state.parent {
            Some(parent) if parent.will_wake(cx.waker()) => None,
            _ => state.parent.replace(cx.waker().clone()),
        };
        state.woke_parent = false;
        let left = state.ready.len().min(BUDGET);
        let count = state.queued.len();
        drop(state);
        drop(replaced); // after the lock: dropping a waker may run arbitrary code
        Round {
            left,
            trace: RoundTrace::start(&self.shared.tag, self.name, count),
        }
    }

    /// The next child this round must poll, or `None` when the round is over. Its queued
    /// flag is cleared first, so a wake during its poll queues it again.
    pub(crate) fn next(&self, round: &mut Round) -> Option<usize> {
        if round.left == 0 {
            return None;
        }
        round.left -= 1;
        let mut state = self.shared.lock();
        let index = state.ready.pop_front()?;
        state.queued[index] = false;
        Some(index)
    }

    /// Ends a round whose parent poll returns `Pending`: if children are still queued (the
    /// budget ran out, or they were woken during the round), the parent must run again,
    /// after everything else in the run queue. It wakes itself, unless a child's wake
    /// during the round already did.
    pub(crate) fn end_round(&self, cx: &Context<'_>) {
        let state = self.shared.lock();
        let must_wake = !state.ready.is_empty() && !state.woke_parent;
        drop(state);
        if must_wake {
            cx.waker().wake_by_ref();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A parent waker that counts its wakes.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn parent() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }

    fn drain(list: &ReadyList, cx: &Context<'_>) -> Vec<usize> {
        let mut round = list.start_round(cx);
        std::iter::from_fn(|| list.next(&mut round)).collect()
    }

    #[test]
    fn new_children_are_queued_in_order_and_a_round_takes_each_once() {
        let list = ReadyList::new("test");
        let wakers: Vec<Waker> = (0..3).map(|_| list.add_child()).collect();
        let (_count, waker) = parent();
        let cx = Context::from_waker(&waker);
        assert_eq!(drain(&list, &cx), [0, 1, 2]);
        assert_eq!(drain(&list, &cx), Vec::<usize>::new());
        drop(wakers);
    }

    #[test]
    fn a_child_woken_twice_is_queued_once_and_only_the_first_push_wakes_the_parent() {
        let list = ReadyList::new("test");
        let wakers: Vec<Waker> = (0..3).map(|_| list.add_child()).collect();
        let (count, waker) = parent();
        let cx = Context::from_waker(&waker);
        drain(&list, &cx);
        wakers[2].wake_by_ref();
        wakers[2].wake_by_ref();
        wakers[0].wake_by_ref();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(drain(&list, &cx), [2, 0]);
    }

    #[test]
    fn a_child_woken_during_the_round_waits_for_the_next_round() {
        let list = ReadyList::new("test");
        let wakers: Vec<Waker> = (0..2).map(|_| list.add_child()).collect();
        let (count, waker) = parent();
        let cx = Context::from_waker(&waker);
        let mut round = list.start_round(&cx);
        assert_eq!(list.next(&mut round), Some(0));
        wakers[0].wake_by_ref(); // child 0 wakes itself during its poll
        assert_eq!(list.next(&mut round), Some(1));
        assert_eq!(list.next(&mut round), None);
        list.end_round(&cx);
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "the parent yields");
        assert_eq!(drain(&list, &cx), [0]);
    }

    #[test]
    fn a_round_whose_child_woke_the_parent_does_not_wake_it_again() {
        let list = ReadyList::new("test");
        let waker = list.add_child();
        let (count, parent_waker) = parent();
        let cx = Context::from_waker(&parent_waker);
        let mut round = list.start_round(&cx);
        assert_eq!(list.next(&mut round), Some(0));
        waker.wake_by_ref(); // the list was empty: this wakes the parent
        list.end_round(&cx);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_round_polls_at_most_the_budget() {
        let list = ReadyList::new("test");
        let _wakers: Vec<Waker> = (0..BUDGET + 5).map(|_| list.add_child()).collect();
        let (count, waker) = parent();
        let cx = Context::from_waker(&waker);
        assert_eq!(drain(&list, &cx).len(), BUDGET);
        list.end_round(&cx);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(drain(&list, &cx), (BUDGET..BUDGET + 5).collect::<Vec<_>>());
    }

    #[test]
    fn a_wake_from_another_thread_reaches_the_parent() {
        let list = ReadyList::new("test");
        let waker = list.add_child();
        let (count, parent_waker) = parent();
        let cx = Context::from_waker(&parent_waker);
        drain(&list, &cx);
        std::thread::spawn(move || waker.wake()).join().unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(drain(&list, &cx), [0]);
    }
}
