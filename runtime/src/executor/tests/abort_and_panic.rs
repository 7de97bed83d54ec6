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

/// Dropped once per instance; its destructor panics, and its heap box makes a second drop
/// a double free that AddressSanitizer reports.
struct PanicsOnDrop {
    drops: Arc<std::sync::atomic::AtomicUsize>,
    _heap: Box<u64>,
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        panic!("destructor panics");
    }
}

/// Ready at once, holding the guard until the runtime drops it.
struct HoldsGuard(#[allow(dead_code)] PanicsOnDrop); // held only to be dropped

impl std::future::Future for HoldsGuard {
    type Output = &'static str;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<&'static str> {
        std::task::Poll::Ready("output")
    }
}

#[test]
fn a_future_whose_destructor_panics_is_dropped_exactly_once_and_keeps_its_output() {
    let (rt, _rec) = traced();
    let drops = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let result = rt.block_on({
        let drops = drops.clone();
        async move {
            let guard = PanicsOnDrop {
                drops,
                _heap: Box::new(7),
            };
            // The guard is a field of the future, so it is dropped with the future, by the
            // runtime, after the poll returned Ready.
            let task = crate::spawn(HoldsGuard(guard));
            task.await
        }
    });
    assert_eq!(result, Ok("output"));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}
