//! Accepting TCP connections.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use mio::Interest;

use super::source::IoSource;
use super::TcpStream;
use crate::sim::SimListener;
use crate::task::{Await, AwaitPoint};

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
    io: Io,
}

/// What a listener is: a socket of the operating system, or one on the runtime's simulated
/// network ([`crate::sim`]).
enum Io {
    Os(IoSource<mio::net::TcpListener>),
    Sim(SimListener),
}

impl TcpListener {
    /// Binds to `addr` (each resolved address is tried in order) and starts listening.
    ///
    /// Pass a literal address: a host name would be resolved here, blocking the thread.
    ///
    /// # Errors
    /// If no runtime is running on this thread, or no address can be bound; the error names
    /// the address.
    #[track_caller]
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let at = Location::caller();
        let network = crate::sim::try_network();
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            if let Some(network) = &network {
                match SimListener::bind(network, addr, at) {
                    Ok(listener) => {
                        return Ok(TcpListener {
                            io: Io::Sim(listener),
                        })
                    }
                    Err(e) => last = Some(e),
                }
                continue;
            }
            match mio::net::TcpListener::bind(addr) {
                Ok(listener) => {
                    let source = IoSource::new(listener, Interest::READABLE)?;
                    return Ok(TcpListener { io: Io::Os(source) });
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
    #[track_caller]
    pub fn accept(&self) -> Accept<'_> {
        Accept {
            listener: self,
            created_at: Location::caller(),
        }
    }

    /// The address the listener is bound to (with the real port when bound to port 0).
    ///
    /// # Errors
    /// If the socket reports an error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.io {
            Io::Os(source) => source.get_ref().local_addr(),
            Io::Sim(listener) => Ok(listener.local),
        }
    }
}

/// The future returned by [`TcpListener::accept`]: the next connection and its peer's
/// address.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Accept<'a> {
    listener: &'a TcpListener,
    /// The line that called `accept`, for the trace's `pending on accept (…)`.
    created_at: &'static Location<'static>,
}

impl Future for Accept<'_> {
    type Output = io::Result<(TcpStream, SocketAddr)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let op = AwaitPoint {
            what: Await::Accept,
            at: self.created_at,
        };
        match &self.listener.io {
            Io::Os(source) => {
                let (stream, peer) = ready!(source.poll_io(cx, op, |l| l.accept()))?;
                Poll::Ready(TcpStream::from_mio(stream).map(|stream| (stream, peer)))
            }
            Io::Sim(listener) => {
                let stream = ready!(listener.poll_accept(cx, op));
                let peer = stream.peer_addr();
                Poll::Ready(Ok((TcpStream::from_sim(stream), peer)))
            }
        }
    }
}

impl fmt::Debug for Accept<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accept")
            .field("listener", &self.listener)
            .finish()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .field("simulated", &matches!(self.io, Io::Sim(_)))
            .finish()
    }
}
