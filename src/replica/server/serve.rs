//! The server's tasks: an accept loop, and a task per connection, spawned
//! onto the runtime running on this thread.
//!
//! Both ways to run a replica end here. [`ReplicaBuilder::spawn`] calls
//! [`spawn`] on the caller's runtime; [`ReplicaBuilder::start`] makes a
//! thread and a runtime, binds, and does the same. The tasks use nothing
//! but the runtime's sockets and timers (no thread, no blocking pool, no
//! wall clock), which is what lets a simulated runtime run them.
//!
//! [`ReplicaBuilder::spawn`]: super::ReplicaBuilder::spawn
//! [`ReplicaBuilder::start`]: super::ReplicaBuilder::start

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::Duration;

use fetcher::tls::TlsStream;
use runtime::net::{TcpListener, TcpStream};
use runtime::time::sleep;
use runtime::JoinHandle;
use rustls::{ServerConfig, ServerConnection};

use super::connection::{self, Closed};
use super::delays::Delays;
use super::stats::Log;
use crate::replica::{Dataset, Latency, Scheme};

/// How long the accept loop pauses after `accept` fails (out of file
/// descriptors, say) before trying again, rather than spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The embedded data, loaded by the first replica of the process and shared
/// by every later one: it never changes, and loading it takes milliseconds
/// that a thousand simulated runs need not pay a thousand times.
///
/// # Errors
/// If the embedded data does not load; every later call returns the same
/// error.
pub(crate) fn dataset() -> io::Result<&'static Dataset> {
    static DATASET: OnceLock<Result<Dataset, String>> = OnceLock::new();
    DATASET
        .get_or_init(|| Dataset::load().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.clone()))
}

/// Everything the server's tasks need.
pub(crate) struct Setup {
    /// The data to serve.
    pub(crate) dataset: &'static Dataset,
    /// The TLS configuration, or `None` to serve plain HTTP.
    pub(crate) tls: Option<Arc<ServerConfig>>,
    /// The delay range and seed of answers.
    pub(crate) latency: Latency,
    /// See [`ServerState::idle_timeout`].
    pub(crate) idle_timeout: Duration,
    /// Where to record what is served.
    pub(crate) log: Arc<Log>,
}

/// What every connection of one server shares. It lives on the thread of
/// the runtime running the server.
pub(crate) struct ServerState {
    /// The data answers come from; never modified.
    pub(crate) dataset: &'static Dataset,
    /// The scheme links in answers start with: `https` exactly when the
    /// server speaks TLS.
    pub(crate) scheme: Scheme,
    /// How long a connection may take to deliver a complete request head
    /// (counted from its opening or its last answer), and to take an answer.
    pub(crate) idle_timeout: Duration,
    /// The delay of each answer. Borrowed only between two awaits.
    pub(crate) delays: RefCell<Delays>,
    /// What the handles can read.
    pub(crate) log: Arc<Log>,
}

/// The connection tasks not known to have finished, by number (the order
/// they were accepted in). A `BTreeMap` so that stopping aborts them in that
/// order, the same in every run.
type Connections = RefCell<BTreeMap<u64, JoinHandle<()>>>;

/// A server's tasks. Dropping it stops the server: the accept loop is
/// aborted, then every open connection, oldest first. The runtime drops each
/// aborted task's future the next time it would have run it.
pub(crate) struct Tasks {
    /// The accept loop's task.
    accept: JoinHandle<()>,
    /// The connections' tasks.
    connections: Rc<Connections>,
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.accept.abort();
        // Taken out first: aborting runs no task code, but nothing is
        // borrowed while it happens all the same.
        let open = std::mem::take(&mut *self.connections.borrow_mut());
        for task in open.values() {
            task.abort();
        }
    }
}

/// Spawns the accept loop for `listener`, bound to `local`, onto the runtime
/// running on this thread. Each connection it accepts becomes a task named
/// `replica connection N`.
///
/// # Panics
/// If no runtime is running on this thread.
pub(crate) fn spawn(listener: TcpListener, local: SocketAddr, setup: Setup) -> Tasks {
    let state = Rc::new(ServerState {
        dataset: setup.dataset,
        scheme: match setup.tls {
            Some(_) => Scheme::Https,
            None => Scheme::Http,
        },
        idle_timeout: setup.idle_timeout,
        delays: RefCell::new(Delays::new(setup.latency)),
        log: setup.log,
    });
    let connections = Rc::new(Connections::default());
    let accept = runtime::spawn_named(
        "replica accept loop",
        accept_loop(listener, local, state, setup.tls, connections.clone()),
    );
    Tasks {
        accept,
        connections,
    }
}

/// Accepts connections forever, each served by a task of its own.
async fn accept_loop(
    listener: TcpListener,
    local: SocketAddr,
    state: Rc<ServerState>,
    tls: Option<Arc<ServerConfig>>,
    connections: Rc<Connections>,
) {
    let default_host = local.to_string();
    let mut count: u64 = 0;
    loop {
        let (tcp, _peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Typically out of file descriptors: existing connections will
            // free some; until then, do not spin.
            Err(_) => {
                sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        count += 1;
        // Answers are written whole; there is nothing to gain by delaying them.
        let _ = tcp.set_nodelay(true);
        let open = state.log.opened();
        let state = state.clone();
        let tls = tls.clone();
        let default_host = default_host.clone();
        let name = format!("replica connection {count}");
        let task = runtime::spawn_named(&name, async move {
            let mut serving = Box::pin(serve_one(tcp, tls, state.clone(), default_host));
            // A panic is a bug in the server; count it where tests can see
            // it, and let the other connections carry on.
            let finished = poll_fn(|cx| {
                match panic::catch_unwind(AssertUnwindSafe(|| serving.as_mut().poll(cx))) {
                    Ok(poll) => poll.map(|()| true),
                    Err(_panic) => Poll::Ready(false),
                }
            })
            .await;
            if !finished {
                state.log.panicked();
            }
            drop(open);
        });
        // The list only needs the tasks that may still be running.
        let mut connections = connections.borrow_mut();
        connections.retain(|_, task| !task.is_finished());
        connections.insert(count, task);
    }
}

/// Serves one connection, over TLS if `tls` is set.
async fn serve_one(
    tcp: TcpStream,
    tls: Option<Arc<ServerConfig>>,
    state: Rc<ServerState>,
    default_host: String,
) {
    match tls {
        None => connection::serve(tcp, state, default_host).await,
        Some(config) => match ServerConnection::new(config) {
            Ok(session) => {
                connection::serve(TlsStream::new(tcp, session), state, default_host).await
            }
            Err(_) => state.log.closed(&Closed::Failed),
        },
    }
}
