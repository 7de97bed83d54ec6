//! The shapes on tokio's current-thread runtime.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};
use tokio::sync::oneshot;
use tokio::time::{sleep, sleep_until};

use crate::harness::{Iteration, Lateness};
use crate::latch::Latch;
use crate::shapes::{self, Shape, Sleepers, SleepersReport};

/// The runtime of tokio's `benches/rt_current_thread.rs`: no drivers enabled.
fn rt_bare() -> Runtime {
    Builder::new_current_thread()
        .build()
        .expect("cannot build a tokio runtime")
}

/// A current-thread runtime with the I/O and time drivers, as tokio's
/// `benches/rt_multi_threaded.rs` builds it (`enable_all`) and as `#[tokio::main]` does.
fn rt_all() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot build a tokio runtime")
}

/// One iteration of `shape`, with the runtime built once, outside the timed closure.
pub fn runner(shape: Shape) -> Iteration {
    match shape {
        Shape::SpawnManyLocal => {
            let rt = rt_bare();
            let mut handles = Vec::with_capacity(shapes::NUM_SPAWN);
            Box::new(move || {
                rt.block_on(async {
                    for _ in 0..shapes::NUM_SPAWN {
                        handles.push(tokio::spawn(async move {}));
                    }
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                })
            })
        }
        Shape::SpawnManyRemoteIdle => {
            let rt = rt_bare();
            let rt_handle = rt.handle().clone();
            let mut handles = Vec::with_capacity(shapes::NUM_SPAWN);
            Box::new(move || {
                for _ in 0..shapes::NUM_SPAWN {
                    handles.push(rt_handle.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                })
            })
        }
        Shape::YieldMany => {
            let rt = rt_all();
            Box::new(move || {
                let done = Latch::new(shapes::YIELD_TASKS);
                for _ in 0..shapes::YIELD_TASKS {
                    let done = done.clone();
                    drop(rt.spawn(async move {
                        for _ in 0..shapes::NUM_YIELD {
                            tokio::task::yield_now().await;
                        }
                        done.count_down();
                    }));
                }
                rt.block_on(done.wait());
            })
        }
        Shape::PingPong => {
            let rt = rt_all();
            Box::new(move || {
                let done = Latch::new(shapes::NUM_PINGS);
                rt.block_on(async {
                    let outer_done = done.clone();
                    drop(tokio::spawn(async move {
                        for _ in 0..shapes::NUM_PINGS {
                            let done = outer_done.clone();
                            drop(tokio::spawn(async move {
                                let (tx1, rx1) = oneshot::channel();
                                let (tx2, rx2) = oneshot::channel();
                                drop(tokio::spawn(async move {
                                    rx1.await.unwrap();
                                    tx2.send(()).unwrap();
                                }));
                                tx1.send(()).unwrap();
                                rx2.await.unwrap();
                                done.count_down();
                            }));
                        }
                    }));
                    done.wait().await;
                })
            })
        }
        Shape::ChainedSpawn => {
            fn iter(done: Arc<Latch>, n: usize) {
                if n == 0 {
                    done.count_down();
                } else {
                    drop(tokio::spawn(async move { iter(done, n - 1) }));
                }
            }
            let rt = rt_all();
            Box::new(move || {
                let done = Latch::new(1);
                rt.block_on(async {
                    let chain_done = done.clone();
                    drop(tokio::spawn(async move { iter(chain_done, shapes::CHAIN) }));
                    done.wait().await;
                })
            })
        }
    }
}

/// Runs `n` sequential `sleep(1 ms)` per call, pushing how late each woke up; the runtime
/// is built once.
pub fn sleep_lateness() -> Lateness {
    let rt = rt_all();
    Box::new(move |n, late| {
        rt.block_on(async {
            for _ in 0..n {
                let start = Instant::now();
                sleep(shapes::SLEEP).await;
                late.push(start.elapsed().saturating_sub(shapes::SLEEP));
            }
        })
    })
}

/// Spawns `n` tasks that all sleep until `hold` after the first spawn; see `SleepersReport`.
pub fn sleepers(n: usize, hold: Duration) -> SleepersReport {
    let rt = rt_all();
    rt.block_on(async {
        let shared = Sleepers::new(n);
        let (baseline_kib, _) = shapes::memory_kib();
        let t0 = Instant::now();
        let deadline = tokio::time::Instant::from_std(t0 + hold);
        for _ in 0..n {
            let shared = shared.clone();
            drop(tokio::spawn(async move {
                shared.started.fetch_add(1, Ordering::Relaxed);
                sleep_until(deadline).await;
                shared.finished.count_down();
            }));
        }
        let spawn = t0.elapsed();
        while shared.started() < n {
            sleep(Duration::from_millis(1)).await;
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
            wake_all: (t0 + hold).elapsed(),
        }
    })
}
