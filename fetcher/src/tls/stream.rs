//! [`TlsStream`]: the loop between rustls's queues and a socket.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::ops::DerefMut;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use runtime::net::TcpStream;
use rustls::pki_types::ServerName;
use rustls::SideData;
use rustls::{ClientConfig, ClientConnection, ConnectionCommon, ServerConfig, ServerConnection};

use super::into_io;

/// A TLS session over a runtime [`TcpStream`], for either side.
///
/// `C` is the rustls connection: [`ClientConnection`] or
/// [`ServerConnection`] (or anything that dereferences to a
/// [`ConnectionCommon`], such as a `Box` of one). See the
/// [module docs](super) for how it is driven and an example.
///
/// Writes are buffered by rustls: [`write`](Self::write) may return before
/// the bytes reach the socket, and [`flush`](Self::flush) pushes them out.
/// [`write_all`](Self::write_all) flushes before it returns.
///
/// Every method may be cancelled (its future dropped, e.g. by a timeout)
/// without losing bytes that rustls already holds; the next call carries on.
/// Dropping the stream closes the socket without a `close_notify`; call
/// [`shutdown`](Self::shutdown) first to end the session cleanly.
pub struct TlsStream<C> {
    /// The socket. Only TLS records cross it.
    io: TcpStream,
    /// The rustls state machine: records still to send, plaintext still to
    /// read, and the session's keys.
    conn: C,
}

impl TlsStream<ClientConnection> {
    /// Starts a client session to `server_name` over `io` and completes the
    /// handshake.
    ///
    /// `server_name` is sent as SNI and is what the server's certificate is
    /// verified against (a DNS name or an IP address).
    ///
    /// # Errors
    /// What [`handshake`](Self::handshake) reports, or an
    /// [`io::ErrorKind::InvalidData`] error holding the [`rustls::Error`] if
    /// the configuration cannot start a session.
    pub async fn connect(
        io: TcpStream,
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> io::Result<TlsStream<ClientConnection>> {
        let conn = ClientConnection::new(config, server_name).map_err(into_io)?;
        let mut stream = TlsStream::new(io, conn);
        stream.handshake().await?;
        Ok(stream)
    }
}

impl TlsStream<ServerConnection> {
    /// Starts a server session over an accepted `io` and completes the
    /// handshake.
    ///
    /// # Errors
    /// What [`handshake`](Self::handshake) reports, or an
    /// [`io::ErrorKind::InvalidData`] error holding the [`rustls::Error`] if
    /// the configuration cannot start a session.
    pub async fn accept(
        io: TcpStream,
        config: Arc<ServerConfig>,
    ) -> io::Result<TlsStream<ServerConnection>> {
        let conn = ServerConnection::new(config).map_err(into_io)?;
        let mut stream = TlsStream::new(io, conn);
        stream.handshake().await?;
        Ok(stream)
    }
}

impl<C, S> TlsStream<C>
where
    C: DerefMut<Target = ConnectionCommon<S>>,
    S: SideData,
{
    /// Wraps a socket and a fresh rustls connection. Nothing is sent until
    /// [`handshake`](Self::handshake) or the first read or write, which
    /// completes the handshake before it reads or writes any data.
    pub fn new(io: TcpStream, conn: C) -> Self {
        TlsStream { io, conn }
    }

    /// Runs the handshake to the end: returns once the session keys are
    /// agreed and every handshake message this side owes has been sent.
    /// Returns at once if the handshake is already done.
    ///
    /// # Errors
    /// [`io::ErrorKind::InvalidData`] holding the [`rustls::Error`] when
    /// rustls rejects the peer (the alert it queued is sent first, as far
    /// as the socket takes it); [`io::ErrorKind::UnexpectedEof`] when the
    /// peer closes during the handshake; or what the socket reports.
    pub async fn handshake(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_handshake(cx)).await
    }

