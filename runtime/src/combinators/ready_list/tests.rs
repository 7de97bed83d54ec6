//! The ready list's promises: wake order, one entry per child, rounds and their budget,
//! wakes from other threads, and a list dropped while wakers live on.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Wake;
use std::task::Waker;

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

/// Adds `n` children; returns their wakers, as a child that keeps its waker would.
fn add_children(list: &mut ReadyList, n: usize) -> Vec<Waker> {
    (0..n)
        .map(|_| {
            let index = list.add_child();
            list.waker(index).clone()
        })
        .collect()
}

fn drain(list: &mut ReadyList, cx: &Context<'_>) -> Vec<usize> {
    let mut round = list.start_round(cx);
    std::iter::from_fn(|| list.next(&mut round)).collect()
}

#[test]
fn new_children_are_queued_in_order_and_a_round_takes_each_once() {
    let mut list = ReadyList::new("test");
    let wakers: Vec<Waker> = add_children(&mut list, 3);
    let (_count, waker) = parent();
    let cx = Context::from_waker(&waker);
    assert_eq!(drain(&mut list, &cx), [0, 1, 2]);
    assert_eq!(drain(&mut list, &cx), Vec::<usize>::new());
    drop(wakers);
}

#[test]
fn a_child_woken_twice_is_queued_once_and_only_the_first_push_wakes_the_parent() {
    let mut list = ReadyList::new("test");
    let wakers: Vec<Waker> = add_children(&mut list, 3);
    let (count, waker) = parent();
    let cx = Context::from_waker(&waker);
    drain(&mut list, &cx);
    wakers[2].wake_by_ref();
    wakers[2].wake_by_ref();
    wakers[0].wake_by_ref();
    assert_eq!(count.0.load(Ordering::SeqCst), 1);
    assert_eq!(drain(&mut list, &cx), [2, 0]);
}

#[test]
fn a_child_woken_during_the_round_waits_for_the_next_round() {
    let mut list = ReadyList::new("test");
    let wakers: Vec<Waker> = add_children(&mut list, 2);
    let (count, waker) = parent();
    let cx = Context::from_waker(&waker);
    let mut round = list.start_round(&cx);
    assert_eq!(list.next(&mut round), Some(0));
    wakers[0].wake_by_ref(); // child 0 wakes itself during its poll
    assert_eq!(list.next(&mut round), Some(1));
    assert_eq!(list.next(&mut round), None);
    list.end_round(&cx);
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "the parent yields");
    assert_eq!(drain(&mut list, &cx), [0]);
}

#[test]
fn a_round_whose_child_woke_the_parent_does_not_wake_it_again() {
    let mut list = ReadyList::new("test");
    let waker = add_children(&mut list, 1).remove(0);
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
    let mut list = ReadyList::new("test");
    let _wakers: Vec<Waker> = add_children(&mut list, BUDGET + 5);
    let (count, waker) = parent();
    let cx = Context::from_waker(&waker);
    assert_eq!(drain(&mut list, &cx).len(), BUDGET);
    list.end_round(&cx);
    assert_eq!(count.0.load(Ordering::SeqCst), 1);
    assert_eq!(
        drain(&mut list, &cx),
        (BUDGET..BUDGET + 5).collect::<Vec<_>>()
    );
}

#[test]
fn a_wake_from_another_thread_reaches_the_parent() {
    let mut list = ReadyList::new("test");
    let waker = add_children(&mut list, 1).remove(0);
    let (count, parent_waker) = parent();
    let cx = Context::from_waker(&parent_waker);
    drain(&mut list, &cx);
    std::thread::spawn(move || waker.wake()).join().unwrap();
    assert_eq!(count.0.load(Ordering::SeqCst), 1);
    assert_eq!(drain(&mut list, &cx), [0]);
}

