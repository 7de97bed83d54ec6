//! One exchange on one connection: write a request, read its response.
//!
//! ```text
//!   write request bytes ---------> read, feed the codec, until complete
//!   (and read, in case the server
//!   answers before it has it all)
//!   \__ Phase::Request __/          \_ ResponseHead _/ \__ Phase::Body __/
//! ```
//!
//! Each phase is a span in the trace, around the steps it takes; when the
//! head arrives while the request is still going out, the `response head`
//! span comes after the `request` span all the same, and ends at once.
//!
//! While the request goes out, the connection is read too: a server may
//! answer early (a `413 Payload Too Large` to a large upload, say) and stop
//! reading. Once such an answer has a final head that is not a success, or
//! is complete, the rest of the request is not sent (RFC 9112 section 9.5);
//! the answer is the response, and the connection is not reused.
//! ([`answered_early`] is that decision, on the codec's state alone.)
//!
//! Each single write and read is a step bounded by the read timeout (and
//! the request's deadline): a server that stops taking or sending bytes
//! ends the exchange with [`Error::Timeout`], whatever else it does.
//!
//! All HTTP rules live in the codec; this loop only moves bytes and
//! reports, at the end, whether the connection may carry another request.

use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use crate::codec::{Limits, ResponseDecoder, ResponseHead};
use crate::connection::Connection;
use crate::deadline::Clocks;
use crate::{Error, Headers, Phase};

/// How much is read from the connection at a time.
const READ_BUFFER: usize = 16 * 1024;

/// A response read in full.
#[derive(Debug)]
pub(crate) struct Exchanged {
    pub(crate) head: ResponseHead,
    pub(crate) body: Vec<u8>,
    pub(crate) trailers: Headers,
    /// Whether the connection may carry the next request: the codec says
    /// the response was cleanly framed and the server keeps the connection
    /// open, and nothing arrived after the response.
    pub(crate) reusable: bool,
}

/// An exchange that failed, and how far it got.
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) error: Error,
    /// Whether any byte of a response arrived before the failure. If none
    /// did on a kept-alive connection, the server most likely closed it
    /// while idle, and an idempotent request may be sent again.
    pub(crate) response_started: bool,
}

/// Writes `request` (already encoded) and reads the response to it, which
/// the codec decodes as the answer to `method`, within `limits`.
///
/// An early answer stops the sending, as the module docs say. A write that
/// fails because the server hung up is not the end either: what the server
/// said before it did is still read, and returned if it is a response.
pub(crate) async fn exchange(
    conn: &mut Connection,
    request: &[u8],
    method: &str,
    limits: Limits,
    clocks: Clocks,
) -> Result<Exchanged, Failed> {
    let mut state = Exchange {
        unsent: request,
        sending: Sending::Writing,
        decoder: ResponseDecoder::new(method, limits),
        started: false,
        write_error: None,
    };
    let result = state.run(conn, clocks).await;
    let response_started = state.started;
    match (result, state.write_error.take()) {
        (Ok(()), _) => state.finish(),
        // Nothing of an answer arrived: the failed write is the story.
        (Err(_), Some(write_error)) if !response_started => Err(write_error),
        (Err(error), _) => Err(error),
    }
    .map_err(|error| Failed {
        error,
        response_started,
    })
}

/// Where one exchange is.
struct Exchange<'a> {
    /// Request bytes the connection has not taken yet.
    unsent: &'a [u8],
    sending: Sending,
    decoder: ResponseDecoder,
    /// Whether any byte of a response arrived.
    started: bool,
    /// Why sending ended, if a write failed.
    write_error: Option<Error>,
}

/// How far the request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sending {
    /// Handing `unsent` to the connection.
    Writing,
    /// All handed over; TLS records may still wait in rustls.
    Flushing,
    /// All of it reached the socket.
    Sent,
    /// Given up before the end: the server answered early, or a write
    /// failed. The connection cannot carry another request.
    Stopped,
}

/// What one step of the exchange did.
enum Event {
    /// The connection took this many request bytes.
    Wrote(usize),
    /// The last of the request reached the socket.
    Flushed,
    /// Writing failed.
    WriteFailed(Error),
    /// This many response bytes arrived; 0 is the end of the stream.
    Read(usize),
}

