//! Starting a replica on a thread of its own, and the handle that stops it.

use std::fmt;
use std::fs;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use runtime::sync::thread_oneshot;
use runtime::trace::Config;

use super::certs::Authority;
use super::serve::{self, Setup};
use super::stats::{Log, ServerStats};
use crate::replica::{Dataset, Latency, Scheme};

/// The default [`ReplicaBuilder::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The entry point: [`ReplicaServer::builder`] configures a replica and
/// starts it.
#[derive(Debug)]
#[non_exhaustive]
pub struct ReplicaServer;

impl ReplicaServer {
    /// A builder with the defaults: TLS, any free port on `127.0.0.1`, URLs
    /// naming `127.0.0.1`, no latency, a [`DEFAULT_IDLE_TIMEOUT`], and the CA
    /// kept in memory only.
    pub fn builder() -> ReplicaBuilder {
        ReplicaBuilder {
            tls: true,
            port: 0,
            url_host: Ipv4Addr::LOCALHOST.to_string(),
            latency: Latency::NONE,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            ca_path: None,
            trace: Config::new(),
        }
    }
}

/// How to start a replica; made by [`ReplicaServer::builder`], consumed by
/// [`ReplicaBuilder::start`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct ReplicaBuilder {
    /// Serve HTTPS (with the process's CA) rather than plain HTTP.
    tls: bool,
    /// The port to bind on `127.0.0.1`; 0 lets the system choose a free one.
    port: u16,
    /// The host the handle's URLs name. The certificate covers `localhost`,
    /// `127.0.0.1`, `::1` and [`SIM_HOST`](super::SIM_HOST); others can be
    /// set but will not verify.
    url_host: String,
    /// The delay range and seed of answers.
    latency: Latency,
    /// How long a connection may go without completing a request head.
    idle_timeout: Duration,
    /// Where to write the CA certificate (PEM), if anywhere. Ignored without
    /// TLS.
    ca_path: Option<PathBuf>,
    /// The trace outputs of the server's runtime.
    trace: Config,
}

impl ReplicaBuilder {
    /// Serve HTTPS (`true`, the default) or plain HTTP (`false`).
    pub fn tls(mut self, enabled: bool) -> ReplicaBuilder {
        self.tls = enabled;
        self
    }

    /// Listen on `port` of `127.0.0.1` (default 0: a free port, chosen by the
    /// system and reported by [`ReplicaHandle::port`]).
    pub fn port(mut self, port: u16) -> ReplicaBuilder {
        self.port = port;
        self
    }

    /// The host to put in the handle's URLs (default `127.0.0.1`). Clients
    /// resolve `localhost` first, which costs a resolver call (on the
    /// runtime's blocking pool, visible in a trace); an IP address does not.
    pub fn url_host(mut self, host: impl Into<String>) -> ReplicaBuilder {
        self.url_host = host.into();
        self
    }

    /// Wait before each answer (default [`Latency::NONE`]). A request's delay
    /// depends only on the seed, its target and how many requests for the
    /// same target came before, so a run can be repeated exactly.
    pub fn latency(mut self, latency: Latency) -> ReplicaBuilder {
        self.latency = latency;
        self
    }

    /// Close a connection that has not completed a request head this long
    /// after it opened or after its last answer, or that leaves an answer
    /// unread this long (default [`DEFAULT_IDLE_TIMEOUT`]).
    pub fn idle_timeout(mut self, timeout: Duration) -> ReplicaBuilder {
        self.idle_timeout = timeout;
        self
    }

    /// Write the CA certificate, PEM-encoded, to `path` when starting. Its
    /// directory must exist: a mistyped one is an error, not a new
    /// directory. Only meaningful with TLS.
    pub fn ca_path(mut self, path: impl Into<PathBuf>) -> ReplicaBuilder {
        self.ca_path = Some(path.into());
        self
    }

