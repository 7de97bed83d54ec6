//! A set of children of one future type, each with its own waker: the engine under
//! `gather`, `try_gather`, `as_completed` and `wait`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ready_list::{ReadyList, Round};

/// Children polled through a [`ReadyList`], in input order of their indices.
pub(crate) struct Children<F> {
    /// One slot per child, by input position, all in one heap allocation that is never
    /// resized; `None` once the child finished (or was dropped or taken out): it is never
    /// polled again. **The futures in it are pinned**: once polled, a child stays where it
    /// is until it is dropped in place (by `*slot = None`, or with the slice). Nothing
    /// moves a future out, except [`take_unfinished`](Children::take_unfinished), which
    /// requires `F: Unpin`. Moving `Children` moves only the pointer to the slice.
    slots: Box<[Option<F>]>,
    /// Which children were woken since they were last polled, and their wakers.
    ready: ReadyList,
    /// How many slots still hold a future.
    unfinished: usize,
}

impl<F: Future> Children<F> {
    /// Takes every future of `futures`, each queued for its first poll, for a combinator
    /// called `name` in the trace.
    pub(crate) fn new(name: &'static str, futures: impl IntoIterator<Item = F>) -> Children<F> {
        let futures = futures.into_iter();
        let mut ready = ReadyList::new(name);
        ready.reserve(futures.size_hint().0);
        // Collected into a `Vec` first, which may move the futures: none is polled yet.
        let slots: Box<[Option<F>]> = futures
            .map(|future| {
                ready.add_child();
                Some(future)
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
            let Some(future) = slot else {
                continue;
            };
            // SAFETY: pinning `future` promises that it stays at this address until it is
            // dropped. It lives in `slots`, a boxed slice that is never resized, so moving
            // `self` does not move it; it is dropped in place (by the assignment below, by
            // `drop_all`, or with the slice), and `take_unfinished` moves futures out only
            // when `F: Unpin`, which needs no such promise. No other code moves it.
            let future = unsafe { Pin::new_unchecked(future) };
            let waker = self.ready.waker(index);
            let mut cx = Context::from_waker(&waker);
            if let Poll::Ready(output) = round.poll_child(index, || future.poll(&mut cx)) {
                *slot = None;
                self.unfinished -= 1;
                return Some((index, output));
            }
        }
        None
    }

    /// Drops every unfinished child now, in place.
    pub(crate) fn drop_all(&mut self) {
        self.record_dropped();
        for slot in &mut self.slots {
            *slot = None;
        }
        self.unfinished = 0;
    }

    /// Takes every unfinished child out, with its index, in input order. Only for children
    /// that may move after being polled (`wait` boxes its futures for this).
    pub(crate) fn take_unfinished(&mut self) -> Vec<(usize, F)>
    where
        F: Unpin,
    {
        self.unfinished = 0;
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(index, slot)| slot.take().map(|future| (index, future)))
            .collect()
    }
}

impl<F> Children<F> {
    /// Tells the trace that the unfinished children are being dropped.
    fn record_dropped(&self) {
        if self.unfinished > 0 {
            let unfinished = self.slots.iter().enumerate();
            let unfinished = unfinished.filter_map(|(index, slot)| slot.as_ref().map(|_| index));
            self.ready.trace_tag().on_dropped(unfinished);
        }
    }
}

impl<F> Drop for Children<F> {
    fn drop(&mut self) {
        self.record_dropped();
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::future::Future;
    use std::pin::Pin;
    use std::rc::Rc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    use super::Children;

    /// A parent waker that counts its wakes.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Pending on its first `pendings` polls, waking itself `wakes` times during each.
    struct SelfWaking {
        pendings: usize,
        wakes: usize,
        polls: Rc<RefCell<usize>>,
    }

    impl Future for SelfWaking {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            *self.polls.borrow_mut() += 1;
            if self.pendings == 0 {
                return Poll::Ready(());
            }
            self.pendings -= 1;
            for _ in 0..self.wakes {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        }
    }

    /// Runs one parent poll: the indices of the children that finished.
    fn round<F: Future>(children: &mut Children<F>, cx: &Context<'_>) -> Vec<usize> {
        let mut round = children.start_round(cx);
        let finished = std::iter::from_fn(|| children.poll_next(&mut round));
        let finished = finished.map(|(index, _)| index).collect();
        children.end_round(cx);
        finished
    }

    #[test]
    fn a_child_woken_during_its_own_poll_is_polled_once_more_in_the_next_round() {
        let polls = Rc::new(RefCell::new(0));
        let child = SelfWaking {
            pendings: 1,
            wakes: 2,
            polls: polls.clone(),
        };
        let mut children = Children::new("test", [child]);
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let cx = Context::from_waker(&waker);
        assert_eq!(round(&mut children, &cx), Vec::<usize>::new());
        assert_eq!(*polls.borrow(), 1, "the round polled it once");
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            1,
            "its first wake woke the parent"
        );
        assert_eq!(round(&mut children, &cx), [0]);
        assert_eq!(*polls.borrow(), 2, "two wakes, one more poll");
        assert_eq!(children.unfinished(), 0);
    }

    /// Pending on its first poll, leaving its waker in `kept`; ready on the next.
    struct KeepsWaker {
        kept: Rc<RefCell<Vec<Waker>>>,
        polled: bool,
    }

    impl Future for KeepsWaker {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if std::mem::replace(&mut self.polled, true) {
                return Poll::Ready(());
            }
            self.kept.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        }
    }

    #[test]
    fn children_dropped_while_queued_leave_wakers_that_wake_nothing() {
        let kept = Rc::new(RefCell::new(Vec::new()));
        let futures = (0..4).map(|_| KeepsWaker {
            kept: kept.clone(),
            polled: false,
        });
        let mut children = Children::new("test", futures);
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let cx = Context::from_waker(&waker);
        round(&mut children, &cx);
        let wakers = std::mem::take(&mut *kept.borrow_mut());
        wakers[1].wake_by_ref();
        wakers[3].wake_by_ref();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        drop(children); // children 1 and 3 are queued
        for waker in &wakers {
            waker.wake_by_ref();
        }
        std::thread::spawn(move || wakers.into_iter().for_each(Waker::wake))
            .join()
            .unwrap();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(Arc::strong_count(&counter), 2, "`counter` and `waker` only");
    }

    #[test]
    fn a_child_that_borrows_from_itself_stays_put_while_its_children_move() {
        let kept = Rc::new(RefCell::new(Vec::new()));
        let child = |n: u64| {
            let kept = kept.clone();
            async move {
                let data = [n; 4];
                let borrowed = &data; // points into this future's own state
                KeepsWaker {
                    kept,
                    polled: false,
                }
                .await;
                borrowed.iter().sum::<u64>()
            }
        };
        let mut children = Children::new("test", [child(1), child(2)]);
        let waker = Waker::from(Arc::new(Counter(AtomicUsize::new(0))));
        let cx = Context::from_waker(&waker);
        round(&mut children, &cx);
        let mut moved = Box::new(children); // the futures stay where they are
        kept.borrow_mut().drain(..).for_each(Waker::wake);
        let mut round = moved.start_round(&cx);
        let outputs: Vec<_> = std::iter::from_fn(|| moved.poll_next(&mut round)).collect();
        assert_eq!(outputs, [(0, 4), (1, 8)]);
    }
}
