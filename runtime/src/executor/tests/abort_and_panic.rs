use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{lines_of, traced, Gate};
use crate::JoinError;

#[test]
fn abort_before_the_first_poll_never_polls_the_future() {
    let (rt, rec) = traced();
    let polled = Arc::new(AtomicBool::new(false));
    let result = rt.block_on({
        let polled = polled.clone();
        async move {
            let task = crate::spawn(async move { polled.store(true, Ordering::SeqCst) });
            task.abort();
            task.await
        }
    });
    assert_eq!(result, Err(JoinError::Cancelled));
    assert!(!polled.load(Ordering::SeqCst));
    assert_eq!(
        lines_of(&rec, &["t1"]),
        [
            "spawn t1 by main",
            "abort t1 by main",
            "finish t1 Aborted",
            "wake main by t1"
        ]
    );
}

#[test]
fn abort_while_pending_drops_the_future_and_reports_cancelled() {
    let (rt, rec) = traced();
    let gate = Gate::default();
    let result = rt.block_on(async {
        let task = crate::spawn({
            let gate = gate.clone();
            async move { gate.wait().await }
        });
        crate::yield_now().await;
        task.abort();
        task.await
    });
    assert_eq!(result, Err(JoinError::Cancelled));
    assert_eq!(
        lines_of(&rec, &["t1"]),
        [
            "spawn t1 by main",
            "poll t1",
            "pending t1",
            "abort t1 by main",
            "wake t1 by main", // abort queues the task so the runtime drops its future
            "finish t1 Aborted",
            "wake main by t1",
        ]
    );
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let (rt, _rec) = traced();
    let result = rt.block_on(async {
        let task = crate::spawn(async { 7 });
        crate::yield_now().await;
        assert!(task.is_finished());
        task.abort();
        task.await
    });
    assert_eq!(result, Ok(7));
}

#[test]
fn a_panicking_task_reports_its_message_and_others_keep_running() {
    let (rt, rec) = traced();
    let (bad, good) = rt.block_on(async {
        let bad = crate::spawn(async {
            if true {
                panic!("boom at step 3");
            }
        });
        let good = crate::spawn(async {
            crate::yield_now().await;
            "still fine"
        });
        (bad.await, good.await)
    });
    let error = bad.unwrap_err();
    assert!(error.is_panic());
    assert_eq!(error.panic_message(), Some("boom at step 3"));
    assert_eq!(good, Ok("still fine"));
    assert!(rec.lines().contains(&"panicked t1".to_string()));
    assert!(rec.lines().contains(&"finish t1 Panicked".to_string()));
}
