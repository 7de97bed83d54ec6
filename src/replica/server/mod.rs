//! The replica, served over TCP (and TLS) by tinyloop's own runtime.
//!
//! The rest of [`replica`](crate::replica) turns bytes into answers without
//! touching a socket; this module owns the sockets. It is the runtime
//! *serving*: one task accepts connections, and each connection is a task
//! of its own (named `replica connection N`) running the loop drawn in the
//! `connection` module's docs: read, feed the [`RequestReader`], wait the
//! request's delay, write the answer, repeat or close.
//!
//! # Two ways to run it
//!
//! [`ReplicaServer::builder`] configures a server, and
//!
//! - [`start`](ReplicaBuilder::start) runs it on a new thread with a new
//!   [`runtime::Runtime`]. The caller's runtime never sees the server's
//!   tasks, so an example's trace shows only the client, and a test can block
//!   on its own runtime while the server answers. `RUNTIME_TRACE` does not
//!   reach the server's runtime either (it is for the program's own): ask for
//!   its trace with [`ReplicaBuilder::trace`]. `start` returns once the port
//!   is bound; the [`ReplicaHandle`] it returns gives the URLs, the CA to
//!   trust, the order requests were answered in, and stops the server when
//!   dropped.
//! - [`spawn`](ReplicaBuilder::spawn) serves a listener the caller bound,
//!   with tasks of the caller's runtime, and returns a [`LocalReplica`] that
//!   reads the same and stops the tasks when dropped. The server's tasks then
//!   appear in the caller's trace, and run only when that runtime runs them:
//!   what a deterministic simulation needs, where the runtime decides the
//!   order of every task, the clock and the network. There the replica is
//!   known as [`SIM_HOST`].
//!
//! `start` is `spawn` on a thread: it makes a runtime, binds, and spawns.
//!
//! ```
//! use std::io::{Read, Write};
//! use tinyloop::replica::ReplicaServer;
//!
//! let replica = ReplicaServer::builder().tls(false).start()?;
//! assert!(replica.base_url().starts_with("http://127.0.0.1:"));
//!
//! let mut client = std::net::TcpStream::connect(replica.addr())?;
//! client.write_all(b"GET /api/people/1/ HTTP/1.1\r\nHost: swapi.test\r\nConnection: close\r\n\r\n")?;
//! let mut answer = String::new();
//! client.read_to_string(&mut answer)?;
//! assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(answer.contains(r#""homeworld":"http://swapi.test/api/planets/1/""#));
//! assert_eq!(replica.served(), ["/api/people/1/"]);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # TLS
//!
//! With TLS on (the default), the first replica of the process generates a
//! certificate authority and a certificate signed by it for `localhost`,
//! `127.0.0.1`, `::1` and [`SIM_HOST`], both with Ed25519 keys (module
//! `certs` says why); every replica of the process presents that same
//! certificate, and the keys live as long as the process. Clients trust the
//! replica by adding [`ReplicaHandle::ca_pem`] or [`ReplicaHandle::ca_der`]
//! to their roots, or, for tools like `curl`, the file written by
//! [`ReplicaBuilder::ca_path`]. Each socket is wrapped in the fetcher's
//! [`TlsStream`], which drives rustls's sans-IO state machine from the
//! reactor, for a server as for a client; the handshake happens on the
//! connection's first read, under its idle deadline.
//!
//! # Latency
//!
//! [`ReplicaBuilder::latency`] delays each answer by a seeded, jittered
//! amount, so concurrent requests complete out of order, reproducibly
//! (module `delays` explains how). [`ReplicaHandle::served`] lists request
//! targets in the order their answers were written, for comparison with the
//! order a client saw.
//!
//! # Misbehaving clients
//!
//! A request the [`RequestReader`] refuses gets its `400` or `431` and the
//! connection is closed. A connection that does not complete a request head
//! within [`ReplicaBuilder::idle_timeout`] (10 s by default), or leaves an
//! answer unread as long, is closed without one. A client that is not
//! speaking TLS to a TLS replica is dropped. None of these disturbs other
//! connections, and nothing a client sends makes the server panic;
//! [`ServerStats`] counts each outcome.
//!
//! [`RequestReader`]: crate::replica::RequestReader
//! [`TlsStream`]: fetcher::tls::TlsStream

mod builder;
pub(in crate::replica) mod certs;
mod connection;
mod delays;
mod endpoint;
mod handle;
mod local;
mod serve;
mod stats;

pub use builder::{ReplicaBuilder, ReplicaServer, DEFAULT_IDLE_TIMEOUT};
pub use handle::ReplicaHandle;
pub use local::LocalReplica;
pub use stats::ServerStats;

/// The replica's host name on a simulated network: the certificate is valid
/// for it, so a client fetching `https://swapi.sim/…` verifies the replica
/// as it would `https://127.0.0.1:…`. Give it to
/// [`ReplicaBuilder::url_host`] for URLs naming it.
pub const SIM_HOST: &str = "swapi.sim";
