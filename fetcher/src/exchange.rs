//! One exchange on one connection: write a request, read its response.
//!
//! ```text
//!   write request bytes ---------> read, feed the codec, until complete
//!   \__ Phase::Request __/          \_________ Phase::Response _________/
//! ```
//!
//! Each single write and read is a step bounded by the read timeout (and
//! the request's deadline): a server that stops taking or sending bytes
//! ends the exchange with [`Error::Timeout`], whatever else it does.
//!
//! All HTTP rules live in the codec; this loop only moves bytes and
//! reports, at the end, whether the connection may carry another request.

use std::io;

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
pub(crate) async fn exchange(
    conn: &mut Connection,
    request: &[u8],
    method: &str,
    limits: Limits,
    clocks: Clocks,
) -> Result<Exchanged, Failed> {
    let mut response_started = false;
    let result = async {
        send_request(conn, request, clocks).await?;
        read_response(conn, method, limits, clocks, &mut response_started).await
    }
    .await;
    result.map_err(|error| Failed {
        error,
        response_started,
    })
}

/// Writes all of `request`, one bounded step per write.
async fn send_request(conn: &mut Connection, mut rest: &[u8], clocks: Clocks) -> Result<(), Error> {
    while !rest.is_empty() {
        match clocks.step(Phase::Request, conn.write(rest)).await? {
            0 => return Err(Error::Io(io::ErrorKind::WriteZero.into())),
            n => rest = rest.get(n..).unwrap_or_default(),
        }
    }
    clocks.step(Phase::Request, conn.flush()).await
}

/// Reads and decodes until the response is complete, one bounded step per
/// read. Sets `started` as soon as a first byte arrives.
async fn read_response(
    conn: &mut Connection,
    method: &str,
    limits: Limits,
    clocks: Clocks,
    started: &mut bool,
) -> Result<Exchanged, Error> {
    let mut decoder = ResponseDecoder::new(method, limits);
    let mut buf = vec![0; READ_BUFFER];
    while !decoder.is_complete() {
        let n = clocks.step(Phase::Response, conn.read(&mut buf)).await?;
        let read = buf.get(..n).unwrap_or_default();
        if read.is_empty() {
            // The end of the stream: completes a body read until close,
            // and is `ConnectionClosed` anywhere else.
            decoder.feed_eof()?;
        } else {
            *started = true;
            decoder.feed(read)?;
        }
    }
    let head = decoder
        .head()
        .cloned()
        .ok_or_else(|| Error::protocol("response complete without a head"))?;
    let body = decoder.take_body();
    let trailers = decoder.trailers().cloned().unwrap_or_default();
    let clean = decoder.reusable();
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
