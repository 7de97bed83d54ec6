//! The connection driver: opening a connection to an origin, and moving
//! bytes over it, in plain TCP or in TLS.
//!
//! It knows nothing of HTTP. The exchange on top hands it request bytes to
//! write and feeds what it reads to the codec.
//!
//! ```text
//!   open():  resolve --> TCP connect --> (https) TLS handshake --> ready
//!            \_Resolve_/ \_ Connect _/   \_____ Handshake _____/   (Phase::)
//! ```
//!
//! Each phase is a span in the trace and runs against the connect deadline,
//! whose timeout names it.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};
use runtime::net::TcpStream;
use runtime::time::Instant;
use rustls::{ClientConfig, ClientConnection};

use crate::deadline::phase;
use crate::origin::{Origin, Scheme};
use crate::tls::TlsStream;
use crate::{Error, Phase};

/// One open connection to an origin.
#[derive(Debug)]
pub(crate) struct Connection {
    transport: Transport,
}

/// What the bytes travel over.
#[derive(Debug)]
enum Transport {
    /// `http`: bytes go straight to the socket.
    Plain(TcpStream),
    /// `https`: bytes go through a TLS session. Boxed: the rustls state is
    /// large and the plain variant should not pay for it.
    Tls(Box<TlsStream<ClientConnection>>),
}

impl Connection {
    /// Opens a connection to `origin`: resolves it, connects to each address
    /// in turn until one accepts, and for `https` completes the TLS
    /// handshake, verifying the server's certificate against `tls`.
    ///
    /// # Errors
    /// [`Error::Dns`], [`Error::Connect`] (with the last address's error),
    /// [`Error::Tls`] with rustls's reason, [`Error::ConnectionClosed`] if
    /// the server hangs up during the handshake, or [`Error::Timeout`] with
    /// [`Phase::Resolve`], [`Phase::Connect`] or [`Phase::Handshake`] when
    /// `deadline` passes.
    pub(crate) async fn open(
        origin: &Origin,
        tls: &Arc<ClientConfig>,
        deadline: Option<Instant>,
    ) -> Result<Connection, Error> {
        let addrs = phase(deadline, Phase::Resolve, origin.resolve()).await?;
        let socket = phase(deadline, Phase::Connect, connect(origin, addrs)).await?;
        // Requests are written in one piece; no point waiting to batch them.
        socket.set_nodelay(true)?;
        let transport = match origin.scheme {
            Scheme::Http => Transport::Plain(socket),
            Scheme::Https => {
                let name = origin.server_name()?;
                let handshake = async {
                    TlsStream::connect(socket, Arc::clone(tls), name)
                        .await
                        .map_err(handshake_error)
                };
                let stream = phase(deadline, Phase::Handshake, handshake).await?;
                Transport::Tls(Box::new(stream))
            }
        };
        Ok(Connection { transport })
    }

    /// Writes some of `bytes`, through TLS if the connection has it, and
    /// returns how many were taken. Over TLS they may wait in rustls until
    /// [`poll_flush`](Self::poll_flush).
    ///
    /// # Errors
    /// [`Error::Io`] from the socket, or [`Error::Tls`].
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<Result<usize, Error>> {
        let poll = match &mut self.transport {
            Transport::Plain(socket) => Pin::new(socket).poll_write(cx, bytes),
            Transport::Tls(stream) => stream.poll_write_plain(cx, bytes),
        };
        poll.map_err(Error::from)
    }

    /// Sends whatever TLS records rustls still holds; plain TCP has nothing
    /// to flush.
    ///
    /// # Errors
    /// [`Error::Io`] from the socket, or [`Error::Tls`].
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let poll = match &mut self.transport {
            Transport::Plain(_) => return Poll::Ready(Ok(())),
            Transport::Tls(stream) => Pin::new(&mut **stream).poll_flush(cx),
        };
        poll.map_err(Error::from)
    }

    /// Reads some bytes into `buf`; `Ok(0)` is the end of the stream.
    ///
    /// Over TLS, a socket closed without `close_notify` also reads as the
    /// end of the stream. Many servers close that way, and HTTP's own
    /// framing already tells a complete response from a cut-off one: the
    /// codec reports a body cut short of its `Content-Length` or last chunk
    /// as [`Error::ConnectionClosed`].
    ///
    /// # Errors
    /// [`Error::Io`] from the socket, or [`Error::Tls`].
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<Result<usize, Error>> {
        let poll = match &mut self.transport {
            Transport::Plain(socket) => Pin::new(socket).poll_read(cx, buf),
            Transport::Tls(stream) => stream.poll_read_plain(cx, buf),
        };
        poll.map(|result| match result {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
            other => Ok(other?),
        })
    }

    /// Whether a connection that sat idle in the pool can take a request:
    /// the server has neither closed it nor sent anything unasked (such as a
    /// `408 Request Timeout` before closing), which would otherwise be read
    /// as the response to the next request.
    ///
    /// It polls one read with a waker that does nothing: `Pending` means
    /// the socket is quiet and open. The next real read replaces the waker.
    pub(crate) fn is_quiet(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        let mut probe = [0; 1];
        let poll = match &mut self.transport {
            Transport::Plain(socket) => Pin::new(socket).poll_read(&mut cx, &mut probe),
            Transport::Tls(stream) => stream.poll_read_plain(&mut cx, &mut probe),
        };
        // Ready is the end of the stream, an error or unexpected bytes: all
        // mean the connection cannot carry the next exchange.
        poll.is_pending()
    }
}

/// Connects to `origin`'s addresses in order.
async fn connect(origin: &Origin, addrs: Vec<SocketAddr>) -> Result<TcpStream, Error> {
    TcpStream::connect_first(addrs)
        .await
        .map_err(|source| Error::Connect {
            address: origin.to_string(),
            source,
        })
}

/// The error for a failed handshake: the server hanging up mid-handshake is
/// [`Error::ConnectionClosed`], a rustls refusal is [`Error::Tls`].
fn handshake_error(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::ConnectionClosed
    } else {
        Error::from(e)
    }
}
