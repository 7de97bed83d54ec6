//! gather and as_completed against futures-rs on tokio's current_thread runtime.
//!
//! Run with: `cargo run --release --bin combinators` (from `bench/`).
//!
//! - `gather 100k woken once`: 100,000 futures that each return `Pending` once, store their
//!   waker, and are woken once; tinyloop's `gather` vs `futures::future::join_all`.
//! - `as_completed 10k sleepers`: 10,000 spawned tasks sleeping 1–10 ms, consumed in
//!   completion order; tinyloop's `as_completed` vs `FuturesUnordered` of tokio handles.
//!
//! Each shape runs 7 times per runtime, interleaved; the table shows median milliseconds and
//! tinyloop's time as a ratio of futures-rs on tokio.
//!
//! `--only tinyloop` or `--only futures` runs one side alone. The two sides share one heap
//! when interleaved, and what one frees decides whether glibc's malloc hands memory back to
//! the kernel (to be faulted in again by the other): run each side in its own process,
//! alternating, to compare them without that.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};

const CHILDREN: usize = 100_000;
const SLEEPERS: u64 = 10_000;
const ROUNDS: usize = 7;

/// Returns `Pending` once (leaving its waker in `wakers`), then `Ready`.
struct WokenOnce {
    wakers: Rc<RefCell<Vec<Waker>>>,
    polled: bool,
}

impl Future for WokenOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            return Poll::Ready(());
        }
        self.polled = true;
        self.wakers.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

fn children(wakers: &Rc<RefCell<Vec<Waker>>>) -> Vec<WokenOnce> {
    (0..CHILDREN)
        .map(|_| WokenOnce {
            wakers: wakers.clone(),
            polled: false,
        })
        .collect()
}

/// Wakes every stored waker once, after yielding until every child has polled (a
/// combinator may spread its first polls over several turns, as tinyloop's does).
async fn wake_all<Y: Future<Output = ()>>(
    wakers: Rc<RefCell<Vec<Waker>>>,
    yield_now: impl Fn() -> Y,
) {
    while wakers.borrow().len() < CHILDREN {
        yield_now().await;
    }
    let all = std::mem::take(&mut *wakers.borrow_mut());
    assert_eq!(all.len(), CHILDREN);
    for waker in all {
        waker.wake();
    }
}

fn gather_tinyloop(rt: &runtime::Runtime) -> Duration {
    let wakers = Rc::new(RefCell::new(Vec::new()));
    let futures = children(&wakers);
    let start = Instant::now();
    let (done, ()) = rt.block_on(runtime::join(
        runtime::gather(futures),
        wake_all(wakers, runtime::yield_now),
    ));
    assert_eq!(done.len(), CHILDREN);
    start.elapsed()
}

fn gather_tokio(rt: &tokio::runtime::Runtime) -> Duration {
    let wakers = Rc::new(RefCell::new(Vec::new()));
    let futures = children(&wakers);
    let start = Instant::now();
    let (done, ()) = rt.block_on(futures::future::join(
        futures::future::join_all(futures),
        wake_all(wakers, tokio::task::yield_now),
    ));
    assert_eq!(done.len(), CHILDREN);
    start.elapsed()
}

fn sleep_for(i: u64) -> Duration {
    Duration::from_millis(1 + i % 10)
}

fn as_completed_tinyloop(rt: &runtime::Runtime) -> Duration {
    let start = Instant::now();
    let seen = rt.block_on(async {
        let handles = (0..SLEEPERS).map(|i| {
            runtime::spawn(async move {
                runtime::time::sleep(sleep_for(i)).await;
                i
            })
        });
        let mut completed = runtime::as_completed(handles.collect::<Vec<_>>());
        let mut seen = 0;
        while let Some(result) = completed.next().await {
            result.expect("task");
            seen += 1;
        }
        seen
    });
    assert_eq!(seen, SLEEPERS);
    start.elapsed()
}

fn as_completed_tokio(rt: &tokio::runtime::Runtime) -> Duration {
    let start = Instant::now();
    let seen = rt.block_on(async {
        let mut completed: FuturesUnordered<_> = (0..SLEEPERS)
            .map(|i| {
                tokio::spawn(async move {
                    tokio::time::sleep(sleep_for(i)).await;
                    i
                })
            })
            .collect();
        let mut seen = 0;
        while let Some(result) = completed.next().await {
            result.expect("task");
            seen += 1;
        }
        seen
    });
    assert_eq!(seen, SLEEPERS);
    start.elapsed()
}

/// The median in milliseconds; `None` for a side that did not run.
fn median(mut samples: Vec<Duration>) -> Option<f64> {
    samples.sort();
    Some(samples.get(samples.len() / 2)?.as_secs_f64() * 1e3)
}

/// Which sides to run: both (interleaved), or one alone.
#[derive(Clone, Copy, PartialEq)]
enum Sides {
    Both,
    Tinyloop,
    Futures,
}

fn sides() -> Sides {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => Sides::Both,
        ["--only", "tinyloop"] => Sides::Tinyloop,
        ["--only", "futures"] => Sides::Futures,
        _ => {
            eprintln!("usage: combinators [--only tinyloop|futures]");
            std::process::exit(2);
        }
    }
}

fn main() {
    let sides = sides();
    let tiny = runtime::Runtime::new().expect("tinyloop runtime");
    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime");
    let (mut gather_t, mut gather_k, mut ac_t, mut ac_k) = (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        if sides != Sides::Futures {
            gather_t.push(gather_tinyloop(&tiny));
        }
        if sides != Sides::Tinyloop {
            gather_k.push(gather_tokio(&tokio_rt));
        }
        if sides != Sides::Futures {
            ac_t.push(as_completed_tinyloop(&tiny));
        }
        if sides != Sides::Tinyloop {
            ac_k.push(as_completed_tokio(&tokio_rt));
        }
    }
    println!(
        "{:<28} {:>12} {:>26} {:>10}",
        "shape", "tinyloop ms", "futures-rs on tokio ms", "ratio"
    );
    for (name, t, k) in [
        ("gather 100k woken once", median(gather_t), median(gather_k)),
        ("as_completed 10k sleepers", median(ac_t), median(ac_k)),
    ] {
        let cell = |ms: Option<f64>| ms.map_or("-".to_owned(), |ms| format!("{ms:.2}"));
        let ratio = match (t, k) {
            (Some(t), Some(k)) => format!("{:.2}x", t / k),
            _ => "-".to_owned(),
        };
        println!("{name:<28} {:>12} {:>26} {ratio:>10}", cell(t), cell(k));
    }
}
