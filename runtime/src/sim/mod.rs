//! Deterministic simulation (being built).

mod rng;
mod schedule;

pub(crate) use schedule::Picker;
pub use schedule::Schedule;

use std::io;
use std::net::SocketAddr;

/// The simulated network's answer for `host:port`, or `None` when the runtime running
/// here has no simulated network.
pub(crate) fn resolve(_addr: &str) -> Option<io::Result<Vec<SocketAddr>>> {
    None
}
