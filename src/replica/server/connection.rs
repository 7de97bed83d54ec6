//! One connection, from accept to close.
//!
//! ```text
//!            ┌───────────────────────────────────────────────┐
//!            ▼                                               │
//!  ┌──── Reading ─────┐  whole request  ┌─── Answering ───┐  │ keep-alive
//!  │ read → feed      │ ──────────────▶ │ sleep(delay)    │ ─┘
//!  │ (idle deadline)  │                 │ write response  │
//!  └──────────────────┘                 └─────────────────┘
//!     │        │    │ not HTTP                   │ Connection: close,
//!     │ EOF    │    ▼                            │ write failed or timed out
//!     │        │  write 400 / 431                │
//!     │        │ deadline passed                 │
//!     ▼        ▼    ▼                            ▼
//!  ┌───────────────── Closing ───────────────────────┐
//!  │ shut down our side (TLS: close_notify first),   │
//!  │ then, after an answer, drain what the client    │
//!  │ still sends, for a moment, before dropping      │
//!  └─────────────────────────────────────────────────┘
//! ```
//!
//! **Reading** hands each read to the [`RequestReader`] and answers every
//! request it yields, in order, so pipelined requests work. The idle
//! deadline is set when the connection opens and again after each answer:
//! a client that does not complete a request head by then (silence, or a
//! slowloris trickle of bytes) is closed without an answer.
//!
//! **Closing** drains before dropping because closing a socket with unread
//! bytes in its receive buffer sends a reset, and a reset can destroy the
//! answer (a `431`, say) before the client has read it.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};
use runtime::time::{sleep, timeout, timeout_at, Instant};

use super::serve::ServerState;
use crate::replica::{respond, Request, RequestReader, Response};

/// How long a closing connection keeps reading (and discarding) what the
/// client still sends, so the client can read our last answer.
const LINGER: Duration = Duration::from_millis(500);

/// The most bytes a closing connection reads and discards before dropping.
const LINGER_BYTES: usize = 256 * 1024;

/// The size of the read buffer: one read never takes more than this.
const READ_CHUNK: usize = 8 * 1024;

/// Why a connection ended.
#[derive(Debug)]
pub(crate) enum Closed {
    /// The client closed its writing side (or the connection) between
    /// requests, or in the middle of one.
    ByPeer,
    /// An answer said `Connection: close`: the request asked for it, or it
    /// was HTTP/1.0 without keep-alive.
    Requested,
    /// The bytes were not an acceptable request; the client got a `400` or
    /// `431`.
    BadRequest,
    /// No complete request head arrived before the idle deadline.
    IdleTimeout,
    /// The client did not read an answer within the idle timeout.
    WriteTimeout,
    /// The socket or TLS failed.
    Failed,
}

/// Serves one accepted connection until it closes, and records why it
/// closed (before closing, so a client that sees the end finds it counted).
/// Never panics on anything the client sends.
pub(crate) async fn serve<S>(stream: S, state: Rc<ServerState>, default_host: String)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let reader = RequestReader::new(state.scheme, default_host);
    let mut connection = Connection {
        stream,
        reader,
        state,
        deadline: None,
    };
    let closed = connection.run().await;
    connection.state.log.closed(&closed);
    connection.close(&closed).await;
}

/// A connection's state while it is served.
struct Connection<S> {
    /// The client's byte stream: a TCP socket, or TLS over one.
    stream: S,
    /// Everything read and not yet answered. After it returns an error, the
    /// connection only closes.
    reader: RequestReader,
    /// What every connection of this server shares.
    state: Rc<ServerState>,
    /// When the next request head must be complete; `None` if the idle
    /// timeout is too long to express as an instant.
    deadline: Option<Instant>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    /// The Reading/Answering loop of the module docs.
    async fn run(&mut self) -> Closed {
        self.reset_deadline();
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            // Answer every request already buffered, oldest first.
            loop {
                match self.reader.next_request() {
                    Ok(Some(request)) => {
                        if let Some(closed) = self.answer(request).await {
                            return closed;
                        }
                        self.reset_deadline();
                    }
                    Ok(None) => break,
                    Err(error) => {
                        return match self.send(&error.response()).await {
                            Ok(()) => Closed::BadRequest,
                            Err(closed) => closed,
                        };
                    }
                }
            }
            // The rest of a request has yet to arrive.
            let read = read(&mut self.stream, &mut buf);
            let outcome = match self.deadline {
                Some(deadline) => match timeout_at(deadline, read).await {
                    Ok(outcome) => outcome,
                    Err(_elapsed) => return Closed::IdleTimeout,
                },
                None => read.await,
            };
            match outcome {
                Ok(0) => return Closed::ByPeer,
                Ok(n) => self.reader.feed(&buf[..n]),
                // A TLS client that closes the socket without `close_notify`:
                // for a server, between requests, that is an ordinary close.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Closed::ByPeer,
                Err(_) => return Closed::Failed,
            }
        }
    }

    /// Waits the request's delay, records the request as served and writes
    /// its answer. `Some` if the connection must close afterwards.
    async fn answer(&mut self, request: Request) -> Option<Closed> {
        let delay = self.state.delays.borrow_mut().next_for(&request.target);
        if !delay.is_zero() {
            sleep(delay).await;
        }
        let response = respond(self.state.dataset, &request);
        // Recorded as it leaves, so a client holding the answer finds it
        // listed already.
        self.state.log.served(request.target);
        if let Err(closed) = self.send(&response).await {
            return Some(closed);
        }
        response.close.then_some(Closed::Requested)
    }

    /// Writes `response` whole, within the idle timeout.
    async fn send(&mut self, response: &Response) -> Result<(), Closed> {
        let bytes = response.to_bytes();
        match timeout(self.state.idle_timeout, write_all(&mut self.stream, &bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Closed::Failed),
            Err(_elapsed) => Err(Closed::WriteTimeout),
        }
    }

    /// Starts a new idle period.
    fn reset_deadline(&mut self) {
        self.deadline = Instant::now().checked_add(self.state.idle_timeout);
    }

    /// The Closing state of the module docs. Failures here change nothing:
    /// the connection is going away either way.
    async fn close(&mut self, closed: &Closed) {
        let answered = match closed {
            Closed::Requested | Closed::BadRequest => true,
            Closed::ByPeer | Closed::IdleTimeout => false,
            // The stream is broken or the client is not reading: just drop.
            Closed::WriteTimeout | Closed::Failed => return,
        };
        let shut = poll_fn(|cx| Pin::new(&mut self.stream).poll_close(cx));
        if !matches!(timeout(LINGER, shut).await, Ok(Ok(()))) || !answered {
            return;
        }
        let mut buf = vec![0u8; READ_CHUNK];
        let mut drained = 0;
        let _ = timeout(LINGER, async {
            while drained < LINGER_BYTES {
                match read(&mut self.stream, &mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => drained += n,
                }
            }
        })
        .await;
    }
}

/// Reads some bytes, retrying when a signal interrupts the read.
async fn read<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match poll_fn(|cx| Pin::new(&mut *stream).poll_read(cx, buf)).await {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Writes all of `bytes`, then flushes (which, over TLS, sends the last
/// records).
async fn write_all<S: AsyncWrite + Unpin>(stream: &mut S, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match poll_fn(|cx| Pin::new(&mut *stream).poll_write(cx, bytes)).await {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    poll_fn(|cx| Pin::new(&mut *stream).poll_flush(cx)).await
}
