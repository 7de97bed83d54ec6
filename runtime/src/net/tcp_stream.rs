//! A TCP connection.

use std::fmt;
use std::io::{self, Read as _, Write as _};
use std::net::{Shutdown, SocketAddr};
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use mio::Interest;

use super::source::IoSource;
use super::{Connect, ConnectAddr, ConnectFirst, Read, ReadExact, Write, WriteAll};
use crate::sim::SimStream;
use crate::task::{Await, AwaitPoint};

/// A TCP connection registered with the runtime's reactor.
///
/// Reads and writes are `async`: when the socket is not ready, the task waits (its waker
/// is stored with the reactor) and other tasks run; the reactor wakes it when epoll reports
/// readiness. `TcpStream` also implements the `futures-io` [`AsyncRead`] and [`AsyncWrite`]
/// traits, so adapters from the wider ecosystem work with it.
///
/// Each operation returns a future that remembers the line that called it, so a waiting
/// task shows as `pending on socket read (src/x.rs:12)` in a trace. The `poll_read` and
/// `poll_write` of those traits have no future: they name the line that polls them (the
/// fetcher's TLS layer, say).
///
/// [`AsyncRead`]: futures_io::AsyncRead
/// [`AsyncWrite`]: futures_io::AsyncWrite
pub struct TcpStream {
    io: Io,
}

/// What a stream is over: a socket of the operating system, or the runtime's simulated
/// network ([`crate::sim`]).
enum Io {
    Os(IoSource<mio::net::TcpStream>),
    Sim(SimStream),
}

impl TcpStream {
    /// Connects to `addr` (`"host:port"`, `"127.0.0.1:80"`, `"[::1]:443"`).
    ///
    /// A host name is resolved on the blocking pool; every resolved address is tried in
    /// order until one connects (see [`connect_first`](TcpStream::connect_first)).
    ///
    /// # Errors
    /// If resolution fails, or every address refuses; the message names `addr`.
    #[track_caller]
    pub fn connect(addr: &str) -> Connect<'_> {
        Connect::new(addr, Location::caller())
    }

    /// Connects to each of `addrs` in order until one accepts: the loop behind
    /// [`connect`](TcpStream::connect), for callers that resolve names themselves.
    ///
    /// # Errors
    /// The error of the last address tried, as it is; `InvalidInput` if `addrs` is empty.
    #[track_caller]
    pub fn connect_first<I>(addrs: I) -> ConnectFirst<I::IntoIter>
    where
        I: IntoIterator<Item = SocketAddr>,
    {
        ConnectFirst::new(addrs.into_iter(), Location::caller())
    }

    /// Connects to one socket address.
    ///
    /// # Errors
    /// If the connection is refused, unreachable, or no runtime is running here.
    #[track_caller]
    pub fn connect_addr(addr: SocketAddr) -> ConnectAddr {
        ConnectAddr::new(addr, Location::caller())
    }

    pub(crate) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        let source = IoSource::new(stream, Interest::READABLE | Interest::WRITABLE)?;
        Ok(TcpStream::from_source(source))
    }

    pub(super) fn from_source(source: IoSource<mio::net::TcpStream>) -> TcpStream {
        TcpStream { io: Io::Os(source) }
    }

    pub(super) fn from_sim(stream: SimStream) -> TcpStream {
        TcpStream {
            io: Io::Sim(stream),
        }
    }

    /// Reads some bytes into `buf`; `Ok(0)` means the peer closed its side.
    ///
    /// # Errors
    /// What the socket reports (reset, ...).
    #[track_caller]
    pub fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a> {
        Read::new(self, buf, Location::caller())
    }

    /// Reads exactly `buf.len()` bytes.
    ///
    /// # Errors
    /// `UnexpectedEof` if the peer closes first, or what the socket reports.
    #[track_caller]
    pub fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a> {
        ReadExact::new(self, buf, Location::caller())
    }

    /// Writes some bytes from `buf` and returns how many.
    ///
    /// # Errors
    /// What the socket reports (broken pipe, reset, ...).
    #[track_caller]
    pub fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a> {
        Write::new(self, buf, Location::caller())
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    /// `WriteZero` if the socket accepts nothing, or what the socket reports.
    #[track_caller]
    pub fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a> {
        WriteAll::new(self, buf, Location::caller())
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
        match &self.io {
            Io::Os(source) => source.get_ref().shutdown(how),
            Io::Sim(stream) => stream.shutdown(how),
        }
    }

    /// The remote address.
    ///
    /// # Errors
    /// If the socket is not connected.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.io {
            Io::Os(source) => source.get_ref().peer_addr(),
            Io::Sim(stream) => Ok(stream.peer_addr()),
        }
    }

    /// The local address.
    ///
    /// # Errors
    /// If the socket reports an error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.io {
            Io::Os(source) => source.get_ref().local_addr(),
            Io::Sim(stream) => Ok(stream.local_addr()),
        }
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm: small writes go out at once).
    ///
    /// # Errors
    /// If the socket reports an error.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        match &self.io {
            Io::Os(source) => source.get_ref().set_nodelay(nodelay),
            Io::Sim(_) => Ok(()), // segments go out as they are written
        }
    }

    /// The mio token of this socket, as traces show it (`io(token N, ...)`); `usize::MAX`
    /// on the simulated network, where no reactor token is involved.
    pub fn token(&self) -> usize {
        match &self.io {
            Io::Os(source) => source.token().0,
            Io::Sim(_) => usize::MAX,
        }
    }

    /// Reads into `buf` if the socket has bytes; otherwise waits for it, naming `at` as the
    /// await point.
    pub(super) fn poll_read_at(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        at: &'static Location<'static>,
    ) -> Poll<io::Result<usize>> {
        let op = AwaitPoint {
            what: Await::Read,
            at,
        };
        match &self.io {
            Io::Os(source) => source.poll_io(cx, op, |mut s| s.read(buf)),
            Io::Sim(stream) => stream.poll_read(cx, buf, op),
        }
    }

    /// Writes from `buf` if the socket has room; otherwise waits for it, naming `at` as the
    /// await point.
    pub(super) fn poll_write_at(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        at: &'static Location<'static>,
    ) -> Poll<io::Result<usize>> {
        let op = AwaitPoint {
            what: Await::Write,
            at,
        };
        match &self.io {
            Io::Os(source) => source.poll_io(cx, op, |mut s| s.write(buf)),
            Io::Sim(stream) => stream.poll_write(cx, buf, op),
        }
    }
}

// Where a poll method's wait is recorded. A `poll_*` call has no future to remember a
// line, so the await point is the line that called it (`#[track_caller]`): the code that
// drives the socket, such as the fetcher's TLS layer (`fetcher/src/tls/stream.rs`) or a
// server's read loop. That names who waits, which the line that created the stream would
// not (every wait of a connection would show its `connect` or `accept`). Called through a
// generic adapter of another crate, the line is the adapter's; through `dyn AsyncRead`, it
// is this file's.

impl futures_io::AsyncRead for TcpStream {
    /// Reads some bytes; on `Pending` the trace names the line that called this.
    #[track_caller]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_at(cx, buf, Location::caller())
    }
}

impl futures_io::AsyncWrite for TcpStream {
    /// Writes some bytes; on `Pending` the trace names the line that called this.
    #[track_caller]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_at(cx, buf, Location::caller())
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
