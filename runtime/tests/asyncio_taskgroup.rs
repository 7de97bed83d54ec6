//! asyncio's `TaskGroup` tests (CPython `test_taskgroups.py`), ported under the virtual
//! clock. asyncio's body of `async with TaskGroup() as g:` is the future given to
//! `TaskGroup::run`; its `ExceptionGroup` is the first failure, a `GroupError`.

mod support;

use support::{virtual_runtime, Cancelled};

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use runtime::time::{sleep, timeout, Instant};
use runtime::{GroupError, JoinError, TaskGroup};

/// Sleeps `ms` milliseconds, then returns `result`; counted in `cancelled` if dropped early.
fn nap<T>(ms: u64, result: T, cancelled: &Cancelled) -> impl Future<Output = T> + 'static
where
    T: 'static,
{
    let guard = cancelled.guard();
    async move {
        sleep(Duration::from_millis(ms)).await;
        guard.finish();
        result
    }
}

#[test]
fn children_results_are_available_after_the_group() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    rt.block_on(async {
        let group = TaskGroup::<()>::new();
        let t1 = group.spawn(nap(100, Ok(42), &none));
        let t2 = group.spawn(nap(200, Ok(11), &none));
        group.join().await.unwrap();
        assert_eq!(t1.await, Some(42));
        assert_eq!(t2.await, Some(11));
    });
}

#[test]
fn a_child_spawned_by_the_body_after_a_sleep_is_waited_for_too() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    rt.block_on(async {
        let start = Instant::now();
        let group = TaskGroup::<()>::new();
        let t1 = group.spawn(nap(100, Ok(42), &none));
        let t2 = group
            .run(async {
                sleep(Duration::from_millis(150)).await;
                Ok(group.spawn(nap(200, Ok(11), &none)))
            })
            .await
            .unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(350));
        assert_eq!((t1.await, t2.await), (Some(42), Some(11)));
    });
}

#[test]
fn aborting_one_child_is_not_a_failure_and_the_others_go_on() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    rt.block_on(async {
        let group = TaskGroup::<()>::new();
        let t1 = group.spawn(nap(1000, Ok(42), &cancelled));
        let t2 = group
            .run(async {
                sleep(Duration::from_millis(150)).await;
                t1.abort();
                Ok(group.spawn(nap(200, Ok(11), &cancelled)))
            })
            .await;
        assert_eq!(t2.unwrap().await, Some(11));
        assert_eq!(t1.await, None);
    });
    assert_eq!(cancelled.count(), 1);
}

#[test]
fn a_child_error_aborts_its_siblings_and_skips_the_code_after_the_group() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let after_group = Rc::new(Cell::new(false));
    let result = rt.block_on(async {
        let group = TaskGroup::new();
        group.spawn(nap(100, Err::<(), _>("division by zero"), &cancelled));
        let t2 = group.spawn(nap(1000, Ok(()), &cancelled));
        let runner = async {
            group.join().await?;
            after_group.set(true);
            Ok(())
        };
        let result: Result<(), GroupError<&str>> = runner.await;
        assert_eq!(t2.await, None);
        result
    });
    assert_eq!(result, Err(GroupError::Failed("division by zero")));
    assert!(!after_group.get());
    assert_eq!(cancelled.count(), 1, "the sibling was cancelled");
}

#[test]
fn a_child_error_cancels_the_body_and_every_sibling() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let body_cancelled = Cancelled::default();
    let (result, took) = rt.block_on(async {
        let start = Instant::now();
        let group = TaskGroup::new();
        let result = group
            .run(async {
                for _ in 0..3 {
                    group.spawn(nap(100, Err::<(), _>("division by zero"), &cancelled));
                }
                group.spawn(nap(5000, Ok(()), &cancelled));
                nap(10_000, Ok(()), &body_cancelled).await
            })
            .await;
        (result, start.elapsed())
    });
    assert_eq!(result, Err(GroupError::Failed("division by zero")));
    assert_eq!(took, Duration::from_millis(100));
    assert_eq!(cancelled.count(), 1, "the sleeping sibling");
    assert_eq!(body_cancelled.count(), 1, "the body");
}

#[test]
fn cancelling_the_task_that_runs_the_group_aborts_every_child() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    rt.block_on(async {
        let runner = runtime::spawn({
            let cancelled = cancelled.clone();
            async move {
                let group = TaskGroup::<()>::new();
                for _ in 0..5 {
                    group.spawn(nap(5000, Ok(()), &cancelled));
                }
                group.join().await
            }
        });
        sleep(Duration::from_millis(100)).await;
        assert!(!runner.is_finished());
        runner.abort();
        assert_eq!(runner.await, Err(JoinError::Cancelled));
        runtime::yield_now().await; // the runtime drops the aborted children
    });
    assert_eq!(cancelled.count(), 5);
    assert_eq!(rt.live_tasks(), 0);
}

