//! asyncio's `wait_for` tests (CPython `test_waitfor.py`), ported to `time::timeout`
//! under the virtual clock. Where Rust ownership changes the outcome, the test says so.

mod support;

use support::virtual_runtime;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use runtime::sync::oneshot;
use runtime::time::{sleep, timeout, Elapsed, Instant};
use runtime::{abort_on_drop, JoinError};

/// Sleeps 10 s, then says "done"; `running` is true from its first poll until it is
/// dropped or finishes (asyncio's `foo_running`).
fn foo(running: &Rc<Cell<bool>>) -> impl Future<Output = &'static str> + 'static {
    let running = running.clone();
    async move {
        running.set(true);
        let _clear = ClearOnDrop(running);
        sleep(Duration::from_secs(10)).await;
        "done"
    }
}

/// Clears the flag when dropped.
struct ClearOnDrop(Rc<Cell<bool>>);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

#[test]
fn timeout_elapses_at_its_deadline_and_drops_the_slow_future() {
    let rt = virtual_runtime();
    let running = Rc::new(Cell::new(false));
    let (result, took) = rt.block_on(async {
        let start = Instant::now();
        let result = timeout(Duration::from_millis(100), foo(&running)).await;
        (result, start.elapsed())
    });
    assert_eq!(result, Err(Elapsed));
    assert_eq!(took, Duration::from_millis(100));
    assert!(!running.get(), "the future was dropped at the deadline");
}

#[test]
fn timeout_zero_on_a_future_that_is_ready_returns_its_output() {
    let rt = virtual_runtime();
    let result = rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        tx.send("done").unwrap();
        timeout(Duration::ZERO, rx).await
    });
    assert_eq!(result, Ok(Ok("done")));
}

#[test]
fn timeout_zero_still_polls_the_future_once_so_one_ready_at_once_wins() {
    // asyncio does not start the coroutine and raises TimeoutError; a Rust future is
    // polled before the timer is checked, so a future with nothing to wait for completes.
    let rt = virtual_runtime();
    let started = Rc::new(Cell::new(false));
    let result = rt.block_on(timeout(Duration::ZERO, {
        let started = started.clone();
        async move {
            started.set(true);
        }
    }));
    assert_eq!(result, Ok(()));
    assert!(started.get());
}

#[test]
fn timeout_zero_on_a_pending_future_elapses_at_once_and_drops_it() {
    let rt = virtual_runtime();
    let running = Rc::new(Cell::new(false));
    let (result, took) = rt.block_on(async {
        let start = Instant::now();
        let result = timeout(Duration::ZERO, foo(&running)).await;
        (result, start.elapsed())
    });
    assert_eq!(result, Err(Elapsed));
    assert_eq!(took, Duration::ZERO);
    assert!(!running.get());
}

#[test]
fn timeout_on_a_plain_join_handle_leaves_the_task_running() {
    // asyncio's wait_for cancels the task; dropping a JoinHandle only detaches it.
    let rt = virtual_runtime();
    let running = Rc::new(Cell::new(false));
    rt.block_on(async {
        let task = runtime::spawn(foo(&running));
        assert!(timeout(Duration::from_millis(100), task).await.is_err());
        runtime::yield_now().await;
        assert!(running.get(), "the detached task still runs");
    });
    assert_eq!(rt.live_tasks(), 1);
}

#[test]
fn timeout_on_an_abort_on_drop_task_cancels_the_task_like_wait_for() {
    let rt = virtual_runtime();
    let running = Rc::new(Cell::new(false));
    rt.block_on(async {
        let task = abort_on_drop(runtime::spawn(foo(&running)));
        assert!(timeout(Duration::from_millis(100), task).await.is_err());
        runtime::yield_now().await; // the runtime drops the aborted task's future
        assert!(!running.get());
    });
    assert_eq!(rt.live_tasks(), 0);
}

#[test]
fn a_result_that_arrives_before_the_deadline_is_returned() {
    let rt = virtual_runtime();
    let result = rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        let setter = runtime::spawn(async move {
            sleep(Duration::from_millis(100)).await;
            tx.send("ok").unwrap();
        });
        let result = timeout(Duration::from_millis(200), rx).await;
        setter.await.unwrap();
        result
    });
    assert_eq!(result, Ok(Ok("ok")));
}

#[test]
fn a_timeout_without_a_deadline_in_reach_just_waits() {
    let rt = virtual_runtime();
    let result = rt.block_on(timeout(Duration::MAX, async { "done" }));
    assert_eq!(result, Ok("done"));
}

#[test]
fn cancelling_the_waiting_task_drops_the_inner_future_too() {
    // CPython issue #23219: cancelling the wait must also cancel the awaited task.
    let rt = virtual_runtime();
    let running = Rc::new(Cell::new(false));
    rt.block_on(async {
        let inner = abort_on_drop(runtime::spawn(foo(&running)));
        let waiting = runtime::spawn(timeout(Duration::from_secs(60), inner));
        sleep(Duration::from_millis(1)).await;
        waiting.abort();
        assert_eq!(waiting.await, Err(JoinError::Cancelled));
        runtime::yield_now().await;
        assert!(!running.get());
    });
    assert_eq!(rt.live_tasks(), 0);
}

#[test]
fn a_ready_output_at_the_exact_deadline_wins_over_the_timer() {
    let rt = virtual_runtime();
    let result = rt.block_on(timeout(Duration::from_millis(100), async {
        sleep(Duration::from_millis(100)).await;
        "made it"
    }));
    assert_eq!(result, Ok("made it"));
}

#[test]
fn cancelling_a_task_after_its_timeout_completed_stops_it_at_its_next_await() {
    // CPython issue #86296: a finished wait_for must not swallow a later cancellation.
    let rt = virtual_runtime();
    let reached_end = Rc::new(Cell::new(false));
    rt.block_on(async {
        let task = runtime::spawn({
            let reached_end = reached_end.clone();
            async move {
                timeout(Duration::from_secs(100), async {}).await.unwrap();
                sleep(Duration::from_secs(1)).await;
                reached_end.set(true);
            }
        });
        runtime::yield_now().await;
        assert!(!task.is_finished());
        task.abort();
        assert_eq!(task.await, Err(JoinError::Cancelled));
    });
    assert!(!reached_end.get());
}
