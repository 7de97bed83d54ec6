//! The one error type of the crate.
//!
//! Every fallible function in `fetcher` returns [`Error`]. Each variant says
//! *when* it happens, so a caller can decide what to do: retry on a
//! [`Timeout`](Error::Timeout), report a [`Tls`](Error::Tls) failure to the
//! user, give up on a [`Protocol`](Error::Protocol) error.
//!
//! `Display` is a short lowercase message that includes the message of the
//! underlying error, so printing an error with `{}` is enough to diagnose it.
//! The underlying error itself stays reachable through
//! [`std::error::Error::source`] for code that wants to inspect it.

use std::fmt;
use std::io;

use crate::Phase;

/// Everything that can go wrong while fetching a URL.
///
/// The enum is `#[non_exhaustive]`: match it with a wildcard arm, because
/// later versions may add variants.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The URL could not be parsed.
    InvalidUrl(url::ParseError),

    /// The URL parsed, but its scheme is neither `http` nor `https`.
    /// Holds the scheme, e.g. `"ftp"`.
    UnsupportedScheme(String),

    /// Resolving the host name to addresses failed, or gave no address.
    Dns {
        /// The host name that was looked up.
        host: String,
        /// What the resolver reported.
        source: io::Error,
    },

    /// Opening the TCP connection failed (for every address the host name
    /// resolved to).
    Connect {
        /// Where we tried to connect, as `host:port`.
        address: String,
        /// The error of the last connection attempt.
        source: io::Error,
    },

    /// The TLS handshake failed or the TLS session broke, e.g. because the
    /// server's certificate has an unknown issuer, does not match the host
    /// name or has expired. `Display` gives rustls's reason.
    Tls(rustls::Error),

    /// An operation did not finish in time. Holds the phase that ran out of
    /// time.
    Timeout(Phase),

    /// The request could not be written because one of its parts is invalid,
    /// e.g. a header value containing CR or LF that would split the request.
    /// Holds a description of the problem. Nothing was sent.
    InvalidRequest(String),

    /// The server sent bytes that are not a valid HTTP/1.1 response, e.g. a
    /// malformed status line, a bad chunk size, or conflicting
    /// `Content-Length` values. Holds a description of what was malformed.
    Protocol(String),

    /// A part of the response was larger than its limit allows. Holds which
    /// limit; the values are set in [`codec::Limits`](crate::codec::Limits).
    TooLarge(Limit),

    /// The response redirected more often than allowed.
    ///
    /// A redirect loop ends up here too: following the loop eventually
    /// exceeds the limit, so loops need no separate detection or variant.
    TooManyRedirects {
        /// How many redirects were followed before giving up.
        followed: u32,
    },

    /// The server closed the connection before the response was complete:
    /// before or within the head, or before the end of a body framed by
    /// `Content-Length` or chunked encoding. A body cut short is reported
    /// here rather than returned truncated.
    ConnectionClosed,

    /// The client could not be built: a root certificate or key given as
    /// PEM is malformed or missing. Holds a description of the problem.
    Config(String),

    /// The response body is not the JSON that
    /// [`Response::json`](crate::Response::json) was asked to decode.
    Json(serde_json::Error),

    /// [`Response::error_for_status`](crate::Response::error_for_status)
    /// found a 4xx or 5xx status. A response with such a status is not an
    /// error until that method is called.
    Status {
        /// The status code, e.g. `404`.
        code: u16,
        /// The URL that answered with it (after any redirects), without a
        /// user name or password.
        url: String,
    },

    /// Reading from or writing to the connection failed.
    Io(io::Error),
}

/// The limit that a response exceeded, carried by [`Error::TooLarge`].
///
/// Each variant matches one field of [`codec::Limits`](crate::codec::Limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// The response head (status line and header fields, together with any
    /// interim 1xx heads before it) was longer than `max_head_bytes`.
    Head,
    /// The head, or the trailer section of a chunked body, had more fields
    /// than `max_headers`.
    Headers,
    /// The body was longer than `max_body_bytes`.
    Body,
    /// A chunk-size line of a chunked body (size, extensions and line end)
    /// was longer than `max_chunk_line_bytes`.
    ChunkLine,
    /// The trailer section of a chunked body was longer than
    /// `max_trailer_bytes`.
    Trailers,
}

impl Error {
    /// Builds an [`Error::Protocol`] from a description.
    pub(crate) fn protocol(what: impl Into<String>) -> Self {
        Error::Protocol(what.into())
    }

