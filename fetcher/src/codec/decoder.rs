//! The response decoder: bytes in, head and body out.

use super::body::Body;
use super::chunked::ChunkedDecoder;
use super::framing::{self, Framing};
use super::{head, section, Headers, Limits, ResponseHead};
use crate::{Error, Limit};

/// Decodes one HTTP/1.1 response from bytes fed in pieces of any size.
///
/// The decoder does no I/O. The caller reads from the connection and hands
/// each read to [`feed`](Self::feed), or calls [`feed_eof`](Self::feed_eof)
/// when a read returns nothing. The result is the same however the bytes
/// are split between calls. See the [module docs](super) for the states
/// and a driving loop.
///
/// ```
/// use fetcher::codec::{Limits, ResponseDecoder};
///
/// let mut decoder = ResponseDecoder::new("GET", Limits::default());
/// decoder.feed(b"HTTP/1.1 200 OK\r\nContent-Len")?;
/// assert!(decoder.head().is_none());
/// decoder.feed(b"gth: 5\r\n\r\nhel")?;
/// assert_eq!(decoder.head().map(|head| head.status()), Some(200));
/// decoder.feed(b"loHTTP/1.1")?;
///
/// assert!(decoder.is_complete());
/// assert_eq!(decoder.take_body(), b"hello");
/// assert!(decoder.reusable());
/// assert_eq!(decoder.into_leftover(), b"HTTP/1.1");
/// # Ok::<(), fetcher::Error>(())
/// ```
#[derive(Debug)]
pub struct ResponseDecoder {
    state: State,
    limits: Limits,
    /// Whether the request was `HEAD`, whose response has no body.
    request_was_head: bool,
    /// Bytes received but not decoded yet. Once the response is complete,
    /// the bytes of whatever follows it.
    buf: Vec<u8>,
    /// How far `buf` was searched for the end of the head; see
    /// [`section::find_end`].
    scanned: usize,
    /// Head bytes still allowed: [`Limits::max_head_bytes`] less the
    /// interim heads and empty lines already read.
    head_budget: usize,
    /// The final head, once read.
    head: Option<ResponseHead>,
    body: Body,
    /// The trailer fields of a chunked body, once read.
    trailers: Option<Headers>,
    /// Whether the final head allows the connection to be reused.
    keep_alive: bool,
}

/// Where the decoder is within the response.
#[derive(Debug)]
enum State {
    /// Reading a status line and header fields. Entered at the start, and
    /// again after each interim (1xx) response, which is skipped.
    Head,
    /// Reading a body framed by `Content-Length`, `remaining` bytes (always
    /// more than zero) still due. Entered after a final head with a length.
    Length {
        /// Bytes of the body not yet read.
        remaining: u64,
    },
    /// Reading a chunked body. Entered after a final head whose
    /// `Transfer-Encoding` ends in `chunked`.
    Chunked(ChunkedDecoder),
    /// Reading a body that ends when the server closes the connection.
    /// Entered after a final head with no framing, or whose
    /// `Transfer-Encoding` does not end in `chunked`.
    UntilClose,
    /// The response is complete; any bytes in the buffer belong to the next
    /// response. Entered when the body ends, or right after the head when
    /// there is no body.
    Complete,
    /// An error was returned; the decoder takes no more input. Entered from
    /// any other state on malformed input, a limit exceeded, or an early
    /// end of input.
    Failed,
}

impl ResponseDecoder {
    /// A decoder for the response to a request with the given `method`.
    ///
    /// The method matters only for `"HEAD"`, whose response has no body even
    /// when its headers announce one.
    pub fn new(method: &str, limits: Limits) -> Self {
        ResponseDecoder {
            state: State::Head,
            request_was_head: method == "HEAD",
            buf: Vec::new(),
            scanned: 0,
            head_budget: limits.max_head_bytes,
            head: None,
            body: Body::new(limits.max_body_bytes),
            trailers: None,
            keep_alive: false,
            limits,
        }
    }

