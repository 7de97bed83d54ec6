//! Where a response body ends, and whether the connection survives it.
//!
//! HTTP/1.1 sends responses back to back on one connection, so the client
//! must know exactly where each body ends. RFC 9112 section 6.3 gives the
//! rules, applied here in its order:
//!
//! 1. A response to `HEAD`, and any 1xx, 204 or 304 response, has no body,
//!    whatever its headers say.
//! 2. With `Transfer-Encoding`, the body is chunked if `chunked` is the last
//!    coding listed. This wins over `Content-Length`, and since a message
//!    with both may be an attempt to desynchronise client and server, the
//!    connection is not reused. If the last coding is something else the
//!    body runs until the server closes the connection. Codings before a
//!    final `chunked` (e.g. `gzip, chunked`) are not undone: the body is
//!    handed over still in that coding, and the header tells which it is.
//!    An HTTP/1.0 response must not use `Transfer-Encoding` at all, so one
//!    that does is a protocol error.
//! 3. Otherwise `Content-Length` gives the length. It may be repeated, or
//!    list the same value several times (`5, 5`); differing values are an
//!    error.
//! 4. Otherwise the body runs until the server closes the connection.

use super::{ResponseHead, Version};
use crate::Error;

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// There is no body.
    Empty,
    /// The body is exactly this many bytes.
    Length(u64),
    /// The body uses the chunked transfer coding.
    Chunked,
    /// The body is everything until the server closes the connection.
    UntilClose,
}

/// Decides the framing of a final response's body, following the rules in
/// the module docs.
pub(super) fn framing(head: &ResponseHead, request_was_head: bool) -> Result<Framing, Error> {
    if request_was_head || head.is_interim() || matches!(head.status(), 204 | 304) {
        return Ok(Framing::Empty);
    }
    let headers = head.headers();
    if headers.contains("Transfer-Encoding") {
        if head.version() == Version::Http10 {
            return Err(Error::protocol("transfer-encoding in an http/1.0 response"));
        }
        let last = list_items(headers.get_all("Transfer-Encoding"))
            .last()
            .ok_or_else(|| Error::protocol("empty transfer-encoding"))?;
        let coding = last.split(';').next().unwrap_or_default().trim();
        return Ok(if coding.eq_ignore_ascii_case("chunked") {
            Framing::Chunked
        } else {
            Framing::UntilClose
        });
    }
    match content_length(head)? {
        Some(length) => Ok(Framing::Length(length)),
        None => Ok(Framing::UntilClose),
    }
}

/// Whether the connection may carry another request once this response is
/// complete.
pub(super) fn connection_reusable(head: &ResponseHead, framing: Framing) -> bool {
    let headers = head.headers();
    let options: Vec<&str> = list_items(headers.get_all("Connection")).collect();
    let has_option = |name: &str| {
        options
            .iter()
            .any(|option| option.eq_ignore_ascii_case(name))
    };

    let ambiguous = headers.contains("Transfer-Encoding") && headers.contains("Content-Length");
    let persistent = match head.version() {
        Version::Http11 => !has_option("close"),
        Version::Http10 => has_option("keep-alive") && !has_option("close"),
    };
    framing != Framing::UntilClose && !ambiguous && persistent
}

/// The single `Content-Length` of `head`, if it has any. Unlike other
/// lists, an empty item is an error here: it is no length at all.
fn content_length(head: &ResponseHead) -> Result<Option<u64>, Error> {
    let mut length = None;
    let values = head.headers().get_all("Content-Length");
    for item in values
        .flat_map(|value| value.split(','))
        .map(trim_whitespace)
    {
        let value = parse_decimal(item)
            .ok_or_else(|| Error::protocol(format!("invalid content-length {item:?}")))?;
        match length {
            Some(earlier) if earlier != value => {
                return Err(Error::protocol(format!(
                    "conflicting content-length values {earlier} and {value}"
                )));
            }
            _ => length = Some(value),
        }
    }
    Ok(length)
}