#[test]
fn cancelling_the_run_from_outside_cancels_the_body_and_the_children() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let body_cancelled = Cancelled::default();
    rt.block_on(async {
        let group = TaskGroup::<()>::new();
        let run = group.run(async {
            for _ in 0..5 {
                group.spawn(nap(5000, Ok(()), &cancelled));
            }
            nap(10_000, Ok(()), &body_cancelled).await
        });
        assert!(timeout(Duration::from_millis(100), run).await.is_err());
        runtime::yield_now().await;
    });
    assert_eq!(cancelled.count(), 5);
    assert_eq!(body_cancelled.count(), 1);
}

#[test]
fn a_body_error_aborts_the_children() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    rt.block_on(async {
        let group = TaskGroup::new();
        let (t1, t2) = (
            group.spawn(nap(1000, Ok(42), &cancelled)),
            group.spawn(nap(2000, Ok(11), &cancelled)),
        );
        let result = group
            .run(async {
                sleep(Duration::from_millis(100)).await;
                Err::<(), _>("division by zero")
            })
            .await;
        assert_eq!(result, Err(GroupError::Failed("division by zero")));
        assert_eq!((t1.await, t2.await), (None, None));
    });
    assert_eq!(cancelled.count(), 2);
}

#[test]
fn a_panicking_child_aborts_its_siblings_and_is_reported_with_its_message() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let result = rt.block_on(async {
        let group = TaskGroup::<()>::new();
        let crash = group.spawn::<_, ()>(async {
            sleep(Duration::from_millis(10)).await;
            panic!("child crashed")
        });
        group.spawn(nap(1000, Ok(()), &cancelled));
        let result: Result<(), _> = group.join().await;
        assert!(matches!(result, Err(GroupError::Panicked { task, .. }) if task == crash.id()));
        result
    });
    match result {
        Err(GroupError::Panicked { message, .. }) => assert_eq!(message, "child crashed"),
        other => panic!("expected a panic, got {other:?}"),
    }
    assert_eq!(cancelled.count(), 1);
}

#[test]
fn the_first_failure_is_returned_and_later_ones_are_dropped() {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    let result = rt.block_on(async {
        let group = TaskGroup::<&str>::new();
        group.spawn(nap(20, Err::<(), _>("second"), &none));
        group.spawn(nap(10, Err::<(), _>("first"), &none));
        group.join().await
    });
    assert_eq!(result, Err(GroupError::Failed("first")));
}

/// An inner group inside an outer group's body; each group has a child that fails after
/// `outer_ms` and `inner_ms`.
fn nested(outer_ms: u64, inner_ms: u64) -> Result<(), GroupError<String>> {
    let rt = virtual_runtime();
    let none = Cancelled::default();
    rt.block_on(async {
        let outer = TaskGroup::new();
        outer
            .run(async {
                outer.spawn(nap(
                    outer_ms,
                    Err::<(), _>(format!("outer {outer_ms}")),
                    &none,
                ));
                let inner = TaskGroup::new();
                inner.spawn(nap(
                    inner_ms,
                    Err::<(), _>(format!("inner {inner_ms}")),
                    &none,
                ));
                inner.join().await.map_err(|e| format!("inner group: {e}"))
            })
            .await
    })
}

#[test]
fn an_outer_child_failure_cancels_a_nested_group() {
    assert_eq!(
        nested(100, 10_000),
        Err(GroupError::Failed("outer 100".into()))
    );
}

#[test]
fn a_nested_group_failure_fails_the_outer_body() {
    assert_eq!(
        nested(10_000, 100),
        Err(GroupError::Failed(
            "inner group: task group failed: inner 100".into()
        ))
    );
}

#[test]
fn dropping_the_group_aborts_its_children() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    rt.block_on(async {
        let group = TaskGroup::<()>::new();
        group.spawn(nap(1000, Ok(()), &cancelled));
        group.spawn(nap(2000, Ok(()), &cancelled));
        sleep(Duration::from_millis(10)).await;
        drop(group);
        runtime::yield_now().await;
    });
    assert_eq!(cancelled.count(), 2);
    assert_eq!(rt.live_tasks(), 0);
}

#[test]
fn a_group_with_no_children_joins_at_once() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let group = TaskGroup::<()>::new();
        assert_eq!(group.join().await, Ok(()));
        assert_eq!(group.run(async { Ok(5) }).await, Ok(5));
    });
}

#[test]
fn abort_all_stops_the_children_without_failing_the_group() {
    let rt = virtual_runtime();
    let cancelled = Cancelled::default();
    let result = rt.block_on(async {
        let group = TaskGroup::<()>::new();
        group.spawn(nap(1000, Ok(()), &cancelled));
        group
            .run(async {
                sleep(Duration::from_millis(10)).await;
                group.abort_all();
                Ok("body done")
            })
            .await
    });
    assert_eq!(result, Ok("body done"));
    assert_eq!(cancelled.count(), 1);
}
