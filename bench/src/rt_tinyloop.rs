//! The shapes on tinyloop's runtime.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime::sync::oneshot;
use runtime::time::{sleep, sleep_until};
use runtime::Runtime;

use crate::harness::{Iteration, Lateness};
use crate::latch::Latch;
use crate::shapes::{self, Shape, Sleepers, SleepersReport};

fn rt() -> Runtime {
    Runtime::new().expect("cannot build a tinyloop runtime")
}

/// One iteration of `shape`, with the runtime built once, outside the timed closure.
pub fn runner(shape: Shape) -> Iteration {
    let rt = rt();
    match shape {
        Shape::SpawnManyLocal => {
            let mut handles = Vec::with_capacity(shapes::NUM_SPAWN);
            Box::new(move || {
                rt.block_on(async {
                    for _ in 0..shapes::NUM_SPAWN {
                        handles.push(runtime::spawn(async move {}));
                    }
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                })
            })
        }
        Shape::SpawnManyRemoteIdle => {
            let mut handles = Vec::with_capacity(shapes::NUM_SPAWN);
            Box::new(move || {
                for _ in 0..shapes::NUM_SPAWN {
                    handles.push(rt.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                })
            })
        }
        Shape::YieldMany => Box::new(move || {
            let done = Latch::new(shapes::YIELD_TASKS);
            for _ in 0..shapes::YIELD_TASKS {
                let done = done.clone();
                drop(rt.spawn(async move {
                    for _ in 0..shapes::NUM_YIELD {
                        runtime::yield_now().await;
                    }
                    done.count_down();
                }));
            }
            rt.block_on(done.wait());
        }),
        Shape::PingPong => Box::new(move || {
            let done = Latch::new(shapes::NUM_PINGS);
            rt.block_on(async {
                let outer_done = done.clone();
                drop(runtime::spawn(async move {
                    for _ in 0..shapes::NUM_PINGS {
                        let done = outer_done.clone();
                        drop(runtime::spawn(async move {
                            let (tx1, rx1) = oneshot::channel();
                            let (tx2, rx2) = oneshot::channel();
                            drop(runtime::spawn(async move {
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
        }),
        Shape::ChainedSpawn => {
            fn iter(done: Arc<Latch>, n: usize) {
                if n == 0 {
                    done.count_down();
                } else {
                    drop(runtime::spawn(async move { iter(done, n - 1) }));
                }
            }
            Box::new(move || {
                let done = Latch::new(1);
                rt.block_on(async {
                    let chain_done = done.clone();
                    drop(runtime::spawn(
                        async move { iter(chain_done, shapes::CHAIN) },
                    ));
                    done.wait().await;
                })
            })
        }
    }
}

/// Runs `n` sequential `sleep(1 ms)` per call, pushing how late each woke up; the runtime
/// is built once.
pub fn sleep_lateness() -> Lateness {
    let rt = rt();
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
    let rt = rt();
    rt.block_on(async {
        let shared = Sleepers::new(n);
        let (baseline_kib, _) = shapes::memory_kib();
        let t0 = Instant::now();
        let deadline = runtime::time::Instant::from_std(t0 + hold);
        for _ in 0..n {
            let shared = shared.clone();
            drop(runtime::spawn(async move {
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
