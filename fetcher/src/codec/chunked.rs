//! The chunked transfer coding (RFC 9112 section 7.1).
//!
//! A chunked body is a series of chunks, each a size line in hexadecimal
//! followed by that many bytes and a CRLF. A chunk of size zero ends the
//! body; a trailer section of header fields and an empty line follow it:
//!
//! ```text
//! 5;name=value\r\n      size line: size 5, one chunk extension (ignored)
//! hello\r\n             5 bytes of data, then CRLF
//! 0\r\n                 last chunk
//! Expires: never\r\n    trailer fields (optional)
//! \r\n                  empty line: the body is complete
//! ```
//!
//! The decoder moves through these states:
//!
//! ```text
//!          size > 0            size bytes read
//!   Size ------------> Data ------------------> DataEnd
//!    ^  \                                          |
//!    |   \ size == 0                               | CRLF
//!    |    v                                        |
//!    | Trailers --- empty line ---> Done           |
//!    +---------------------------------------------+
//! ```
//!
//! Chunk lines must end in CRLF; a bare LF is rejected, since accepting
//! line ends that other parsers reject is how framing confusion starts.

use super::body::Body;
use super::{section, Headers, Limits};
use crate::{Error, Limit};

/// Removes chunked framing from a body, fed in pieces of any size.
#[derive(Debug)]
pub(super) struct ChunkedDecoder {
    state: Chunk,
    /// How far the trailer section was searched for its end; see
    /// [`section::find_end`].
    scanned: usize,
    /// The trailer fields, once the trailer section was read.
    trailers: Option<Headers>,
}

/// Where the chunked decoder is within the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Expecting a chunk-size line. Entered at the start of the body and
    /// after the CRLF that ends each chunk's data.
    Size,
    /// Copying chunk data, `remaining` bytes still due. Entered after a size
    /// line with a size above zero.
    Data {
        /// Bytes of this chunk not yet read.
        remaining: u64,
    },
    /// Expecting the CRLF after chunk data. Entered when a chunk's data has
    /// been read.
    DataEnd,
    /// Reading the trailer section up to its empty line. Entered after the
    /// last chunk, the one of size zero.
    Trailers,
    /// The body is complete. Entered when the trailer section is read.
    Done,
}

impl ChunkedDecoder {
    /// A decoder at the start of a chunked body.
    pub(super) fn new() -> Self {
        ChunkedDecoder {
            state: Chunk::Size,
            scanned: 0,
            trailers: None,
        }
    }

    /// Whether the whole body, trailer section included, has been read.
    pub(super) fn is_done(&self) -> bool {
        self.state == Chunk::Done
    }

    /// The trailer fields, once [`is_done`](Self::is_done).
    pub(super) fn take_trailers(&mut self) -> Option<Headers> {
        self.trailers.take()
    }

    /// Decodes as much of `input` as possible, appending chunk data to
    /// `body`, and returns how many bytes of `input` it used.
    ///
    /// It stops when done or when `input` ends in the middle of something;
    /// the caller keeps the unused bytes and passes them again, with more
    /// appended, on the next call.
    pub(super) fn decode(
        &mut self,
        input: &[u8],
        body: &mut Body,
        limits: &Limits,
    ) -> Result<usize, Error> {
        let mut used = 0;
        while let Some(rest) = input.get(used..) {
            match self.step(rest, body, limits)? {
                Some(step) => used += step,
                None => break,
            }
        }
        Ok(used)
    }