#[test]
fn a_dropped_list_lets_go_of_the_parent_and_later_wakes_of_its_children_do_nothing() {
    let mut list = ReadyList::new("test");
    let wakers: Vec<Waker> = add_children(&mut list, 3);
    let (count, waker) = parent();
    let cx = Context::from_waker(&waker);
    drain(&mut list, &cx);
    wakers[0].wake_by_ref(); // wakes the parent
    wakers[1].wake_by_ref();
    let mut round = list.start_round(&cx);
    assert_eq!(list.next(&mut round), Some(0)); // child 1 stays in the queue
    wakers[2].wake_by_ref(); // onto the empty stack: wakes the parent
    assert_eq!(count.0.load(Ordering::SeqCst), 2);
    assert_eq!(
        Arc::strong_count(&count),
        3,
        "`count`, `waker`, and the list's copy"
    );
    drop(list);
    assert_eq!(
        Arc::strong_count(&count),
        2,
        "the list let go of the parent's waker"
    );
    for waker in &wakers {
        waker.wake_by_ref();
    }
    std::thread::spawn(move || wakers.into_iter().for_each(Waker::wake))
        .join()
        .unwrap();
    assert_eq!(count.0.load(Ordering::SeqCst), 2, "nothing woke the parent");
}

#[test]
fn a_wake_from_another_thread_during_a_round_waits_for_the_next_round() {
    let mut list = ReadyList::new("test");
    let wakers: Vec<Waker> = add_children(&mut list, 2);
    let (count, waker) = parent();
    let cx = Context::from_waker(&waker);
    let mut round = list.start_round(&cx);
    assert_eq!(list.next(&mut round), Some(0));
    // During child 0's poll, another thread wakes child 1 (queued, not yet polled: nothing
    // to do) and child 0 (polled: back onto the stack, waking the parent).
    let remote = wakers.clone();
    std::thread::spawn(move || {
        remote[1].wake_by_ref();
        remote[0].wake_by_ref();
    })
    .join()
    .unwrap();
    assert_eq!(list.next(&mut round), Some(1));
    assert_eq!(list.next(&mut round), None);
    list.end_round(&cx);
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "woken by the push only");
    assert_eq!(drain(&mut list, &cx), [0]);
}

#[test]
fn every_wake_racing_from_other_threads_is_followed_by_a_poll_that_sees_what_it_published() {
    let (threads, children, wakes) = if cfg!(miri) { (2, 3, 8) } else { (3, 16, 2000) };
    let mut list = ReadyList::new("test");
    let wakers: Vec<Waker> = add_children(&mut list, children);
    // Each waking thread bumps a child's counter, then wakes it; each poll reads it.
    let published: Arc<Vec<AtomicUsize>> =
        Arc::new((0..children).map(|_| AtomicUsize::new(0)).collect());
    let threads: Vec<_> = (0..threads)
        .map(|thread| {
            let (wakers, published) = (wakers.clone(), published.clone());
            std::thread::spawn(move || {
                for n in 0..wakes {
                    let child = (thread + 3 * n) % wakers.len();
                    published[child].fetch_add(1, Ordering::Relaxed);
                    wakers[child].wake_by_ref();
                }
            })
        })
        .collect();
    let (_count, waker) = parent();
    let cx = Context::from_waker(&waker);
    let mut seen = vec![0; children];
    let mut round_of = |list: &mut ReadyList| {
        let polled = drain(list, &cx);
        let mut once = polled.clone();
        once.sort_unstable();
        once.dedup();
        assert_eq!(
            once.len(),
            polled.len(),
            "a child was queued twice: {polled:?}"
        );
        for &child in &polled {
            seen[child] = published[child].load(Ordering::Relaxed);
        }
        list.end_round(&cx);
        polled.len()
    };
    while !threads.iter().all(|thread| thread.is_finished()) {
        round_of(&mut list);
        std::thread::yield_now();
    }
    while round_of(&mut list) > 0 {}
    for thread in threads {
        thread.join().unwrap();
    }
    let last: Vec<usize> = published
        .iter()
        .map(|p| p.load(Ordering::Relaxed))
        .collect();
    assert_eq!(
        seen, last,
        "some child's last wake was not followed by a poll"
    );
}
