use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::Gate;
use crate::Runtime;

/// Counts how many times it is dropped.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn dropping_the_runtime_drops_each_pending_future_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let gate = Gate::default();
    let rt = Runtime::new().unwrap();
    for _ in 0..10 {
        let counter = DropCounter(drops.clone());
        let gate = gate.clone();
        let _detached = rt.spawn(async move {
            let _counter = counter;
            gate.wait().await;
        });
    }
    // Also tasks that never got polled.
    for _ in 0..5 {
        let counter = DropCounter(drops.clone());
        let _detached = rt.spawn(async move {
            let _counter = counter;
        });
    }
    rt.block_on(async {}); // polls the first ten once (they wait), and the last five finish
    assert_eq!(drops.load(Ordering::SeqCst), 5);
    drop(rt);
    assert_eq!(drops.load(Ordering::SeqCst), 15);
    // The wakers the pending tasks left behind are now inert.
    gate.open();
    assert_eq!(drops.load(Ordering::SeqCst), 15);
}

#[test]
fn futures_are_dropped_inside_the_runtime_so_destructors_can_use_it() {
    struct SpawnsOnDrop(Rc<std::cell::Cell<bool>>);
    impl Drop for SpawnsOnDrop {
        fn drop(&mut self) {
            // A destructor that needs the runtime: a sleep registered with it deregisters.
            let mut sleep = crate::time::sleep(std::time::Duration::from_secs(1));
            let waker = std::task::Waker::noop();
            let _ = std::pin::Pin::new(&mut sleep).poll(&mut std::task::Context::from_waker(waker));
            self.0.set(true);
        }
    }
    use std::future::Future;
    let ran = Rc::new(std::cell::Cell::new(false));
    let rt = Runtime::new().unwrap();
    let guard = SpawnsOnDrop(ran.clone());
    let _detached = rt.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    rt.block_on(async {});
    drop(rt);
    assert!(ran.get());
}

#[test]
fn a_join_handle_that_outlives_the_runtime_reports_cancelled() {
    let rt = Runtime::new().unwrap();
    let handle = rt.spawn(std::future::pending::<()>());
    drop(rt);
    assert!(handle.is_finished());
    let result = crate::block_on(handle);
    assert_eq!(result, Err(crate::JoinError::Cancelled));
}

#[test]
fn a_foreign_waker_firing_after_the_runtime_is_dropped_does_nothing() {
    let gate = Gate::default();
    let rt = Runtime::new().unwrap();
    let _detached = rt.spawn({
        let gate = gate.clone();
        async move { gate.wait().await }
    });
    rt.block_on(async {});
    let waker = gate.waker().unwrap();
    drop(rt);
    std::thread::spawn(move || {
        waker.wake_by_ref();
        waker.wake();
    })
    .join()
    .unwrap();
}
