//! Deterministic simulation: run a test under many schedules, replay the one that fails,
//! and run the network in virtual time.
//!
//! A test of async code sees one interleaving: the FIFO run queue's, in the order epoll
//! happened to report sockets and equal deadlines were inserted. A bug that needs another
//! order (a check and an update with an `.await` between them, a wake lost when a channel
//! closes at the wrong moment) passes every run. This module makes the order an input:
//!
//! 1. **Seeded schedules** ([`Schedule`], set with
//!    [`Builder::schedule`](crate::Builder::schedule)). The run queue draws the next task
//!    from a seed; the wakes of one reactor turn and the timers of one instant come in an
//!    order drawn from it too. [`Schedule::Pct`] draws priorities instead, which finds
//!    shallow ordering bugs with a known probability.
//! 2. **A simulated network** ([`Network`], turned on with
//!    [`Builder::simulated_network`](crate::Builder::simulated_network)). The same
//!    [`TcpListener`](crate::net::TcpListener) and [`TcpStream`](crate::net::TcpStream)
//!    connect in memory between named hosts; each segment lands on a timer after the
//!    link's latency and a jitter drawn from the seed, host names resolve through the
//!    runtime, and partitions and resets happen when a test says. Everything runs on the
//!    virtual clock, so a second of latency takes no time.
//! 3. **Exploring and replaying** ([`explore`](crate::testing::explore),
//!    [`replay`](crate::testing::replay), in [`crate::testing`]). A test body runs
//!    under many seeds, each in a fresh runtime; the first that fails (a panic, a failed
//!    assertion, a [`Stuck`](crate::Stuck) report) is reported with its seed, the call
//!    that replays it, and its timeline. With nothing from outside the seed taking part,
//!    the same seed gives the same run, event for event.
//!
//! ```
//! use std::time::Duration;
//! use runtime::net::{TcpListener, TcpStream};
//! use runtime::sim::Link;
//! use runtime::time::Instant;
//!
//! // Under every one of 20 schedules: an echo across a 40 ms link takes 160 ms of virtual
//! // time (connect and echo, each a round trip), however the tasks are ordered.
//! runtime::testing::explore(20, || async {
//!     let net = runtime::sim::network();
//!     let server = net.add_host("echo.sim");
//!     net.link("client", "echo.sim", Link::new(Duration::from_millis(40), Duration::ZERO));
//!     let listener = TcpListener::bind((server, 7)).unwrap();
//!     let _echo = runtime::spawn(async move {
//!         let (mut socket, _) = listener.accept().await.unwrap();
//!         let mut buf = [0; 5];
//!         socket.read_exact(&mut buf).await.unwrap();
//!         socket.write_all(&buf).await.unwrap();
//!     });
//!     let start = Instant::now();
//!     let mut client = TcpStream::connect("echo.sim:7").await.unwrap();
//!     client.write_all(b"hello").await.unwrap();
//!     let mut buf = [0; 5];
//!     client.read_exact(&mut buf).await.unwrap();
//!     assert_eq!(&buf, b"hello");
//!     assert_eq!(start.elapsed(), Duration::from_millis(160));
//! });
//! ```
//!
//! What the seed does not control breaks determinism: a real socket, another thread (the
//! blocking pool included), the wall clock read directly. Under a simulated network the
//! runtime's sockets and name lookups stay inside it (a listener binds a host's address:
//! [`Network::add_host`] returns it; `TcpListener::bind` with a host *name* would ask the
//! system's resolver). [`crate::testing::Explore`] runs a failing seed twice and says so
//! when the second run fails differently, or passes.
//!
//! Reading order: `schedule.rs` (with `rng.rs`), then `network.rs` (with `host.rs`: which
//! host code runs on), `conn.rs` (a connection's two pipes of timed segments, and
//! `alarm.rs`: the timers that land them), `listener.rs`, `socket.rs` (what `net/` calls),
//! `room.rs` (what the stuck check reads); then `testing.rs`, which builds exploring on
//! them. This module sits below the
//! executor (it knows nothing of it): the runtime picks through its `Picker` and owns its
//! `Network`, and `testing` builds runtimes.

mod alarm;
mod conn;
mod host;
mod listener;
mod network;
mod rng;
mod room;
mod schedule;
mod socket;

#[cfg(test)]
mod tests;

pub(crate) use alarm::AlarmNote;
pub use host::OnHost;
pub use network::{Link, Network};
pub use schedule::Schedule;

pub(crate) use listener::SimListener;
pub(crate) use schedule::Picker;
pub(crate) use socket::{SimConnect, SimStream};

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;

thread_local! {
    /// The simulated network of the runtime running on this thread; set by the runtime
    /// while its `block_on` (or its drop) runs.
    static CURRENT: RefCell<Option<Network>> = const { RefCell::new(None) };
}

/// Makes `network` this thread's current one (the runtime entering); returns the one it
/// replaces, for the runtime to put back when it leaves.
pub(crate) fn enter(network: Option<Network>) -> Option<Network> {
    CURRENT
        .try_with(|current| current.replace(network))
        .ok()
        .flatten()
}

/// The simulated network of the runtime running on this thread, if it was built with one
/// ([`Builder::simulated_network`](crate::Builder::simulated_network)).
pub fn try_network() -> Option<Network> {
    CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten()
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
             build it with Builder::simulated_network(true), or use runtime::testing::explore"
        )
    })
}

/// The simulated network's answer for `host:port`, or `None` when the runtime running
/// here has no simulated network.
pub(crate) fn resolve(addr: &str) -> Option<io::Result<Vec<SocketAddr>>> {
    let network = try_network()?;
    let no_port = || {
        let why = format!("{addr} has no port");
        Some(Err(io::Error::new(io::ErrorKind::InvalidInput, why)))
    };
    // Never the system's resolver under simulation: a bad address is an error here.
    let Some((host, port)) = addr.rsplit_once(':') else {
        return no_port();
    };
    let Ok(port) = port.parse::<u16>() else {
        return no_port();
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let found = network.world.borrow().resolve(host, port);
    Some(found.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no simulated host is named {host}"),
        )
    }))
}
