//! Field sections: the lines of `name: value` fields that end with an
//! empty line.
//!
//! Both the response head and the trailer section of a chunked body are
//! field sections. Rather than asking `httparse` to parse the buffer after
//! every read (which costs time proportional to the buffer each time), the
//! decoder first looks for the empty line that ends the section, resuming
//! where the previous search stopped, and parses once it is there.

use super::Headers;
use crate::{Error, Limit};

/// Looks for the first empty line in `buf` and returns the length of the
/// section up to and including it.
///
/// `from` is where to resume: the caller promises that `buf[..from]` was
/// searched before and held no end. An empty line is a line feed that
/// starts a line, optionally after a carriage return, so `\r\n\r\n`,
/// `\n\n` and a `buf` that starts with `\r\n` all end a section.
pub(super) fn find_end(buf: &[u8], from: usize) -> Option<usize> {
    buf.iter()
        .enumerate()
        .skip(from)
        .find(|&(at, &byte)| byte == b'\n' && line_before_is_empty(buf, at))
        .map(|(at, _)| at + 1)
}

/// Whether the line ended by the line feed at `at` is empty: nothing, or a
/// lone carriage return, between the previous line feed (or the start of
/// `buf`) and `at`.
fn line_before_is_empty(buf: &[u8], at: usize) -> bool {
    matches!(
        buf.get(..at),
        Some([] | [b'\r'] | [.., b'\n'] | [.., b'\n', b'\r'])
    )
}

/// How many bytes at the start of `buf` are complete empty lines.
///
/// RFC 9112 section 2.2 lets a recipient skip empty lines before a start
/// line; skipping them here means the first empty line [`find_end`] finds
/// after a status line really ends the head.
pub(super) fn leading_empty_lines(buf: &[u8]) -> usize {
    let mut skipped = 0;
    loop {
        match buf.get(skipped..) {
            Some([b'\r', b'\n', ..]) => skipped += 2,
            Some([b'\n', ..]) => skipped += 1,
            _ => return skipped,
        }
    }
}

/// Room for the fields `section` can hold, for `httparse` to fill: one slot
/// per line (a field takes at least one), but no more than `max_fields`, so
/// that a section with more fields fails with `TooManyHeaders`.
pub(super) fn field_slots(section: &[u8], max_fields: usize) -> Vec<httparse::Header<'_>> {
    let lines = section.iter().filter(|&&byte| byte == b'\n').count();
    vec![httparse::EMPTY_HEADER; lines.min(max_fields)]
}

/// Turns an `httparse` error about `what` into ours: too many fields is a
/// limit, anything else is malformed input.
pub(super) fn parse_error(error: httparse::Error, what: &str) -> Error {
    match error {
        httparse::Error::TooManyHeaders => Error::TooLarge(Limit::Headers),
        other => Error::protocol(format!("invalid {what}: {other}")),
    }
}

/// Parses a trailer section that [`find_end`] delimited.
pub(super) fn parse_trailers(section: &[u8], max_fields: usize) -> Result<Headers, Error> {
    let mut slots = field_slots(section, max_fields);
    match httparse::parse_headers(section, &mut slots) {
        Ok(httparse::Status::Complete((_, fields))) => Ok(Headers::from_parsed(fields)),
        Ok(httparse::Status::Partial) => Err(Error::protocol("trailer section ended early")),
        Err(error) => Err(parse_error(error, "trailer section")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_empty_line_that_ends_a_section() {
        assert_eq!(find_end(b"A: 1\r\nB: 2\r\n\r\nbody", 0), Some(14));
        assert_eq!(find_end(b"A: 1\n\nbody", 0), Some(6));
        assert_eq!(find_end(b"\r\nrest", 0), Some(2));
        assert_eq!(find_end(b"\nrest", 0), Some(1));
    }

    #[test]
    fn a_lone_carriage_return_inside_a_line_is_not_an_end() {
        assert_eq!(find_end(b"A: 1\r\r\nB: 2\r\n", 0), None);
    }

    #[test]
    fn resuming_the_search_finds_the_same_end() {
        let section = b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n";
        for from in 0..section.len() {
            assert_eq!(find_end(section, from), Some(section.len()), "from {from}");
        }
        assert_eq!(find_end(b"A: 1\r\n", 6), None);
    }

    #[test]
    fn leading_empty_lines_counts_only_complete_lines() {
        assert_eq!(leading_empty_lines(b"\r\n\nHTTP"), 3);
        assert_eq!(leading_empty_lines(b"\r"), 0);
        assert_eq!(leading_empty_lines(b"HTTP\r\n"), 0);
    }

    #[test]
    fn trailers_parse_and_count_against_the_field_limit() {
        let trailers = parse_trailers(b"Expires: never\r\nX-Sum: 1\r\n\r\n", 10).unwrap();
        assert_eq!(trailers.get("x-sum"), Some("1"));
        assert!(parse_trailers(b"\r\n", 10).unwrap().is_empty());
        assert!(matches!(
            parse_trailers(b"A: 1\r\nB: 2\r\n\r\n", 1),
            Err(Error::TooLarge(Limit::Headers))
        ));
        assert!(matches!(
            parse_trailers(b"Bad Name: 1\r\n\r\n", 10),
            Err(Error::Protocol(_))
        ));
    }
}
