//! The response head: status line and header fields, parsed by `httparse`.

use std::fmt;

use super::{section, Headers};
use crate::Error;

/// The HTTP version a response was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// `HTTP/1.0`: connections close after each response unless the server
    /// sends `Connection: keep-alive`.
    Http10,
    /// `HTTP/1.1`: connections stay open unless either side sends
    /// `Connection: close`.
    Http11,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        })
    }
}

/// The head of a final (non-1xx) response: status line and header fields.
///
/// Built by the [`ResponseDecoder`](super::ResponseDecoder); read it with
/// [`ResponseDecoder::head`](super::ResponseDecoder::head).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    status: u16,
    reason: String,
    version: Version,
    headers: Headers,
}

impl ResponseHead {
    /// The status code, e.g. `200`.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase, e.g. `"OK"`. Empty when the server sent none (it
    /// is optional and carries no meaning).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The HTTP version of the response.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// Whether the status is informational (1xx): an interim response that
    /// another response follows.
    pub(super) fn is_interim(&self) -> bool {
        (100..200).contains(&self.status)
    }
}

/// Parses a head that [`section::find_end`] delimited: `section` runs from
/// the status line to the empty line that ends the head, both included.
pub(super) fn parse(section: &[u8], max_headers: usize) -> Result<ResponseHead, Error> {
    let mut slots = section::field_slots(section, max_headers);
    let mut response = httparse::Response::new(&mut slots);
    match response.parse(section) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Err(Error::protocol("response head ended early"));
        }
        Err(error) => return Err(section::parse_error(error, "response head")),
    }

    let version = match response.version {
        Some(0) => Version::Http10,
        Some(1) => Version::Http11,
        _ => return Err(Error::protocol("unsupported http version")),
    };
    let status = match response.code {
        Some(code @ 100..) => code,
        _ => return Err(Error::protocol("status code below 100")),
    };

    Ok(ResponseHead {
        status,
        reason: response.reason.unwrap_or_default().to_owned(),
        version,
        headers: Headers::from_parsed(response.headers),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limit;

    #[test]
    fn parses_status_version_reason_and_headers() {
        let head = parse(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nVary: a\r\nVary: b\r\n\r\n",
            100,
        )
        .unwrap();
        assert_eq!(head.status(), 404);
        assert_eq!(head.reason(), "Not Found");
        assert_eq!(head.version(), Version::Http11);
        assert_eq!(head.headers().get("content-type"), Some("text/plain"));
        assert_eq!(
            head.headers().get_all("vary").collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(!head.is_interim());
    }

    #[test]
    fn accepts_http10_and_a_missing_reason() {
        let head = parse(b"HTTP/1.0 200\n\n", 100).unwrap();
        assert_eq!(head.version(), Version::Http10);
        assert_eq!(head.reason(), "");
        assert_eq!(head.version().to_string(), "HTTP/1.0");
    }

    #[test]
    fn recognises_interim_responses() {
        assert!(parse(b"HTTP/1.1 100 Continue\r\n\r\n", 100)
            .unwrap()
            .is_interim());
        assert!(
            parse(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", 100)
                .unwrap()
                .is_interim()
        );
    }

    #[test]
    fn malformed_heads_are_protocol_errors() {
        let bad: [&[u8]; 6] = [
            b"HTTP/2 200 OK\r\n\r\n",
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 099 Low\r\n\r\n",
            b"ICY 200 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nFolded: a\r\n b\r\n\r\n",
        ];
        for head in bad {
            assert!(
                matches!(parse(head, 100), Err(Error::Protocol(_))),
                "{:?} should be rejected",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn more_headers_than_the_limit_is_too_large() {
        let result = parse(b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 2);
        assert!(matches!(result, Err(Error::TooLarge(Limit::Headers))));
        assert!(parse(b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", 2).is_ok());
    }
}
