//! Model-checked interleavings of a child's wake, on another thread, with its parent's
//! round: the push against the take, the push against the flag the parent clears before a
//! poll, and the push against the parent's drop.
//!
//! Run with: `RUSTFLAGS="--cfg loom" cargo test -p runtime --lib --release loom_models`.
//! Under `--cfg loom` the wake stack's atomics and the parent's mutex are loom's, so loom
//! runs each model under every interleaving (and every permitted reordering) of its
//! threads. The child wakers and the parent's waker are real `Waker`s.

use std::sync::Arc;
use std::task::{Context, Wake, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

use super::ready_list::ReadyList;

/// A parent waker that counts its wakes.
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The parent's side: its list (with `children` children), its waker, and its count.
fn parent(children: usize) -> (ReadyList, Vec<Waker>, Arc<Counter>, Waker) {
    let mut list = ReadyList::new("test");
    let wakers = (0..children)
        .map(|_| {
            let index = list.add_child();
            list.waker(index).clone()
        })
        .collect();
    let counter = Arc::new(Counter(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    (list, wakers, counter, waker)
}

/// One round, start to end: the children it polled.
fn round(list: &mut ReadyList, cx: &Context<'_>) -> Vec<usize> {
    let mut round = list.start_round(cx);
    let polled = std::iter::from_fn(|| list.next(&mut round)).collect();
    list.end_round(cx);
    polled
}

#[test]
fn pushes_racing_the_take_are_polled_this_round_or_wake_the_parent_in_wake_order() {
    loom::model(|| {
        let (mut list, wakers, counter, waker) = parent(2);
        let cx = Context::from_waker(&waker);
        assert_eq!(round(&mut list, &cx), [0, 1]); // the first polls
        let data = Arc::new(AtomicBool::new(false));
        let remote = {
            let (data, wakers) = (data.clone(), wakers.clone());
            thread::spawn(move || {
                data.store(true, Ordering::Relaxed);
                wakers[0].wake_by_ref();
                wakers[1].wake_by_ref();
            })
        };
        let first = round(&mut list, &cx);
        let saw_data = data.load(Ordering::Relaxed);
        remote.join().unwrap();
        assert!(
            first.is_empty() || saw_data,
            "a poll missed what the waker published"
        );
        let second = round(&mut list, &cx);
        if !second.is_empty() {
            // Left for a later round: someone must have woken the parent. (Perhaps both
            // the push and the round's end, when the end saw the push on the stack
            // before the push reached the parent: a spurious second wake.)
            assert!(counter.0.load(Ordering::SeqCst) >= 1, "a wake was lost");
        }
        assert_eq!([first, second].concat(), [0, 1], "each once, in wake order");
        assert_eq!(round(&mut list, &cx), Vec::<usize>::new());
    });
}

#[test]
fn a_wake_racing_the_flag_cleared_before_a_poll_is_seen_by_that_poll_or_the_next() {
    loom::model(|| {
        let (mut list, wakers, _counter, waker) = parent(1);
        let cx = Context::from_waker(&waker);
        let data = Arc::new(AtomicBool::new(false));
        // Child 0 is queued for its first poll; the wake may find it queued (and do
        // nothing) or find the flag cleared (and push it again).
        let remote = {
            let (data, waker) = (data.clone(), wakers[0].clone());
            thread::spawn(move || {
                data.store(true, Ordering::Relaxed);
                waker.wake();
            })
        };
        assert_eq!(round(&mut list, &cx), [0]);
        let saw_data = data.load(Ordering::Relaxed);
        remote.join().unwrap();
        let again = round(&mut list, &cx);
        assert!(saw_data || again == [0], "the wake was lost");
        assert!(again.len() <= 1);
    });
}

#[test]
fn a_wake_racing_the_parents_drop_wakes_nobody_afterwards() {
    loom::model(|| {
        let (mut list, wakers, counter, waker) = parent(1);
        let cx = Context::from_waker(&waker);
        round(&mut list, &cx);
        let remote = {
            let waker = wakers[0].clone();
            thread::spawn(move || waker.wake())
        };
        drop(list);
        remote.join().unwrap();
        // A push that found the stack empty before the drop wakes the parent, perhaps
        // after it; none wakes it twice, and none keeps its waker.
        assert!(counter.0.load(Ordering::SeqCst) <= 1);
        drop(wakers);
        assert_eq!(Arc::strong_count(&counter), 2, "`counter` and `waker` only");
    });
}