impl Exchange<'_> {
    /// Runs the exchange's phases in turn: the request, the response head,
    /// the body. Each is a span in the trace; each step within them is
    /// bounded by `clocks`, and a step that runs out of time names its phase.
    async fn run(&mut self, conn: &mut Connection, clocks: Clocks) -> Result<(), Error> {
        let mut buf = vec![0; READ_BUFFER];
        for phase in [Phase::Request, Phase::ResponseHead, Phase::Body] {
            phase
                .span(self.steps(conn, clocks, &mut buf, phase))
                .await?;
        }
        Ok(())
    }

    /// Steps until `phase` is over: the request is sent (or given up), the
    /// final head is read, or the response is complete.
    async fn steps(
        &mut self,
        conn: &mut Connection,
        clocks: Clocks,
        buf: &mut [u8],
        phase: Phase,
    ) -> Result<(), Error> {
        while self.is_in(phase) {
            let step = poll_fn(|cx| self.poll_event(conn, cx, buf));
            match clocks.step(phase, step).await? {
                Event::Wrote(0) => return Err(Error::Io(io::ErrorKind::WriteZero.into())),
                Event::Wrote(n) => {
                    self.unsent = self.unsent.get(n..).unwrap_or_default();
                    if self.unsent.is_empty() {
                        self.sending = Sending::Flushing;
                    }
                }
                Event::Flushed => self.sending = Sending::Sent,
                Event::WriteFailed(error) => {
                    self.sending = Sending::Stopped;
                    self.write_error = Some(error);
                }
                // The end of the stream: completes a body read until
                // close, and is `ConnectionClosed` anywhere else.
                Event::Read(0) => self.decoder.feed_eof()?,
                Event::Read(n) => {
                    self.started = true;
                    self.decoder.feed(buf.get(..n).unwrap_or_default())?;
                }
            }
            if self.is_sending() && answered_early(&self.decoder) {
                self.sending = Sending::Stopped;
            }
        }
        Ok(())
    }

    /// Whether the exchange is still in `phase`.
    fn is_in(&self, phase: Phase) -> bool {
        match phase {
            Phase::Request => self.is_sending(),
            Phase::ResponseHead => !self.decoder.is_complete() && self.decoder.head().is_none(),
            Phase::Body => !self.decoder.is_complete(),
            other => unreachable!("{other} is not a phase of an exchange"),
        }
    }

    /// Whether request bytes are still to go out.
    fn is_sending(&self) -> bool {
        matches!(self.sending, Sending::Writing | Sending::Flushing)
    }

    /// Ready with the first thing that happens: response bytes (looked for
    /// first, while the response is incomplete), or progress sending.
    fn poll_event(
        &mut self,
        conn: &mut Connection,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<Result<Event, Error>> {
        if !self.decoder.is_complete() {
            if let Poll::Ready(read) = conn.poll_read(cx, buf) {
                return Poll::Ready(read.map(Event::Read));
            }
        }
        let written = match self.sending {
            Sending::Writing => conn.poll_write(cx, self.unsent).map_ok(Event::Wrote),
            Sending::Flushing => conn.poll_flush(cx).map_ok(|()| Event::Flushed),
            Sending::Sent | Sending::Stopped => return Poll::Pending,
        };
        written.map(|result| Ok(result.unwrap_or_else(Event::WriteFailed)))
    }

    /// The complete response, and whether the connection may carry the
    /// next request.
    fn finish(self) -> Result<Exchanged, Error> {
        let mut decoder = self.decoder;
        let head = decoder
            .head()
            .cloned()
            .ok_or_else(|| Error::protocol("response complete without a head"))?;
        let body = decoder.take_body();
        let trailers = decoder.trailers().cloned().unwrap_or_default();
        let clean = decoder.reusable() && self.sending == Sending::Sent;
        // The server sent more than we asked for: we cannot tell what it
        // belongs to, so the connection is not used again.
        let reusable = clean && decoder.into_leftover().is_empty();
        Ok(Exchanged {
            head,
            body,
            trailers,
            reusable,
        })
    }
}

/// Whether what arrived of the response, while the request was still
/// being sent, means the rest of the request should not be sent: the
/// response is complete, or its final head is not a success (a 1xx
/// interim head is not final; with a 2xx the server may want the rest, as
/// curl assumes too).
fn answered_early(decoder: &ResponseDecoder) -> bool {
    decoder.is_complete() || decoder.head().is_some_and(|head| head.status() >= 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the client stops sending after `bytes` of a response.
    fn stops_after(bytes: &[u8]) -> bool {
        let mut decoder = ResponseDecoder::new("POST", Limits::default());
        decoder.feed(bytes).unwrap();
        answered_early(&decoder)
    }

    #[test]
    fn a_final_head_that_is_not_a_success_stops_the_upload_at_once() {
        assert!(stops_after(
            b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\n\r\n"
        ));
        assert!(stops_after(b"HTTP/1.1 501 Not Implemented\r\n\r\n"));
        assert!(stops_after(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /b\r\n\r\n"
        ));
    }

    #[test]
    fn interim_heads_partial_heads_and_unfinished_successes_let_the_upload_go_on() {
        assert!(!stops_after(b""));
        assert!(!stops_after(b"HTTP/1.1 413 Payload Too"));
        assert!(!stops_after(b"HTTP/1.1 100 Continue\r\n\r\n"));
        assert!(!stops_after(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"
        ));
    }

    #[test]
    fn a_complete_response_of_any_status_stops_the_upload() {
        assert!(stops_after(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        ));
        assert!(stops_after(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
        ));
    }
}
