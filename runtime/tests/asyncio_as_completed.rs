//! asyncio's `as_completed` tests (CPython `test_tasks.py`, `test_as_completed*`), ported
//! under the virtual clock, plus fairness and drop tests.

mod support;

use support::{nap, virtual_runtime, Cancelled};

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use runtime::time::{timeout, Elapsed, Instant};
use runtime::{as_completed, as_completed_timeout, gather, yield_now};

#[test]
fn as_completed_gives_outputs_in_completion_order_each_at_its_time() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let start = Instant::now();
        let mut ac =
            as_completed([("a", 150), ("b", 50), ("c", 100)].map(|(v, ms)| nap(ms, v, &none)));
        let mut seen = Vec::new();
        while let Some(v) = ac.next().await {
            seen.push((v, start.elapsed().as_millis()));
        }
        seen
    });
    assert_eq!(seen, [("b", 50), ("c", 100), ("a", 150)]);
}

#[test]
fn iterating_gives_one_future_per_child_each_resolving_in_completion_order() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let ac = as_completed([("x", 30), ("y", 10), ("z", 20)].map(|(v, ms)| nap(ms, v, &none)));
        let mut seen = Vec::new();
        let futures = ac.into_iter();
        assert_eq!(futures.len(), 3);
        for next in futures {
            seen.push(next.await);
        }
        seen
    });
    assert_eq!(seen, ["y", "z", "x"]);
}

#[test]
fn outputs_ready_on_the_same_poll_come_out_in_the_order_they_were_woken() {
    let rt = virtual_runtime();
    let seen = rt.block_on(async {
        let ready = (0..5).map(|i| async move { i });
        let mut ac = as_completed(ready);
        let mut seen = Vec::new();
        while let Some(i) = ac.next().await {
            seen.push(i);
        }
        seen
    });
    assert_eq!(seen, [0, 1, 2, 3, 4]);
}

#[test]
fn as_completed_with_a_deadline_gives_the_early_outputs_then_elapsed_and_drops_the_rest() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let (seen, dropped_at_deadline, took) = rt.block_on(async {
        let start = Instant::now();
        let mut ac = as_completed_timeout(
            Duration::from_millis(120),
            [("a", 100), ("b", 150), ("c", 300)].map(|(v, ms)| nap(ms, v, &cancelled)),
        );
        let mut seen = vec![ac.next().await, ac.next().await];
        let dropped = cancelled.count();
        seen.push(ac.next().await);
        seen.push(ac.next().await);
        (seen, dropped, start.elapsed())
    });
    assert_eq!(
        seen,
        [Some(Ok("a")), Some(Err(Elapsed)), Some(Err(Elapsed)), None]
    );
    assert_eq!(dropped_at_deadline, 2);
    assert_eq!(took, Duration::from_millis(120));
}

#[test]
fn as_completed_with_an_unused_deadline_gives_every_output() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let ac = as_completed_timeout(
            Duration::from_secs(10),
            [("a", 10), ("b", 20)].map(|(v, ms)| nap(ms, v, &none)),
        );
        let mut seen = Vec::new();
        for next in ac {
            seen.push(next.await);
        }
        seen
    });
    assert_eq!(seen, [Ok("a"), Ok("b")]);
}

#[test]
fn an_output_ready_at_the_exact_deadline_counts_as_finished_in_time() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let mut ac = as_completed_timeout(Duration::from_millis(100), [nap(100, "on time", &none)]);
        ac.next().await
    });
    assert_eq!(seen, Some(Ok("on time")));
}

#[test]
fn iteration_resumes_after_a_break() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let (first, rest) = rt.block_on(async {
        let mut ac =
            as_completed([("a", 30), ("b", 10), ("c", 20)].map(|(v, ms)| nap(ms, v, &none)));
        let mut first = Vec::new();
        for next in &mut ac {
            let v = next.await;
            first.push(v);
            if v == "b" {
                break; // stop early; the rest stays in `ac`
            }
        }
        assert_eq!(ac.remaining(), 2);
        let mut rest = Vec::new();
        for next in &mut ac {
            rest.push(next.await);
        }
        (first, rest)
    });
    assert_eq!(first, ["b"]);
    assert_eq!(rest, ["c", "a"]);
}

