//! Turning `host:port` into socket addresses without blocking the runtime.
//!
//! A literal address is parsed on the spot. A host name goes to the runtime: under a
//! simulated network ([`crate::sim`]) its table of hosts answers at once; otherwise the
//! system resolver (`getaddrinfo`, which blocks) runs on the blocking pool, so other tasks
//! keep running meanwhile.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::executor::spawn_blocking_at;
use crate::executor::JoinHandle;
use crate::task::JoinError;

/// The addresses of a `host:port`, as far as they are known when resolution starts.
pub(crate) enum Resolution {
    /// Known at once: a literal address, or the simulated network's answer.
    Known(io::Result<Vec<SocketAddr>>),
    /// A host name, being looked up on the blocking pool. Finish it with [`lookup_result`].
    Lookup(JoinHandle<io::Result<Vec<SocketAddr>>>),
}

/// Starts resolving `addr` (`"127.0.0.1:80"`, `"[::1]:443"`, `"example.com:443"`). A
/// lookup's job names `at` as its spawn and as the await point of whoever waits for it.
pub(crate) fn resolve(addr: &str, at: &'static Location<'static>) -> Resolution {
    if let Ok(literal) = addr.parse::<SocketAddr>() {
        return Resolution::Known(Ok(vec![literal]));
    }
    if let Some(found) = crate::sim::resolve(addr) {
        return Resolution::Known(found);
    }
    let host = addr.to_owned();
    let lookup = move || host.to_socket_addrs().map(Iterator::collect::<Vec<_>>);
    Resolution::Lookup(spawn_blocking_at(lookup, at))
}

/// The addresses a [`Resolution::Lookup`] found.
///
/// # Errors
/// The resolver's error as it is, or `NotFound` if it returned no address.
pub(crate) fn lookup_result(
    lookup: Result<io::Result<Vec<SocketAddr>>, JoinError>,
) -> io::Result<Vec<SocketAddr>> {
    let addrs = match lookup {
        Ok(result) => result,
        Err(join) => Err(io::Error::other(join)),
    }?;
    if addrs.is_empty() {
        return Err(io::Error::new(io::ErrorKind::NotFound, "no addresses"));
    }
    Ok(addrs)
}

/// `e`, its message prefixed with the address that could not be resolved.
pub(crate) fn named(addr: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("cannot resolve {addr}: {e}"))
}

/// Resolves `host` (a name or a literal IP address) and `port` into the addresses to try,
/// in order, through the runtime running on this thread.
///
/// This is the resolution [`TcpStream::connect`](super::TcpStream::connect) does. Code that
/// connects to each address itself (to time each phase, say) calls this rather than
/// [`ToSocketAddrs`], which would block the thread, and which a simulated network could
/// not answer.
///
/// ```
/// runtime::block_on(async {
///     let addrs = runtime::net::lookup_host("127.0.0.1", 8000).await?;
///     assert_eq!(addrs, ["127.0.0.1:8000".parse().unwrap()]);
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// The resolver's error as it is (the caller names the host), or `NotFound` if it found no
/// address.
#[track_caller]
pub fn lookup_host(host: &str, port: u16) -> LookupHost {
    let target = match host.contains(':') && !host.starts_with('[') {
        true => format!("[{host}]:{port}"), // an IPv6 literal
        false => format!("{host}:{port}"),
    };
    LookupHost {
        target,
        stage: None,
        at: Location::caller(),
    }
}

/// The future returned by [`lookup_host`].
#[must_use = "futures do nothing unless you `.await` them"]
pub struct LookupHost {
    /// `host:port`, as resolved and as named in errors.
    target: String,
    /// `None` until the first poll (resolution starts inside the runtime).
    stage: Option<JoinHandle<io::Result<Vec<SocketAddr>>>>,
    /// The line that called `lookup_host`: the lookup job's spawn, and the await point.
    at: &'static Location<'static>,
}

impl Future for LookupHost {
    type Output = io::Result<Vec<SocketAddr>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.stage.is_none() {
            match resolve(&this.target, this.at) {
                Resolution::Known(found) => return Poll::Ready(found),
                Resolution::Lookup(job) => this.stage = Some(job),
            }
        }
        let job = this.stage.as_mut().expect("set above");
        let result = ready!(Pin::new(job).poll(cx));
        Poll::Ready(lookup_result(result))
    }
}

impl fmt::Debug for LookupHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupHost")
            .field("target", &self.target)
            .field("looking_up", &self.stage.is_some())
            .finish()
    }
}
