//! The shapes on smol's `LocalExecutor`.
//!
//! The scheduler shapes drive the executor with `smol::future::block_on` (futures-lite's,
//! which only parks the thread: the faster of smol's two for pure scheduling). The timer
//! shapes use `smol::block_on` (async-io's), which also drives async-io's reactor on this
//! thread, so timers fire here instead of on async-io's fallback thread.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_channel::oneshot;
use smol::future::block_on;
use smol::{LocalExecutor, Timer};

use crate::harness::{Iteration, Lateness};
use crate::latch::Latch;
use crate::shapes::{self, Shape, Sleepers, SleepersReport};

/// An executor that lives as long as the process, so tasks can spawn onto it without
/// carrying a reference count (smol has no ambient "current executor").
fn executor() -> &'static LocalExecutor<'static> {
    Box::leak(Box::new(LocalExecutor::new()))
}

/// One iteration of `shape`, with the executor built once, outside the timed closure.
pub fn runner(shape: Shape) -> Iteration {
    let ex = executor();
    match shape {
        Shape::SpawnManyLocal => {
            let mut handles = Vec::with_capacity(shapes::NUM_SPAWN);
            Box::new(move || {
                block_on(ex.run(async {
                    for _ in 0..shapes::NUM_SPAWN {
                        handles.push(ex.spawn(async move {}));
                    }
                    for handle in handles.drain(..) {
                        handle.await;
                    }
                }))
            })
        }
        Shape::SpawnManyRemoteIdle => {
            let mut handles = Vec::with_capacity(shapes::NUM_SPAWN);
            Box::new(move || {
                for _ in 0..shapes::NUM_SPAWN {
                    handles.push(ex.spawn(async {}));
                }
                block_on(ex.run(async {
                    for handle in handles.drain(..) {
                        handle.await;
                    }
                }))
            })
        }
        Shape::YieldMany => Box::new(move || {
            let done = Latch::new(shapes::YIELD_TASKS);
            for _ in 0..shapes::YIELD_TASKS {
                let done = done.clone();
                ex.spawn(async move {
                    for _ in 0..shapes::NUM_YIELD {
                        smol::future::yield_now().await;
                    }
                    done.count_down();
                })
                .detach();
            }
            block_on(ex.run(done.wait()));
        }),
        Shape::PingPong => Box::new(move || {
            let done = Latch::new(shapes::NUM_PINGS);
            block_on(ex.run(async {
                let outer_done = done.clone();
                ex.spawn(async move {
                    for _ in 0..shapes::NUM_PINGS {
                        let done = outer_done.clone();
                        ex.spawn(async move {
                            let (tx1, rx1) = oneshot::channel();
                            let (tx2, rx2) = oneshot::channel();
                            ex.spawn(async move {
                                rx1.await.unwrap();
                                tx2.send(()).unwrap();
                            })
                            .detach();
                            tx1.send(()).unwrap();
                            rx2.await.unwrap();
                            done.count_down();
                        })
                        .detach();
                    }
                })
                .detach();
                done.wait().await;
            }))
        }),
        Shape::ChainedSpawn => {
            fn iter(ex: &'static LocalExecutor<'static>, done: Arc<Latch>, n: usize) {
                if n == 0 {
                    done.count_down();
                } else {
                    ex.spawn(async move { iter(ex, done, n - 1) }).detach();
                }
            }
            Box::new(move || {
                let done = Latch::new(1);
                block_on(ex.run(async {
                    let chain_done = done.clone();
                    ex.spawn(async move { iter(ex, chain_done, shapes::CHAIN) })
                        .detach();
                    done.wait().await;
                }))
            })
        }
    }
}

/// Runs `n` sequential `sleep(1 ms)` per call, pushing how late each woke up; the executor
/// is built once.
pub fn sleep_lateness() -> Lateness {
    let ex = LocalExecutor::new();
    Box::new(move |n, late| {
        smol::block_on(ex.run(async {
            for _ in 0..n {
                let start = Instant::now();
                Timer::after(shapes::SLEEP).await;
                late.push(start.elapsed().saturating_sub(shapes::SLEEP));
            }
        }))
    })
}

/// Spawns `n` tasks that all sleep until `hold` after the first spawn; see `SleepersReport`.
pub fn sleepers(n: usize, hold: Duration) -> SleepersReport {
    let ex = executor();
    smol::block_on(ex.run(async {
        let shared = Sleepers::new(n);
        let (baseline_kib, _) = shapes::memory_kib();
        let t0 = Instant::now();
        let deadline = t0 + hold;
        for _ in 0..n {
            let shared = shared.clone();
            ex.spawn(async move {
                shared.started.fetch_add(1, Ordering::Relaxed);
                Timer::at(deadline).await;
                shared.finished.count_down();
            })
            .detach();
        }
        let spawn = t0.elapsed();
        while shared.started() < n {
            Timer::after(Duration::from_millis(1)).await;
        }
        let asleep = t0.elapsed();
        let (_, peak_kib) = shapes::memory_kib();
        let early = n - shared.finished.remaining();
        shared.finished.wait().await;
        SleepersReport {
            tasks: n,
            spawn,
            asleep,
            baseline_kib,
            peak_kib,
            early,
            wake_all: deadline.elapsed(),
        }
    }))
}