#[test]
fn awaiting_the_second_yielded_future_first_gives_the_earliest_output() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let (x, y) = rt.block_on(async {
        let mut futures: Vec<_> = as_completed([nap(50, "a", &none), nap(100, "b", &none)])
            .into_iter()
            .collect();
        let second = futures.pop().expect("two futures");
        let first = futures.pop().expect("two futures");
        let x = second.await;
        let y = first.await;
        (x, y)
    });
    assert_eq!((x, y), ("a", "b"));
}

#[test]
fn yielded_futures_awaited_concurrently_each_get_a_different_output() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let mut got = rt.block_on(async {
        let ac = as_completed([
            nap(20, "a", &none),
            nap(10, "b", &none),
            nap(30, "c", &none),
        ]);
        gather(ac).await
    });
    // Each yielded future resolves to the next completion; which one got which depends on
    // the order they were polled, so compare as sets.
    got.sort_unstable();
    assert_eq!(got, ["a", "b", "c"]);
}

#[test]
fn next_returns_none_once_every_remaining_output_is_promised_to_a_yielded_future() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    rt.block_on(async {
        let mut ac = as_completed([nap(10, 1, &none), nap(20, 2, &none)]);
        let promised: Vec<_> = (&mut ac).into_iter().collect();
        assert_eq!(ac.next().await, None);
        assert_eq!(gather(promised).await.len(), 2);
    });
}

#[test]
fn a_yielded_future_dropped_unawaited_gives_its_output_back() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let mut ac = as_completed([nap(10, 1, &none), nap(20, 2, &none)]);
        drop((&mut ac).into_iter().next());
        assert_eq!(ac.remaining(), 2);
        let mut seen = Vec::new();
        while let Some(v) = ac.next().await {
            seen.push(v);
        }
        seen
    });
    assert_eq!(seen, [1, 2]);
}

#[test]
fn a_next_future_dropped_while_waiting_loses_nothing() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let seen = rt.block_on(async {
        let mut ac = as_completed([nap(100, "late", &none)]);
        assert!(timeout(Duration::from_millis(10), ac.next()).await.is_err());
        ac.next().await
    });
    assert_eq!(seen, Some("late"));
    assert_eq!(none.count(), 0);
}

#[test]
fn as_completed_of_nothing_yields_nothing() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let mut ac = as_completed(Vec::<std::future::Ready<u8>>::new());
        assert_eq!(ac.next().await, None);
        assert_eq!(ac.into_iter().count(), 0);
    });
}

#[test]
fn dropping_as_completed_drops_its_unfinished_children() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    rt.block_on(async {
        let mut ac = as_completed([10, 200, 300].map(|ms| nap(ms, ms, &cancelled)));
        assert_eq!(ac.next().await, Some(10));
        drop(ac);
        assert_eq!(cancelled.count(), 2);
    });
}

#[test]
fn the_children_live_as_long_as_a_yielded_future_does() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    rt.block_on(async {
        let mut futures =
            as_completed([nap(10, 1, &cancelled), nap(20, 2, &cancelled)]).into_iter();
        let first = futures.next().expect("a future");
        drop(futures); // the AsCompleted itself is gone...
        assert_eq!(cancelled.count(), 0);
        assert_eq!(first.await, 1); // ...but the yielded future still drives the children
        assert_eq!(
            cancelled.count(),
            1,
            "the last reference dropped the unfinished child"
        );
    });
}

type Boxed = Pin<Box<dyn Future<Output = &'static str>>>;

#[test]
fn a_child_that_wakes_itself_forever_cannot_starve_the_others() {
    let rt = virtual_runtime();
    let seen = rt.block_on(async {
        let spins = Rc::new(Cell::new(0_u32));
        let spinner: Boxed = Box::pin({
            let spins = spins.clone();
            async move {
                loop {
                    spins.set(spins.get() + 1);
                    yield_now().await; // ready to be polled again at once, forever
                }
            }
        });
        let worker = |name: &'static str, yields: u32| -> Boxed {
            Box::pin(async move {
                for _ in 0..yields {
                    yield_now().await;
                }
                name
            })
        };
        let mut ac = as_completed([spinner, worker("w1", 3), worker("w2", 5)]);
        let seen = [ac.next().await, ac.next().await];
        // One poll per round each: the spinner ran about as often as the slowest worker.
        assert!(
            spins.get() <= 7,
            "the spinner was polled {} times",
            spins.get()
        );
        seen
    });
    assert_eq!(seen, [Some("w1"), Some("w2")]);
}
