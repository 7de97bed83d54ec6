//! A replica on a thread of its own, and the handle that stops it.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::mpsc;
use std::thread;

use runtime::net::TcpListener;
use runtime::sync::thread_oneshot;
use runtime::Runtime;

use super::builder::ReplicaBuilder;
use super::endpoint::Endpoint;
use super::stats::ServerStats;
use crate::replica::Scheme;

/// Starts `builder`'s replica on a new thread, and returns once it is
/// listening (or could not start).
pub(super) fn start(builder: ReplicaBuilder) -> io::Result<ReplicaHandle> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = thread_oneshot::channel();
    let thread = thread::Builder::new()
        .name("swapi-replica".to_owned())
        .spawn(move || run(builder, ready_tx, stop_rx))?;
    let endpoint = match ready_rx.recv() {
        Ok(Ok(endpoint)) => endpoint,
        Ok(Err(e)) => {
            let _ = thread.join();
            return Err(e);
        }
        Err(_) => {
            let _ = thread.join();
            return Err(io::Error::other(
                "the replica's thread stopped while starting",
            ));
        }
    };
    Ok(ReplicaHandle {
        endpoint,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

/// The body of the server's thread: builds a runtime, binds, spawns the
/// replica's tasks onto it, reports what clients need to know (or the
/// error) through `ready`, then serves until `stop` fires or its sender is
/// dropped.
///
/// Dropping the replica, then the runtime, on the way out drops every
/// connection still open.
fn run(
    builder: ReplicaBuilder,
    ready: mpsc::Sender<io::Result<Endpoint>>,
    stop: thread_oneshot::Receiver<()>,
) {
    // RUNTIME_TRACE is for the program's runtime, not this one: only the
    // outputs the replica was given.
    let built = Runtime::builder()
        .trace_from_env(false)
        .trace(&builder.trace)
        .build();
    let runtime = match built {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    runtime.block_on(async move {
        let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, builder.port));
        let replica = match TcpListener::bind(bind).and_then(|listener| builder.spawn(listener)) {
            Ok(replica) => replica,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        if ready.send(Ok(replica.endpoint().clone())).is_ok() {
            let _ = stop.await;
        } // Otherwise nobody is waiting for this server any more.
        drop(replica);
    });
}

/// A running replica. Its URLs, CA and record of answered requests are
/// available from any thread.
///
/// Dropping the handle (or calling [`shutdown`](ReplicaHandle::shutdown))
/// stops the replica: the accept loop ends, every open connection is
/// dropped, and the server's thread is joined before the drop returns.
pub struct ReplicaHandle {
    /// The URLs, the CA and the record of what was served.
    endpoint: Endpoint,
    /// Fires the server's stop signal; `None` once fired.
    stop: Option<thread_oneshot::Sender<()>>,
    /// The server's thread; `None` once joined.
    thread: Option<thread::JoinHandle<()>>,
}

impl ReplicaHandle {
    /// The socket address the replica listens on (always on `127.0.0.1`).
    pub fn addr(&self) -> SocketAddr {
        self.endpoint.addr
    }

    /// The port the replica listens on.
    pub fn port(&self) -> u16 {
        self.endpoint.addr.port()
    }

    /// `Https` or `Http`.
    pub fn scheme(&self) -> Scheme {
        self.endpoint.scheme()
    }

    /// The URL of `path` on the replica: `url("/api/people/1/")` is
    /// `https://127.0.0.1:PORT/api/people/1/`. A missing leading `/` is added.
    pub fn url(&self, path: &str) -> String {
        self.endpoint.url(path)
    }

    /// The API root, `https://127.0.0.1:PORT/api/`.
    pub fn base_url(&self) -> String {
        self.url("/api/")
    }

    /// The people list, `https://127.0.0.1:PORT/api/people/`; person `n` is
    /// at `format!("{}{n}/", people_url())`.
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
    /// [`ReplicaBuilder::ca_path`] was set and TLS is on.
    pub fn ca_path(&self) -> Option<&Path> {
        self.endpoint.ca_path()
    }

    /// The targets (`/api/people/1/`) of the requests answered so far, in the
    /// order their answers were sent: the order in which a client sees them
    /// complete. A target is listed as its answer starts on its way, so a
    /// client holding an answer always finds its request listed.
    pub fn served(&self) -> Vec<String> {
        self.endpoint.served()
    }

    /// Counts of connections and requests so far.
    pub fn stats(&self) -> ServerStats {
        self.endpoint.stats()
    }

    /// Stops the replica and waits for its thread to finish.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    /// Fires the stop signal (once) and joins the thread (once).
    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the server's thread has already been reported by
            // the panic hook; there is nothing more to do with it here.
            let _ = thread.join();
        }
    }
}

impl Drop for ReplicaHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

impl fmt::Debug for ReplicaHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplicaHandle")
            .field("base_url", &self.base_url())
            .field("addr", &self.addr())
            .field("ca_path", &self.ca_path())
            .field("stats", &self.stats())
            .finish()
    }
}
