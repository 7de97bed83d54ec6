//! Where decoded body bytes collect, and the limit on how many may arrive.

use crate::{Error, Limit};

/// The decoded body bytes not yet taken by the caller, and a count of all
/// body bytes so far, which the body limit applies to.
#[derive(Debug)]
pub(super) struct Body {
    /// Bytes decoded but not yet handed out by [`Body::take`].
    bytes: Vec<u8>,
    /// Every body byte decoded so far, taken or not.
    received: u64,
    /// The most bytes the whole body may have.
    max: u64,
}

impl Body {
    /// An empty body that may grow to `max` bytes.
    pub(super) fn new(max: u64) -> Self {
        Body {
            bytes: Vec::new(),
            received: 0,
            max,
        }
    }

    /// Fails with [`Limit::Body`] if `more` further bytes would not fit.
    ///
    /// Framing that announces a length (`Content-Length`, a chunk size) is
    /// checked with this as soon as the length is known, before any of the
    /// bytes arrive.
    pub(super) fn ensure_room(&self, more: u64) -> Result<(), Error> {
        match self.received.checked_add(more) {
            Some(total) if total <= self.max => Ok(()),
            _ => Err(Error::TooLarge(Limit::Body)),
        }
    }

    /// Appends decoded body bytes, failing if they do not fit.
    pub(super) fn push(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let more = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        self.ensure_room(more)?;
        self.received += more;
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }

    /// Hands out the bytes decoded since the last call.
    pub(super) fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_bytes_already_taken() {
        let mut body = Body::new(4);
        body.push(b"ab").unwrap();
        assert_eq!(body.take(), b"ab");
        body.push(b"cd").unwrap();
        assert!(matches!(body.push(b"e"), Err(Error::TooLarge(Limit::Body))));
        assert_eq!(body.take(), b"cd", "a refused push adds nothing");
    }

    #[test]
    fn announced_lengths_are_checked_without_overflow() {
        let body = Body::new(10);
        assert!(body.ensure_room(10).is_ok());
        assert!(body.ensure_room(11).is_err());
        assert!(body.ensure_room(u64::MAX).is_err());
    }
}