    /// Trace the server's runtime (default: not at all). `RUNTIME_TRACE` never
    /// reaches it: that is for the program's own runtime, whose timeline
    /// would otherwise interleave with the server's, and whose Chrome trace
    /// file the server's would overwrite. A Chrome trace is written when the
    /// replica stops.
    ///
    /// ```
    /// use runtime::trace::Config;
    /// use tinyloop::replica::ReplicaServer;
    ///
    /// let replica = ReplicaServer::builder()
    ///     .tls(false)
    ///     .trace(Config::parse("1")?) // the server's timeline, on stderr
    ///     .start()?;
    /// # drop(replica);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trace(mut self, config: Config) -> ReplicaBuilder {
        self.trace = config;
        self
    }

    /// Starts the replica on a new thread with a runtime of its own, and
    /// returns once it is listening.
    ///
    /// # Errors
    /// If the embedded data does not load, the process's certificates could
    /// not be generated,
    /// the CA file cannot be written, the thread or runtime cannot be
    /// created, or the port cannot be bound (for example, it is in use).
    pub fn start(self) -> io::Result<ReplicaHandle> {
        let dataset = Dataset::load().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let (tls, ca) = if self.tls {
            let authority = Authority::get()?;
            let config = authority.server_config().map_err(io::Error::other)?;
            (Some(config), Some(authority))
        } else {
            (None, None)
        };
        let log = Arc::new(Log::default());
        let setup = Setup {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)),
            dataset,
            tls,
            latency: self.latency,
            idle_timeout: self.idle_timeout,
            log: log.clone(),
            trace: self.trace,
        };
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = thread_oneshot::channel();
        let thread = thread::Builder::new()
            .name("swapi-replica".to_owned())
            .spawn(move || serve::run(setup, ready_tx, stop_rx))?;
        let addr = match ready_rx.recv() {
            Ok(Ok(addr)) => addr,
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
        let handle = ReplicaHandle {
            addr,
            scheme: if ca.is_some() {
                Scheme::Https
            } else {
                Scheme::Http
            },
            url_host: self.url_host,
            ca: ca.map(|authority| (authority.ca_pem.clone(), authority.ca_der.to_vec())),
            ca_path: None,
            log,
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        // Only now that the port is ours: a replica that failed to start
        // must not overwrite the CA of one that is running.
        match self.ca_path {
            Some(path) => handle.with_ca_file(path),
            None => Ok(handle),
        }
    }
}

/// Writes the CA's PEM to `path`, in a directory that exists; errors name
/// the path.
fn write_ca(path: &Path, pem: &str) -> io::Result<()> {
    fs::write(path, pem).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot write the CA to {}: {e}", path.display()),
        )
    })
}

/// A running replica. Its URLs, CA and record of answered requests are
/// available from any thread.
///
/// Dropping the handle (or calling [`shutdown`](ReplicaHandle::shutdown))
/// stops the replica: the accept loop ends, every open connection is
/// dropped, and the server's thread is joined before the drop returns.
pub struct ReplicaHandle {
    /// The address the listener is bound to (always on `127.0.0.1`).
    addr: SocketAddr,
    /// `Https` exactly when `ca` is `Some`.
    scheme: Scheme,
    /// The host URLs name.
    url_host: String,
    /// The CA certificate as PEM and as DER, when serving TLS.
    ca: Option<(String, Vec<u8>)>,
    /// Where the CA PEM was written, if it was.
    ca_path: Option<PathBuf>,
    /// What the server has done; written by the server's thread.
    log: Arc<Log>,
    /// Fires the server's stop signal; `None` once fired.
    stop: Option<thread_oneshot::Sender<()>>,
    /// The server's thread; `None` once joined.
    thread: Option<thread::JoinHandle<()>>,
}

impl ReplicaHandle {
    /// The socket address the replica listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the replica listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `Https` or `Http`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The URL of `path` on the replica: `url("/api/people/1/")` is
    /// `https://127.0.0.1:PORT/api/people/1/`. A missing leading `/` is added.
    pub fn url(&self, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        let host = if self.url_host.contains(':') && !self.url_host.starts_with('[') {
            format!("[{}]", self.url_host)
        } else {
            self.url_host.clone()
        };
        format!("{}://{host}:{}{slash}{path}", self.scheme, self.port())
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
        self.ca.as_ref().map(|(pem, _)| pem.as_str())
    }

    /// The CA certificate, DER-encoded, when serving TLS.
    pub fn ca_der(&self) -> Option<&[u8]> {
        self.ca.as_ref().map(|(_, der)| der.as_slice())
    }

    /// Where the CA certificate was written, if
    /// [`ReplicaBuilder::ca_path`] was set and TLS is on.
    pub fn ca_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// The targets (`/api/people/1/`) of the requests answered so far, in the
    /// order their answers were sent: the order in which a client sees them
    /// complete. A target is listed as its answer starts on its way, so a
    /// client holding an answer always finds its request listed.
    pub fn served(&self) -> Vec<String> {
        self.log.served_targets()
    }

    /// Counts of connections and requests so far.
    pub fn stats(&self) -> ServerStats {
        self.log.stats()
    }

    /// Stops the replica and waits for its thread to finish.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    /// Writes the CA to `path` and remembers where; on failure the server
    /// stops (the handle is dropped).
    fn with_ca_file(mut self, path: PathBuf) -> io::Result<ReplicaHandle> {
        if let Some(pem) = self.ca_pem() {
            write_ca(&path, pem)?;
            self.ca_path = Some(path);
        }
        Ok(self)
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
            .field("addr", &self.addr)
            .field("ca_path", &self.ca_path)
            .field("stats", &self.stats())
            .finish()
    }
}
