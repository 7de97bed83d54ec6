//! A replica running as tasks of the caller's runtime, and the handle that
//! stops it.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use super::endpoint::Endpoint;
use super::serve::Tasks;
use super::stats::ServerStats;
use crate::replica::Scheme;

/// A replica served by tasks of the runtime it was spawned on; made by
/// [`ReplicaBuilder::spawn`](super::ReplicaBuilder::spawn).
///
/// It reads like a [`ReplicaHandle`](super::ReplicaHandle): URLs, CA, what
/// was served. Unlike one, it stays on the runtime's thread (it is not
/// `Send`), and nothing of the replica runs while that runtime is not
/// running: between two `block_on` calls, the replica is paused, its
/// connections with it.
///
/// Dropping it stops the replica: its accept loop and every open
/// connection are aborted, and the runtime drops their futures (closing
/// their sockets) the next time it would have run them. Dropping the runtime
/// first stops them too.
pub struct LocalReplica {
    /// The URLs, the CA and the record of what was served.
    endpoint: Endpoint,
    /// The server's tasks, aborted when dropped.
    _tasks: Tasks,
}

impl LocalReplica {
    /// A handle to the replica `tasks` serve, as `endpoint` describes it.
    pub(super) fn new(endpoint: Endpoint, tasks: Tasks) -> LocalReplica {
        LocalReplica {
            endpoint,
            _tasks: tasks,
        }
    }

    /// What a [`ReplicaHandle`](super::ReplicaHandle) of this replica would
    /// read.
    pub(super) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The socket address of the listener the replica serves.
    pub fn addr(&self) -> SocketAddr {
        self.endpoint.addr
    }

    /// The port of the listener the replica serves.
    pub fn port(&self) -> u16 {
        self.endpoint.addr.port()
    }

    /// `Https` or `Http`.
    pub fn scheme(&self) -> Scheme {
        self.endpoint.scheme()
    }

    /// The URL of `path` on the replica: `url("/api/people/1/")` is
    /// `https://HOST:PORT/api/people/1/`, where `HOST` is the builder's
    /// [`url_host`](super::ReplicaBuilder::url_host) and `PORT` the
    /// listener's. A missing leading `/` is added.
    pub fn url(&self, path: &str) -> String {
        self.endpoint.url(path)
    }

    /// The API root, `https://HOST:PORT/api/`.
    pub fn base_url(&self) -> String {
        self.url("/api/")
    }

    /// The people list, `https://HOST:PORT/api/people/`; person `n` is at
    /// `format!("{}{n}/", people_url())`.
    pub fn people_url(&self) -> String {
        self.url("/api/people/")
    }

    /// The CA certificate, PEM-encoded, when serving TLS: add it to a
    /// client's trusted roots. Every replica of the process has the same.
    pub fn ca_pem(&self) -> Option<&str> {
        self.endpoint.ca_pem()
    }

    /// The CA certificate, DER-encoded, when serving TLS.
    pub fn ca_der(&self) -> Option<&[u8]> {
        self.endpoint.ca_der()
    }

    /// Where the CA certificate was written, if
    /// [`ReplicaBuilder::ca_path`](super::ReplicaBuilder::ca_path) was set
    /// and TLS is on.
    pub fn ca_path(&self) -> Option<&Path> {
        self.endpoint.ca_path()
    }

    /// The targets (`/api/people/1/`) of the requests answered so far, in the
    /// order their answers were sent. A target is listed as its answer
    /// starts on its way, so a client holding an answer always finds its
    /// request listed.
    pub fn served(&self) -> Vec<String> {
        self.endpoint.served()
    }

    /// Counts of connections and requests so far.
    pub fn stats(&self) -> ServerStats {
        self.endpoint.stats()
    }
}

impl fmt::Debug for LocalReplica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalReplica")
            .field("base_url", &self.base_url())
            .field("addr", &self.addr())
            .field("ca_path", &self.ca_path())
            .field("stats", &self.stats())
            .finish()
    }
}
