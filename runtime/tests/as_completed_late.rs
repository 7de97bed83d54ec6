//! `as_completed_timeout` asked after its deadline: the items are what a consumer waiting
//! at the deadline would have got. A child counts as in time only if it finishes from
//! wakes that came at or before the deadline.

mod support;

use support::{nap, virtual_runtime, Cancelled};

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use futures_util::StreamExt;
use runtime::time::{sleep, sleep_until, Elapsed, Instant};
use runtime::{as_completed, as_completed_timeout, Runtime};

const DEADLINE: Duration = Duration::from_millis(100);

/// Sleeps until `start + ms`.
async fn until(start: Instant, ms: u64) {
    sleep_until(start + Duration::from_millis(ms)).await;
}

/// Sleeps `ms`, then gives `ms`; counts its polls in `polls`.
fn counted_nap(ms: u64, polls: &Rc<Cell<u32>>) -> impl Future<Output = u64> {
    let polls = polls.clone();
    let mut inner = Box::pin(sleep(Duration::from_millis(ms)));
    poll_fn(move |cx| {
        polls.set(polls.get() + 1);
        inner.as_mut().poll(cx).map(|()| ms)
    })
}

#[test]
fn a_child_woken_after_the_deadline_is_elapsed_even_if_asked_for_later() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let (seen, dropped) = rt.block_on(async {
        let start = Instant::now();
        let mut ac = as_completed_timeout(
            DEADLINE,
            [("early", 10), ("late", 150)].map(|(v, ms)| nap(ms, v, &cancelled)),
        );
        let first = ac.next().await;
        until(start, 200).await;
        let seen = [first, ac.next().await, ac.next().await];
        (seen, cancelled.count())
    });
    assert_eq!(seen, [Some(Ok("early")), Some(Err(Elapsed)), None]);
    assert_eq!(dropped, 1, "the late child is dropped, not finished");
}

#[test]
fn resuming_long_after_the_deadline_gives_elapsed_for_every_child_woken_after_it() {
    let rt = virtual_runtime();
    let seen = rt.block_on(async {
        let start = Instant::now();
        let naps = [10, 150, 300].map(|ms| async move {
            sleep(Duration::from_millis(ms)).await;
            ms
        });
        let mut ac = as_completed_timeout(DEADLINE, naps);
        let mut seen = vec![ac.next().await];
        until(start, 1000).await;
        while let Some(item) = ac.next().await {
            seen.push(Some(item));
        }
        seen
    });
    assert_eq!(seen, [Some(Ok(10)), Some(Err(Elapsed)), Some(Err(Elapsed))]);
}

#[test]
fn a_child_woken_before_the_deadline_is_still_polled_when_asked_for_later() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let start = Instant::now();
        let mut ac = as_completed_timeout(DEADLINE, [10, 50, 150].map(|ms| nap(ms, ms, &none)));
        let first = ac.next().await;
        until(start, 200).await;
        [first, ac.next().await, ac.next().await, ac.next().await]
    });
    assert_eq!(seen, [Some(Ok(10)), Some(Ok(50)), Some(Err(Elapsed)), None]);
}

#[test]
fn a_child_woken_exactly_at_the_deadline_is_in_time_when_asked_for_later() {
    let rt = virtual_runtime();
    let seen = rt.block_on(async {
        let start = Instant::now();
        // The second child's timer is registered at 10 ms, after the deadline's: it fires
        // after the deadline's timer, at the same instant, and still counts.
        let two_naps = |ms: u64| async move {
            sleep(Duration::from_millis(10)).await;
            sleep(Duration::from_millis(ms - 10)).await;
            ms
        };
        let mut ac = as_completed_timeout(DEADLINE, [two_naps(20), two_naps(100)]);
        let first = ac.next().await;
        until(start, 200).await;
        [first, ac.next().await, ac.next().await]
    });
    assert_eq!(seen, [Some(Ok(20)), Some(Ok(100)), None]);
}

#[test]
fn a_child_finishing_exactly_at_the_deadline_is_in_time_for_a_waiting_consumer() {
    let rt = virtual_runtime();
    let seen = rt.block_on(async {
        let start = Instant::now();
        let two_naps = |ms: u64| async move {
            sleep(Duration::from_millis(10)).await;
            sleep(Duration::from_millis(ms - 10)).await;
            ms
        };
        let mut ac = as_completed_timeout(DEADLINE, [two_naps(100), two_naps(101)]);
        let mut seen = Vec::new();
        while let Some(item) = ac.next().await {
            seen.push((item, start.elapsed().as_millis()));
        }
        seen
    });
    assert_eq!(seen, [(Ok(100), 100), (Err(Elapsed), 100)]);
}

#[test]
fn a_child_woken_in_time_but_needing_another_wake_when_polled_late_is_elapsed() {
    let rt = virtual_runtime();
    let (late, waiting) = rt.block_on(async {
        // Woken at 50 ms; polled then, it would finish at 60 ms.
        let stepper = || async {
            sleep(Duration::from_millis(50)).await;
            sleep(Duration::from_millis(10)).await;
            60
        };
        let start = Instant::now();
        let mut ac = as_completed_timeout(DEADLINE, [stepper()]);
        assert!(runtime::time::timeout(Duration::ZERO, ac.next())
            .await
            .is_err());
        until(start, 200).await;
        let late = ac.next().await;
        let waiting = as_completed_timeout(DEADLINE, [stepper()]).next().await;
        (late, waiting)
    });
    assert_eq!(
        late,
        Some(Err(Elapsed)),
        "its next wake came after the deadline"
    );
    assert_eq!(waiting, Some(Ok(60)));
}

