//! The simulation's tests: the network (`network.rs`), and the schedules and exploring
//! (`schedule.rs`).

use std::time::Duration;

use super::Schedule;
use crate::Runtime;

mod network;
mod schedule;

/// A runtime with a random schedule of `seed` and a simulated network.
fn simulated(seed: u64) -> Runtime {
    Runtime::builder()
        .lost_waker_lint(false)
        .schedule(Schedule::Random(seed))
        .simulated_network(true)
        .trace_from_env(false)
        .build()
        .unwrap()
}

const MS: fn(u64) -> Duration = Duration::from_millis;
