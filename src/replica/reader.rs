//! Turning bytes from a connection into requests, without doing any I/O.
//!
//! A server owns one [`RequestReader`] per connection. Whatever it reads
//! from the socket goes into [`RequestReader::feed`]; it then calls
//! [`RequestReader::next_request`] until that returns `Ok(None)`, answering
//! each request in order. Bytes after a request head stay buffered, so
//! pipelined requests (several sent before any answer) come out one by one,
//! and a head split across many reads comes out exactly as if it had arrived
//! at once.
//!
//! The reader protects the server from misbehaving peers:
//!
//! - a head longer than [`MAX_HEAD_BYTES`], or with more than
//!   [`MAX_HEADERS`] fields, is refused with `431` without buffering more;
//! - a malformed request line or header, a missing or invalid `Host` on
//!   HTTP/1.1, any `Transfer-Encoding` (chunked bodies are not supported)
//!   and an unreadable `Content-Length` are refused with `400`;
//! - a `Content-Length` body is read and thrown away, never buffered whole.
//!
//! After an error the connection is beyond repair (the reader cannot know
//! where the next request would start): the server sends
//! [`HttpError::response`] and closes.

use std::error::Error;
use std::fmt;

use super::request::{is_valid_authority, Request, Scheme, Version};
use super::response::Response;

/// The longest request head accepted, in bytes (request line, header fields
/// and the blank line ending them).
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// The most header fields accepted in one request.
pub const MAX_HEADERS: usize = 64;

/// Why a connection's bytes could not be read as a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpError {
    /// The head exceeds [`MAX_HEAD_BYTES`] or has more than [`MAX_HEADERS`]
    /// fields. Answered with `431`.
    HeadTooLarge,
    /// The request line or a header field is not valid HTTP/1.0 or 1.1, or
    /// the target is neither a path nor an absolute `http(s)` URL.
    /// Answered with `400`.
    Malformed,
    /// An HTTP/1.1 request without a `Host` header. Answered with `400`.
    MissingHost,
    /// A `Host` that is not a plain `host[:port]`, or more than one `Host`.
    /// Answered with `400`.
    InvalidHost,
    /// A `Transfer-Encoding` header: bodies are only read by length.
    /// Answered with `400`.
    TransferEncoding,
    /// A `Content-Length` that is not a number, or several that disagree.
    /// Answered with `400`.
    InvalidContentLength,
}

impl HttpError {
    /// The status code this error is answered with.
    pub fn status(self) -> u16 {
        match self {
            HttpError::HeadTooLarge => 431,
            _ => 400,
        }
    }

    /// The answer to send before closing: the status, a one-line plain-text
    /// explanation and `Connection: close`.
    pub fn response(self) -> Response {
        let body = format!("{self}\n").into_bytes();
        let mut response = Response::with_body(self.status(), "text/plain; charset=utf-8", body);
        response.close_connection();
        response
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HttpError::HeadTooLarge => "request head too large",
            HttpError::Malformed => "malformed request",
            HttpError::MissingHost => "missing Host header",
            HttpError::InvalidHost => "invalid Host header",
            HttpError::TransferEncoding => "Transfer-Encoding is not supported",
            HttpError::InvalidContentLength => "invalid Content-Length",
        })
    }
}

impl Error for HttpError {}

/// Reads the requests of one connection from the bytes it delivers.
#[derive(Debug, Clone)]
pub struct RequestReader {
    /// The scheme this connection's server listens with.
    scheme: Scheme,
    /// The authority assumed for HTTP/1.0 requests that send no `Host`.
    default_host: String,
    /// Bytes received and not yet consumed: the start of the next head, or
    /// whole pipelined requests. Between calls it never holds body bytes.
    buffer: Vec<u8>,
    /// Body bytes of the last request still to arrive and be discarded.
    body_remaining: u64,
    /// The error that stopped this reader, returned again on every call.
    failed: Option<HttpError>,
}

impl RequestReader {
    /// A reader for a connection accepted by a server listening with
    /// `scheme`. HTTP/1.0 requests without `Host` are taken to address
    /// `default_host`, typically the server's own `ip:port`; it must be a
    /// valid authority, or such requests are refused as [`HttpError::InvalidHost`].
    pub fn new(scheme: Scheme, default_host: impl Into<String>) -> RequestReader {
        RequestReader {
            scheme,
            default_host: default_host.into(),
            buffer: Vec::new(),
            body_remaining: 0,
            failed: None,
        }
    }

