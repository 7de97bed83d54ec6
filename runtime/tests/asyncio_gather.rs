//! asyncio's `gather` tests (CPython `test_tasks.py`, `GatherTestsBase` and friends), ported
//! to `gather`, `try_gather`, `join`, `race` and `wait` under the virtual clock.

mod support;

use support::{nap, traced_runtime, virtual_runtime, Cancelled};

use std::time::Duration;

use runtime::time::{sleep, timeout, Instant};
use runtime::trace::{Event, Recorder};
use runtime::{abort_on_drop, gather, join, join3, race, try_gather, wait, JoinError, ReturnWhen};

fn child_polls(recorder: &Recorder) -> usize {
    recorder
        .events()
        .iter()
        .filter(|e| matches!(e, Event::ChildPoll { .. }))
        .count()
}

#[test]
fn gather_returns_results_in_input_order_not_completion_order() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let (out, took) = rt.block_on(async {
        let start = Instant::now();
        let out =
            gather([("a", 300), ("b", 100), ("c", 200)].map(|(v, ms)| nap(ms, v, &none))).await;
        (out, start.elapsed())
    });
    assert_eq!(out, ["a", "b", "c"]);
    assert_eq!(
        took,
        Duration::from_millis(300),
        "the children ran concurrently"
    );
}

#[test]
fn gather_of_an_empty_list_is_ready_at_once_with_an_empty_vec() {
    let (rt, rec) = traced_runtime();
    let out: Vec<u8> = rt.block_on(gather(Vec::<std::future::Ready<u8>>::new()));
    assert!(out.is_empty());
    assert_eq!(rec.lines(), ["poll main", "ready main"]);
}

#[test]
fn gather_of_join_handles_waits_for_spawned_tasks() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let out = rt.block_on(async {
        let handles = [(1, 30), (2, 10), (3, 20)].map(|(v, ms)| runtime::spawn(nap(ms, v, &none)));
        gather(handles).await
    });
    assert_eq!(out, [Ok(1), Ok(2), Ok(3)]);
}

#[test]
fn gather_of_results_keeps_every_outcome_like_return_exceptions() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let out = rt.block_on(async {
        gather([
            nap(10, Err("boom"), &none),
            nap(20, Ok(2), &none),
            nap(30, Err("bang"), &none),
        ])
        .await
    });
    assert_eq!(out, [Err("boom"), Ok(2), Err("bang")]);
}

#[test]
fn a_panicking_child_task_is_an_err_in_its_slot_and_the_others_complete() {
    let rt = virtual_runtime();
    let out = rt.block_on(async {
        let ok = runtime::spawn(async { 1 });
        let panics = runtime::spawn(async {
            if true {
                panic!("child failed");
            }
            2
        });
        gather([ok, panics]).await
    });
    assert_eq!(out[0], Ok(1));
    assert_eq!(
        out[1].as_ref().unwrap_err().panic_message(),
        Some("child failed")
    );
}

#[test]
fn try_gather_returns_every_value_in_input_order_when_all_succeed() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let out = rt.block_on(async {
        try_gather([nap(20, Ok::<_, ()>(1), &none), nap(10, Ok(2), &none)]).await
    });
    assert_eq!(out, Ok(vec![1, 2]));
}

#[test]
fn try_gather_returns_the_first_error_at_its_time_and_drops_the_other_children() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let (out, took, dropped_on_return) = rt.block_on(async {
        let start = Instant::now();
        let out = try_gather([
            nap(300, Ok(1), &cancelled),
            nap(100, Err("first"), &cancelled),
            nap(200, Err("second"), &cancelled),
        ])
        .await;
        (out, start.elapsed(), cancelled.count())
    });
    assert_eq!(out, Err("first"));
    assert_eq!(took, Duration::from_millis(100));
    assert_eq!(
        dropped_on_return, 2,
        "the siblings were dropped before try_gather returned"
    );
}

#[test]
fn try_gather_over_abort_on_drop_handles_cancels_the_sibling_tasks() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let out = rt.block_on(async {
        let slow = abort_on_drop(runtime::spawn(nap(1000, Ok::<u8, &str>(1), &cancelled)));
        let failing = abort_on_drop(runtime::spawn(nap(10, Err("boom"), &cancelled)));
        // One error type for the task's own error and the `JoinError`.
        let flatten = |task: runtime::combinators::AbortOnDrop<Result<u8, &'static str>>| async {
            task.await.unwrap_or(Err("task failed"))
        };
        let out = try_gather([flatten(slow), flatten(failing)]).await;
        runtime::yield_now().await; // the runtime drops the aborted task's future
        out
    });
    assert_eq!(out, Err("boom"));
    assert_eq!(cancelled.count(), 1);
    assert_eq!(rt.live_tasks(), 0);
}

#[test]
fn dropping_a_gather_drops_its_unfinished_children() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let out = rt.block_on(async {
        let all = gather([10, 20, 300, 400].map(|ms| nap(ms, ms, &cancelled)));
        timeout(Duration::from_millis(100), all).await
    });
    assert!(out.is_err());
    assert_eq!(
        cancelled.count(),
        2,
        "the two children still sleeping were dropped"
    );
}

