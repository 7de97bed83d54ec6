//! Turning `host:port` into socket addresses without blocking the runtime.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::panic::Location;

use crate::executor::spawn_blocking_at;
use crate::executor::JoinHandle;
use crate::task::JoinError;

/// The addresses of a `host:port`, as far as they are known when resolution starts.
pub(crate) enum Resolution {
    /// A literal address, parsed on the spot.
    Known(SocketAddr),
    /// A host name, being looked up on the blocking pool (`getaddrinfo` blocks), so other
    /// tasks keep running meanwhile. Finish it with [`lookup_result`].
    Lookup(JoinHandle<io::Result<Vec<SocketAddr>>>),
}

/// Starts resolving `addr` (`"127.0.0.1:80"`, `"[::1]:443"`, `"example.com:443"`). A
/// lookup's job names `at` as its spawn and as the await point of whoever waits for it.
pub(crate) fn resolve(addr: &str, at: &'static Location<'static>) -> Resolution {
    if let Ok(literal) = addr.parse::<SocketAddr>() {
        return Resolution::Known(literal);
    }
    let host = addr.to_owned();
    let lookup = move || host.to_socket_addrs().map(Iterator::collect::<Vec<_>>);
    Resolution::Lookup(spawn_blocking_at(lookup, at))
}

/// The addresses a [`Resolution::Lookup`] of `addr` found.
///
/// # Errors
/// If the resolver fails or returns no address; the message names the host.
pub(crate) fn lookup_result(
    addr: &str,
    lookup: Result<io::Result<Vec<SocketAddr>>, JoinError>,
) -> io::Result<Vec<SocketAddr>> {
    let addrs = match lookup {
        Ok(result) => result,
        Err(join) => Err(io::Error::other(join)),
    }
    .map_err(|e| io::Error::new(e.kind(), format!("cannot resolve {addr}: {e}")))?;
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("cannot resolve {addr}: no addresses"),
        ));
    }
    Ok(addrs)
}
