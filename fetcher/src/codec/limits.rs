//! How much of a response the decoder is willing to hold.

/// Size limits that the [`ResponseDecoder`](super::ResponseDecoder) enforces.
///
/// A server can send anything, so every part of a response that the decoder
/// buffers has an upper bound. Going over one of them fails with
/// [`Error::TooLarge`](crate::Error::TooLarge) naming the
/// [`Limit`](crate::Limit) that matches the field.
///
/// Change single fields with struct update syntax:
///
/// ```
/// use fetcher::codec::Limits;
///
/// let limits = Limits {
///     max_body_bytes: 1024 * 1024,
///     ..Limits::default()
/// };
/// assert_eq!(limits.max_headers, 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes in the response head: status line, header fields and the
    /// empty line that ends them. Interim 1xx heads before the final head
    /// count towards the same budget. Default: 64 KiB.
    pub max_head_bytes: usize,
    /// Most header fields in the head, and separately most trailer fields
    /// in the trailer section of a chunked body. Default: 100.
    pub max_headers: usize,
    /// Most body bytes, after chunked framing is removed. Default: 10 MiB.
    pub max_body_bytes: u64,
    /// Longest chunk-size line of a chunked body, counting the size, any
    /// chunk extensions and the CRLF. Default: 4 KiB.
    pub max_chunk_line_bytes: usize,
    /// Most bytes in the trailer section that ends a chunked body, counting
    /// the empty line that ends it. Default: 16 KiB.
    pub max_trailer_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            max_body_bytes: 10 * 1024 * 1024,
            max_chunk_line_bytes: 4 * 1024,
            max_trailer_bytes: 16 * 1024,
        }
    }
}
