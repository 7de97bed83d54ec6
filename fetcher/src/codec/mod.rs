//! A sans-IO HTTP/1.1 client codec: requests to bytes, bytes to responses.
//!
//! "Sans-IO" means this module never touches a socket. It turns a
//! [`Request`] into bytes for the caller to write, and turns bytes the
//! caller read into a [`ResponseHead`] and a body through a
//! [`ResponseDecoder`]. Because it only sees byte slices it can be tested
//! byte for byte, with every possible split of the input into reads, and
//! it works the same under any runtime or none.
//!
//! # Decoding a response
//!
//! The decoder is a state machine. Each state is one variant of a private
//! `State` enum whose docs say when it is entered:
//!
//! ```text
//!                   interim 1xx head (not 101): skipped
//!                      +-------+
//!                      |       |
//!                      v       |
//!      new() ------>  Head ----+
//!                      |
//!                      | final head: framing decided (RFC 9112 section 6.3)
//!                      |
//!     +----------------+-------------+---------------------+
//!     | no body:       | Content-    | Transfer-Encoding   | no framing, or
//!     | HEAD request,  | Length: n,  | ending in chunked   | Transfer-Encoding
//!     | 204, 304, or   | n > 0       |                     | not ending in
//!     | Content-Length |             |                     | chunked
//!     | : 0            v             v                     v
//!     |              Length        Chunked             UntilClose
//!     |                |             |                     |
//!     |                | n bytes     | last chunk and      | feed_eof()
//!     |                | read        | trailer section     |
//!     v                v             v                     v
//!   +----------------------------------------------------------+
//!   |                         Complete                         |
//!   +----------------------------------------------------------+
//!     bytes after the body stay buffered: into_leftover()
//!
//!   malformed input, a limit exceeded, or
//!   feed_eof() in Head, Length or Chunked  ------------------>  Failed
//! ```
//!
//! The rules that pick a framing, and decide whether the connection can
//! carry another request afterwards, are in one place: the private
//! `framing` module. In short: `chunked` wins over `Content-Length` (and the
//! connection is then not reused), differing `Content-Length` values are an
//! error, a body that runs until close, `Connection: close` and HTTP/1.0
//! without keep-alive each make the connection single-use. A
//! `Transfer-Encoding` whose last coding is not `chunked` is read until
//! close, as RFC 9112 prescribes, rather than rejected.
//!
//! Everything the decoder buffers is bounded by [`Limits`].
//!
//! # Driving the codec
//!
//! A driver writes the request, then reads into a buffer and feeds every
//! read to the decoder until the response is complete. Here the
//! "connection" is a byte slice, which implements [`std::io::Read`]:
//!
//! ```
//! use std::io::Read;
//! use fetcher::codec::{Limits, Request, ResponseDecoder};
//!
//! let request = Request::new("GET", "example.com", "/hello");
//! let mut request_bytes = Vec::new();
//! request.encode(&mut request_bytes)?;
//! // A real driver writes `request_bytes` to the connection here.
//!
//! let mut connection: &[u8] =
//!     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
//! let mut decoder = ResponseDecoder::new(request.method, Limits::default());
//! let mut body = Vec::new();
//! let mut buf = [0; 8];
//! while !decoder.is_complete() {
//!     let n = connection.read(&mut buf)?;
//!     if n == 0 {
//!         decoder.feed_eof()?;
//!     } else {
//!         decoder.feed(&buf[..n])?;
//!     }
//!     body.extend(decoder.take_body());
//! }
//!
//! assert_eq!(decoder.head().map(|head| head.status()), Some(200));
//! assert_eq!(body, b"hello");
//! // If `decoder.reusable()`, the connection can carry the next request,
//! // and `decoder.into_leftover()` starts the next response.
//! # Ok::<(), fetcher::Error>(())
//! ```

mod body;
mod chunked;
mod decoder;
mod framing;
mod head;
mod headers;
mod limits;
mod request;
mod section;
mod syntax;

pub use decoder::ResponseDecoder;
pub use head::{ResponseHead, Version};
pub use headers::Headers;
pub use limits::Limits;
pub use request::{origin_form, Request, DEFAULT_USER_AGENT};
