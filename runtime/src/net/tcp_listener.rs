//! Accepting TCP connections.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use mio::Interest;

use super::source::IoSource;
use super::TcpStream;
use crate::reactor::Direction;

/// A TCP socket listening for connections, registered with the runtime's reactor.
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let addr = listener.local_addr()?;
///     let client = runtime::spawn(async move { TcpStream::connect(&addr.to_string()).await });
///     let (_server_side, peer) = listener.accept().await?;
///     let client = client.await.unwrap()?;
///     assert_eq!(peer, client.local_addr()?);
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpListener {
    source: IoSource<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (each resolved address is tried in order) and starts listening.
    ///
    /// Pass a literal address: a host name would be resolved here, blocking the thread.
    ///
    /// # Errors
    /// If no runtime is running on this thread, or no address can be bound; the error names
    /// the address.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match mio::net::TcpListener::bind(addr) {
                Ok(listener) => {
                    let source = IoSource::new(listener, Interest::READABLE)?;
                    return Ok(TcpListener { source });
                }
                Err(e) => last = Some(io::Error::new(e.kind(), format!("cannot bind {addr}: {e}"))),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to bind to")
        }))
    }

    /// Waits for the next connection.
    ///
    /// # Errors
    /// What `accept(2)` reports (for example, too many open files).
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) =
            poll_fn(|cx| self.source.poll_io(cx, Direction::Read, |l| l.accept())).await?;
        Ok((TcpStream::from_mio(stream)?, peer))
    }

    /// The address the listener is bound to (with the real port when bound to port 0).
    ///
    /// # Errors
    /// If the socket reports an error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .field("token", &self.source.token().0)
            .finish()
    }
}
