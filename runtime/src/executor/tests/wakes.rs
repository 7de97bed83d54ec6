use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use super::{lines_of, traced, Gate};

#[test]
fn a_task_woken_twice_while_queued_is_queued_once() {
    let (rt, rec) = traced();
    let gate = Gate::default();
    rt.block_on(async {
        let waiter = crate::spawn({
            let gate = gate.clone();
            async move { gate.wait().await }
        });
        crate::yield_now().await; // t1 polls once and parks on the gate
        let waker = gate.waker().expect("t1 polled");
        waker.wake_by_ref();
        waker.wake_by_ref();
        gate.open(); // a third wake
        waiter.await.unwrap();
    });
    assert_eq!(
        lines_of(&rec, &["t1"]),
        [
            "spawn t1 by main",
            "poll t1",
            "pending t1",
            "wake t1 by main",
            "wake t1 by main ignored (already queued)",
            "wake t1 by main ignored (already queued)",
            "poll t1",
            "ready t1",
            "finish t1 Completed",
            "wake main by t1",
        ]
    );
}

#[test]
fn waking_a_finished_task_does_nothing() {
    let (rt, rec) = traced();
    let kept: Arc<Mutex<Option<Waker>>> = Arc::default();
    rt.block_on({
        let kept = kept.clone();
        async move {
            let task = crate::spawn(std::future::poll_fn(move |cx| {
                *kept.lock().unwrap() = Some(cx.waker().clone());
                Poll::Ready(())
            }));
            task.await.unwrap();
        }
    });
    let waker = kept.lock().unwrap().take().unwrap();
    rt.block_on(async move { waker.wake() });
    assert!(rec
        .lines()
        .contains(&"wake t1 by main ignored (finished)".to_string()));
}

#[test]
fn a_wake_from_a_std_thread_wakes_the_task() {
    let (rt, rec) = traced();
    let gate = Gate::default();
    rt.block_on({
        let gate = gate.clone();
        async move {
            let waiter = crate::spawn({
                let gate = gate.clone();
                async move { gate.wait().await }
            });
            crate::yield_now().await;
            let opener = std::thread::spawn(move || gate.open());
            waiter.await.unwrap();
            opener.join().unwrap();
        }
    });
    assert!(rec
        .lines()
        .contains(&"wake t1 by another thread".to_string()));
}

/// A future that completes once `counter` reaches `target`, re-reading it on every poll.
struct CountTo {
    counter: Arc<AtomicUsize>,
    target: usize,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl std::future::Future for CountTo {
    type Output = ();

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.counter.load(Ordering::SeqCst) == self.target {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn one_hundred_thousand_foreign_wakes_from_two_threads_lose_none() {
    // Miri runs this a thousand times slower: fewer wakes, the same interleavings in kind.
    const PER_THREAD: usize = if cfg!(miri) { 200 } else { 50_000 };
    let rt = crate::Runtime::new().unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    let waker: Arc<Mutex<Option<Waker>>> = Arc::default();
    let done = rt.block_on({
        let (counter, waker) = (counter.clone(), waker.clone());
        async move {
            let task = crate::spawn(CountTo {
                counter: counter.clone(),
                target: 2 * PER_THREAD,
                waker: waker.clone(),
            });
            crate::yield_now().await; // t1 has polled and published its waker
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let (counter, waker) = (counter.clone(), waker.clone());
                    std::thread::spawn(move || {
                        for _ in 0..PER_THREAD {
                            counter.fetch_add(1, Ordering::SeqCst);
                            let w = waker.lock().unwrap().clone().unwrap();
                            w.wake();
                        }
                    })
                })
                .collect();
            // If the last wake were lost, t1 would never see the final count.
            let outcome = crate::time::timeout(Duration::from_secs(30), task).await;
            for t in threads {
                t.join().unwrap();
            }
            outcome
        }
    });
    assert!(done.is_ok(), "a foreign wake was lost");
    assert_eq!(counter.load(Ordering::SeqCst), 2 * PER_THREAD);
}
