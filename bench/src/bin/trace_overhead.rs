//! What tracing costs per poll: the same busy workload with no hook, the in-memory
//! `Recorder`, the Chrome trace buffer, and the terminal timeline (formatted into a sink,
//! and written to /dev/null through stderr's path).
//!
//! Run with: `cargo run --release --bin trace_overhead` (from `bench/`).
//!
//! The workload is 200 tasks × 200 `yield_now`s (40,200 polls per run, about four events
//! each). Each configuration runs 9 times, interleaved with the others; the table shows the
//! median nanoseconds per poll and the difference from no tracing.

use std::fs::File;
use std::time::Instant;

use runtime::trace::{ChromeTrace, Recorder, Timeline};
use runtime::{Builder, Runtime};

const TASKS: usize = 200;
const YIELDS: usize = 200;
const ROUNDS: usize = 9;

#[derive(Clone, Copy)]
enum Tracing {
    Off,
    Recorder,
    Chrome,
    TimelineSink,
    TimelineDevNull,
}

impl Tracing {
    const ALL: [Tracing; 5] = [
        Tracing::Off,
        Tracing::Recorder,
        Tracing::Chrome,
        Tracing::TimelineSink,
        Tracing::TimelineDevNull,
    ];

    fn name(self) -> &'static str {
        match self {
            Tracing::Off => "off (no hook)",
            Tracing::Recorder => "Recorder (in memory)",
            Tracing::Chrome => "ChromeTrace (buffered)",
            Tracing::TimelineSink => "Timeline -> io::sink",
            Tracing::TimelineDevNull => "Timeline -> /dev/null",
        }
    }

    fn runtime(self) -> Runtime {
        // Explicit settings, so RUNTIME_TRACE in the environment cannot change the result.
        let builder = Builder::new().trace_terminal(false);
        let builder = match self {
            Tracing::Off => builder,
            Tracing::Recorder => builder.on_event(Recorder::new()),
            Tracing::Chrome => builder.on_event(ChromeTrace::new()),
            Tracing::TimelineSink => builder.on_event(Timeline::to_writer(std::io::sink(), false)),
            Tracing::TimelineDevNull => builder.on_event(Timeline::to_writer(
                File::create("/dev/null").expect("/dev/null"),
                false,
            )),
        };
        builder.build().expect("runtime")
    }
}

/// Nanoseconds per poll for one run of the workload.
fn run(tracing: Tracing) -> f64 {
    let rt = tracing.runtime();
    let start = Instant::now();
    rt.block_on(async {
        let handles: Vec<_> = (0..TASKS)
            .map(|_| {
                runtime::spawn(async {
                    for _ in 0..YIELDS {
                        runtime::yield_now().await;
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.await.expect("task");
        }
    });
    let elapsed = start.elapsed();
    drop(rt);
    let polls = TASKS * (YIELDS + 1) + 1;
    elapsed.as_nanos() as f64 / polls as f64
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); Tracing::ALL.len()];
    for _ in 0..ROUNDS {
        for (i, tracing) in Tracing::ALL.into_iter().enumerate() {
            samples[i].push(run(tracing));
        }
    }
    let medians: Vec<f64> = samples.into_iter().map(median).collect();
    println!(
        "{:<24} {:>10} {:>14}",
        "tracing", "ns/poll", "overhead/poll"
    );
    for (tracing, ns) in Tracing::ALL.into_iter().zip(&medians) {
        let overhead = ns - medians[0];
        println!("{:<24} {:>10.1} {:>14.1}", tracing.name(), ns, overhead);
    }
}
