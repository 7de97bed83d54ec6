//! Loopback servers and helpers shared by the integration tests.
//!
//! - [`raw`]: a plain TCP server that plays one script of exact steps per
//!   connection (send these bytes, wait, reset...) and records what it read.
//! - [`https`]: a test PKI made with rcgen at test time, and an HTTPS server
//!   built on the runtime and `fetcher::tls::TlsStream`.

// Each test file uses a different part of this module.
#![allow(dead_code)]

pub mod https;
pub mod raw;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How long any single test case may take before it counts as a hang.
pub const DEADLINE: Duration = Duration::from_secs(3);

/// What [`run`] observed.
#[derive(Debug)]
pub struct Run<T> {
    /// What the future returned.
    pub output: T,
    /// Wall-clock time the future took.
    pub elapsed: Duration,
    /// How often a task ticking every 5 ms ran meanwhile: more than zero
    /// shows the runtime kept running other tasks.
    pub ticks: u32,
}

/// Runs the future `make` builds on a fresh runtime, beside a ticking
/// task, and asserts it finished within [`DEADLINE`].
pub fn run<F: Future>(make: impl FnOnce() -> F) -> Run<F::Output> {
    runtime::block_on(async {
        let ticks = Rc::new(Cell::new(0));
        let ticker = runtime::spawn({
            let ticks = Rc::clone(&ticks);
            async move {
                loop {
                    runtime::time::sleep(Duration::from_millis(5)).await;
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        let start = Instant::now();
        let output = make().await;
        let elapsed = start.elapsed();
        ticker.abort();
        assert!(
            elapsed < DEADLINE,
            "took {elapsed:?}, longer than {DEADLINE:?}"
        );
        Run {
            output,
            elapsed,
            ticks: ticks.get(),
        }
    })
}

/// Fetches `url` with `client`, within [`DEADLINE`], and returns the error
/// it must fail with.
pub fn expect_error(client: &fetcher::Client, url: &str) -> fetcher::Error {
    let run = run(|| client.get(url));
    match run.output {
        Ok(response) => panic!("expected an error, got status {}", response.status()),
        Err(error) => error,
    }
}