    /// Reads decrypted bytes into `buf`.
    ///
    /// `Ok(0)` means the peer ended the session with `close_notify`, or
    /// `buf` is empty.
    ///
    /// Records rustls still holds for the peer are sent on the way, without
    /// waiting; a failure to send them is left for the next
    /// [`write`](Self::write) or [`flush`](Self::flush) to report, so what
    /// the peer sent before it hung up can still be read.
    ///
    /// # Errors
    /// [`io::ErrorKind::UnexpectedEof`] when the socket closed without a
    /// `close_notify` (which a truncation attack would look like, and which
    /// many servers do anyway: the protocol on top must decide whether its
    /// message was complete); `InvalidData` with the [`rustls::Error`] on a
    /// TLS failure; or what the socket reports.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_plain(cx, buf)).await
    }

    /// Encrypts some bytes from `buf` into rustls's buffer and starts sending
    /// them; returns how many were taken. Call [`flush`](Self::flush) to
    /// wait until they reached the socket.
    ///
    /// # Errors
    /// What the socket reports, or `InvalidData` with the [`rustls::Error`].
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write_plain(cx, buf)).await
    }

    /// Writes all of `buf` and flushes it to the socket.
    ///
    /// # Errors
    /// `WriteZero` if the socket accepts nothing, `InvalidData` with the
    /// [`rustls::Error`], or what the socket reports.
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = buf.get(n..).unwrap_or_default(),
            }
        }
        self.flush().await
    }

    /// Sends every TLS record rustls holds (handshake messages, encrypted
    /// data, alerts) to the socket.
    ///
    /// # Errors
    /// What the socket reports.
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_send_records(cx)).await
    }

    /// Ends the session cleanly: queues a `close_notify` alert, flushes it,
    /// and shuts down the socket's writing half, so the peer reads a clean
    /// end of the stream. Reading remains possible.
    ///
    /// # Errors
    /// What the socket reports while flushing.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_shutdown(cx)).await
    }

    /// The socket underneath, e.g. for its addresses or its trace token.
    pub fn tcp(&self) -> &TcpStream {
        &self.io
    }

    /// The rustls connection, e.g. for the negotiated protocol version or,
    /// on a server, the SNI name the client asked for.
    pub fn connection(&self) -> &C {
        &self.conn
    }

    /// The socket and the rustls connection, taken apart.
    pub fn into_parts(self) -> (TcpStream, C) {
        (self.io, self.conn)
    }

    /// [`handshake`](Self::handshake) as a poll function.
    ///
    /// # Errors
    /// As [`handshake`](Self::handshake).
    pub fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            // Step 1: everything rustls wants to say goes out first.
            ready!(self.poll_send_records(cx))?;
            // Step 2: done once the keys are agreed and nothing is owed.
            if !self.conn.is_handshaking() {
                return Poll::Ready(Ok(()));
            }
            // Step 3: the peer's turn to speak.
            if ready!(self.poll_receive_records(cx))? == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed during the tls handshake",
                )));
            }
        }
    }

    /// [`read`](Self::read) as a poll function.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn poll_read_plain(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if self.conn.is_handshaking() {
            ready!(self.poll_handshake(cx))?;
        }
        loop {
            // Step 1: plaintext rustls already decrypted comes first.
            match self.conn.reader().read(buf) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
            // Step 2: rustls may owe the peer something (the rest of the
            // handshake, a key update, an alert, data a writer left). Start
            // sending it, but do not wait for it: waiting to write must not
            // stop us from reading. Nor must failing to: a peer that hung up
            // may have said something first, and the next write or flush
            // reports the failure.
            if self.conn.wants_write() {
                let _ = self.poll_send_records(cx);
            }
            // Step 3: more records from the socket. At the end of the stream
            // go round once more: the reader then reports a clean end
            // (close_notify seen) or `UnexpectedEof`.
            ready!(self.poll_receive_records(cx))?;
        }
    }

    /// [`write`](Self::write) as a poll function.
    ///
    /// # Errors
    /// As [`write`](Self::write).
    pub fn poll_write_plain(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if self.conn.is_handshaking() {
            ready!(self.poll_handshake(cx))?;
        }
        // Records queued earlier go out before more are made, so rustls's
        // buffer stays small and a slow peer slows the writer down.
        ready!(self.poll_send_records(cx))?;
        let taken = self.conn.writer().write(buf)?;
        // Start sending at once; if the socket is full the records wait in
        // rustls until the next write or flush.
        if let Poll::Ready(Err(e)) = self.poll_send_records(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(taken))
    }

    /// [`shutdown`](Self::shutdown) as a poll function. Calling it again
    /// after it returned `Pending` does not queue a second alert.
    ///
    /// # Errors
    /// As [`shutdown`](Self::shutdown).
    pub fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Calling this again after a `Pending` queues nothing new: rustls
        // sends close_notify once per session.
        self.conn.send_close_notify();
        ready!(self.poll_send_records(cx))?;
        match self.io.shutdown(Shutdown::Write) {
            // The peer may have closed already; the session is over either way.
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(())),
        }
    }

    /// Writes queued TLS records to the socket until rustls has none left
    /// (`Ready`) or the socket is full (`Pending`, woken when writable).
    fn poll_send_records(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            let mut socket = PollIo {
                io: &mut self.io,
                cx,
            };
            match self.conn.write_tls(&mut socket) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Reads one batch of TLS records from the socket and has rustls process
    /// them. `Ready(Ok(0))` is the end of the stream; `Pending` means the
    /// socket had nothing (woken when readable).
    fn poll_receive_records(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut socket = PollIo {
            io: &mut self.io,
            cx,
        };
        let n = match self.conn.read_tls(&mut socket) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
            Err(e) => return Poll::Ready(Err(e)),
        };
        if let Err(error) = self.conn.process_new_packets() {
            // rustls queued an alert that tells the peer why; send what the
            // socket takes now, without waiting, then report the error.
            let _ = self.poll_send_records(cx);
            return Poll::Ready(Err(into_io(error)));
        }
        Poll::Ready(Ok(n))
    }
}

impl<C, S> AsyncRead for TlsStream<C>
where
    C: DerefMut<Target = ConnectionCommon<S>> + Unpin,
    S: SideData,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_plain(cx, buf)
    }
}

impl<C, S> AsyncWrite for TlsStream<C>
where
    C: DerefMut<Target = ConnectionCommon<S>> + Unpin,
    S: SideData,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_plain(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_send_records(cx)
    }

    /// Sends `close_notify` and shuts down the socket's writing half.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_shutdown(cx)
    }
}

impl<C: fmt::Debug> fmt::Debug for TlsStream<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStream")
            .field("io", &self.io)
            .field("conn", &self.conn)
            .finish()
    }
}

/// The socket seen as a blocking `Read + Write` for rustls, with `Pending`
/// turned into `WouldBlock`. The task's waker is stored with the reactor
/// whenever `WouldBlock` is returned, so the caller may return `Pending`.
struct PollIo<'a, 'b> {
    io: &'a mut TcpStream,
    cx: &'a mut Context<'b>,
}

impl Read for PollIo<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.io).poll_read(self.cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for PollIo<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.io).poll_write(self.cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
