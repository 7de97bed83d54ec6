//! The simulation's tests: the network (`network.rs`), and the schedules and exploring
//! (`schedule.rs`).

use std::time::Duration;

use super::{Link, Network, Schedule};
use crate::net::TcpListener;
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

/// The running runtime's network with a host `server` listening on port 7, linked to
/// `client` with `latency` and no jitter if given (else the default link).
fn listening(latency: Option<Duration>) -> (Network, TcpListener) {
    let net = super::network();
    let server = net.add_host("server");
    if let Some(latency) = latency {
        net.link("client", "server", Link::new(latency, Duration::ZERO));
    }
    (net, TcpListener::bind((server, 7)).unwrap())
}