/// The items of comma-separated list fields, trimmed, with empty items
/// left out as RFC 9110 section 5.6.1 asks.
fn list_items<'a>(values: impl Iterator<Item = &'a str>) -> impl Iterator<Item = &'a str> {
    values
        .flat_map(|value| value.split(','))
        .map(trim_whitespace)
        .filter(|item| !item.is_empty())
}

/// Strips the optional whitespace (spaces and tabs) around a list item.
fn trim_whitespace(item: &str) -> &str {
    item.trim_matches([' ', '\t'])
}

/// Parses one or more ASCII digits; unlike `str::parse`, refuses a sign.
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.bytes().try_fold(0u64, |total, byte| {
        let digit = char::from(byte).to_digit(10)?;
        total.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::head;

    fn head(text: &str) -> ResponseHead {
        head::parse(text.as_bytes(), 100).expect("test heads are valid")
    }

    fn decide(text: &str) -> Result<(Framing, bool), Error> {
        let head = head(text);
        let framing = framing(&head, false)?;
        Ok((framing, connection_reusable(&head, framing)))
    }

    #[test]
    fn content_length_gives_the_length() {
        let decided = decide("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n").unwrap();
        assert_eq!(decided, (Framing::Length(12), true));
    }

    #[test]
    fn identical_repeated_content_lengths_are_fine() {
        let repeated = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n";
        assert_eq!(decide(repeated).unwrap().0, Framing::Length(5));
        let listed = "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n";
        assert_eq!(decide(listed).unwrap().0, Framing::Length(5));
    }

    #[test]
    fn differing_content_lengths_are_an_error() {
        for text in [
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
        ] {
            assert!(matches!(decide(text), Err(Error::Protocol(m)) if m.contains("conflicting")));
        }
    }

    #[test]
    fn malformed_content_lengths_are_an_error() {
        for value in ["+5", "-1", "5x", "0x10", "99999999999999999999999", ","] {
            let text = format!("HTTP/1.1 200 OK\r\nContent-Length: {value}\r\n\r\n");
            assert!(matches!(decide(&text), Err(Error::Protocol(_))), "{value}");
        }
    }

    #[test]
    fn chunked_wins_over_content_length_and_forbids_reuse() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(decide(text).unwrap(), (Framing::Chunked, false));
    }

    #[test]
    fn chunked_must_be_the_last_coding() {
        let last =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n";
        assert_eq!(decide(last).unwrap(), (Framing::Chunked, true));
        let not_last = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
        assert_eq!(decide(not_last).unwrap(), (Framing::UntilClose, false));
    }

    #[test]
    fn transfer_encoding_in_http10_is_an_error() {
        let text = "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(matches!(decide(text), Err(Error::Protocol(_))));
    }

    #[test]
    fn no_framing_reads_until_close_and_forbids_reuse() {
        let decided = decide("HTTP/1.1 200 OK\r\n\r\n").unwrap();
        assert_eq!(decided, (Framing::UntilClose, false));
    }

    #[test]
    fn head_requests_and_bodiless_statuses_have_no_body() {
        let with_length = head("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
        assert_eq!(framing(&with_length, true).unwrap(), Framing::Empty);
        for status in ["204 No Content", "304 Not Modified", "100 Continue"] {
            let text = format!("HTTP/1.1 {status}\r\nContent-Length: 9\r\n\r\n");
            assert_eq!(decide(&text).unwrap(), (Framing::Empty, true));
        }
    }

    #[test]
    fn connection_close_forbids_reuse() {
        let text = "HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(decide(text).unwrap(), (Framing::Length(0), false));
    }

    #[test]
    fn http10_is_reused_only_with_keep_alive() {
        let plain = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n";
        assert!(!decide(plain).unwrap().1);
        let kept = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n";
        assert!(decide(kept).unwrap().1);
    }
}
