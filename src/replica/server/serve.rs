//! The server's thread: its runtime, its listener and its accept loop.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{mpsc, Arc};
use std::task::Poll;
use std::time::Duration;

use fetcher::tls::TlsStream;
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::thread_oneshot;
use runtime::time::sleep;
use runtime::trace::Config;
use runtime::Runtime;
use rustls::{ServerConfig, ServerConnection};

use super::connection::{self, Closed};
use super::delays::Delays;
use super::stats::Log;
use crate::replica::{Dataset, Latency, Scheme};

/// How long the accept loop pauses after `accept` fails (out of file
/// descriptors, say) before trying again, rather than spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Everything the server thread needs, gathered on the starting thread.
pub(crate) struct Setup {
    /// The address to bind.
    pub(crate) bind: SocketAddr,
    /// The data to serve.
    pub(crate) dataset: Dataset,
    /// The TLS configuration, or `None` to serve plain HTTP.
    pub(crate) tls: Option<Arc<ServerConfig>>,
    /// The delay range and seed of answers.
    pub(crate) latency: Latency,
    /// See [`ServerState::idle_timeout`].
    pub(crate) idle_timeout: Duration,
    /// Where to record what is served.
    pub(crate) log: Arc<Log>,
    /// The trace outputs of the server's runtime.
    pub(crate) trace: Config,
}

/// What every connection of one server shares. It lives on the server's
/// thread only.
pub(crate) struct ServerState {
    /// The data answers come from; never modified.
    pub(crate) dataset: Dataset,
    /// The scheme links in answers start with: `https` exactly when the
    /// server speaks TLS.
    pub(crate) scheme: Scheme,
    /// How long a connection may take to deliver a complete request head
    /// (counted from its opening or its last answer), and to take an answer.
    pub(crate) idle_timeout: Duration,
    /// The delay of each answer. Borrowed only between two awaits.
    pub(crate) delays: RefCell<Delays>,
    /// What the handle can read.
    pub(crate) log: Arc<Log>,
}

/// The body of the server's thread: builds a runtime, binds, reports the
/// bound address (or the error) through `ready`, then accepts connections
/// until `stop` fires or its sender is dropped.
///
/// Dropping the runtime on the way out drops every connection still open.
pub(crate) fn run(
    setup: Setup,
    ready: mpsc::Sender<io::Result<SocketAddr>>,
    stop: thread_oneshot::Receiver<()>,
) {
    // RUNTIME_TRACE is for the program's runtime, not this one: only the
    // outputs the replica was given.
    let built = Runtime::builder()
        .trace_from_env(false)
        .trace(&setup.trace)
        .build();
    let runtime = match built {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match TcpListener::bind(setup.bind) {
            Ok(listener) => listener,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let local = match listener.local_addr() {
            Ok(local) => local,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        if ready.send(Ok(local)).is_err() {
            return; // Nobody is waiting for this server any more.
        }
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
        // The stop signal is `a`, so it wins a tie with a new connection.
        let stopped = async {
            let _ = stop.await;
        };
        runtime::race(stopped, accept_loop(listener, local, state, setup.tls)).await;
    });
}

/// Accepts connections forever, each served by a task of its own.
async fn accept_loop(
    listener: TcpListener,
    local: SocketAddr,
    state: Rc<ServerState>,
    tls: Option<Arc<ServerConfig>>,
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
        // Dropping the handle detaches the task; the guard tracks it instead.
        let _detached = runtime::spawn_named(&name, async move {
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