    /// Decodes newly read bytes, as far as they go. Bytes that cannot be
    /// decoded yet (half a line, say) are kept until more arrive. Once the
    /// response is complete, fed bytes are kept for the next response; see
    /// [`into_leftover`](Self::into_leftover).
    ///
    /// Fails with [`Error::Protocol`] on malformed input and
    /// [`Error::TooLarge`] when a [`Limits`] value is exceeded. After an
    /// error the decoder is finished: every later call fails.
    pub fn feed(&mut self, input: &[u8]) -> Result<(), Error> {
        if matches!(self.state, State::Failed) {
            return Err(used_after_failure());
        }
        self.buf.extend_from_slice(input);

        let mut used = 0;
        let outcome = loop {
            match self.step(used) {
                Ok(Some(step)) => used += step,
                Ok(None) => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        self.buf.drain(..used);
        if outcome.is_err() {
            self.state = State::Failed;
        }
        outcome
    }

    /// Tells the decoder that the server closed the connection.
    ///
    /// This completes a body that runs until close. Anywhere else before
    /// the response is complete it fails with [`Error::ConnectionClosed`]:
    /// a cut-off body is an error, never a shorter body.
    pub fn feed_eof(&mut self) -> Result<(), Error> {
        self.keep_alive = false;
        match self.state {
            State::Complete => Ok(()),
            State::UntilClose => {
                self.state = State::Complete;
                Ok(())
            }
            State::Failed => Err(used_after_failure()),
            State::Head | State::Length { .. } | State::Chunked(_) => {
                self.state = State::Failed;
                Err(Error::ConnectionClosed)
            }
        }
    }

    /// Whether the whole response, body included, has been decoded.
    pub fn is_complete(&self) -> bool {
        matches!(self.state, State::Complete)
    }

    /// The final response head, once it has been read. Interim 1xx heads are
    /// never returned.
    pub fn head(&self) -> Option<&ResponseHead> {
        self.head.as_ref()
    }

    /// Takes the body bytes decoded since the last call.
    ///
    /// Call it after each [`feed`](Self::feed) to pass the body on as it
    /// arrives, or once when the response is complete to get all of it.
    pub fn take_body(&mut self) -> Vec<u8> {
        self.body.take()
    }

    /// The trailer fields that ended a chunked body, once it is complete.
    /// `None` for any other body.
    pub fn trailers(&self) -> Option<&Headers> {
        self.trailers.as_ref()
    }

    /// Whether the connection may carry another request: the response is
    /// complete, its framing left no doubt where it ended, the server did
    /// not ask to close (`Connection: close`, or HTTP/1.0 without
    /// `Connection: keep-alive`), and the server has not closed it.
    pub fn reusable(&self) -> bool {
        self.is_complete() && self.keep_alive
    }

    /// The bytes received after the end of this response, which belong to
    /// the next one: feed them to the next decoder before reading more.
    ///
    /// Empty unless the response [`is_complete`](Self::is_complete): before
    /// that, buffered bytes are part of this response.
    pub fn into_leftover(self) -> Vec<u8> {
        if self.is_complete() {
            self.buf
        } else {
            Vec::new()
        }
    }

    /// Takes one step from `buf[used..]`: returns how many bytes it used, or
    /// `None` if it can go no further without more input.
    fn step(&mut self, used: usize) -> Result<Option<usize>, Error> {
        let input = self.buf.get(used..).unwrap_or_default();
        match &mut self.state {
            State::Head => self.step_head(used),
            State::Length { remaining } => {
                let available = input
                    .len()
                    .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                if available == 0 {
                    return Ok(None);
                }
                self.body.push(input.get(..available).unwrap_or_default())?;
                *remaining -= available as u64;
                if *remaining == 0 {
                    self.state = State::Complete;
                }
                Ok(Some(available))
            }
            State::Chunked(chunked) => {
                let step = chunked.decode(input, &mut self.body, &self.limits)?;
                if chunked.is_done() {
                    self.trailers = chunked.take_trailers();
                    self.state = State::Complete;
                    return Ok(Some(step));
                }
                Ok((step > 0).then_some(step))
            }
            State::UntilClose => {
                if input.is_empty() {
                    return Ok(None);
                }
                self.body.push(input)?;
                Ok(Some(input.len()))
            }
            State::Complete | State::Failed => Ok(None),
        }
    }

    /// The [`State::Head`] step: skips empty lines before a status line,
    /// then waits for a whole head and acts on it.
    fn step_head(&mut self, used: usize) -> Result<Option<usize>, Error> {
        let input = self.buf.get(used..).unwrap_or_default();

        let empty_lines = section::leading_empty_lines(input);
        if empty_lines > 0 {
            self.spend_head_budget(empty_lines)?;
            return Ok(Some(empty_lines));
        }

        let Some(end) = section::find_end(input, self.scanned) else {
            self.scanned = input.len();
            return if input.len() >= self.head_budget {
                Err(Error::TooLarge(Limit::Head))
            } else {
                Ok(None)
            };
        };
        if end > self.head_budget {
            return Err(Error::TooLarge(Limit::Head));
        }
        let head = head::parse(
            input.get(..end).unwrap_or_default(),
            self.limits.max_headers,
        )?;
        self.spend_head_budget(end)?;

        match head.status() {
            101 => {
                return Err(Error::protocol(
                    "101 switching protocols: protocol upgrades are not supported",
                ))
            }
            // Interim responses (100 Continue, 103 Early Hints...) only say
            // that the final response is on its way: skip them.
            100..=199 => {}
            _ => self.start_body(head)?,
        }
        Ok(Some(end))
    }

    /// Counts `bytes` of head against [`Limits::max_head_bytes`].
    fn spend_head_budget(&mut self, bytes: usize) -> Result<(), Error> {
        self.scanned = 0;
        self.head_budget = self
            .head_budget
            .checked_sub(bytes)
            .ok_or(Error::TooLarge(Limit::Head))?;
        Ok(())
    }

    /// Moves on from the final head to its body.
    fn start_body(&mut self, head: ResponseHead) -> Result<(), Error> {
        let framing = framing::framing(&head, self.request_was_head)?;
        self.keep_alive = framing::connection_reusable(&head, framing);
        self.state = match framing {
            Framing::Empty | Framing::Length(0) => State::Complete,
            Framing::Length(length) => {
                self.body.ensure_room(length)?;
                State::Length { remaining: length }
            }
            Framing::Chunked => State::Chunked(ChunkedDecoder::new()),
            Framing::UntilClose => State::UntilClose,
        };
        self.head = Some(head);
        Ok(())
    }
}

/// The error for any call after the decoder has failed.
fn used_after_failure() -> Error {
    Error::protocol("response decoder used after it failed")
}

#[cfg(test)]
mod split_tests;
#[cfg(test)]
mod tests;