#[test]
fn cancelling_the_task_that_runs_gather_cancels_every_child() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    rt.block_on(async {
        let children = [100, 200, 300].map(|ms| nap(ms, (), &cancelled));
        let outer = runtime::spawn(gather(children));
        sleep(Duration::from_millis(50)).await;
        outer.abort();
        assert_eq!(outer.await, Err(JoinError::Cancelled));
    });
    assert_eq!(cancelled.count(), 3);
}

/// How many children the cost tests gather: 100,000, or 1,000 under Miri, which runs a
/// thousand times slower (the count of polls per child is what they check).
const CHILDREN: usize = if cfg!(miri) { 1_000 } else { 100_000 };

#[test]
fn one_hundred_thousand_children_woken_in_one_batch_cost_two_polls_each() {
    let (rt, rec) = traced_runtime();
    let n = CHILDREN;
    let out = rt.block_on(async {
        gather((0..n).map(|i| async move {
            sleep(Duration::from_secs(1)).await; // every timer fires in the same turn
            i
        }))
        .await
    });
    assert!(out.into_iter().eq(0..n));
    // One poll to start each child, one after its wake: 2n, not n².
    assert_eq!(child_polls(&rec), 2 * n);
}

#[test]
fn one_hundred_thousand_children_woken_one_at_a_time_cost_two_polls_each() {
    let (rt, rec) = traced_runtime();
    let n = CHILDREN as u64;
    rt.block_on(async {
        gather((0..n).map(|i| sleep(Duration::from_micros(i + 1)))).await;
    });
    let main_polls = rec
        .events()
        .iter()
        .filter(|e| matches!(e, Event::PollStart { task } if task.0 == 0))
        .count();
    assert!(main_polls as u64 > n, "each wake came on its own turn");
    // Each of those polls re-polled only the child that was woken.
    assert_eq!(child_polls(&rec) as u64, 2 * n);
}

#[test]
fn join_runs_futures_of_different_types_concurrently() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let (out, took) = rt.block_on(async {
        let start = Instant::now();
        let out = join(nap(200, 7_u32, &none), nap(100, "seven", &none)).await;
        (out, start.elapsed())
    });
    assert_eq!(out, (7, "seven"));
    assert_eq!(took, Duration::from_millis(200));
}

#[test]
fn join3_returns_a_tuple_in_argument_order_and_dropping_it_drops_the_unfinished() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let out = rt.block_on(join3(
        nap(30, 'a', &cancelled),
        nap(10, 2.5, &cancelled),
        nap(20, "c", &cancelled),
    ));
    assert_eq!(out, ('a', 2.5, "c"));
    let early = rt.block_on(async {
        let slow = join3(
            nap(10, 1, &cancelled),
            nap(500, 2, &cancelled),
            nap(900, 3, &cancelled),
        );
        timeout(Duration::from_millis(100), slow).await
    });
    assert!(early.is_err());
    assert_eq!(cancelled.count(), 2);
}

#[test]
fn race_returns_the_first_to_finish_and_drops_the_loser_before_returning() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let (winner, dropped) = rt.block_on(async {
        let winner = race(nap(200, "slow", &cancelled), nap(100, "fast", &cancelled)).await;
        (winner, cancelled.count())
    });
    assert_eq!(winner, "fast");
    assert_eq!(dropped, 1);
}

#[test]
fn race_with_both_ready_on_the_same_poll_is_won_by_the_first_argument() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    assert_eq!(rt.block_on(race(async { 'a' }, async { 'b' })), 'a');
    // Both timers fire in the same turn, before the race's next poll: `a` wins.
    let winner = rt.block_on(async {
        let b = nap(100, 'b', &none);
        let a = nap(100, 'a', &none);
        race(a, b).await
    });
    assert_eq!(winner, 'a');
}

#[test]
fn wait_first_completed_hands_back_the_unfinished_futures_uncancelled() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let rest = rt.block_on(async {
        let first = wait(
            [300, 100, 200].map(|ms| nap(ms, ms, &cancelled)),
            ReturnWhen::FirstCompleted,
        )
        .await;
        assert_eq!(first.done, [(1, 100)]);
        let positions: Vec<usize> = first.pending.iter().map(|(i, _)| *i).collect();
        assert_eq!(positions, [0, 2]);
        gather(first.pending.into_iter().map(|(_, f)| f)).await
    });
    assert_eq!(rest, [300, 200]);
    assert_eq!(cancelled.count(), 0);
}

#[test]
fn wait_all_completed_with_a_timeout_returns_what_finished_and_cancels_nothing() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let (done, pending, took) = rt.block_on(async {
        let start = Instant::now();
        let waited = wait(
            [10, 500, 20].map(|ms| nap(ms, ms, &cancelled)),
            ReturnWhen::AllCompleted,
        )
        .timeout(Duration::from_millis(100))
        .await;
        (waited.done, waited.pending.len(), start.elapsed())
    });
    assert_eq!(done, [(0, 10), (2, 20)]);
    assert_eq!(pending, 1);
    assert_eq!(took, Duration::from_millis(100));
    assert_eq!(
        cancelled.count(),
        1,
        "dropped by the test, after wait returned it"
    );
}

#[test]
fn wait_on_an_empty_list_returns_at_once() {
    let rt = virtual_runtime();
    let waited = rt.block_on(wait(
        Vec::<std::future::Ready<()>>::new(),
        ReturnWhen::FirstCompleted,
    ));
    assert!(waited.done.is_empty() && waited.pending.is_empty());
}