    /// Takes one step: returns how many bytes of `rest` it used, or `None`
    /// if it can go no further without more input.
    fn step(
        &mut self,
        rest: &[u8],
        body: &mut Body,
        limits: &Limits,
    ) -> Result<Option<usize>, Error> {
        match self.state {
            Chunk::Size => {
                let Some(line_end) = size_line_end(rest, limits.max_chunk_line_bytes)? else {
                    return Ok(None);
                };
                let size = parse_size_line(rest.get(..line_end).unwrap_or_default())?;
                if size == 0 {
                    self.state = Chunk::Trailers;
                    self.scanned = 0;
                } else {
                    body.ensure_room(size)?;
                    self.state = Chunk::Data { remaining: size };
                }
                Ok(Some(line_end))
            }
            Chunk::Data { remaining } => {
                let available = rest
                    .len()
                    .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                if available == 0 {
                    return Ok(None);
                }
                body.push(rest.get(..available).unwrap_or_default())?;
                let remaining = remaining - available as u64;
                self.state = if remaining == 0 {
                    Chunk::DataEnd
                } else {
                    Chunk::Data { remaining }
                };
                Ok(Some(available))
            }
            Chunk::DataEnd => match rest {
                [b'\r', b'\n', ..] => {
                    self.state = Chunk::Size;
                    Ok(Some(2))
                }
                [] | [b'\r'] => Ok(None),
                _ => Err(Error::protocol("chunk data not followed by crlf")),
            },
            Chunk::Trailers => {
                let max = limits.max_trailer_bytes;
                let Some(end) = section::find_end(rest, self.scanned) else {
                    self.scanned = rest.len();
                    return if rest.len() >= max {
                        Err(Error::TooLarge(Limit::Trailers))
                    } else {
                        Ok(None)
                    };
                };
                if end > max {
                    return Err(Error::TooLarge(Limit::Trailers));
                }
                let trailers = rest.get(..end).unwrap_or_default();
                self.trailers = Some(section::parse_trailers(trailers, limits.max_headers)?);
                self.state = Chunk::Done;
                Ok(Some(end))
            }
            Chunk::Done => Ok(None),
        }
    }
}

/// The length of the size line at the start of `rest`, line feed included,
/// or `None` if it has not fully arrived. Fails if the line is, or must
/// turn out to be, longer than `max` bytes.
fn size_line_end(rest: &[u8], max: usize) -> Result<Option<usize>, Error> {
    let window = rest.get(..max).unwrap_or(rest);
    match window.iter().position(|&byte| byte == b'\n') {
        Some(line_feed) => Ok(Some(line_feed + 1)),
        None if rest.len() >= max => Err(Error::TooLarge(Limit::ChunkLine)),
        None => Ok(None),
    }
}

/// Parses a size line, line end included: hexadecimal size, then optional
/// chunk extensions, which carry nothing we use and are skipped.
fn parse_size_line(line: &[u8]) -> Result<u64, Error> {
    let line = line
        .strip_suffix(b"\r\n")
        .ok_or_else(|| Error::protocol("chunk size line not ended by crlf"))?;
    let digits = line
        .iter()
        .take_while(|byte| byte.is_ascii_hexdigit())
        .count();
    let (hex, extensions) = line.split_at(digits);
    if hex.is_empty() {
        return Err(Error::protocol("chunk size is not a hexadecimal number"));
    }
    let size = hex
        .iter()
        .try_fold(0u64, |size, &digit| {
            let value = char::from(digit).to_digit(16)?;
            size.checked_mul(16)?.checked_add(u64::from(value))
        })
        .ok_or_else(|| Error::protocol("chunk size does not fit in 64 bits"))?;
    check_extensions(extensions)?;
    Ok(size)
}

