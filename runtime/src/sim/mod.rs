//! Deterministic simulation: run a test under many schedules, replay the one that fails,
//! and run the network in virtual time.
//!
//! (Module docs: being written.)

mod conn;
mod explore;
mod listener;
mod network;
mod rng;
mod schedule;
mod socket;

#[cfg(test)]
mod tests;

pub use explore::{explore, replay, Explore, Failure, SCHEDULES_ENV, SEED_ENV};
pub use network::{Link, Network};
pub use schedule::Schedule;

pub(crate) use listener::SimListener;
pub(crate) use schedule::Picker;
pub(crate) use socket::{SimConnect, SimStream};

use std::io;
use std::net::SocketAddr;

use crate::executor::wake;

/// The simulated network of the runtime running on this thread, if it was built with one
/// ([`Builder::simulated_network`](crate::Builder::simulated_network)).
pub fn try_network() -> Option<Network> {
    wake::with_current(|core| core.and_then(|core| core.network().cloned()))
}

/// The simulated network of the runtime running on this thread.
///
/// # Panics
/// If no runtime runs here, or it was built without a simulated network.
#[track_caller]
pub fn network() -> Network {
    try_network().unwrap_or_else(|| {
        panic!(
            "runtime::sim::network() called where no runtime with a simulated network runs: \
             build it with Builder::simulated_network(true), or use sim::explore"
        )
    })
}

/// The simulated network's answer for `host:port`, or `None` when the runtime running
/// here has no simulated network (or `addr` has no port).
pub(crate) fn resolve(addr: &str) -> Option<io::Result<Vec<SocketAddr>>> {
    let network = try_network()?;
    let (host, port) = addr.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let found = network.world.borrow().resolve(host, port);
    Some(found.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no simulated host is named {host}"),
        )
    }))
}
