//! What tinyloop's own sync primitives cost per operation: `oneshot`, `mpsc` and
//! `Semaphore`, with and without waiting.
//!
//! Run with: `cargo run --release --bin sync` (from `bench/`).
//!
//! - `oneshot create+send+recv`: in one task, 10^6 times: make a channel, send, await the
//!   receiver (the value is already there: nothing parks).
//! - `mpsc ping-pong, cap 1`: two tasks pass a message back and forth over two channels of
//!   capacity 1, 10^6 messages in all; every `recv` parks and is woken by the other task.
//! - `mpsc stream, cap 1`: one task sends 10^6 messages to another over one channel of
//!   capacity 1; every `send` waits for room and every `recv` for a value, so both park.
//! - `semaphore uncontended`: in one task, 10^6 times `acquire().await` and drop the permit.
//! - `semaphore contended`: 100 tasks × 10^4 acquire/release on `Semaphore::new(1)`, each
//!   holding its permit across one `yield_now` (without it, a task would run its whole loop
//!   in one poll and nobody would wait): the other 99 wait in line, so every acquire but
//!   the first parks, and every release wakes the next in line.
//!
//! Each shape runs 7 times (`--rounds N`), interleaved with the others, on one runtime
//! (`--only NAME` runs one: `oneshot`, `ping-pong`, `stream`, `uncontended`, `contended`);
//! the table shows the best and the median nanoseconds per operation. Uses only the public
//! API that has not changed, so the same file measures older commits.

use std::hint::black_box;
use std::time::{Duration, Instant};

use runtime::sync::{mpsc, oneshot, Semaphore};
use runtime::Runtime;

const OPS: u64 = 1_000_000;
const TASKS: u64 = 100;

#[derive(Clone, Copy)]
enum Shape {
    Oneshot,
    MpscPingPong,
    MpscStream,
    SemaphoreUncontended,
    SemaphoreContended,
}

impl Shape {
    const ALL: [Shape; 5] = [
        Shape::Oneshot,
        Shape::MpscPingPong,
        Shape::MpscStream,
        Shape::SemaphoreUncontended,
        Shape::SemaphoreContended,
    ];

    fn name(self) -> &'static str {
        match self {
            Shape::Oneshot => "oneshot create+send+recv",
            Shape::MpscPingPong => "mpsc ping-pong, cap 1",
            Shape::MpscStream => "mpsc stream, cap 1",
            Shape::SemaphoreUncontended => "semaphore uncontended",
            Shape::SemaphoreContended => "semaphore contended (100)",
        }
    }

    /// Its name for `--only`.
    fn key(self) -> &'static str {
        match self {
            Shape::Oneshot => "oneshot",
            Shape::MpscPingPong => "ping-pong",
            Shape::MpscStream => "stream",
            Shape::SemaphoreUncontended => "uncontended",
            Shape::SemaphoreContended => "contended",
        }
    }

    /// One run: its time for `OPS` operations.
    fn run(self, rt: &Runtime) -> Duration {
        let start = Instant::now();
        match self {
            Shape::Oneshot => rt.block_on(oneshot_loop()),
            Shape::MpscPingPong => rt.block_on(mpsc_ping_pong()),
            Shape::MpscStream => rt.block_on(mpsc_stream()),
            Shape::SemaphoreUncontended => rt.block_on(semaphore_uncontended()),
            Shape::SemaphoreContended => rt.block_on(semaphore_contended()),
        }
        start.elapsed()
    }
}

async fn oneshot_loop() {
    for i in 0..OPS {
        let (tx, rx) = oneshot::channel();
        tx.send(i).expect("receiver alive");
        black_box(rx.await.expect("sent"));
    }
}

/// `OPS` messages in all: `OPS / 2` round trips.
async fn mpsc_ping_pong() {
    let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
    let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
    let echo = runtime::spawn(async move {
        while let Some(i) = ping_rx.recv().await {
            pong_tx.send(i).await.expect("pong receiver alive");
        }
    });
    for i in 0..OPS / 2 {
        ping_tx.send(i).await.expect("ping receiver alive");
        black_box(pong_rx.recv().await.expect("pong"));
    }
    drop(ping_tx);
    echo.await.expect("echo task");
}

async fn mpsc_stream() {
    let (tx, mut rx) = mpsc::channel::<u64>(1);
    let consumer = runtime::spawn(async move {
        let mut n = 0;
        while let Some(i) = rx.recv().await {
            black_box(i);
            n += 1;
        }
        n
    });
    for i in 0..OPS {
        tx.send(i).await.expect("receiver alive");
    }
    drop(tx);
    assert_eq!(consumer.await.expect("consumer task"), OPS);
}

async fn semaphore_uncontended() {
    let semaphore = Semaphore::new(1);
    for _ in 0..OPS {
        let permit = semaphore.acquire().await.expect("open");
        drop(black_box(permit));
    }
}

async fn semaphore_contended() {
    let semaphore = Semaphore::new(1);
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let semaphore = semaphore.clone();
            runtime::spawn(async move {
                for _ in 0..OPS / TASKS {
                    let permit = semaphore.acquire().await.expect("open");
                    runtime::yield_now().await;
                    drop(black_box(permit));
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("task");
    }
}

/// The command line: rounds, and which shapes (all unless `--only NAME`, where NAME is
/// `oneshot`, `ping-pong`, `stream`, `uncontended` or `contended`).
fn options() -> (usize, Vec<Shape>) {
    let (mut rounds, mut shapes) = (7, Shape::ALL.to_vec());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--rounds", Some(n)) => {
                rounds = n.parse().ok().filter(|&n| n > 0).unwrap_or_else(|| usage())
            }
            ("--only", Some(name)) => {
                let shape = Shape::ALL.into_iter().find(|s| s.key() == name);
                shapes = vec![shape.unwrap_or_else(|| usage())];
            }
            _ => usage(),
        }
    }
    (rounds, shapes)
}

fn usage() -> ! {
    eprintln!("usage: sync [--rounds N] [--only oneshot|ping-pong|stream|uncontended|contended]");
    std::process::exit(2);
}

fn main() {
    let (rounds, shapes) = options();
    let rt = Runtime::new().expect("tinyloop runtime");
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); shapes.len()];
    for _ in 0..rounds {
        for (i, &shape) in shapes.iter().enumerate() {
            let ns = shape.run(&rt).as_nanos() as f64 / OPS as f64;
            samples[i].push(ns);
        }
    }
    println!(
        "{:<28} {:>10} {:>12} {:>12}",
        "shape", "ops", "best ns/op", "median ns/op"
    );
    for (shape, mut ns) in shapes.into_iter().zip(samples) {
        ns.sort_by(f64::total_cmp);
        println!(
            "{:<28} {:>10} {:>12.1} {:>12.1}",
            shape.name(),
            OPS,
            ns[0],
            ns[ns.len() / 2]
        );
    }
}
