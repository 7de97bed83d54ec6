//! What both handles tell about a running replica: its URLs, its CA and its
//! record of answered requests.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::certs::Authority;
use super::stats::{Log, ServerStats};
use crate::replica::Scheme;

/// A running replica as its clients see it. Readable from any thread: the
/// [`ReplicaHandle`](super::ReplicaHandle) of a replica on its own thread
/// gets a copy from that thread.
#[derive(Clone)]
pub(crate) struct Endpoint {
    /// The address the listener is bound to.
    pub(crate) addr: SocketAddr,
    /// The host URLs name.
    pub(crate) url_host: String,
    /// The process's CA, when serving TLS.
    pub(crate) ca: Option<&'static Authority>,
    /// Where the CA PEM was written, if it was.
    pub(crate) ca_path: Option<PathBuf>,
    /// What the server has done; written by the server's tasks.
    pub(crate) log: Arc<Log>,
}

impl Endpoint {
    /// `Https` exactly when serving TLS.
    pub(crate) fn scheme(&self) -> Scheme {
        match self.ca {
            Some(_) => Scheme::Https,
            None => Scheme::Http,
        }
    }

    /// `scheme://url_host:port/path`, adding a missing leading `/` and the
    /// brackets of an IPv6 address.
    pub(crate) fn url(&self, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        let host = if self.url_host.contains(':') && !self.url_host.starts_with('[') {
            format!("[{}]", self.url_host)
        } else {
            self.url_host.clone()
        };
        format!(
            "{}://{host}:{}{slash}{path}",
            self.scheme(),
            self.addr.port()
        )
    }

    /// The CA certificate, PEM-encoded, when serving TLS.
    pub(crate) fn ca_pem(&self) -> Option<&str> {
        self.ca.map(|authority| authority.ca_pem.as_str())
    }

    /// The CA certificate, DER-encoded, when serving TLS.
    pub(crate) fn ca_der(&self) -> Option<&[u8]> {
        self.ca.map(|authority| authority.ca_der.as_ref())
    }

    /// Where the CA certificate was written, if it was.
    pub(crate) fn ca_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// The targets answered so far, in the order their answers were sent.
    pub(crate) fn served(&self) -> Vec<String> {
        self.log.served_targets()
    }

    /// Counts of connections and requests so far.
    pub(crate) fn stats(&self) -> ServerStats {
        self.log.stats()
    }
}
