//! Turning `host:port` into socket addresses without blocking the runtime.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use crate::executor::spawn_blocking;

/// Resolves `addr` (`"127.0.0.1:80"`, `"[::1]:443"`, `"example.com:443"`).
///
/// A literal address is parsed on the spot. A host name goes to the system resolver on the
/// blocking pool (`getaddrinfo` blocks), so other tasks keep running meanwhile.
///
/// # Errors
/// If the resolver fails or returns no address; the message names the host.
pub(crate) async fn resolve(addr: &str) -> io::Result<Vec<SocketAddr>> {
    if let Ok(literal) = addr.parse::<SocketAddr>() {
        return Ok(vec![literal]);
    }
    let host = addr.to_owned();
    let lookup = spawn_blocking(move || host.to_socket_addrs().map(Iterator::collect::<Vec<_>>));
    let addrs = match lookup.await {
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
