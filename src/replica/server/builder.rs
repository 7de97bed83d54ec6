//! Configuring a replica, and the two ways to run it: on a thread of its
//! own ([`ReplicaBuilder::start`]) or as tasks of the caller's runtime
//! ([`ReplicaBuilder::spawn`]).

use std::fs;
use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use runtime::net::TcpListener;
use runtime::trace::Config;

use super::certs::Authority;
use super::endpoint::Endpoint;
use super::handle::{self, ReplicaHandle};
use super::local::LocalReplica;
use super::serve::{self, Setup};
use super::stats::Log;
use crate::replica::Latency;

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

/// How to run a replica; made by [`ReplicaServer::builder`], consumed by
/// [`ReplicaBuilder::start`] or [`ReplicaBuilder::spawn`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start` or `spawn` is called"]
pub struct ReplicaBuilder {
    /// Serve HTTPS (with the process's CA) rather than plain HTTP.
    tls: bool,
    /// The port `start` binds on `127.0.0.1`; 0 lets the system choose a
    /// free one.
    pub(super) port: u16,
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
    /// The trace outputs of the runtime `start` makes.
    pub(super) trace: Config,
}

impl ReplicaBuilder {
    /// Serve HTTPS (`true`, the default) or plain HTTP (`false`).
    pub fn tls(mut self, enabled: bool) -> ReplicaBuilder {
        self.tls = enabled;
        self
    }

    /// Listen on `port` of `127.0.0.1` (default 0: a free port, chosen by the
    /// system and reported by [`ReplicaHandle::port`]). For
    /// [`start`](ReplicaBuilder::start) only: [`spawn`](ReplicaBuilder::spawn)
    /// serves the listener it is given.
    pub fn port(mut self, port: u16) -> ReplicaBuilder {
        self.port = port;
        self
    }

    /// The host to put in the handle's URLs (default `127.0.0.1`). Clients
    /// resolve `localhost` first, which costs a resolver call (on the
    /// runtime's blocking pool, visible in a trace); an IP address does not.
    /// Under a simulated network, name the replica's host there, such as
    /// [`SIM_HOST`](super::SIM_HOST), which the certificate covers.
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

    /// Trace the runtime [`start`](ReplicaBuilder::start) makes (default:
    /// not at all). `RUNTIME_TRACE` never reaches it: that is for the
    /// program's own runtime, whose timeline would otherwise interleave with
    /// the server's, and whose Chrome trace file the server's would
    /// overwrite. A Chrome trace is written when the replica stops. A replica
    /// made with [`spawn`](ReplicaBuilder::spawn) appears in the caller's
    /// runtime's trace instead.
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
    /// returns once it is listening. That thread binds the port, then does
    /// what [`spawn`](ReplicaBuilder::spawn) does.
    ///
    /// # Errors
    /// If the embedded data does not load, certificates cannot be generated,
    /// the CA file cannot be written, the thread or runtime cannot be
    /// created, or the port cannot be bound (for example, it is in use).
    pub fn start(self) -> io::Result<ReplicaHandle> {
        handle::start(self)
    }

    /// Serves `listener` with tasks of the runtime running on this thread:
    /// an accept loop, and a task per connection. Nothing runs elsewhere: no
    /// thread, no blocking pool. So a runtime that decides the order of its
    /// tasks, its clock and its network (a simulation) decides the
    /// replica's as well.
    ///
    /// The returned [`LocalReplica`] gives the URLs (the listener's port,
    /// [`url_host`](ReplicaBuilder::url_host)'s host), the CA and the record
    /// of answered requests, and stops the replica when dropped.
    /// [`port`](ReplicaBuilder::port) and [`trace`](ReplicaBuilder::trace)
    /// are not used: the listener is bound already, and the tasks appear in
    /// the caller's runtime's trace.
    ///
    /// ```
    /// use runtime::net::TcpListener;
    /// use tinyloop::replica::ReplicaServer;
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let replica = ReplicaServer::builder().spawn(listener)?;
    ///     let client = fetcher::Client::builder()
    ///         .add_root_certificate_der(replica.ca_der().expect("TLS is on"))
    ///         .build()?;
    ///
    ///     // The server's tasks run while this one waits for the answer.
    ///     let luke = client.get(&format!("{}1/", replica.people_url())).await?;
    ///     assert_eq!(luke.status(), 200);
    ///     assert!(luke.text().contains("Luke Skywalker"));
    ///     assert_eq!(replica.served(), ["/api/people/1/"]);
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// If the listener's address cannot be read, the embedded data does not
    /// load, certificates cannot be generated, or the CA file cannot be
    /// written. Nothing is spawned then.
    ///
    /// # Panics
    /// If no runtime is running on this thread.
    pub fn spawn(self, listener: TcpListener) -> io::Result<LocalReplica> {
        let addr = listener.local_addr()?;
        let dataset = serve::dataset()?;
        let ca = match self.tls {
            true => Some(Authority::get()?),
            false => None,
        };
        let tls = match ca {
            Some(authority) => Some(authority.server_config().map_err(io::Error::other)?),
            None => None,
        };
        let ca_path = match (ca, self.ca_path) {
            (Some(authority), Some(path)) => {
                write_ca(&path, &authority.ca_pem)?;
                Some(path)
            }
            _ => None,
        };
        let log = Arc::new(Log::default());
        let setup = Setup {
            dataset,
            tls,
            latency: self.latency,
            idle_timeout: self.idle_timeout,
            log: log.clone(),
        };
        let tasks = serve::spawn(listener, addr, setup);
        let endpoint = Endpoint {
            addr,
            url_host: self.url_host,
            ca,
            ca_path,
            log,
        };
        Ok(LocalReplica::new(endpoint, tasks))
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