/// Checks what follows the chunk size: nothing, or optional whitespace and
/// `;` extensions with no control characters.
fn check_extensions(extensions: &[u8]) -> Result<(), Error> {
    let start = extensions
        .iter()
        .position(|&byte| byte != b' ' && byte != b'\t')
        .unwrap_or(extensions.len());
    let starts_right = matches!(extensions.get(start..), Some([] | [b';', ..]));
    let clean = extensions
        .iter()
        .all(|&byte| byte == b'\t' || !byte.is_ascii_control());
    if starts_right && clean {
        Ok(())
    } else {
        Err(Error::protocol("invalid text after chunk size"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` in one piece; returns the body, trailers and how many
    /// bytes were used.
    fn decode_all(
        input: &[u8],
        limits: &Limits,
    ) -> Result<(Vec<u8>, Option<Headers>, usize), Error> {
        let mut decoder = ChunkedDecoder::new();
        let mut body = Body::new(limits.max_body_bytes);
        let used = decoder.decode(input, &mut body, limits)?;
        assert!(decoder.is_done(), "input holds a complete body");
        Ok((body.take(), decoder.take_trailers(), used))
    }

    fn decode(input: &[u8]) -> Result<(Vec<u8>, Option<Headers>, usize), Error> {
        decode_all(input, &Limits::default())
    }

    #[test]
    fn chunks_are_joined_and_the_end_is_exact() {
        let input = b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\nNEXT";
        let (body, trailers, used) = decode(input).unwrap();
        assert_eq!(body, b"hello, world");
        assert_eq!(trailers, Some(Headers::new()));
        assert_eq!(
            used,
            input.len() - 4,
            "the bytes after the body stay unused"
        );
    }

    #[test]
    fn extensions_are_skipped_and_hex_sizes_read() {
        let input = b"A;name=value;flag\r\n0123456789\r\n1 ; x=\"q\"\r\n!\r\n0;last\r\n\r\n";
        let (body, _, _) = decode(input).unwrap();
        assert_eq!(body, b"0123456789!");
    }

    #[test]
    fn trailers_are_kept() {
        let input = b"3\r\nabc\r\n0\r\nExpires: never\r\nX-Digest: 1\r\n\r\n";
        let (body, trailers, used) = decode(input).unwrap();
        assert_eq!(body, b"abc");
        let trailers = trailers.unwrap();
        assert_eq!(trailers.get("x-digest"), Some("1"));
        assert_eq!(trailers.len(), 2);
        assert_eq!(used, input.len());
    }

    #[test]
    fn stops_where_input_ends_and_resumes() {
        let limits = Limits::default();
        let mut decoder = ChunkedDecoder::new();
        let mut body = Body::new(100);
        assert_eq!(decoder.decode(b"5\r\nhel", &mut body, &limits).unwrap(), 6);
        assert_eq!(decoder.decode(b"lo\r", &mut body, &limits).unwrap(), 2);
        assert_eq!(decoder.decode(b"\r\n0\r", &mut body, &limits).unwrap(), 2);
        assert_eq!(decoder.decode(b"0\r\n\r", &mut body, &limits).unwrap(), 3);
        assert!(!decoder.is_done());
        assert_eq!(decoder.decode(b"\r\n", &mut body, &limits).unwrap(), 2);
        assert!(decoder.is_done());
        assert_eq!(body.take(), b"hello");
    }

    #[test]
    fn bad_chunk_sizes_are_protocol_errors() {
        let bad: [&[u8]; 8] = [
            b"x\r\n",
            b"\r\n",
            b"-1\r\n",
            b"5 garbage\r\n",
            b"5\n",
            b"5\r\r\n",
            b"5;a\0b\r\n",
            b"10000000000000000\r\n",
        ];
        for input in bad {
            let mut decoder = ChunkedDecoder::new();
            let result = decoder.decode(input, &mut Body::new(u64::MAX), &Limits::default());
            assert!(
                matches!(result, Err(Error::Protocol(_))),
                "{:?} should be rejected",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn chunk_data_must_end_in_crlf() {
        assert!(matches!(
            decode(b"3\r\nabcX\r\n0\r\n\r\n"),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            decode(b"3\r\nabc\n0\r\n\r\n"),
            Err(Error::Protocol(_))
        ));
    }

    #[test]
    fn chunk_sizes_over_the_body_limit_fail_before_the_data() {
        let limits = Limits {
            max_body_bytes: 8,
            ..Limits::default()
        };
        assert!(decode_all(b"8\r\n12345678\r\n0\r\n\r\n", &limits).is_ok());
        let result = decode_all(b"5\r\n12345\r\n4\r\n", &limits);
        assert!(matches!(result, Err(Error::TooLarge(Limit::Body))));
    }

    #[test]
    fn long_size_lines_are_too_large() {
        let limits = Limits {
            max_chunk_line_bytes: 8,
            ..Limits::default()
        };
        assert!(decode_all(b"1;abc\r\nx\r\n0\r\n\r\n", &limits).is_ok());
        let mut decoder = ChunkedDecoder::new();
        let result = decoder.decode(b"1;abcdefg", &mut Body::new(100), &limits);
        assert!(matches!(result, Err(Error::TooLarge(Limit::ChunkLine))));
    }

    #[test]
    fn long_trailer_sections_are_too_large() {
        let limits = Limits {
            max_trailer_bytes: 10,
            ..Limits::default()
        };
        assert!(decode_all(b"0\r\nA: 123\r\n\r\n", &limits).is_ok());
        let result = decode_all(b"0\r\nA: 1234\r\n\r\n", &limits);
        assert!(matches!(result, Err(Error::TooLarge(Limit::Trailers))));
    }
}
