//! A runtime-neutral completion signal.
//!
//! tokio's `yield_many`, `ping_pong` and `chained_spawn` benches count finished tasks down in
//! an atomic and wake the benchmark thread through a blocking `std::sync::mpsc` channel. On a
//! single-threaded runtime the thread that would block is the one running the tasks, so the
//! wait has to be a future instead. This one is the same code for every runtime under test:
//! an atomic countdown plus one stored waker, so none of them gets a cheaper or dearer signal.

use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, Waker};

/// Counts down from `n`; [`wait`](Latch::wait) completes when the count reaches zero.
pub struct Latch {
    remaining: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

impl Latch {
    /// A latch that opens after `n` calls to [`count_down`](Latch::count_down).
    pub fn new(n: usize) -> Arc<Latch> {
        Arc::new(Latch {
            remaining: AtomicUsize::new(n),
            waker: Mutex::new(None),
        })
    }

    /// Records one finished unit of work; the last one wakes the waiter.
    pub fn count_down(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            let waker = self
                .waker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// How many `count_down` calls are still missing.
    pub fn remaining(&self) -> usize {
        self.remaining.load(Ordering::Acquire)
    }

    /// Completes once the count has reached zero.
    pub async fn wait(&self) {
        poll_fn(|cx| {
            if self.remaining.load(Ordering::Acquire) == 0 {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
            // The last `count_down` may have run between the check and storing the waker.
            if self.remaining.load(Ordering::Acquire) == 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}
