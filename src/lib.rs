//! # tinyloop
//!
//! An async runtime you can read in an afternoon. The workspace has three parts:
//!
//! - `runtime/` — a small single-threaded executor with a reactor, timers and TCP;
//! - `fetcher/` — an HTTP/1.1 client that runs on that runtime;
//! - this root package, which holds the runnable examples (`examples/`), the
//!   integration tests (`tests/`) and the library they share.
//!
//! The library hosts [`replica`]: a faithful, offline copy of the Star Wars API
//! (SWAPI, as served by `swapi.dev`). Examples and tests point the fetcher at the
//! replica instead of the public service, so they run without a network, answer
//! byte for byte like the real thing, and can add seeded, reproducible latency.
//!
//! The replica is written *sans-IO*: it turns bytes into requests and requests
//! into response bytes, and never touches a socket, a clock or a thread. A
//! server that owns the sockets drives it, on the project's own runtime; the
//! [`replica`] documentation shows the loop such a server runs.
//!
//! Two smaller modules serve the examples: [`heroes`] holds what the seed's two
//! programs (`examples/gather.rs`, `examples/as_completed.rs`) leave out to read like
//! the seed (their flags, the replica's start, the in-flight cap, the last line), and
//! [`cli`] is how every example reads its command line and reports a bad one.

#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms)]
#![forbid(unsafe_code)]

pub mod cli;
pub mod heroes;
pub mod replica;
