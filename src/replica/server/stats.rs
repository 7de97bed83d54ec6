//! What the server has done, readable from any thread while it runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::connection::Closed;

/// Counts of what a running replica has done, from
/// [`ReplicaHandle::stats`](super::ReplicaHandle::stats).
///
/// Each count only grows, except `open`. The counts are read one by one
/// while connections come and go, so a snapshot taken mid-traffic may be
/// off by the connections that changed state during the read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Connections accepted and not yet closed.
    pub open: u64,
    /// Requests answered (counted as each answer is sent), including `404`s,
    /// `301`s and `304`s, but not the `400`s and `431`s of `bad_requests`.
    pub requests: u64,
    /// Connections closed after a `400` or `431`: what they sent was not an
    /// acceptable request.
    pub bad_requests: u64,
    /// Connections closed because no complete request head arrived within
    /// the idle timeout, or an answer could not be written within it.
    pub timeouts: u64,
    /// Connections closed because the socket or TLS failed (including a
    /// client that is not speaking TLS to a TLS replica).
    pub failures: u64,
    /// Connection tasks that panicked. The server is written so that this
    /// stays zero whatever clients send; tests check that it does.
    pub panics: u64,
}

/// The record a server keeps for its handle: shared between the server's
/// thread, which writes it, and the handle, which reads it.
#[derive(Debug, Default)]
pub(crate) struct Log {
    /// The targets of answered requests, in the order their answers were
    /// sent: each is recorded as its answer starts on its way.
    served: Mutex<Vec<String>>,
    /// See [`ServerStats::accepted`].
    accepted: AtomicU64,
    /// See [`ServerStats::open`]. Incremented by [`Log::opened`], and
    /// decremented exactly once by the [`OpenConnection`] it returns.
    open: AtomicU64,
    /// See [`ServerStats::bad_requests`].
    bad_requests: AtomicU64,
    /// See [`ServerStats::timeouts`].
    timeouts: AtomicU64,
    /// See [`ServerStats::failures`].
    failures: AtomicU64,
    /// See [`ServerStats::panics`].
    panics: AtomicU64,
}

impl Log {
    /// Records a request answered, as its answer starts on its way.
    pub(crate) fn served(&self, target: String) {
        self.served
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(target);
    }

    /// The served targets so far, in the order their answers were sent.
    pub(crate) fn served_targets(&self) -> Vec<String> {
        self.served
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records a connection accepted. Keep the guard alive for as long as the
    /// connection is served.
    pub(crate) fn opened(self: &Arc<Log>) -> OpenConnection {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.open.fetch_add(1, Ordering::Relaxed);
        OpenConnection { log: self.clone() }
    }

    /// Records that a connection's task panicked.
    pub(crate) fn panicked(&self) {
        self.panics.fetch_add(1, Ordering::Relaxed);
    }

    /// Records why a connection closed.
    pub(crate) fn closed(&self, why: &Closed) {
        let counter = match why {
            Closed::ByPeer | Closed::Requested => return,
            Closed::BadRequest => &self.bad_requests,
            Closed::IdleTimeout | Closed::WriteTimeout => &self.timeouts,
            Closed::Failed => &self.failures,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A snapshot of the counts.
    pub(crate) fn stats(&self) -> ServerStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ServerStats {
            accepted: load(&self.accepted),
            open: load(&self.open),
            requests: self
                .served
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len() as u64,
            bad_requests: load(&self.bad_requests),
            timeouts: load(&self.timeouts),
            failures: load(&self.failures),
            panics: load(&self.panics),
        }
    }
}

/// Marks one connection as open until dropped, however its task ends
/// (closed, panicked, or dropped with the runtime at shutdown).
#[derive(Debug)]
pub(crate) struct OpenConnection {
    /// The log whose `open` count this guard holds one of.
    log: Arc<Log>,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.log.open.fetch_sub(1, Ordering::Relaxed);
    }
}
