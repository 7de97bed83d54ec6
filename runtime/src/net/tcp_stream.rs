//! A TCP connection.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use mio::Interest;

use super::resolve::resolve;
use super::source::IoSource;
use crate::reactor::Direction;

/// A TCP connection registered with the runtime's reactor.
///
/// Reads and writes are `async`: when the socket is not ready, the task waits (its waker
/// is stored with the reactor) and other tasks run; the reactor wakes it when epoll reports
/// readiness. `TcpStream` also implements the `futures-io` [`AsyncRead`] and [`AsyncWrite`]
/// traits, so adapters from the wider ecosystem work with it.
///
/// [`AsyncRead`]: futures_io::AsyncRead
/// [`AsyncWrite`]: futures_io::AsyncWrite
pub struct TcpStream {
    source: IoSource<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr` (`"host:port"`, `"127.0.0.1:80"`, `"[::1]:443"`).
    ///
    /// A host name is resolved on the blocking pool; every resolved address is tried in
    /// order until one connects (see [`connect_first`](TcpStream::connect_first)).
    ///
    /// # Errors
    /// If resolution fails, or every address refuses; the message names `addr`.
    pub async fn connect(addr: &str) -> io::Result<TcpStream> {
        let candidates = resolve(addr).await?;
        TcpStream::connect_first(candidates)
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("cannot connect to {addr}: {e}")))
    }

    /// Connects to each of `addrs` in order until one accepts: the loop behind
    /// [`connect`](TcpStream::connect), for callers that resolve names themselves.
    ///
    /// # Errors
    /// The error of the last address tried, as it is; `InvalidInput` if `addrs` is empty.
    pub async fn connect_first(
        addrs: impl IntoIterator<Item = SocketAddr>,
    ) -> io::Result<TcpStream> {
        let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
        for candidate in addrs {
            match TcpStream::connect_addr(candidate).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Connects to one socket address.
    ///
    /// # Errors
    /// If the connection is refused, unreachable, or no runtime is running here.
    pub async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = mio::net::TcpStream::connect(addr)?;
        let source = IoSource::new(stream, Interest::READABLE | Interest::WRITABLE)?;
        // A non-blocking connect finishes when the socket becomes writable.
        loop {
            poll_fn(|cx| source.poll_ready(cx, Direction::Write)).await?;
            if let Some(e) = source.get_ref().take_error()? {
                return Err(e);
            }
            let connected = source.get_ref().peer_addr();
            match connected {
                Ok(_) => return Ok(TcpStream { source }),
                // Not connected yet: the writable event was spurious; wait again.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    source.clear_ready(Direction::Write)
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        let source = IoSource::new(stream, Interest::READABLE | Interest::WRITABLE)?;
        Ok(TcpStream { source })
    }

    /// Reads some bytes into `buf`; `Ok(0)` means the peer closed its side.
    ///
    /// # Errors
    /// What the socket reports (reset, ...).
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_buf(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes.
    ///
    /// # Errors
    /// `UnexpectedEof` if the peer closes first, or what the socket reports.
    pub async fn read_exact(&mut self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "connection closed before the buffer was filled",
                    ))
                }
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Writes some bytes from `buf` and returns how many.
    ///
    /// # Errors
    /// What the socket reports (broken pipe, reset, ...).
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write_buf(cx, buf)).await
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    /// `WriteZero` if the socket accepts nothing, or what the socket reports.
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let (_, mut writer) = self.split();
        writer.write_all(buf).await
    }

    /// Flushes buffered data. A TCP socket has no user-space buffer, so this returns at
    /// once; it exists so code written against buffered writers reads the same.
    ///
    /// # Errors
    /// Never.
    pub async fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Shuts down the reading half, the writing half (the peer reads end of file) or both.
    ///
    /// # Errors
    /// If the socket is not connected.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.source.get_ref().shutdown(how)
    }

    /// The remote address.
    ///
    /// # Errors
    /// If the socket is not connected.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// If the socket reports an error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm: small writes go out at once).
    ///
    /// # Errors
    /// If the socket reports an error.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.source.get_ref().set_nodelay(nodelay)
    }

    /// The mio token of this socket, as traces show it (`io(token N, ...)`).
    pub fn token(&self) -> usize {
        self.source.token().0
    }

    pub(super) fn poll_read_buf(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.source
            .poll_io(cx, Direction::Read, |mut s| s.read(buf))
    }

    pub(super) fn poll_write_buf(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.source
            .poll_io(cx, Direction::Write, |mut s| s.write(buf))
    }
}

impl futures_io::AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_buf(cx, buf)
    }
}

impl futures_io::AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_buf(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts down the writing half: the peer reads end of file.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.shutdown(Shutdown::Write) {
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(())),
        }
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .field("token", &self.token())
            .finish()
    }
}