    /// Builds an [`Error::InvalidRequest`] from a description.
    pub(crate) fn invalid_request(what: impl Into<String>) -> Self {
        Error::InvalidRequest(what.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl(e) => write!(f, "invalid url: {e}"),
            Error::UnsupportedScheme(scheme) => write!(f, "unsupported url scheme {scheme:?}"),
            Error::Dns { host, source } => write!(f, "dns lookup of {host} failed: {source}"),
            Error::Connect { address, source } => {
                write!(f, "could not connect to {address}: {source}")
            }
            Error::Tls(e) => write!(f, "tls: {e}"),
            // The span of the phase in a trace has the same name.
            Error::Timeout(phase) => write!(f, "timed out during {}", phase.name()),
            Error::InvalidRequest(what) => write!(f, "invalid request: {what}"),
            Error::Protocol(what) => write!(f, "protocol error: {what}"),
            Error::TooLarge(limit) => write!(f, "{limit} exceeds its limit"),
            Error::TooManyRedirects { followed } => {
                write!(f, "too many redirects (followed {followed})")
            }
            Error::ConnectionClosed => {
                f.write_str("connection closed before the response was complete")
            }
            Error::Config(what) => write!(f, "invalid configuration: {what}"),
            Error::Json(e) => write!(f, "invalid json body: {e}"),
            Error::Status { code, url } => write!(f, "http status {code} from {url}"),
            Error::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidUrl(e) => Some(e),
            Error::Dns { source, .. } | Error::Connect { source, .. } => Some(source),
            Error::Tls(e) => Some(e),
            Error::Json(e) => Some(e),
            Error::Io(e) => Some(e),
            Error::UnsupportedScheme(_)
            | Error::Config(_)
            | Error::Status { .. }
            | Error::Timeout(_)
            | Error::InvalidRequest(_)
            | Error::Protocol(_)
            | Error::TooLarge(_)
            | Error::TooManyRedirects { .. }
            | Error::ConnectionClosed => None,
        }
    }
}

impl From<io::Error> for Error {
    /// An [`Error::Io`], unless the I/O error carries a [`rustls::Error`]
    /// (as a [`TlsStream`](crate::tls::TlsStream) reports TLS failures):
    /// that becomes [`Error::Tls`], so the TLS reason stays matchable.
    fn from(e: io::Error) -> Self {
        match crate::tls::tls_error(&e) {
            Some(tls) => Error::Tls(tls.clone()),
            None => Error::Io(e),
        }
    }
}

impl From<url::ParseError> for Error {
    fn from(e: url::ParseError) -> Self {
        Error::InvalidUrl(e)
    }
}

impl From<rustls::Error> for Error {
    fn from(e: rustls::Error) -> Self {
        Error::Tls(e)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Head => "response head size",
            Limit::Headers => "header field count",
            Limit::Body => "response body size",
            Limit::ChunkLine => "chunk line length",
            Limit::Trailers => "trailer section size",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn display_is_short_and_lowercase() {
        let cases = [
            (
                Error::TooLarge(Limit::Body),
                "response body size exceeds its limit",
            ),
            (Error::Timeout(Phase::Connect), "timed out during connect"),
            (
                Error::Timeout(Phase::ResponseHead),
                "timed out during response head",
            ),
            (
                Error::protocol("bad chunk size"),
                "protocol error: bad chunk size",
            ),
            (
                Error::ConnectionClosed,
                "connection closed before the response was complete",
            ),
            (
                Error::TooManyRedirects { followed: 10 },
                "too many redirects (followed 10)",
            ),
            (
                Error::UnsupportedScheme("ftp".into()),
                "unsupported url scheme \"ftp\"",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected);
        }
    }

    #[test]
    fn tls_display_gives_rustls_reason_and_keeps_source() {
        let error = Error::from(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert!(error.to_string().starts_with("tls: "));
        assert!(error.to_string().contains("UnknownIssuer"));
        let source = error.source().expect("tls errors keep their source");
        assert!(source.downcast_ref::<rustls::Error>().is_some());
    }

    #[test]
    fn io_errors_convert_and_keep_source() {
        let error = Error::from(io::Error::new(io::ErrorKind::BrokenPipe, "pipe"));
        assert!(matches!(error, Error::Io(_)));
        assert_eq!(error.to_string(), "i/o error: pipe");
        assert!(error.source().is_some());
    }

    #[test]
    fn io_errors_carrying_a_rustls_error_become_tls_errors() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        let error = Error::from(io::Error::new(io::ErrorKind::InvalidData, tls.clone()));
        assert!(matches!(error, Error::Tls(inner) if inner == tls));
    }

    #[test]
    fn status_error_names_code_and_url() {
        let error = Error::Status {
            code: 404,
            url: "http://example.com/x".into(),
        };
        assert_eq!(
            error.to_string(),
            "http status 404 from http://example.com/x"
        );
        assert!(error.source().is_none());
    }

    #[test]
    fn dns_error_names_the_host_and_keeps_source() {
        let error = Error::Dns {
            host: "example.invalid".into(),
            source: io::Error::new(io::ErrorKind::NotFound, "no such host"),
        };
        assert_eq!(
            error.to_string(),
            "dns lookup of example.invalid failed: no such host"
        );
        assert!(error.source().is_some());
    }

    #[test]
    fn url_parse_errors_convert_to_invalid_url() {
        let parse_error = url::Url::parse("not a url").expect_err("no scheme");
        let error = Error::from(parse_error);
        assert!(matches!(error, Error::InvalidUrl(_)));
        assert!(error.source().is_some());
    }
}