    /// Hands the reader bytes just read from the connection. Body bytes are
    /// discarded on arrival; after an error, everything is ignored.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        self.buffer.extend_from_slice(bytes);
        self.discard_buffered_body();
    }

    /// The next complete request, `Ok(None)` if more bytes are needed first,
    /// or the error that makes this connection unusable (returned again on
    /// every later call).
    pub fn next_request(&mut self) -> Result<Option<Request>, HttpError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        match self.parse_head() {
            Ok(Some((request, head_len, body_len))) => {
                self.buffer.drain(..head_len);
                self.body_remaining = body_len;
                self.discard_buffered_body();
                Ok(Some(request))
            }
            Ok(None) => Ok(None),
            Err(error) => {
                self.failed = Some(error);
                self.buffer = Vec::new();
                Err(error)
            }
        }
    }

    /// Bytes received but not yet returned as part of a request: the start
    /// of a head, or requests pipelined behind the last one returned.
    pub fn buffered(&self) -> &[u8] {
        &self.buffer
    }

    /// Whether the reader is between requests: nothing buffered and no body
    /// pending. If the peer closes now, no request was cut short.
    pub fn is_idle(&self) -> bool {
        self.buffer.is_empty() && self.body_remaining == 0
    }

    /// Drops the front of the buffer while it belongs to the last request's
    /// body. (While a body is pending, the buffer holds nothing else.)
    fn discard_buffered_body(&mut self) {
        let skip = usize::try_from(self.body_remaining)
            .map_or(self.buffer.len(), |n| n.min(self.buffer.len()));
        self.buffer.drain(..skip);
        self.body_remaining -= skip as u64;
    }

    /// Parses the head at the start of the buffer into a request, the length
    /// of the head and the length of the body that follows it.
    fn parse_head(&self) -> Result<Option<(Request, usize, u64)>, HttpError> {
        if self.body_remaining > 0 {
            return Ok(None);
        }
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut head = httparse::Request::new(&mut fields);
        let head_len = match head.parse(&self.buffer) {
            Ok(httparse::Status::Complete(len)) if len <= MAX_HEAD_BYTES => len,
            Ok(httparse::Status::Partial) if self.buffer.len() <= MAX_HEAD_BYTES => {
                return Ok(None)
            }
            Ok(_) | Err(httparse::Error::TooManyHeaders) => return Err(HttpError::HeadTooLarge),
            Err(_) => return Err(HttpError::Malformed),
        };
        let (request, body_len) = self.build(&head)?;
        Ok(Some((request, head_len, body_len)))
    }

    /// Checks a parsed head and keeps what the router needs.
    fn build(&self, head: &httparse::Request<'_, '_>) -> Result<(Request, u64), HttpError> {
        let (Some(method), Some(target), Some(minor)) = (head.method, head.path, head.version)
        else {
            return Err(HttpError::Malformed);
        };
        let version = if minor == 0 {
            Version::Http10
        } else {
            Version::Http11
        };

        let mut hosts = Vec::new();
        let mut body_len: Option<u64> = None;
        let mut connection = Vec::new();
        let mut accept = Vec::new();
        let mut if_none_match = Vec::new();
        for field in head.headers.iter() {
            let value = String::from_utf8_lossy(field.value);
            let value = value.trim();
            match field.name.to_ascii_lowercase().as_str() {
                "host" => hosts.push(value.to_owned()),
                "transfer-encoding" => return Err(HttpError::TransferEncoding),
                "content-length" => {
                    let len = parse_content_length(value)?;
                    if body_len.is_some_and(|seen| seen != len) {
                        return Err(HttpError::InvalidContentLength);
                    }
                    body_len = Some(len);
                }
                "connection" => {
                    connection.extend(value.split(',').map(|t| t.trim().to_ascii_lowercase()))
                }
                "accept" => accept.push(value.to_owned()),
                "if-none-match" => if_none_match.push(value.to_owned()),
                _ => {}
            }
        }

        let (target, target_host) = split_target(target)?;
        let host = match (target_host, hosts.as_slice(), version) {
            (_, [_, _, ..], _) => return Err(HttpError::InvalidHost),
            (_, [], Version::Http11) => return Err(HttpError::MissingHost),
            (Some(authority), _, _) => authority.to_owned(),
            (None, [host], _) => host.clone(),
            (None, [], Version::Http10) => self.default_host.clone(),
        };
        if !is_valid_authority(&host) {
            return Err(HttpError::InvalidHost);
        }

        let says = |token: &str| connection.iter().any(|t| t == token);
        let keep_alive = !says("close") && (version == Version::Http11 || says("keep-alive"));
        let join = |values: Vec<String>| (!values.is_empty()).then(|| values.join(", "));
        let request = Request {
            method: method.to_owned(),
            target,
            version,
            scheme: self.scheme,
            host,
            accept: join(accept),
            if_none_match: join(if_none_match),
            keep_alive,
        };
        Ok((request, body_len.unwrap_or(0)))
    }
}

/// A `Content-Length` value: one or more ASCII digits that fit in a `u64`.
fn parse_content_length(value: &str) -> Result<u64, HttpError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HttpError::InvalidContentLength);
    }
    value.parse().map_err(|_| HttpError::InvalidContentLength)
}

/// Splits a request target into its origin form (`/path?query`) and, for an
/// absolute-form target (`http://host/path`), the authority it names.
fn split_target(target: &str) -> Result<(String, Option<&str>), HttpError> {
    if target.starts_with('/') {
        return Ok((target.to_owned(), None));
    }
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return Err(HttpError::Malformed);
    };
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    Ok((path, Some(authority)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_form_targets_name_their_authority() {
        let (target, host) = split_target("HTTP://swapi.dev:80/api/?x=1").unwrap();
        assert_eq!((target.as_str(), host), ("/api/?x=1", Some("swapi.dev:80")));
        let (target, host) = split_target("https://h?q").unwrap();
        assert_eq!((target.as_str(), host), ("/?q", Some("h")));
    }

    #[test]
    fn other_target_forms_are_malformed() {
        for target in ["*", "swapi.dev:443", "ftp://h/", "api/people/"] {
            assert_eq!(split_target(target), Err(HttpError::Malformed), "{target}");
        }
    }

    #[test]
    fn content_length_is_digits_only() {
        assert_eq!(parse_content_length("42"), Ok(42));
        for bad in ["", "-1", "+1", "1 2", "0x10", "99999999999999999999999"] {
            assert_eq!(
                parse_content_length(bad),
                Err(HttpError::InvalidContentLength),
                "{bad}"
            );
        }
    }
}