#[test]
fn a_child_woken_after_the_deadline_is_not_polled_again() {
    let rt = virtual_runtime();
    let polls = Rc::new(Cell::new(0));
    let seen = rt.block_on(async {
        let start = Instant::now();
        let mut ac = as_completed_timeout(DEADLINE, [counted_nap(150, &polls)]);
        assert!(runtime::time::timeout(Duration::ZERO, ac.next())
            .await
            .is_err());
        until(start, 200).await;
        ac.next().await
    });
    assert_eq!(seen, Some(Err(Elapsed)));
    assert_eq!(polls.get(), 1, "only its first poll, before the deadline");
}

#[test]
fn a_consumer_that_never_comes_late_sees_each_item_at_its_time() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let start = Instant::now();
        let mut ac = as_completed_timeout(
            DEADLINE,
            [300, 10, 100, 150, 50].map(|ms| nap(ms, ms, &none)),
        );
        let mut seen = Vec::new();
        while let Some(item) = ac.next().await {
            seen.push((item, start.elapsed().as_millis()));
        }
        seen
    });
    assert_eq!(
        seen,
        [
            (Ok(10), 10),
            (Ok(50), 50),
            (Ok(100), 100),
            (Err(Elapsed), 100),
            (Err(Elapsed), 100),
        ]
    );
}

#[test]
fn as_completed_without_a_deadline_gives_every_output_however_late_it_is_asked() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let start = Instant::now();
        let mut ac = as_completed([300, 10, 150].map(|ms| nap(ms, ms, &none)));
        let mut seen = vec![ac.next().await];
        until(start, 1000).await;
        while let Some(ms) = ac.next().await {
            seen.push(Some(ms));
        }
        seen
    });
    assert_eq!(seen, [Some(10), Some(150), Some(300)]);
}

#[test]
fn the_stream_and_the_yielded_futures_agree_with_next_when_asked_late() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let (streamed, iterated) = rt.block_on(async {
        let start = Instant::now();
        let mut ac = as_completed_timeout(DEADLINE, [10, 50, 150].map(|ms| nap(ms, ms, &none)));
        let mut streamed = vec![StreamExt::next(&mut ac).await];
        until(start, 200).await;
        while let Some(item) = StreamExt::next(&mut ac).await {
            streamed.push(Some(item));
        }

        let start = Instant::now();
        let mut ac = as_completed_timeout(DEADLINE, [10, 50, 150].map(|ms| nap(ms, ms, &none)));
        let mut futures = (&mut ac).into_iter();
        let mut iterated = vec![futures.next().expect("three items").await];
        until(start, 200).await;
        for next in futures {
            iterated.push(next.await);
        }
        (streamed, iterated)
    });
    assert_eq!(streamed, [Some(Ok(10)), Some(Ok(50)), Some(Err(Elapsed))]);
    assert_eq!(iterated, [Ok(10), Ok(50), Err(Elapsed)]);
}

/// A child that finishes once another thread sets its flag and calls its waker.
#[derive(Clone, Default)]
struct Remote(Arc<Mutex<(bool, Option<Waker>)>>);

impl Remote {
    fn child(&self) -> impl Future<Output = &'static str> {
        let state = self.0.clone();
        poll_fn(move |cx| {
            let mut state = state.lock().unwrap();
            if state.0 {
                return Poll::Ready("remote");
            }
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        })
    }

    /// Finishes the child from another thread, while this one waits (so the virtual clock
    /// stands still meanwhile).
    fn finish_from_another_thread(&self) {
        let state = self.0.clone();
        std::thread::spawn(move || {
            let waker = {
                let mut state = state.lock().unwrap();
                state.0 = true;
                state.1.take()
            };
            waker.expect("the child was polled").wake();
        })
        .join()
        .unwrap();
    }
}

#[test]
fn under_the_virtual_clock_a_wake_from_another_thread_counts_if_it_came_before_the_deadline_fired()
{
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let start = Instant::now();
        let (before, after) = (Remote::default(), Remote::default());
        let mut ac = as_completed_timeout(
            DEADLINE,
            vec![
                Box::pin(nap(10, "early", &none)) as std::pin::Pin<Box<dyn Future<Output = _>>>,
                Box::pin(before.child()),
                Box::pin(after.child()),
            ],
        );
        let first = ac.next().await;
        before.finish_from_another_thread(); // at 10 ms
        until(start, 200).await;
        after.finish_from_another_thread(); // at 200 ms, after the deadline fired
        [first, ac.next().await, ac.next().await, ac.next().await]
    });
    assert_eq!(
        seen,
        [
            Some(Ok("early")),
            Some(Ok("remote")),
            Some(Err(Elapsed)),
            None
        ]
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "real-clock margins of 10 ms: under Miri, creating the sleeps alone takes longer"
)]
fn under_the_real_clock_a_timer_due_before_the_deadline_but_fired_with_it_counts() {
    let rt = Runtime::builder().build().expect("runtime");
    let seen = rt.block_on(async {
        // Hold the thread past both deadlines, so the child's timer (90 ms) and the
        // deadline's (100 ms) fire in one batch, read the clock at about 150 ms, and only
        // the firing order tells the child's wake came first.
        let blocker = runtime::spawn(async {
            sleep(Duration::from_millis(5)).await;
            std::thread::sleep(Duration::from_millis(150));
        });
        let mut ac = as_completed_timeout(
            DEADLINE,
            [90, 110].map(|ms| async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            }),
        );
        let seen = [ac.next().await, ac.next().await];
        blocker.await.expect("the blocker runs");
        seen
    });
    assert_eq!(seen, [Some(Ok(90)), Some(Err(Elapsed))]);
}
